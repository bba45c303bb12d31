import TokenWatchCore

/// Where the replay loop gets each input's next step from: read and decoded right here
/// (`InlineFeed`), or decoded ahead on a decode thread (`StagedFeed`). Either way one call is one
/// line (or one whole JSON array document), with the same events, diagnostics and counts.
protocol ReplayFeed {
  /// Reads one step of `input` and hands each event to `emit` with its tie-break and line.
  mutating func readNext(_ input: Int, _ emit: (consuming NormalizedEvent, UInt64, Int) -> Void) -> EventSource.ReadResult
  /// The read error that ended `input`, once `readNext` has returned `.end` for it.
  func readError(_ input: Int) -> PosixError?
  /// True when the next step of `input` is at hand (no need to flush output before it).
  func hasBuffered(_ input: Int) -> Bool
  /// At the end of the run: did any input fail to read?
  var anyReadError: Bool { get }
}

struct InlineFeed: ReplayFeed {
  let sources: [EventSource]

  mutating func readNext(_ input: Int, _ emit: (consuming NormalizedEvent, UInt64, Int) -> Void) -> EventSource.ReadResult {
    sources[input].readNext { emit($0, $1, $2) }
  }

  func readError(_ input: Int) -> PosixError? { sources[input].reader.readError }
  func hasBuffered(_ input: Int) -> Bool { sources[input].reader.hasBufferedLine }
  var anyReadError: Bool { sources.contains { $0.reader.readError != nil } }
}

/// Replays decoded batches step by step on the engine thread: each step's diagnostics are printed
/// (and may stop a `--strict-input` run) and its counts added before its events go to the merger,
/// just as `EventSource.readNext` does it when it decodes the line itself.
struct StagedFeed: ReplayFeed {
  final class Cursor {
    var batch = DecodedBatch()
    var step = 0
    var event = 0
    var diagnostic = 0
    var ended = false
    var readError: PosixError?
  }

  let stage: DecodeStage
  let reporter: InputReporter
  let cursors: [Cursor]

  init(stage: DecodeStage, reporter: InputReporter, inputs: Int) {
    self.stage = stage
    self.reporter = reporter
    cursors = (0..<inputs).map { _ in Cursor() }
  }

  mutating func readNext(_ input: Int, _ emit: (consuming NormalizedEvent, UInt64, Int) -> Void) -> EventSource.ReadResult {
    let cursor = cursors[input]
    if cursor.ended { return .end }
    if cursor.step == cursor.batch.steps.count {
      if cursor.batch.ended { return end(cursor) }
      // Drop the spent batch before waiting, so its memory goes back while the next is decoded.
      cursor.batch = DecodedBatch()
      guard let next = stage.take(input) else {
        cursor.ended = true  // a stop was requested
        return .end
      }
      cursor.batch = next
      cursor.step = 0
      cursor.event = 0
      cursor.diagnostic = 0
      if next.steps.isEmpty { return end(cursor) }
    }
    let step = cursor.batch.steps[cursor.step]
    cursor.step += 1
    while cursor.diagnostic < step.diagnosticEnd {
      reporter.replay(cursor.batch.diagnostics[cursor.diagnostic])
      cursor.diagnostic += 1
    }
    cursor.batch.addStats(of: step, to: &reporter.stats)
    // The batch holds its events last first: popLast moves each out, no copy, no release.
    while cursor.event < step.eventEnd, let event = cursor.batch.events.popLast(), let key = cursor.batch.keys.popLast() {
      emit(event, key.tieBreak, key.line)
      cursor.event += 1
    }
    return step.endsInput ? end(cursor) : .more
  }

  private func end(_ cursor: Cursor) -> EventSource.ReadResult {
    cursor.ended = true
    cursor.readError = cursor.batch.readError
    return .end
  }

  func readError(_ input: Int) -> PosixError? { cursors[input].readError }

  /// A batch boundary counts as "not at hand": output is flushed once per batch at least, so
  /// alerts show up while a long replay runs.
  func hasBuffered(_ input: Int) -> Bool {
    let cursor = cursors[input]
    return cursor.step < cursor.batch.steps.count
  }

  var anyReadError: Bool { false }  // reported per input as each one ended
}
