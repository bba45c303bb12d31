import TokenWatchCore
import TokenWatchJSON

/// One snapshot of a running `watch`, taken on the engine thread. The same numbers are printed
/// as a JSON line (`--stats-interval`) and served as Prometheus text (`--metrics`).
public struct ServiceStats: Sendable {
  public var wallTime = EventTime.distantPast
  public var uptimeSeconds = 0.0
  /// Events per second since the previous snapshot.
  public var eventsPerSecond = 0.0
  public var events = 0
  public var eventsBySource: [(String, Int)] = []
  public var input = InputStats()
  public var otherShards = 0
  public var reorderDepth = 0
  public var queueDepth = 0
  public var queueBytes = 0
  public var backpressurePauses = 0
  public var backpressureSeconds = 0.0
  public var connectionsOpen = 0
  public var connectionsAccepted = 0
  public var connectionsRejected = 0
  public var connectionsIdleClosed = 0
  public var stateSizes: [(String, Int)] = []
  public var evictions = 0
  public var expirations = 0
  public var alertsByRule: [(String, Int)] = []
  public var suppressed = 0
  public var pendingActions = 0
  public var actionCircuitOpen = false
  public var checkpoints = 0
  public var checkpointFailures = 0
  /// How long the last checkpoint took (detection waits meanwhile).
  public var lastCheckpointSeconds = 0.0
  public var reloads = 0
  public var reloadFailures = 0
  public var eventTime: EventTime?

  public init() {}

  public var alerts: Int { alertsByRule.reduce(0) { $0 + $1.1 } }

  /// `{"type":"stats",...}`: one line, keys in a fixed order.
  public func jsonLine() -> [UInt8] {
    var w = JSONWriter()
    w.beginObject()
    w.field("type", "stats")
    w.field("time", wallTime.rfc3339)
    w.key("uptime_s"); w.fixed(uptimeSeconds, decimals: 1)
    w.field("events", events)
    w.key("events_per_s"); w.fixed(eventsPerSecond, decimals: 1)
    w.key("sources"); w.beginObject()
    for (name, count) in eventsBySource { w.field(name, count) }
    w.endObject()
    w.field("lines", input.lines)
    w.field("bytes", input.bytes)
    w.field("bad_lines", input.badLines)
    w.field("unknown_format", input.unknownFormat + input.unknownCategory)
    w.field("late_events", input.lateEvents)
    w.field("early_releases", input.earlyReleases)
    w.field("other_shards", otherShards)
    w.field("reorder_depth", reorderDepth)
    w.field("queue_depth", queueDepth)
    w.field("queue_bytes", queueBytes)
    w.field("backpressure_pauses", backpressurePauses)
    w.key("backpressure_s"); w.fixed(backpressureSeconds, decimals: 3)
    w.field("connections_open", connectionsOpen)
    w.field("connections_accepted", connectionsAccepted)
    w.field("connections_rejected", connectionsRejected)
    w.field("connections_idle_closed", connectionsIdleClosed)
    w.key("state"); w.beginObject()
    for (name, count) in stateSizes { w.field(name, count) }
    w.endObject()
    w.field("evictions", evictions)
    w.field("expirations", expirations)
    w.field("alerts", alerts)
    w.field("suppressed", suppressed)
    w.field("pending_actions", pendingActions)
    w.field("checkpoints", checkpoints)
    w.key("last_checkpoint_s"); w.fixed(lastCheckpointSeconds, decimals: 3)
    w.field("reloads", reloads)
    w.field("reload_failures", reloadFailures)
    w.field("event_time", eventTime?.rfc3339)
    w.endObject()
    return w.bytes
  }

  /// Prometheus text exposition format 0.0.4.
  public func prometheusText() -> String {
    var out = ""
    func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)]) {
      out += "# HELP tokenwatch_\(name) \(help)\n# TYPE tokenwatch_\(name) \(type)\n"
      for sample in samples { out += "tokenwatch_\(name)\(sample.labels) \(sample.value)\n" }
    }
    func one(_ name: String, _ type: String, _ help: String, _ value: Int) { metric(name, type, help, [("", String(value))]) }
    func seconds(_ value: Double) -> String { formatFixed(value, decimals: 3) }

    one("events_processed_total", "counter", "Events processed by the detectors.", events)
    metric("events_total", "counter", "Events read, by input.", eventsBySource.map { ("{source=\"\(label($0.0))\"}", String($0.1)) })
    one("lines_total", "counter", "Lines (or syslog messages) read.", input.lines)
    one("bytes_total", "counter", "Bytes of input read.", input.bytes)
    metric("bad_lines_total", "counter", "Lines skipped as unreadable, by reason.", [
      ("{reason=\"invalid_json\"}", String(input.invalidJSON)), ("{reason=\"invalid_utf8\"}", String(input.invalidUTF8)),
      ("{reason=\"oversized\"}", String(input.oversizedLines)), ("{reason=\"invalid_record\"}", String(input.invalidRecords)),
      ("{reason=\"cut_short\"}", String(input.truncatedLines)), ("{reason=\"bad_frame\"}", String(input.invalidFrames)),
    ])
    metric("unknown_records_total", "counter", "Records of an unknown format or category (counted, not processed).", [
      ("{reason=\"format\"}", String(input.unknownFormat)), ("{reason=\"category\"}", String(input.unknownCategory)),
    ])
    one("late_events_total", "counter", "Events older than the reorder window (processed, flagged late).", input.lateEvents)
    one("early_releases_total", "counter", "Events released from a full reorder window (--max-buffered) before their time.", input.earlyReleases)
    one("other_shard_events_total", "counter", "Events of users another shard owns (--shard).", otherShards)
    one("reorder_depth", "gauge", "Events waiting in the reorder window.", reorderDepth)
    one("queue_depth", "gauge", "Frames read from inputs and not yet processed.", queueDepth)
    one("queue_bytes", "gauge", "Bytes of those frames.", queueBytes)
    one("backpressure_pauses_total", "counter", "Times reading stopped because the engine was behind.", backpressurePauses)
    metric("backpressure_seconds_total", "counter", "Time spent not reading because the engine was behind.", [("", seconds(backpressureSeconds))])
    one("connections_open", "gauge", "Open input connections.", connectionsOpen)
    one("connections_accepted_total", "counter", "Input connections accepted.", connectionsAccepted)
    one("connections_rejected_total", "counter", "Connections refused over the connection limit.", connectionsRejected)
    one("connections_idle_closed_total", "counter", "Connections closed after the idle timeout.", connectionsIdleClosed)
    metric("state_entries", "gauge", "Records held in detector state, by kind.", stateSizes.map { ("{kind=\"\($0.0)\"}", String($0.1)) })
    one("state_evictions_total", "counter", "State records dropped because a store was full.", evictions)
    one("state_expirations_total", "counter", "State records dropped after their TTL.", expirations)
    metric("alerts_total", "counter", "Alerts written, by rule.", alertsByRule.map { ("{rule=\"\(label($0.0))\"}", String($0.1)) })
    one("alerts_suppressed_total", "counter", "Repeat alerts folded into a suppression window.", suppressed)
    one("actions_pending", "gauge", "Response actions waiting for delivery.", pendingActions)
    one("actions_circuit_open", "gauge", "1 when the response circuit breaker is open.", actionCircuitOpen ? 1 : 0)
    one("checkpoints_total", "counter", "State checkpoints written.", checkpoints)
    one("checkpoint_failures_total", "counter", "State checkpoints that could not be written.", checkpointFailures)
    metric("last_checkpoint_seconds", "gauge", "How long the last checkpoint took; detection waits meanwhile.", [("", seconds(lastCheckpointSeconds))])
    one("rule_reloads_total", "counter", "Successful rule reloads (SIGHUP).", reloads)
    one("rule_reload_failures_total", "counter", "Rejected rule reloads; the previous rules kept running.", reloadFailures)
    metric("event_time_seconds", "gauge", "Event time of the newest processed event.", [("", seconds(Double(eventTime?.millis ?? 0) / 1000))])
    metric("uptime_seconds", "gauge", "Seconds since start.", [("", seconds(uptimeSeconds))])
    return out
  }

  /// Label values escape backslash, quote and newline (the exposition format's rule).
  private func label(_ value: String) -> String {
    var out = ""
    for ch in value.unicodeScalars {
      switch ch {
      case "\\": out += "\\\\"
      case "\"": out += "\\\""
      case "\n": out += "\\n"
      default: out.unicodeScalars.append(ch)
      }
    }
    return out
  }
}
