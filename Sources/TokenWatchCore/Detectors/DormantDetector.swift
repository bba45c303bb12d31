/// Dormant reuse (rule TW-006 by default): a token or session idle for a long time wakes up.
///
/// Stolen integration tokens (the Salesloft Drift pattern) are often used months after their
/// last legitimate use. The idle threshold is event time; the state TTL must exceed it.
public final class DormantDetector: Detector {
  public let rule: CompiledRule
  let idle: Duration
  let checksTokens: Bool
  let checksSessions: Bool

  public init(rule: CompiledRule, ruleSet: RuleSet) {
    self.rule = rule
    idle = rule.duration("idle")
    let scope = rule.choices("scope")
    checksTokens = scope.contains("token")
    checksSessions = scope.contains("session")
  }

  public func evaluate(_ context: inout DetectionContext) -> Finding? {
    guard context.isUse else { return nil }
    // Read in place: `let event = context.event` copied the whole event on every use.
    let time = context.event.time
    if checksTokens, let lastUse = context.token?.record.lastUse, time - lastUse >= idle, let id = context.event.token {
      return finding(.token(id), lastUse: lastUse, event: context.event)
    }
    if checksSessions, let lastUse = context.session?.record.lastUse, time - lastUse >= idle, let id = context.event.session {
      return finding(.session(id), lastUse: lastUse, event: context.event)
    }
    return nil
  }

  private func finding(_ subject: FindingSubject, lastUse: EventTime, event: NormalizedEvent) -> Finding {
    let idleDays = Double((event.time - lastUse).millis) / 86_400_000
    var evidence = EvidenceBuilder()
    evidence.add("last_use", time: lastUse)
    evidence.add("idle_days", idleDays, decimals: 1)
    evidence.add("threshold_days", Double(idle.millis) / 86_400_000, decimals: 1)
    evidence.add("ip", event.ip)
    evidence.add("asn", event.asn.map { Int64($0) })
    evidence.add("user_agent", event.userAgent)
    return Finding(
      severity: rule.severity, subject: subject,
      summary: "\(subject.kind) idle for \(Int(idleDays)) days was used again from \(describeNetwork(asn: event.asn, ip: event.ip, country: event.country))",
      evidence: evidence)
  }
}
