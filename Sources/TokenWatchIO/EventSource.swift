@preconcurrency import Glibc
import TokenWatchCore
import TokenWatchJSON

/// Counters for the end-of-run summary (and for scraping).
public struct InputStats: Sendable, Equatable {
  public var lines = 0
  public var blankLines = 0
  public var invalidJSON = 0
  public var invalidUTF8 = 0
  public var oversizedLines = 0
  public var invalidRecords = 0
  public var unknownFormat = 0
  public var unknownCategory = 0
  public var lateEvents = 0
  /// Events released from a full reorder window before the watermark passed them.
  public var earlyReleases = 0
  /// Lines a sender hung up in the middle of (sockets only).
  public var truncatedLines = 0
  /// Syslog frames that were malformed or carried no JSON payload (sockets only).
  public var invalidFrames = 0
  public var bytes = 0

  public var badLines: Int { invalidJSON + invalidUTF8 + oversizedLines + invalidRecords + truncatedLines + invalidFrames }

  public init() {}

  /// The counts of one line that counted nothing but itself and its bytes.
  init(plainLineBytes bytes: Int) {
    lines = 1
    self.bytes = bytes
  }

  /// The bytes, when these are the counts of one line that counted nothing else (most lines):
  /// compared whole, so a counter added later is covered without being listed here.
  var plainLineBytes: Int? { self == InputStats(plainLineBytes: bytes) ? bytes : nil }

  /// Adds counts gathered elsewhere (a decode thread's per-line counts). Every field.
  mutating func add(_ other: InputStats) {
    lines += other.lines
    blankLines += other.blankLines
    invalidJSON += other.invalidJSON
    invalidUTF8 += other.invalidUTF8
    oversizedLines += other.oversizedLines
    invalidRecords += other.invalidRecords
    unknownFormat += other.unknownFormat
    unknownCategory += other.unknownCategory
    lateEvents += other.lateEvents
    earlyReleases += other.earlyReleases
    truncatedLines += other.truncatedLines
    invalidFrames += other.invalidFrames
    bytes += other.bytes
  }
}

/// Prints input problems as `source:line[:col]: error: [CODE] message` on stderr, counts them,
/// and remembers whether `--strict-input` should stop the run.
///
/// A capturing reporter (a decode thread's) keeps the lines it would print in `captured`
/// instead; the engine thread prints them later with `replay`, in input order.
public final class InputReporter {
  public var stats = InputStats()
  public let strict: Bool
  public private(set) var strictFailure = false
  let capturing: Bool
  var captured: [CapturedDiagnostic] = []

  public init(strict: Bool) {
    self.strict = strict
    capturing = false
  }

  init(strict: Bool, capturing: Bool) {
    self.strict = strict
    self.capturing = capturing
  }

  func error(_ name: String, _ line: Int, _ column: Int?, _ code: String, _ message: String) {
    report("error", name, line, column, code, message, failsStrict: strict)
  }

  func warning(_ name: String, _ line: Int, _ column: Int?, _ code: String, _ message: String, failsStrict: Bool = false) {
    report("warning", name, line, column, code, message, failsStrict: strict && failsStrict)
  }

  /// A capturing reporter starting on another batch: nothing captured, no failure seen. A decode
  /// thread's reporter serves every input; a failure stops the run when the engine thread replays
  /// it, not in the next batch this thread decodes (which may come earlier in the merged order).
  func startBatch() {
    captured.removeAll(keepingCapacity: true)
    strictFailure = false
  }

  /// Prints a diagnostic captured on a decode thread, exactly as `report` would have.
  func replay(_ diagnostic: CapturedDiagnostic) {
    StandardError.write(diagnostic.text)
    if diagnostic.failsStrict { strictFailure = true }
  }

  private func report(_ severity: String, _ name: String, _ line: Int, _ column: Int?, _ code: String, _ message: String, failsStrict: Bool) {
    let position = column.map { "\(line):\($0)" } ?? "\(line)"
    let text = "\(TerminalText.escape(name)):\(position): \(severity): [\(code)] \(TerminalText.escape(message))"
    if capturing {
      captured.append(CapturedDiagnostic(text: text, failsStrict: failsStrict))
    } else {
      StandardError.write(text)
    }
    if failsStrict { strictFailure = true }
  }
}

/// One diagnostic line as a decode thread produced it, and whether it stops a `--strict-input` run.
struct CapturedDiagnostic: Sendable, Equatable {
  var text: String
  var failsStrict: Bool
}

/// One input (a file or stdin): lines → JSON → records → normalized events. Bad lines are
/// reported and skipped; nothing stops the stream.
public final class EventSource {
  public let name: String
  public let reader: LineReader
  let registry: NormalizerRegistry
  let decoder: RecordDecoder
  let reporter: InputReporter
  let maxDocumentBytes: Int
  var started = false
  let fd: Int32
  /// A pipe, terminal or socket rather than a regular file: a read may wait for the writer.
  let isStream: Bool

  /// `strings` is the cache this input's own decoder makes strings through: one per thread that
  /// reads inputs with their own decoders (see `JSONStringCache.threadSlotBits`).
  public init(path: String, registry: NormalizerRegistry, reporter: InputReporter, strings: JSONStringCache = JSONStringCache(), maxLineBytes: Int, maxDocumentBytes: Int) throws(PosixError) {
    let fd: Int32
    if path == "-" {
      fd = 0
    } else {
      switch Posix.openForReading(path) {
      case .success(let opened): fd = opened
      case .failure(let error): throw error
      }
    }
    self.fd = fd
    var info = stat()
    isStream = fstat(fd, &info) != 0 || (info.st_mode & S_IFMT) != S_IFREG
    name = path == "-" ? "<stdin>" : path
    reader = LineReader(fd: fd, ownsDescriptor: path != "-", maxLineBytes: maxLineBytes)
    reader.shouldStop = { Signals.isStopRequested }
    self.registry = registry
    decoder = RecordDecoder(registry: registry, reporter: reporter, strings: strings)
    self.reporter = reporter
    self.maxDocumentBytes = maxDocumentBytes
  }

  public enum ReadResult {
    case more, idle, end
  }

  /// Reads one line (or, for a file that is one JSON array, the whole file) and hands each event
  /// to `emit` with a tie-break hash of its raw record and its line number.
  public func readNext(_ emit: (consuming NormalizedEvent, UInt64, Int) -> Void) -> ReadResult {
    if !started {
      started = true
      if reader.idleTimeoutMillis == nil, reader.firstNonBlankByte() == UInt8(ascii: "[") {
        readArrayDocument(emit)
        return .end
      }
    }
    guard let line = reader.next() else { return .end }
    switch line {
    case .idle:
      return .idle
    case .oversized(let number, let bytes):
      decoder.reportOversized(name, line: number, bytes: bytes, limit: reader.maxLineBytes)
    case .text(let bytes, let number):
      decoder.decodeLine(bytes, source: name, line: number) { emit($0, $1, number) }
    }
    return .more
  }

  func readArrayDocument(_ emit: (consuming NormalizedEvent, UInt64, Int) -> Void) {
    guard let bytes = reader.readRest(limit: maxDocumentBytes) else {
      reporter.stats.lines += 1
      reporter.stats.oversizedLines += 1
      reporter.error(name, 1, nil, "TW202", "JSON array document exceeds the \(maxDocumentBytes)-byte limit; skipped")
      return
    }
    decoder.decodeArrayDocument(bytes, source: name, emit)
  }
}

/// Bytes → JSON → records → normalized events, for one line or one whole document, whatever it
/// came from (a file, stdin, a socket). Every problem is reported with its source and line,
/// counted, and skipped.
public final class RecordDecoder {
  private let registry: NormalizerRegistry
  private let reporter: InputReporter
  private var document = JSONDocument()
  /// Shared by every document this decoder parses, and by other decoders that run on the same
  /// thread only (a cache is not thread-safe).
  private let strings: JSONStringCache
  /// The key order of the sign-ins the fast path read last (one per decoder, so per thread).
  private let keyOrder = EntraSignInFastPath.makeKeyOrder()
  /// The layouts of the sign-ins the fast path walked whole (per decoder, so per thread).
  private let layout = EntraSignInFastPath.makeLayout()

  /// Whether plain Entra diagnostic sign-ins skip the document (`EntraSignInFastPath`): on
  /// unless another format is forced. Tests turn it off to compare the two paths.
  var readsEntraDirectly: Bool
  /// Lines in a row the fast path declined. After `fastPathPatience` of them the feed is taken
  /// to be another format (Graph activity, Okta), whose lines the fast path skims up to their
  /// category before it declines (about 2,200 instructions each, +6% on Graph), so only every
  /// `fastPathProbeInterval`th line tries it until one is read. Skipping never changes a result:
  /// the document path reads every line the fast path reads, to the same event.
  private var fastPathDeclines = 0
  static let fastPathPatience = 16
  static let fastPathProbeInterval = 32
  /// Lines the fast path was tried on (for tests).
  private(set) var fastPathAttempts = 0

  public init(registry: NormalizerRegistry, reporter: InputReporter, strings: JSONStringCache = JSONStringCache()) {
    self.registry = registry
    self.reporter = reporter
    self.strings = strings
    document.stringCache = strings
    readsEntraDirectly = registry.forcedFormat == nil || registry.forcedFormat == .entra
  }

  public func reportOversized(_ name: String, line: Int, bytes: Int, limit: Int) {
    reporter.stats.lines += 1
    reporter.stats.oversizedLines += 1
    reporter.error(name, line, nil, "TW202", "line of \(bytes) bytes exceeds the \(limit)-byte limit; skipped")
  }

  /// Decodes one NDJSON line. `unterminated`: the sender hung up before ending it, so a parse
  /// failure means the line was cut short rather than malformed.
  public func decodeLine(_ bytes: ArraySlice<UInt8>, source name: String, line number: Int, unterminated: Bool = false, _ emit: (consuming NormalizedEvent, UInt64) -> Void) {
    bytes.withUnsafeBufferPointer { decodeLine($0, source: name, line: number, unterminated: unterminated, emit) }
  }

  /// `decodeLine` of bytes the caller keeps in place (a batch of lines read ahead): a slice of
  /// an array was retained and released several times on its way to each line's decoding.
  public func decodeLine(_ bytes: UnsafeBufferPointer<UInt8>, source name: String, line number: Int, unterminated: Bool = false, _ emit: (consuming NormalizedEvent, UInt64) -> Void) {
    reporter.stats.lines += 1
    reporter.stats.bytes += bytes.count + 1
    if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
      reporter.stats.blankLines += 1
      return
    }
    if readsEntraDirectly {
      if fastPathDeclines < Self.fastPathPatience || fastPathDeclines % Self.fastPathProbeInterval == 0 {
        fastPathAttempts += 1
        if EntraSignInFastPath.decode(bytes, strings: strings, keyOrder: keyOrder, layout: layout, { event, record in emit(event, Self.tieBreak(record)) }) {
          fastPathDeclines = 0
          return
        }
      }
      fastPathDeclines &+= 1
    }
    do {
      try document.parse(bytes)
    } catch {
      if unterminated {
        reporter.stats.truncatedLines += 1
        reporter.error(name, number, nil, "TW208", "connection closed in the middle of a line (\(bytes.count) bytes without a newline); skipped")
      } else {
        reportJSONError(name, error.reason, line: number, column: error.offset + 1)
      }
      return
    }
    let refs = registry.records(in: document, document.root)
    for (k, ref) in refs.enumerated() {
      normalize(ref, in: document, source: name, line: number, label: refs.count > 1 ? "record \(k + 1) of \(refs.count): " : "") { emit($0, $1) }
    }
  }

  /// Decodes a file that is one JSON array (a Log Analytics export); line numbers are those of
  /// each record's first byte.
  public func decodeArrayDocument(_ bytes: [UInt8], source name: String, _ emit: (consuming NormalizedEvent, UInt64, Int) -> Void) {
    reporter.stats.bytes += bytes.count
    var whole = JSONDocument()
    whole.stringCache = strings
    do {
      try whole.parse(bytes)
    } catch {
      let (line, column) = lineAndColumn(of: error.offset, in: bytes)
      reporter.stats.lines += 1
      reportJSONError(name, error.reason, line: line, column: column)
      return
    }
    let refs = registry.records(in: whole, whole.root)
    var line = 1
    var scanned = 0
    for (k, ref) in refs.enumerated() {
      let offset = whole.rawBytes(ref).startIndex
      for i in scanned..<offset where bytes[i] == 0x0A { line += 1 }
      scanned = offset
      reporter.stats.lines += 1
      let number = line
      normalize(ref, in: whole, source: name, line: number, label: "record \(k + 1) of \(refs.count): ") { emit($0, $1, number) }
    }
  }

  /// A framing problem found before any JSON (a bad syslog frame): reported and counted as invalid.
  public func reportFramingProblem(_ name: String, line: Int, code: String, message: String) {
    reporter.stats.lines += 1
    reporter.stats.invalidFrames += 1
    reporter.error(name, line, nil, code, message)
  }

  private func normalize(_ ref: JSONRef, in document: JSONDocument, source name: String, line: Int, label: String, _ emit: (consuming NormalizedEvent, UInt64) -> Void) {
    do {
      let event = try registry.normalize(document, ref)
      emit(event, document.rawBytes(ref).withUnsafeBytes(Self.tieBreak))
    } catch {
      switch error.kind {
      case .unknownFormat:
        reporter.stats.unknownFormat += 1
        reporter.warning(name, line, nil, "TW203", label + "unknown format: " + error.reason, failsStrict: true)
      case .unknownCategory:
        reporter.stats.unknownCategory += 1
        reporter.warning(name, line, nil, "TW204", label + "unknown category: " + error.reason, failsStrict: true)
      case .invalid:
        reporter.stats.invalidRecords += 1
        reporter.error(name, line, nil, "TW205", label + "invalid record: " + error.reason)
      }
    }
  }

  /// A record's tie-break: a hash of its bytes as written, so events with the same time are
  /// ordered the same way whatever order they arrived in and whichever path read them.
  private static func tieBreak(_ record: UnsafeRawBufferPointer) -> UInt64 {
    var hash = StableHash()
    hash.combine(bytes: record)
    return hash.value
  }

  private func reportJSONError(_ name: String, _ reason: String, line: Int, column: Int) {
    if reason.contains("UTF-8") {
      reporter.stats.invalidUTF8 += 1
      reporter.error(name, line, column, "TW207", "invalid UTF-8: " + reason)
    } else {
      reporter.stats.invalidJSON += 1
      reporter.error(name, line, column, "TW201", "invalid JSON: " + reason)
    }
  }

  private func lineAndColumn(of offset: Int, in bytes: [UInt8]) -> (Int, Int) {
    var line = 1
    var lineStart = 0
    for i in 0..<min(offset, bytes.count) where bytes[i] == 0x0A {
      line += 1
      lineStart = i + 1
    }
    return (line, offset - lineStart + 1)
  }
}
