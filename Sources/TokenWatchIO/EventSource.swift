import TokenWatchCore
import TokenWatchJSON

/// Counters for the end-of-run summary (and for scraping).
public struct InputStats: Sendable {
  public var lines = 0
  public var blankLines = 0
  public var invalidJSON = 0
  public var invalidUTF8 = 0
  public var oversizedLines = 0
  public var invalidRecords = 0
  public var unknownFormat = 0
  public var unknownCategory = 0
  public var lateEvents = 0
  public var bytes = 0

  public var badLines: Int { invalidJSON + invalidUTF8 + oversizedLines + invalidRecords }
}

/// Prints input problems as `source:line[:col]: error: [CODE] message` on stderr, counts them,
/// and remembers whether `--strict-input` should stop the run.
public final class InputReporter {
  public var stats = InputStats()
  public let strict: Bool
  public private(set) var strictFailure = false

  public init(strict: Bool) { self.strict = strict }

  func error(_ name: String, _ line: Int, _ column: Int?, _ code: String, _ message: String) {
    report("error", name, line, column, code, message)
    if strict { strictFailure = true }
  }

  func warning(_ name: String, _ line: Int, _ column: Int?, _ code: String, _ message: String, failsStrict: Bool = false) {
    report("warning", name, line, column, code, message)
    if strict && failsStrict { strictFailure = true }
  }

  private func report(_ severity: String, _ name: String, _ line: Int, _ column: Int?, _ code: String, _ message: String) {
    let position = column.map { "\(line):\($0)" } ?? "\(line)"
    StandardError.write("\(TerminalText.escape(name)):\(position): \(severity): [\(code)] \(TerminalText.escape(message))")
  }
}

/// One input (a file or stdin): lines → JSON → records → normalized events. Bad lines are
/// reported and skipped; nothing stops the stream.
public final class EventSource {
  public let name: String
  public let reader: LineReader
  private let registry: NormalizerRegistry
  private let reporter: InputReporter
  private let maxDocumentBytes: Int
  private var document = JSONDocument()
  private var started = false

  public init(path: String, registry: NormalizerRegistry, reporter: InputReporter, maxLineBytes: Int, maxDocumentBytes: Int) throws(PosixError) {
    let fd: Int32
    if path == "-" {
      fd = 0
    } else {
      switch Posix.openForReading(path) {
      case .success(let opened): fd = opened
      case .failure(let error): throw error
      }
    }
    name = path == "-" ? "<stdin>" : path
    reader = LineReader(fd: fd, ownsDescriptor: path != "-", maxLineBytes: maxLineBytes)
    reader.shouldStop = { Signals.isStopRequested }
    self.registry = registry
    self.reporter = reporter
    self.maxDocumentBytes = maxDocumentBytes
  }

  public enum ReadResult {
    case more, idle, end
  }

  /// Reads one line (or, for a file that is one JSON array, the whole file) and hands each event
  /// to `emit` with a tie-break hash of its raw record and its line number.
  public func readNext(_ emit: (NormalizedEvent, UInt64, Int) -> Void) -> ReadResult {
    if !started {
      started = true
      if reader.idleTimeoutMillis == nil, reader.firstNonBlankByte() == UInt8(ascii: "[") {
        readArrayDocument(emit)
        return .end
      }
    }
    guard let line = reader.next() else { return .end }
    if case .idle = line { return .idle }
    reporter.stats.lines += 1
    switch line {
    case .idle:
      break
    case .oversized(let number, let bytes):
      reporter.stats.oversizedLines += 1
      reporter.error(name, number, nil, "TW202", "line of \(bytes) bytes exceeds the \(reader.maxLineBytes)-byte limit; skipped")
    case .text(let bytes, let number):
      reporter.stats.bytes += bytes.count + 1
      if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
        reporter.stats.blankLines += 1
        return .more
      }
      do {
        try document.parse(bytes)
      } catch {
        reportJSONError(error.reason, line: number, column: error.offset + 1)
        return .more
      }
      let refs = registry.records(in: document, document.root)
      for (k, ref) in refs.enumerated() {
        normalize(ref, in: document, line: number, label: refs.count > 1 ? "record \(k + 1) of \(refs.count): " : "", emit)
      }
    }
    return .more
  }

  private func readArrayDocument(_ emit: (NormalizedEvent, UInt64, Int) -> Void) {
    guard let bytes = reader.readRest(limit: maxDocumentBytes) else {
      reporter.stats.oversizedLines += 1
      reporter.error(name, 1, nil, "TW202", "JSON array document exceeds the \(maxDocumentBytes)-byte limit; skipped")
      return
    }
    reporter.stats.bytes += bytes.count
    var whole = JSONDocument()
    do {
      try whole.parse(bytes)
    } catch {
      let (line, column) = lineAndColumn(of: error.offset, in: bytes)
      reporter.stats.lines += 1
      reportJSONError(error.reason, line: line, column: column)
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
      normalize(ref, in: whole, line: line, label: "record \(k + 1) of \(refs.count): ", emit)
    }
  }

  private func normalize(_ ref: JSONRef, in document: JSONDocument, line: Int, label: String, _ emit: (NormalizedEvent, UInt64, Int) -> Void) {
    do {
      let event = try registry.normalize(document, ref)
      var hash = StableHash()
      hash.combine(bytes: document.rawBytes(ref))
      emit(event, hash.value, line)
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

  private func reportJSONError(_ reason: String, line: Int, column: Int) {
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
