/// Expresses an action as one Security Event Token for an SSF receiver.
public enum SecurityEventTokenBuilder {
  public static func token(for action: ActionRequest, options: SSFHookOptions, issuedAt: Int64) -> SecurityEventToken? {
    guard let event = SSFEventType(rawValue: options.event) else { return nil }
    let risk = action.risk
    let user: SubjectIdentifier
    switch options.subject {
    case .email: user = risk.upn.map(SubjectIdentifier.email) ?? .opaque(risk.user)
    case .issSub: user = .issSub(iss: options.subjectIssuer ?? "", sub: risk.user)
    case .opaque: user = .opaque(risk.user)
    }
    // Revoking a session names it: the user plus the most recent session involved.
    var subject = user
    if event == .sessionRevoked, let session = risk.sessions.last {
      subject = .complex(user: user, session: .opaque(session), tenant: nil)
    }
    let reason = "tokenwatch: user risk \(risk.previousLevel.name) -> \(risk.level.name) (\(risk.rules.joined(separator: ", ")))"
    let isCAEP = event == .sessionRevoked || event == .credentialChange
    return SecurityEventToken(
      issuer: options.issuer, audience: options.audience, jti: action.id, issuedAt: issuedAt, transaction: risk.id,
      subject: subject, event: event, eventTimestamp: risk.time.millis / 1000, reasonAdmin: isCAEP ? reason : nil,
      initiatingEntity: isCAEP ? "policy" : nil, credentialType: options.credentialType,
      changeType: event == .credentialChange ? "revoke" : nil)
  }

  /// The signed (HS256) or, when `key` is nil, unsecured compact serialization; nil when the
  /// action cannot be expressed as this event (a required member is missing).
  public static func compactToken(for action: ActionRequest, options: SSFHookOptions, key: [UInt8]?, issuedAt: Int64) -> String? {
    guard let token = token(for: action, options: options, issuedAt: issuedAt) else { return nil }
    return try? token.validatedCompactSerialization(key: key)
  }
}
