import TokenWatchJSON

// Security Event Tokens (RFC 8417) as profiled by the OpenID Shared Signals Framework 1.0, carrying
// CAEP and RISC events to revocation hooks over push delivery (RFC 8935). Encoding only: the HTTP
// POST belongs to the IO layer, and the clock to the caller (`iat` is passed in).

/// The events tokenwatch can emit when it concludes that a token was stolen.
public enum SSFEventType: String, CaseIterable, Sendable {
  /// CAEP: the session was revoked; receivers should end their sessions for the subject.
  case sessionRevoked = "session-revoked"
  /// CAEP: a credential was created, revoked, updated or deleted (needs credential_type, change_type).
  case credentialChange = "credential-change"
  /// RISC: the account was disabled; we always send reason "hijacking".
  case accountDisabled = "account-disabled"
  /// RISC: a credential is known to be compromised (needs credential_type).
  case credentialCompromise = "credential-compromise"

  /// The event-type URI used as the single member name of the `events` claim.
  public var uri: String {
    let profile: String
    switch self {
    case .sessionRevoked, .credentialChange: profile = "caep"
    case .accountDisabled, .credentialCompromise: profile = "risc"
    }
    return "https://schemas.openid.net/secevent/\(profile)/event-type/\(rawValue)"
  }
}

/// Who or what a SET is about: RFC 9493 subject identifiers, plus the SSF 1.0 complex subject
/// (§3.2) that combines a user, a session and a tenant.
public indirect enum SubjectIdentifier: Sendable, Equatable {
  case email(String)
  case issSub(iss: String, sub: String)
  case opaque(String)
  case complex(user: SubjectIdentifier?, session: SubjectIdentifier?, tenant: SubjectIdentifier?)

  /// Writes the identifier object, `format` first.
  func write(to writer: inout JSONWriter) {
    writer.beginObject()
    switch self {
    case .email(let address):
      writer.field("format", "email")
      writer.field("email", address)
    case .issSub(let iss, let sub):
      writer.field("format", "iss_sub")
      writer.field("iss", iss)
      writer.field("sub", sub)
    case .opaque(let id):
      writer.field("format", "opaque")
      writer.field("id", id)
    case .complex(let user, let session, let tenant):
      writer.field("format", "complex")
      // SSF 1.0 §3.2 lists the members in this order: user, device, session, application, tenant, …
      for (name, member) in [("user", user), ("session", session), ("tenant", tenant)] {
        guard let member else { continue }
        writer.key(name)
        member.write(to: &writer)
      }
    }
    writer.endObject()
  }

  /// Checks that every member is present and that a complex subject holds only simple ones.
  fileprivate func validate(path: String) throws(SSFError) {
    switch self {
    case .email(let address):
      if address.isEmpty { throw .missingMember(path + ".email") }
    case .issSub(let iss, let sub):
      if iss.isEmpty { throw .missingMember(path + ".iss") }
      if sub.isEmpty { throw .missingMember(path + ".sub") }
    case .opaque(let id):
      if id.isEmpty { throw .missingMember(path + ".id") }
    case .complex(let user, let session, let tenant):
      let members = [("user", user), ("session", session), ("tenant", tenant)]
      guard members.contains(where: { $0.1 != nil }) else { throw .missingMember(path) }
      for (name, member) in members {
        guard let member else { continue }
        if case .complex = member { throw .invalidMember(path + "." + name) }
        try member.validate(path: path + "." + name)
      }
    }
  }
}

public enum SSFError: Error, Equatable, Sendable {
  /// A member the event type requires is absent or empty (named as in the JSON, e.g. "credential_type").
  case missingMember(String)
  /// A member is present but its value is not allowed (e.g. change_type "rotate").
  case invalidMember(String)
}

/// One SET with exactly one event, ready to be signed and pushed.
public struct SecurityEventToken: Sendable {
  public var issuer: String
  public var audience: String
  public var jti: String
  /// `iat`, seconds since the epoch, supplied by the caller: the core reads no clock.
  public var issuedAt: Int64
  public var transaction: String?
  /// The top-level `sub_id` claim SSF 1.0 requires; the legacy in-event `subject` is never written.
  public var subject: SubjectIdentifier
  public var event: SSFEventType
  /// CAEP `event_timestamp`, seconds since the epoch (a NumericDate, like `iat`).
  public var eventTimestamp: Int64?
  /// CAEP `reason_admin`, written as `{"en": …}`.
  public var reasonAdmin: String?
  /// CAEP `initiating_entity`: admin, user, policy or system ("policy" for tokenwatch).
  public var initiatingEntity: String?
  /// `credential_type` (password, pin, x509, fido2-platform, …): required by credential-change and
  /// credential-compromise. Open-ended by the spec, so only presence is checked.
  public var credentialType: String?
  /// `change_type` of credential-change: create, revoke, update or delete.
  public var changeType: String?

  /// The `reason` tokenwatch gives for account-disabled: the account was taken over.
  static let accountDisabledReason = "hijacking"
  static let initiatingEntities: Set<String> = ["admin", "user", "policy", "system"]
  static let changeTypes: Set<String> = ["create", "revoke", "update", "delete"]

  public init(
    issuer: String, audience: String, jti: String, issuedAt: Int64, transaction: String? = nil,
    subject: SubjectIdentifier, event: SSFEventType, eventTimestamp: Int64? = nil, reasonAdmin: String? = nil,
    initiatingEntity: String? = nil, credentialType: String? = nil, changeType: String? = nil
  ) {
    self.issuer = issuer
    self.audience = audience
    self.jti = jti
    self.issuedAt = issuedAt
    self.transaction = transaction
    self.subject = subject
    self.event = event
    self.eventTimestamp = eventTimestamp
    self.reasonAdmin = reasonAdmin
    self.initiatingEntity = initiatingEntity
    self.credentialType = credentialType
    self.changeType = changeType
  }

  /// Throws when a claim or an event member required for this event type is missing or invalid.
  /// `claimsJSON` and `compactSerialization` do not validate; `validatedCompactSerialization` does.
  public func validate() throws(SSFError) {
    if issuer.isEmpty { throw .missingMember("iss") }
    if audience.isEmpty { throw .missingMember("aud") }
    if jti.isEmpty { throw .missingMember("jti") }
    try subject.validate(path: "sub_id")
    switch event {
    case .credentialChange:
      guard let credentialType, !credentialType.isEmpty else { throw .missingMember("credential_type") }
      guard let changeType, !changeType.isEmpty else { throw .missingMember("change_type") }
      guard Self.changeTypes.contains(changeType) else { throw .invalidMember("change_type") }
    case .credentialCompromise:
      guard let credentialType, !credentialType.isEmpty else { throw .missingMember("credential_type") }
    case .sessionRevoked, .accountDisabled:
      break
    }
    if let initiatingEntity, !Self.initiatingEntities.contains(initiatingEntity) {
      throw .invalidMember("initiating_entity")
    }
  }

  /// The claims: iss, iat, jti, aud, txn (when set), sub_id, events. There is deliberately no `exp`:
  /// a SET states a fact rather than granting access, and leaving `exp` out makes ID-token validators
  /// reject it, so it cannot be confused with one (RFC 8417 §4). `events` has exactly one member,
  /// the event-type URI, whose value is the event object.
  public func claimsJSON() -> String {
    var writer = JSONWriter()
    writer.beginObject()
    writer.field("iss", issuer)
    writer.field("iat", issuedAt)
    writer.field("jti", jti)
    writer.field("aud", audience)
    writer.field("txn", transaction)
    writer.key("sub_id")
    subject.write(to: &writer)
    writer.key("events")
    writer.beginObject()
    writer.key(event.uri)
    writeEventObject(to: &writer)
    writer.endObject()
    writer.endObject()
    return String(decoding: writer.bytes, as: UTF8.self)
  }

  /// Event members, event-specific first, then the optional CAEP ones, as in the CAEP examples.
  private func writeEventObject(to writer: inout JSONWriter) {
    writer.beginObject()
    switch event {
    case .credentialChange:
      writer.field("credential_type", credentialType)
      writer.field("change_type", changeType)
    case .credentialCompromise:
      writer.field("credential_type", credentialType)
    case .accountDisabled:
      writer.field("reason", Self.accountDisabledReason)
    case .sessionRevoked:
      break
    }
    writer.field("initiating_entity", initiatingEntity)
    if let reasonAdmin {
      writer.key("reason_admin")
      writer.beginObject()
      writer.field("en", reasonAdmin)
      writer.endObject()
    }
    if let eventTimestamp { writer.field("event_timestamp", eventTimestamp) }
    writer.endObject()
  }

  /// JWS compact serialization (RFC 7515 §7.1): `header.payload.signature`, each part base64url.
  ///
  /// With a key the header is `{"typ":"secevent+jwt","alg":"HS256"}` (plus `kid` when given) and
  /// the signature HMAC-SHA256 over `header.payload`. Without a key the token is an unsecured JWT
  /// (RFC 7519 §6): `alg` "none" and an empty signature, so the text ends with ".".
  public func compactSerialization(key: [UInt8]?, keyID: String? = nil) -> String {
    var header = JSONWriter()
    header.beginObject()
    header.field("typ", "secevent+jwt")
    header.field("alg", key == nil ? "none" : "HS256")
    if key != nil { header.field("kid", keyID) }
    header.endObject()

    let signingInput = Base64URL.encode(header.bytes) + "." + Base64URL.encode(Array(claimsJSON().utf8))
    guard let key else { return signingInput + "." }
    let signature = HMACSHA256.authenticate(message: Array(signingInput.utf8), key: key)
    return signingInput + "." + Base64URL.encode(signature)
  }

  /// `validate()` then `compactSerialization`: what a revocation hook should send.
  public func validatedCompactSerialization(key: [UInt8]?, keyID: String? = nil) throws(SSFError) -> String {
    try validate()
    return compactSerialization(key: key, keyID: keyID)
  }
}

/// Just enough JWS to check our own tokens (tests, and a receiver that shares the HS256 key).
public enum JWS {
  /// The decoded header and payload JSON of an HS256 compact JWS whose signature matches `key`, or
  /// nil when the token is malformed, its header does not say HS256 (so "none" is never accepted),
  /// it carries a `crit` header we cannot honour, or the signature is wrong. The MAC comparison is
  /// constant-time.
  public static func verifyHS256(_ compact: String, key: [UInt8]) -> (header: String, payload: String)? {
    let parts = compact.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 3,
      let headerBytes = Base64URL.decode(String(parts[0])),
      let payloadBytes = Base64URL.decode(String(parts[1])),
      let signature = Base64URL.decode(String(parts[2]))
    else { return nil }

    var document = JSONDocument()
    do { try document.parse(headerBytes) } catch { return nil }
    guard let alg = document.member(document.root, "alg"), document.stringEquals(alg, "HS256"),
      document.member(document.root, "crit") == nil
    else { return nil }

    let signingInput = Array(parts[0].utf8) + [UInt8(ascii: ".")] + Array(parts[1].utf8)
    let expected = HMACSHA256.authenticate(message: signingInput, key: key)
    guard constantTimeEquals(signature, expected),
      let header = String(validating: headerBytes, as: UTF8.self),
      let payload = String(validating: payloadBytes, as: UTF8.self)
    else { return nil }
    return (header, payload)
  }
}
