import TokenWatchCore
import TokenWatchJSON

public enum OutputFormat: String, Sendable {
  case ndjson, text
}

public struct PipelineOptions: Sendable {
  public var maxDelay: Duration = .minutes(10)
  /// At most this many events wait in the reorder window (`--max-buffered`).
  public var maxBufferedEvents = ReorderBuffer<Int>.defaultMaxItems
  public var forcedFormat: InputFormat?
  public var maxLineBytes = 1 << 20
  /// A file that is one JSON array (a Log Analytics export) is read whole, up to this size.
  public var maxDocumentBytes = 1 << 30
  public var strictInput = false
  public var output: OutputFormat = .ndjson
  public var color = false
  /// Live streams only: after this long (wall clock) without input, release every buffered event
  /// instead of waiting for newer ones to move the watermark. Nil for replay.
  public var idleFlushMillis: Int32?
  /// Print a progress line on stderr this often (wall clock), for long replays. Nil: never.
  public var progressSeconds: Double?
  /// `--shard i/n`: detect only for this shard's users.
  public var shard: Shard?
  /// Replay: threads that read and decode input lines ahead of the engine (0: the engine thread
  /// decodes inline). Output is byte for byte the same either way. Default: one fewer than the
  /// cores (the engine thread decodes too while it would wait), none on one core; the
  /// undocumented `TOKENWATCH_DECODE_THREADS` overrides it.
  public var decodeThreads = DecodeStage.defaultThreads
  /// Replay with decode threads: lines per hand-over to the engine thread.
  public var decodeBatchLines = DecodeStage.defaultBatchLines
  public init() {}
}

/// Reads inputs, reorders their events in event time, runs the engine and writes records.
/// The engine runs on the calling thread; replay may read and decode on other threads (see
/// `run(paths:)`), with the same output.
public final class Pipeline {
  public enum Outcome: Equatable {
    case finished
    /// `--strict-input` met a bad line.
    case strictInputFailure
    /// An input could not be opened or read.
    case inputFailure
  }

  /// An event waiting in watch's reorder window, with the connection it came from. A class: the
  /// event passes through the window's slots and the engine call, and each move of a reference
  /// is one retain, where moving the struct retained each of its fifteen strings (and buffered
  /// ~370 bytes per slot instead of 8). Replay, where every event waits, parks them in slots
  /// instead (`ParkedEvents`), with no allocation per event.
  final class QueuedEvent {
    /// Nil once taken. An optional rather than a placeholder left behind: copying the placeholder
    /// in and destroying it later cost ~670 instructions an event.
    private var taken: NormalizedEvent?
    let origin: String
    let line: Int

    init(event: consuming NormalizedEvent, origin: String, line: Int) {
      taken = event
      self.origin = origin
      self.line = line
    }

    /// The event while it waits (for a checkpoint of the window).
    var event: NormalizedEvent { taken! }

    /// The event, moved out for the engine (which consumes it) instead of copied. Called once,
    /// when the event leaves its window.
    func takeEvent() -> NormalizedEvent { taken.take()! }
  }

  public private(set) var engine: Engine
  public let reporter: InputReporter
  public private(set) var lastEventTime: EventTime?
  /// The newest event time read so far (ahead of `lastEventTime` by up to the max delay).
  private var newestSeen = EventTime.distantPast
  private let options: PipelineOptions
  private let sink: OutputSink
  private var encoder = RecordEncoder()
  private let formatter: TextFormatter
  private var records: [EngineRecord] = []
  private var processed = 0
  private var nextProgress = 0.0
  private var started = 0.0
  /// Acts on risk rises when a response policy is configured.
  public var response: ResponseStage?

  public var stats: InputStats { reporter.stats }

  public init(ruleSet: RuleSet, options: PipelineOptions, sink: OutputSink) {
    self.options = options
    engine = Engine(ruleSet: ruleSet)
    liveReorder = ReorderBuffer(maxDelay: options.maxDelay, maxItems: options.maxBufferedEvents)
    engine.shard = options.shard
    reporter = InputReporter(strict: options.strictInput)
    self.sink = sink
    formatter = TextFormatter(color: options.color)
  }

  /// Runs to the end of every input (or a stop signal, or a closed stdout).
  ///
  /// With `decodeThreads` > 0, lines are read and decoded on their own thread(s) (`DecodeStage`)
  /// and this thread replays the decoded batches step by step: the merger, the engine, stdout and
  /// stderr see exactly what they see when this thread reads and decodes each line itself.
  public func run(paths: [String]) -> Outcome {
    let registry = NormalizerRegistry(forcing: options.forcedFormat)
    // Idle flushes (a live stream's) stay inline: a decode thread does not report idleness.
    let threaded = options.decodeThreads > 0 && !paths.isEmpty && options.idleFlushMillis == nil
    var sources: [EventSource] = []
    // Decoding inline, this thread reads every input, through one cache. With decode threads,
    // each worker has its own and an input's decoder reads only its first lines (any worker may
    // run it, so inputs share none).
    let inlineStrings = threaded ? nil : JSONStringCache.forThread()
    for path in paths {
      do {
        // Decode threads capture their diagnostics; the engine thread prints them in order.
        let sourceReporter = threaded ? InputReporter(strict: options.strictInput, capturing: true) : reporter
        let source = try EventSource(
          path: path, registry: registry, reporter: sourceReporter, strings: inlineStrings ?? JSONStringCache(),
          maxLineBytes: options.maxLineBytes, maxDocumentBytes: options.maxDocumentBytes)
        source.reader.idleTimeoutMillis = options.idleFlushMillis
        sources.append(source)
      } catch {
        StandardError.write("tokenwatch: error: cannot open \(error)")
        return .inputFailure
      }
    }
    if threaded {
      // If no thread can be started, the stage decodes on this thread, one line per batch.
      let stage = DecodeStage(sources: sources, batchLines: options.decodeBatchLines)
      stage.start(threads: options.decodeThreads)
      var feed = StagedFeed(stage: stage, reporter: reporter, inputs: sources.count)
      let outcome = replay(&feed, names: sources.map(\.name))
      stage.shutdown()
      return outcome
    }
    var feed = InlineFeed(sources: sources)
    return replay(&feed, names: sources.map(\.name))
  }

  private func replay<Feed: ReplayFeed>(_ feed: inout Feed, names: [String]) -> Outcome {
    inputNames = names
    var merger = StreamMerger<ParkedEvent>(inputs: names.count, maxDelay: options.maxDelay, maxItems: options.maxBufferedEvents)
    var parked = ParkedEvents()
    var failed = false
    started = Posix.monotonicSeconds()
    nextProgress = started + (options.progressSeconds ?? 0)
    while !reporter.strictFailure, !sink.isBroken {
      if let entry = merger.pop() {
        process(parked.take(entry.item), late: entry.late, origin: .input(Int(entry.item.origin)), line: entry.item.line)
        continue
      }
      guard let i = merger.starvedInput else { break }
      let result: EventSource.ReadResult = Signals.isStopRequested ? .end : feed.readNext(i) { event, tieBreak, line in
        let time = event.time
        if time > newestSeen { newestSeen = time }
        merger.push(parked.park(event, origin: i, line: line), time: time, tieBreak: tieBreak, input: i)
        if merger.overflowCount > 0, !warnedFull { warnFull(origin: .input(i), line: line) }
      }
      switch result {
      case .more:
        break
      case .idle:
        merger.flush(input: i)
      case .end:
        merger.finish(input: i)
        if let error = feed.readError(i) {
          StandardError.write("tokenwatch: error: \(names[i]): \(error)")
          failed = true
        }
      }
      if !feed.hasBuffered(i) { sink.flush() }
    }
    reporter.stats.lateEvents = merger.lateCount
    reporter.stats.earlyReleases = merger.overflowCount
    if reporter.strictFailure {
      sink.flush()
      return .strictInputFailure
    }
    engine.finish(into: &records)
    write(records)
    records.removeAll()
    sink.flush()
    return failed || feed.anyReadError ? .inputFailure : .finished
  }

  private var warnedFull = false
  /// The replayed inputs' names, by input number. A stored property, not a captured array: the
  /// per-event closure and autoclosure that captured `names` retained and released it each time.
  private var inputNames: [String] = []

  /// Where an event came from, named only for a warning.
  private enum Origin {
    /// A replayed input, by number (`inputNames`).
    case input(Int)
    /// A live frame's source.
    case live(String)
  }

  private func name(of origin: Origin) -> String {
    switch origin {
    case .input(let index): inputNames[index]
    case .live(let source): source
    }
  }

  /// Once per run: the window is full, so ordering is now only as good as the input's own.
  private func warnFull(origin: Origin, line: Int) {
    warnedFull = true
    reporter.warning(name(of: origin), line, nil, "TW210", "reorder window full (\(options.maxBufferedEvents) events within the max delay \(options.maxDelay)): the oldest are released early, and events older than them count as late; raise --max-buffered or lower --max-delay")
  }

  /// `origin` is named only for a late event's warning.
  private func process(_ event: consuming NormalizedEvent, late: Bool, origin: Origin, line: Int) {
    if late {
      let lag = newestSeen - event.time
      reporter.warning(name(of: origin), line, nil, "TW206", "late event at \(event.time.rfc3339), \(formatSpan(lag)) behind the stream (max delay \(options.maxDelay)); processed, alerts flagged late")
    } else if (lastEventTime ?? .distantPast) < event.time {
      lastEventTime = event.time
    }
    engine.process(event, late: late, into: &records)
    if !records.isEmpty {
      write(records)
      records.removeAll(keepingCapacity: true)
    }
    processed += 1
    // The clock is read only every 16k events: progress must cost nothing on the hot path.
    if let interval = options.progressSeconds, processed & 0x3FFF == 0 {
      let now = Posix.monotonicSeconds()
      if now >= nextProgress {
        nextProgress = now + interval
        let rate = Int(Double(processed) / max(now - started, 0.001))
        let alerts = engine.counters.alerts.values.reduce(0, +)
        StandardError.write("tokenwatch: progress: \(processed) events, \(rate) events/s, \(reporter.stats.bytes / 1_000_000) MB read, \(alerts) alerts, event time \(lastEventTime?.rfc3339 ?? "-")")
      }
    }
  }

  // MARK: Live streams (watch): frames from sockets and stdin, one reorder buffer for all.

  private lazy var inlineDecoder = makeFrameDecoder()
  // Stored, not lazy: a lazy property is read and written back whole, so every push would copy
  // the buffer's arrays (quadratic in the reorder window).
  private var liveReorder: ReorderBuffer<QueuedEvent>
  private var released: [ReorderBuffer<QueuedEvent>.Entry] = []
  /// Events read per input (a listener or stdin), for the stats.
  public private(set) var eventsBySource: [Int: Int] = [:]
  public var processedEvents: Int { processed }
  /// Events read and waiting in the reorder window.
  public var reorderDepth: Int { liveReorder.count }

  /// Processes one frame: its events go through the reorder window, its diagnostics and counts
  /// to the reporter. Frames are decoded where they were read (`FrameDecoder`); one that was not
  /// is decoded here, the same way.
  public func ingest(_ frame: Frame) {
    guard case .decoded(let decoded) = frame.payload else {
      ingest(inlineDecoder.decode(frame))
      return
    }
    reporter.stats.add(decoded.stats)
    for diagnostic in decoded.diagnostics { reporter.replay(diagnostic) }
    for item in decoded.events { pushLive(item.event, tieBreak: item.tieBreak, frame: frame) }
  }

  /// A decoder for another thread that reads frames (see `FrameDecoder`), with this run's options.
  public func makeFrameDecoder() -> FrameDecoder {
    FrameDecoder(forcedFormat: options.forcedFormat, strict: options.strictInput, maxLineBytes: options.maxLineBytes)
  }

  private func pushLive(_ event: NormalizedEvent, tieBreak: UInt64, frame: Frame) {
    eventsBySource[frame.source, default: 0] += 1
    if event.time > newestSeen { newestSeen = event.time }
    liveReorder.push(QueuedEvent(event: event, origin: frame.origin, line: frame.line), time: event.time, tieBreak: tieBreak, into: &released)
    if liveReorder.overflowCount > 0, !warnedFull { warnFull(origin: .live(frame.origin), line: frame.line) }
    processReleased()
  }

  public var sinkIsBroken: Bool { sink.isBroken }
  public func flushOutput() { sink.flush() }

  /// The stream went idle (or is stopping): release everything buffered.
  public func flushLive() {
    liveReorder.flush(into: &released)
    processReleased()
    sink.flush()
  }

  private func processReleased() {
    guard !released.isEmpty else { return }
    for entry in released { process(entry.item.takeEvent(), late: entry.late, origin: .live(entry.item.origin), line: entry.item.line) }
    released.removeAll(keepingCapacity: true)
    reporter.stats.lateEvents = liveReorder.lateCount
    reporter.stats.earlyReleases = liveReorder.overflowCount
  }

  /// End of a live run: flush the reorder window; `closeWindows` also closes the open
  /// suppression windows (left open when the state is checkpointed for the next start).
  public func finishLive(closeWindows: Bool) {
    flushLive()
    if closeWindows {
      engine.finish(into: &records)
      write(records)
      records.removeAll()
    }
    sink.flush()
  }

  /// The reorder window's state, for a checkpoint.
  public func liveReorderSnapshot() -> ReorderSnapshot {
    liveReorder.snapshot { $0.event }
  }

  /// Continues from a checkpoint: its engine state and its reorder window.
  public func restore(engine restored: Engine, reorder: ReorderSnapshot) {
    engine = restored
    engine.shard = options.shard
    var buffer = ReorderBuffer<QueuedEvent>(maxDelay: options.maxDelay, maxItems: options.maxBufferedEvents)
    buffer.restore(reorder) { QueuedEvent(event: $0, origin: "checkpoint", line: 0) }
    liveReorder = buffer
    if reorder.newest != .distantPast { newestSeen = reorder.newest; lastEventTime = reorder.releasedUpTo }
  }

  /// SIGHUP: the engine continues with new rules and the same state.
  public func replaceEngine(_ replacement: Engine) {
    engine = replacement
    engine.shard = options.shard
  }

  private func write(_ records: [EngineRecord]) {
    for record in records {
      switch options.output {
      case .ndjson: sink.write(encoder.encode(record) + [0x0A])
      case .text: sink.write(formatter.format(record) + "\n")
      }
      if case .risk(let risk) = record { response?.handle(risk) }
    }
  }

  /// Writes an action record the way the other records are written (used for dry-run plans).
  public func writeAction(_ outcome: ActionOutcome) {
    switch options.output {
    case .ndjson: sink.write(ActionEncoder.outcome(outcome) + [0x0A])
    case .text: sink.write(formatter.format(outcome) + "\n")
    }
  }
}

func formatSpan(_ span: Duration) -> String {
  let seconds = span.millis / 1000
  if seconds < 120 { return "\(seconds)s" }
  if seconds < 7200 { return "\(seconds / 60)m" }
  return "\(seconds / 3600)h"
}
