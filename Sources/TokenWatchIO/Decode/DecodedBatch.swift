@preconcurrency import Glibc
import TokenWatchCore

/// What a decode thread made of a run of lines from one input, in input order, for the engine
/// thread to replay exactly as if it had read the lines itself.
///
/// A step is what one `EventSource.readNext` call would have done: one line (or, for a file that
/// is one JSON array, the whole file) with the events it gave, the diagnostics it printed and the
/// counts it added. The engine thread replays a batch step by step, so diagnostics, late-event
/// warnings and `--strict-input` stops fall exactly where they fall on the single-threaded path.
struct DecodedBatch: Sendable {
  struct Step: Sendable {
    /// `events[previous.eventEnd..<eventEnd]` came from this step.
    var eventEnd: Int
    /// `diagnostics[previous.diagnosticEnd..<diagnosticEnd]` were reported by this step.
    var diagnosticEnd: Int
    /// What this step added to the input counters (`addStats(of:to:)`): for a plain line, which only
    /// counts itself and its bytes, the bytes; else `~i` for `unusualStats[i]`. A step is 24
    /// bytes, where it was 128 with the whole `InputStats`, and the decode thread writes one and
    /// the engine thread reads it for every line.
    var counted: Int32
    /// The input ends with this step (a JSON array document is read whole, then the input ends).
    var endsInput: Bool
  }

  /// Each event's tie-break and line, alongside `events` (kept apart so the events can be moved out).
  struct Key: Sendable {
    var tieBreak: UInt64
    var line: Int
  }

  var steps: [Step] = []
  /// In input order while the batch is decoded; `DecodeStage` reverses them (and `keys`) before
  /// handing the batch over, so the engine thread can move each out with `popLast()`.
  var events: [NormalizedEvent] = []
  var keys: [Key] = []
  var diagnostics: [CapturedDiagnostic] = []
  /// The counts of steps that are not plain lines (see `Step.counted`).
  var unusualStats: [InputStats] = []
  /// After its steps, the input ended: end of file, a read error, or a `--strict-input` stop
  /// (after which nothing more is decoded: the engine thread stops at that step).
  var ended = false
  var readError: PosixError?

  var isEmpty: Bool { steps.isEmpty && !ended }

  /// Ends a step: what was decoded since the last one, with what it counted.
  mutating func appendStep(diagnosticEnd: Int, stats: InputStats, endsInput: Bool) {
    let counted: Int32
    if let bytes = stats.plainLineBytes, let small = Int32(exactly: bytes) {
      counted = small
    } else {
      counted = ~Int32(unusualStats.count)
      unusualStats.append(stats)
    }
    steps.append(Step(eventEnd: events.count, diagnosticEnd: diagnosticEnd, counted: counted, endsInput: endsInput))
  }

  /// Adds what `step` counted to `stats`, without making an `InputStats` for a plain line.
  func addStats(of step: Step, to stats: inout InputStats) {
    if step.counted >= 0 {
      stats.lines += 1
      stats.bytes += Int(step.counted)
    } else {
      stats.add(unusualStats[Int(~step.counted)])
    }
  }

  /// Room for `count` more events, when that many are known to come (a line usually gives one):
  /// growing by doubling copied each event again, about 480 instructions an event.
  mutating func reserveEvents(_ count: Int) {
    events.reserveCapacity(events.count + count)
    keys.reserveCapacity(keys.count + count)
  }

  /// On a decode thread: the event's keys are hashed here, where its strings were just made.
  mutating func append(_ event: consuming NormalizedEvent, tieBreak: UInt64, line: Int) {
    events.append(event)
    events[events.count - 1].hashKeys()
    keys.append(Key(tieBreak: tieBreak, line: line))
  }

  /// Turns the events last first, for `popLast()` on the engine thread.
  mutating func prepareForHandOver() {
    // Through buffer pointers, whose swaps move elements: `Array.reverse()` copied each event
    // (retaining its strings) and destroyed the copy.
    events.withUnsafeMutableBufferPointer { $0.reverse() }
    keys.withUnsafeMutableBufferPointer { $0.reverse() }
  }
}

/// Lines of one input read ahead of decoding, copied out of the reader's buffer: an input is read
/// by one thread at a time, but what was read can be decoded by any (see `DecodeStage`).
struct ReadAheadLines: Sendable {
  enum Entry: Sendable {
    case text(Range<Int>, number: Int)
    case oversized(number: Int, bytes: Int)
  }

  var bytes: [UInt8] = []
  var entries: [Entry] = []
  /// The input ended after these lines (end of file or a read error).
  var ended = false
  var readError: PosixError?

  /// Empties it for the next batch, keeping its storage: grown from empty for every batch, the
  /// bytes were copied again at each doubling, about 2,300 instructions an event.
  mutating func removeAll() {
    bytes.removeAll(keepingCapacity: true)
    entries.removeAll(keepingCapacity: true)
    ended = false
    readError = nil
  }
}

extension EventSource {
  /// Decodes lines into `batch` until it holds `maxLines` steps or events, the input ends, or (for
  /// a pipe) the next read would wait: what is already decoded goes to the engine at once then,
  /// as the single-threaded path would process it at once. Runs on a decode thread; the source's
  /// reporter must be a capturing one.
  func decodeBatch(into batch: inout DecodedBatch, maxLines: Int, isStopping: () -> Bool) {
    precondition(reporter.capturing, "a decode thread's source needs a capturing reporter")
    reporter.captured.removeAll(keepingCapacity: true)
    defer {
      batch.diagnostics = reporter.captured
      reporter.captured.removeAll(keepingCapacity: true)
    }
    if !started {
      if isStream {
        // Wait for the first bytes in short polls, so a stop is noticed while stdin is silent.
        while !Self.isReadable(fd, timeoutMillis: 100) {
          if isStopping() { return }
        }
      }
      started = true
      if reader.firstNonBlankByte() == UInt8(ascii: "[") {
        reporter.stats = InputStats()
        readArrayDocument { event, tieBreak, line in batch.append(event, tieBreak: tieBreak, line: line) }
        batch.appendStep(diagnosticEnd: reporter.captured.count, stats: reporter.stats, endsInput: true)
        batch.ended = true
        batch.readError = reader.readError
        return
      }
      // Reads of a stream wait in short polls from here on, for the same reason.
      if isStream { reader.idleTimeoutMillis = 100 }
    }
    while batch.steps.count < maxLines, batch.events.count < maxLines {
      if isStopping() { return }
      if isStream, !batch.steps.isEmpty, !reader.hasBufferedLine, !Self.isReadable(fd, timeoutMillis: 0) { return }
      reporter.stats = InputStats()
      guard let line = reader.next() else {
        batch.ended = true
        batch.readError = reader.readError
        return
      }
      if !decodeStep(line, with: decoder, reporter: reporter, into: &batch) { return }
    }
  }

  /// True once the lines of this input can be read ahead of decoding (`readAhead`) and decoded by
  /// any thread: a regular file past its first batch. The first batch decides whether the file
  /// is one JSON array document, and a stream's reads must not wait with a batch half read.
  var readsAhead: Bool { started && !isStream }

  /// Reads up to `maxLines` lines (or about `maxBytes`) into `lines`, without decoding them.
  func readAhead(into lines: inout ReadAheadLines, maxLines: Int, maxBytes: Int, isStopping: () -> Bool) {
    while lines.entries.count < maxLines, lines.bytes.count < maxBytes {
      if isStopping() { return }
      guard let line = reader.next() else {
        lines.ended = true
        lines.readError = reader.readError
        return
      }
      switch line {
      case .idle:
        return
      case .oversized(let number, let bytes):
        lines.entries.append(.oversized(number: number, bytes: bytes))
      case .text(let bytes, let number):
        let start = lines.bytes.count
        lines.bytes.append(contentsOf: bytes)
        lines.entries.append(.text(start..<lines.bytes.count, number: number))
      }
    }
  }

  /// Decodes lines read ahead, on whichever thread, with that thread's decoder and capturing
  /// reporter: the same steps `decodeBatch` would have made of them.
  func decode(_ lines: ReadAheadLines, into batch: inout DecodedBatch, with decoder: RecordDecoder, reporter: InputReporter, isStopping: () -> Bool) {
    precondition(reporter.capturing, "a decode thread's reporter must be a capturing one")
    reporter.startBatch()
    defer {
      batch.diagnostics = reporter.captured
      reporter.captured.removeAll(keepingCapacity: true)
    }
    // The lines are read where they are, through one pointer to all of them.
    let finished = lines.bytes.withUnsafeBufferPointer { all in
      for entry in lines.entries {
        if isStopping() { return false }
        reporter.stats = InputStats()
        switch entry {
        case .text(let range, let number):
          decodeText(UnsafeBufferPointer(rebasing: all[range]), number: number, with: decoder, into: &batch)
        case .oversized(let number, let bytes):
          decoder.reportOversized(name, line: number, bytes: bytes, limit: reader.maxLineBytes)
        }
        if !endStep(reporter: reporter, into: &batch) { return false }
      }
      return true
    }
    if finished, lines.ended {
      batch.ended = true
      batch.readError = lines.readError
    }
  }

  /// One line made into one step, as `readNext` makes it. False when the batch ends here: after a
  /// `--strict-input` failure (the engine thread will stop at that step), or when nothing arrived
  /// for a while (hand over what there is and let the thread look around; no step is made).
  private func decodeStep(_ line: LineReader.Line, with decoder: RecordDecoder, reporter: InputReporter, into batch: inout DecodedBatch) -> Bool {
    switch line {
    case .idle:
      return false
    case .oversized(let number, let bytes):
      decoder.reportOversized(name, line: number, bytes: bytes, limit: reader.maxLineBytes)
    case .text(let bytes, let number):
      bytes.withUnsafeBufferPointer { decodeText($0, number: number, with: decoder, into: &batch) }
    }
    return endStep(reporter: reporter, into: &batch)
  }

  @inline(__always) private func decodeText(_ bytes: UnsafeBufferPointer<UInt8>, number: Int, with decoder: RecordDecoder, into batch: inout DecodedBatch) {
    decoder.decodeLine(bytes, source: name, line: number) { event, tieBreak in
      batch.append(event, tieBreak: tieBreak, line: number)
    }
  }

  /// Ends the step of a line decoded into `batch`, with what the reporter captured and counted.
  /// False when the batch ends here (see `decodeStep`).
  @inline(__always) private func endStep(reporter: InputReporter, into batch: inout DecodedBatch) -> Bool {
    batch.appendStep(diagnosticEnd: reporter.captured.count, stats: reporter.stats, endsInput: false)
    if reporter.strictFailure {
      batch.ended = true
      return false
    }
    return true
  }

  static func isReadable(_ fd: Int32, timeoutMillis: Int32) -> Bool {
    var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    return poll(&descriptor, 1, timeoutMillis) != 0  // errors, EOF and hang-ups: let read(2) tell
  }
}
