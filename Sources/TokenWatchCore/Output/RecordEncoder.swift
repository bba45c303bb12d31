import TokenWatchJSON

/// Writes engine records as NDJSON, schema version 1. Keys always appear in the order below and
/// optional keys are omitted when unknown; see the README's "Output schema".
public struct RecordEncoder {
  private var writer = JSONWriter()

  public init() {}

  /// One JSON object, no trailing newline.
  public mutating func encode(_ record: EngineRecord) -> [UInt8] {
    writer.reset()
    switch record {
    case .alert(let alert): write(alert)
    case .risk(let risk): write(risk)
    case .suppressed(let summary): write(summary)
    }
    return writer.bytes
  }

  private mutating func write(_ alert: Alert) {
    writer.beginObject()
    writer.field("type", "alert")
    writer.field("id", alert.id)
    writer.field("time", alert.time.rfc3339)
    writer.field("rule", alert.rule)
    writer.field("title", alert.title)
    writer.field("severity", alert.severity.name)
    writer.field("summary", alert.summary)
    writer.field("user", alert.user)
    writer.field("upn", alert.upn)
    writer.field("token", alert.token)
    writer.field("session", alert.session)
    writer.key("subject")
    writeSubject(alert.subject)
    writer.field("source", alert.source)
    writer.field("event_id", alert.eventID)
    writer.key("evidence")
    writeObject(alert.evidence)
    writer.key("risk")
    writer.beginObject()
    writer.key("points")
    writer.fixed(alert.riskPoints, decimals: 2)
    writer.key("score")
    writer.fixed(alert.riskScore, decimals: 2)
    writer.field("level", alert.riskLevel.name)
    writer.endObject()
    writer.key("mitre")
    writeStrings(alert.mitre)
    writer.field("late", alert.late)
    writer.endObject()
  }

  private mutating func write(_ risk: RiskRecord) {
    writer.beginObject()
    writer.field("type", "risk")
    writer.field("id", risk.id)
    writer.field("time", risk.time.rfc3339)
    writer.field("user", risk.user)
    writer.field("upn", risk.upn)
    writer.field("actor", risk.actor.rawValue)
    writer.field("level", risk.level.name)
    writer.field("previous_level", risk.previousLevel.name)
    writer.key("score")
    writer.fixed(risk.score, decimals: 2)
    writer.key("alerts")
    writeStrings(risk.alerts)
    writer.key("rules")
    writeStrings(risk.rules)
    writer.key("tokens")
    writeStrings(risk.tokens)
    writer.key("sessions")
    writeStrings(risk.sessions)
    writer.endObject()
  }

  private mutating func write(_ summary: SuppressionRecord) {
    writer.beginObject()
    writer.field("type", "suppressed")
    writer.field("alert", summary.alertID)
    writer.field("rule", summary.rule)
    writer.key("subject")
    writeSubject(summary.subject)
    writer.field("user", summary.user)
    writer.field("count", summary.count)
    writer.field("first_time", summary.firstTime.rfc3339)
    writer.field("last_time", summary.lastTime.rfc3339)
    writer.endObject()
  }

  private mutating func writeSubject(_ subject: FindingSubject) {
    writer.beginObject()
    writer.field("kind", subject.kind)
    writer.field("id", subject.id)
    writer.endObject()
  }

  private mutating func writeStrings(_ values: [String]) {
    writer.beginArray()
    for value in values { writer.string(value) }
    writer.endArray()
  }

  private mutating func writeObject(_ fields: [(String, EvidenceValue)]) {
    writer.beginObject()
    for (key, value) in fields {
      writer.key(key)
      writeValue(value)
    }
    writer.endObject()
  }

  private mutating func writeValue(_ value: EvidenceValue) {
    switch value {
    case .string(let s): writer.string(s)
    case .int(let n): writer.int(n)
    case .number(let x, let decimals): writer.fixed(x, decimals: decimals)
    case .bool(let b): writer.bool(b)
    case .object(let fields): writeObject(fields)
    }
  }
}
