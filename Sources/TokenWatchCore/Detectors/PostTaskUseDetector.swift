/// Post-task use (rule TW-005 by default): a credential used after the reason for it ended.
///
/// Public rules only catch the failed attempts that follow offboarding (the control worked).
/// This catches the successful ones: use after the task the token was issued for ended, after
/// its user was disabled, after it (or its session, or all of the user's credentials) was
/// revoked, and after its session ended.
public final class PostTaskUseDetector: Detector {
  public let rule: CompiledRule
  // The configured checks, decided once (a set of strings hashed four times an event cost ~1.2k instructions).
  let checksUserDisabled: Bool
  let checksRevoked: Bool
  let checksTaskEnd: Bool
  let checksSessionEnd: Bool

  public init(rule: CompiledRule, ruleSet: RuleSet) {
    self.rule = rule
    let checks = Set(rule.choices("checks"))
    checksUserDisabled = checks.contains("user_disabled")
    checksRevoked = checks.contains("revoked")
    checksTaskEnd = checks.contains("task_end")
    checksSessionEnd = checks.contains("session_end")
  }

  private struct Violation {
    var reason: String
    var since: EventTime
    var severity: Severity
    var subject: FindingSubject
    var detail: String
  }

  public func evaluate(_ context: inout DetectionContext) -> Finding? {
    guard context.isUse else { return nil }
    // The lifecycle facts, read once. Most uses meet none at all: then there is nothing to
    // compare or build.
    let userDisabledAt = context.user?.record.disabledAt
    let userRevokedBefore = context.user?.record.revokedBefore
    let tokenRevokedAt = context.token?.record.revokedAt
    let sessionRevokedAt = context.session?.record.revokedAt
    let sessionEndedAt = context.session?.record.endedAt
    let taskEndedAt = context.task?.record.endedAt
    guard userDisabledAt != nil || userRevokedBefore != nil || tokenRevokedAt != nil || sessionRevokedAt != nil
      || sessionEndedAt != nil || taskEndedAt != nil
    else { return nil }
    let event = context.event
    let t = event.time
    var violations: [Violation] = []
    let tokenSubject = event.token.map(FindingSubject.token)
    let sessionSubject = event.session.map(FindingSubject.session)
    let userSubject = event.user.map(FindingSubject.user)
    let subject = tokenSubject ?? sessionSubject ?? userSubject

    if checksUserDisabled, let disabledAt = userDisabledAt, t > disabledAt, let subject {
      violations.append(Violation(reason: "user_disabled", since: disabledAt, severity: rule.severity.raised, subject: subject, detail: "its user was disabled"))
    }
    if checksRevoked {
      if let revokedAt = tokenRevokedAt, t > revokedAt, let tokenSubject, !context.tokenIsNew {
        violations.append(Violation(reason: "token_revoked", since: revokedAt, severity: rule.severity.raised, subject: tokenSubject, detail: "the token was revoked"))
      }
      if let revokedAt = sessionRevokedAt, t > revokedAt, let sessionSubject, !context.sessionIsNew {
        violations.append(Violation(reason: "session_revoked", since: revokedAt, severity: rule.severity.raised, subject: sessionSubject, detail: "its session was revoked"))
      }
      if let cutoff = userRevokedBefore, t > cutoff {
        if let token = context.token, !context.tokenIsNew, token.record.firstSeen < cutoff, let tokenSubject {
          violations.append(Violation(reason: "user_tokens_revoked", since: cutoff, severity: rule.severity.raised, subject: tokenSubject, detail: "all of the user's tokens issued before then were revoked"))
        } else if let session = context.session, !context.sessionIsNew, session.record.firstSeen < cutoff, let sessionSubject {
          violations.append(Violation(reason: "user_sessions_revoked", since: cutoff, severity: rule.severity.raised, subject: sessionSubject, detail: "all of the user's sessions begun before then were revoked"))
        }
      }
    }
    if checksTaskEnd, let endedAt = taskEndedAt, t > endedAt, let subject {
      violations.append(Violation(reason: "task_ended", since: endedAt, severity: rule.severity, subject: subject, detail: "its task \(event.task ?? context.tokenTask ?? "") ended"))
    }
    if checksSessionEnd, let endedAt = sessionEndedAt, t > endedAt, let sessionSubject, !context.sessionIsNew {
      violations.append(Violation(reason: "session_ended", since: endedAt, severity: rule.severity, subject: sessionSubject, detail: "its session ended"))
    }
    // The most severe reason leads; ties keep the order above (disabled, revoked, task, session).
    guard let lead = violations.max(by: { $0.severity < $1.severity }) else { return nil }
    var evidence = EvidenceBuilder()
    evidence.add("reason", lead.reason)
    evidence.add("ended_at", time: lead.since)
    evidence.add("minutes_after", Double((t - lead.since).millis) / 60_000, decimals: 1)
    evidence.add("all_reasons", violations.map(\.reason).joined(separator: ","))
    evidence.add("task", event.task ?? context.tokenTask)
    evidence.add("ip", event.ip)
    evidence.add("asn", event.asn.map { Int64($0) })
    evidence.add("user_agent", event.userAgent)
    return Finding(
      severity: lead.severity, subject: lead.subject,
      summary: "\(lead.subject.kind) used \(formatMinutes(t - lead.since)) after \(lead.detail) (at \(lead.since.rfc3339))",
      evidence: evidence)
  }
}

func formatMinutes(_ span: Duration) -> String {
  let minutes = span.millis / 60_000
  if minutes < 120 { return "\(max(minutes, 0)) min" }
  if minutes < 48 * 60 { return "\(minutes / 60) h" }
  return "\(minutes / 1440) days"
}
