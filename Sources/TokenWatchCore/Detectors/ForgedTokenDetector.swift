/// Forged token (rule TW-004 by default): a resource access with a token no sign-in ever issued.
///
/// The Golden SAML signature: a service accepts a token the identity provider never logged
/// issuing. It only fires while that user's sign-ins are being ingested (a sign-in within the
/// lookback) and once we have watched long enough that the token cannot predate our view: its
/// `token_issued_at` is after the user's first ingested sign-in, or, without that field, the
/// stream has run for longer than a token's lifetime.
public final class ForgedTokenDetector: Detector {
  public let rule: CompiledRule
  let lookback: Duration
  let tokenLifetime: Duration

  public init(rule: CompiledRule, ruleSet: RuleSet) {
    self.rule = rule
    lookback = rule.duration("lookback")
    tokenLifetime = rule.duration("token_lifetime")
  }

  public func evaluate(_ context: inout DetectionContext) -> Finding? {
    let event = context.event
    // The token's id last: spelling it out is the dearest test, and most accesses pass no other.
    guard event.kind == .access, context.isUse, let token = context.token, !token.record.issued,
      let user = context.user, let lastSignIn = user.record.lastSignIn, let firstSignIn = user.record.firstSignIn,
      event.time - lastSignIn <= lookback, let tokenID = event.token
    else { return nil }
    if let issuedAt = event.tokenIssuedAt {
      guard issuedAt >= firstSignIn else { return nil }
    } else {
      guard event.time - context.streamStart >= tokenLifetime else { return nil }
    }
    var evidence = EvidenceBuilder()
    evidence.add("token", tokenID)
    evidence.add("token_issued_at", time: event.tokenIssuedAt)
    evidence.add("user_first_sign_in", time: firstSignIn)
    evidence.add("user_last_sign_in", time: lastSignIn)
    evidence.add("ip", event.ip)
    evidence.add("app", event.app)
    evidence.add("user_agent", event.userAgent)
    return Finding(
      severity: rule.severity, subject: .token(tokenID),
      summary: "access with a token no ingested sign-in issued, while the user's sign-ins are being ingested (last at \(lastSignIn.rfc3339))",
      evidence: evidence)
  }
}
