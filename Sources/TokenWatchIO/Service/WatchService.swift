@preconcurrency import Glibc
import TokenWatchCore

public struct ServiceOptions {
  public var listeners: [ListenAddress] = []
  /// Consent to bind a non-loopback address.
  public var allowRemote = false
  public var readStdin = true
  public var limits = ListenerLimits()
  /// Frames read but not yet processed, at most this many bytes: beyond it, reading stops.
  public var queueBytes = 32 << 20
  public var statsIntervalSeconds: Double?
  public var metrics: ListenAddress?
  /// Writing a checkpoint stops detection for about 3.5 µs per state record (3.5 s at a million
  /// tokens), so not too often by default.
  public var checkpointIntervalSeconds = 300.0
  public var state: StateDirectory?
  /// Where SIGHUP reloads the rules from.
  public var rulesDirectory = "rules"
  public init() {}
}

/// `tokenwatch watch`: sockets and stdin feed one bounded frame queue; this thread decodes,
/// reorders and detects; stats, metrics, checkpoints and rule reloads happen between frames, on
/// the same thread, so nothing about the engine is ever shared or locked.
public final class WatchService {
  private let pipeline: Pipeline
  private let options: ServiceOptions
  private let idleFlushMillis: Int?
  private let queue: FrameQueue
  private var server: SocketServer?
  private var metricsServer: MetricsServer?
  private var sourceNames: [String] = []
  public var pendingActions: () -> (pending: Int, circuitOpen: Bool) = { (0, false) }

  private let started = Posix.monotonicSeconds()
  private var lastInput = Posix.monotonicSeconds()
  private var nextStats = Double.infinity
  private var nextMetrics = Double.infinity
  private var nextCheckpoint = Double.infinity
  private var lastStatsTime = Posix.monotonicSeconds()
  private var lastStatsEvents = 0
  private var checkpoints = 0
  private var checkpointFailures = 0
  private var lastCheckpointSeconds = 0.0
  private var reloads = 0
  private var reloadFailures = 0

  public init(pipeline: Pipeline, options: ServiceOptions, idleFlushMillis: Int?) {
    self.pipeline = pipeline
    self.options = options
    self.idleFlushMillis = idleFlushMillis
    queue = FrameQueue(maxBytes: options.queueBytes, maxFrames: max(1024, options.queueBytes / 256))
  }

  /// Loads the checkpoint from `--state`, if there is one. Errors are the caller's to report.
  public func restoreState() throws -> CheckpointMetadata? {
    guard let state = options.state, let bytes = try state.load() else { return nil }
    let restored = try EngineCheckpoint.decode(bytes, ruleSet: pipeline.engine.ruleSet)
    // Another shard's state would silently miss or duplicate users.
    guard restored.engine.shard == pipeline.engine.shard else {
      throw CheckpointError(.corrupt, "checkpoint was written by \(restored.engine.shard.map { "shard \($0)" } ?? "an unsharded instance"), this is \(pipeline.engine.shard.map { "shard \($0)" } ?? "an unsharded instance"); use the state directory of the same shard", offset: 0)
    }
    pipeline.restore(engine: restored.engine, reorder: restored.reorder)
    pipeline.response?.cooldowns = restored.metadata.responseCooldowns
    return restored.metadata
  }

  /// Binds every listener and the metrics endpoint; false (after saying why) when one fails.
  public func open() -> Bool {
    sourceNames = options.listeners.map(\.description)
    if options.readStdin { sourceNames.append("stdin") }
    if !options.listeners.isEmpty {
      let decoder = pipeline.makeFrameDecoder()
      let server = SocketServer(
        listeners: options.listeners, allowNonLoopback: options.allowRemote, limits: options.limits, queue: queue, transform: { decoder.decode($0) }
      ) { notice in
        StandardError.write("tokenwatch: " + notice)
      }
      do {
        try server.start()
      } catch {
        StandardError.write("tokenwatch: error: \(error)")
        return false
      }
      self.server = server
      for address in server.boundAddresses { StandardError.write("tokenwatch: listening on \(address)") }
    }
    if let address = options.metrics {
      do {
        guard address.isLoopback || options.allowRemote else { throw ListenError.notLoopback(address) }
        let socket = try ListeningSocket.open(address)
        // The metrics thread blocks in accept; the listener is opened non-blocking for epoll.
        _ = fcntl(socket.fd, F_SETFL, fcntl(socket.fd, F_GETFL) & ~O_NONBLOCK)
        let bound = socket.address
        let metrics = MetricsServer(listeningSocket: socket.fd)
        metrics.publish(snapshot().prometheusText())
        metrics.start()
        metricsServer = metrics
        StandardError.write("tokenwatch: metrics on http://\(bound.description.dropFirst("tcp://".count))/metrics")
      } catch {
        StandardError.write("tokenwatch: error: metrics: \(error)")
        return false
      }
    }
    if options.readStdin {
      let hasListeners = !options.listeners.isEmpty
      let pump = StdinPump(maxLineBytes: options.limits.maxLineBytes, queue: queue, source: sourceNames.count - 1, decoder: pipeline.makeFrameDecoder()) { [queue] in
        // With no listener, the end of stdin is the end of the run.
        if !hasListeners { queue.close() }
      }
      pump.start()
    }
    return true
  }

  /// Runs until SIGINT/SIGTERM, the end of stdin (when it is the only input), `--strict-input`
  /// failing or stdout closing.
  public func run() -> Pipeline.Outcome {
    let now = Posix.monotonicSeconds()
    if let interval = options.statsIntervalSeconds { nextStats = now + interval }
    if metricsServer != nil { nextMetrics = now + 1 }
    if options.state != nil { nextCheckpoint = now + options.checkpointIntervalSeconds }
    var outcome = Pipeline.Outcome.finished
    var batch: [Frame] = []
    batch.reserveCapacity(512)
    while true {
      if Signals.isStopRequested { break }
      // Waits briefly when there is nothing, so signals, idle flushes and timers are served.
      let open = queue.popBatch(into: &batch, max: 512, timeoutMillis: 100)
      if !batch.isEmpty {
        for frame in batch {
          pipeline.ingest(frame)
          if pipeline.reporter.strictFailure { break }
        }
        batch.removeAll(keepingCapacity: true)
        lastInput = Posix.monotonicSeconds()
        // Alerts are written per batch: under load batches grow and writes stay few, and an
        // alert never waits for a buffer to fill.
        pipeline.flushOutput()
      } else if !open {
        break
      } else if let idle = idleFlushMillis, pipeline.reorderDepth > 0, (Posix.monotonicSeconds() - lastInput) * 1000 >= Double(idle) {
        pipeline.flushLive()
      }
      if pipeline.reporter.strictFailure { outcome = .strictInputFailure; break }
      if pipeline.sinkIsBroken { break }
      periodicWork()
    }
    shutDown(closeWindows: options.state == nil)
    return outcome
  }

  private func periodicWork() {
    if Signals.takeReloadRequest() { reloadRules() }
    let now = Posix.monotonicSeconds()
    guard now >= min(nextStats, nextMetrics, nextCheckpoint) else { return }
    let stats = snapshot()
    if now >= nextStats {
      nextStats = now + options.statsIntervalSeconds!
      StandardError.write(String(decoding: stats.jsonLine(), as: UTF8.self))
      lastStatsTime = now
      lastStatsEvents = stats.events
    }
    if now >= nextMetrics {
      nextMetrics = now + 1
      metricsServer?.publish(stats.prometheusText())
    }
    if now >= nextCheckpoint {
      nextCheckpoint = now + options.checkpointIntervalSeconds
      checkpoint()
    }
  }

  /// Stop accepting, take in what the network thread already read, process it, write the last
  /// records, checkpoint.
  private func shutDown(closeWindows: Bool) {
    server?.stopAccepting()
    server?.stop()
    queue.close()
    while let frame = queue.pop(timeoutMillis: 0) {
      if pipeline.reporter.strictFailure || pipeline.sinkIsBroken { break }
      pipeline.ingest(frame)
    }
    pipeline.finishLive(closeWindows: closeWindows)
    if options.state != nil { checkpoint() }
    metricsServer?.publish(snapshot().prometheusText())
    metricsServer?.stop()
  }

  private func checkpoint() {
    guard let state = options.state else { return }
    let started = Posix.monotonicSeconds()
    defer { lastCheckpointSeconds = Posix.monotonicSeconds() - started }
    let metadata = CheckpointMetadata(
      createdAt: pipeline.lastEventTime, events: pipeline.processedEvents, note: "tokenwatch watch", responseCooldowns: pipeline.response?.cooldowns ?? [:])
    let bytes = EngineCheckpoint.encode(engine: pipeline.engine, reorder: pipeline.liveReorderSnapshot(), metadata: metadata)
    do {
      try state.save(bytes)
      checkpoints += 1
    } catch {
      checkpointFailures += 1
      StandardError.write("tokenwatch: error: checkpoint not written: \(error)")
    }
  }

  /// SIGHUP: a valid rules directory replaces the rules and keeps all state; an invalid one is
  /// reported in full and the running rules stay.
  private func reloadRules() {
    let result = RulesDirectory.load(options.rulesDirectory)
    for diagnostic in result.diagnostics { StandardError.write(diagnostic.description) }
    guard let ruleSet = result.ruleSet else {
      reloadFailures += 1
      StandardError.write("tokenwatch: reload rejected: \(result.errorCount) error(s) in \(options.rulesDirectory); still running the previous \(pipeline.engine.ruleSet.rules.count) rules")
      return
    }
    // The state moves through the checkpoint codec: one restore path, with the new limits.
    let bytes = EngineCheckpoint.encode(engine: pipeline.engine, reorder: ReorderSnapshot(), metadata: CheckpointMetadata())
    do {
      let moved = try EngineCheckpoint.decode(bytes, ruleSet: ruleSet)
      pipeline.replaceEngine(moved.engine)
      reloads += 1
      StandardError.write("tokenwatch: reloaded \(ruleSet.rules.count) rules from \(options.rulesDirectory); state kept" + (ruleSet.response != nil ? " (a response policy change takes effect at the next start)" : ""))
    } catch {
      reloadFailures += 1
      StandardError.write("tokenwatch: reload failed: \(error); still running the previous rules")
    }
  }

  public func snapshot() -> ServiceStats {
    let now = Posix.monotonicSeconds()
    var stats = ServiceStats()
    stats.wallTime = Posix.wallClock()
    stats.uptimeSeconds = now - started
    let engine = pipeline.engine
    stats.events = engine.counters.events.values.reduce(0, +)
    stats.eventsPerSecond = Double(stats.events - lastStatsEvents) / max(now - lastStatsTime, 0.001)
    stats.eventsBySource = sourceNames.enumerated().map { ($0.element, pipeline.eventsBySource[$0.offset] ?? 0) }
    stats.input = pipeline.stats
    stats.otherShards = engine.counters.otherShards
    stats.reorderDepth = pipeline.reorderDepth
    let queueStats = queue.stats
    stats.queueDepth = queueStats.depth
    stats.queueBytes = queueStats.bytes
    stats.backpressurePauses = queueStats.backpressurePauses
    stats.backpressureSeconds = queueStats.backpressureSeconds
    if let server {
      let serverStats = server.stats
      stats.connectionsOpen = serverStats.total.open
      stats.connectionsAccepted = serverStats.total.accepted
      stats.connectionsRejected = serverStats.total.rejected
      stats.connectionsIdleClosed = serverStats.total.idleClosed
    }
    stats.stateSizes = engine.stateSizes
    stats.evictions = engine.evictions
    stats.expirations = engine.expirations
    stats.alertsByRule = engine.counters.alerts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    stats.suppressed = engine.counters.suppressed
    let actions = pendingActions()
    stats.pendingActions = actions.pending
    stats.actionCircuitOpen = actions.circuitOpen
    stats.checkpoints = checkpoints
    stats.checkpointFailures = checkpointFailures
    stats.lastCheckpointSeconds = lastCheckpointSeconds
    stats.reloads = reloads
    stats.reloadFailures = reloadFailures
    stats.eventTime = pipeline.lastEventTime
    return stats
  }
}
