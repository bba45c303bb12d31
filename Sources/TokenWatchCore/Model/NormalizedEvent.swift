/// Which reader produced an event. Adding a format: one normalizer file plus one case here.
public enum InputFormat: String, CaseIterable, Sendable {
  case entra, graph, okta, native
}

/// What happened, in the vocabulary every detector shares (the native schema's `kind`).
public enum EventKind: String, CaseIterable, Sendable {
  case signIn = "signin"
  case access
  case tokenIssued = "token_issued"
  case sessionEnd = "session_end"
  case tokenRevoked = "token_revoked"
  case userDisabled = "user_disabled"
  case userEnabled = "user_enabled"
  case taskEnd = "task_end"
  /// A record of a known format that carries nothing the detectors use (still counted).
  case other
}

public enum Outcome: String, Sendable {
  case success, failure, unknown
}

public enum ActorType: String, Sendable {
  case human, agent, service, unknown
}

/// One sign-in or resource-access fact, whatever log it came from. Every field but `time`,
/// `format`, `kind` and `outcome` is optional because every source leaves some out.
public struct NormalizedEvent: Sendable, Equatable {
  public var time: EventTime
  public var format: InputFormat
  /// Finer origin for counters and alerts, e.g. `entra:NonInteractiveUserSignInLogs`, `okta:user.session.start`.
  public var sourceDetail: String
  public var kind: EventKind
  public var outcome: Outcome = .unknown
  /// Vendor error code when the source has one (Entra `status.errorCode`).
  public var errorCode: Int64?

  /// Stable user key: Entra object id, Okta `00u…` id, native `user`.
  public var user: String?
  /// Login name / UPN / e-mail, lower-cased.
  public var upn: String?
  public var actor: ActorType = .unknown

  /// One issued token (Entra `uniqueTokenIdentifier` / Graph `SignInActivityId`).
  public var token: String?
  /// The authentication session the token descends from.
  public var session: String?
  public var task: String?
  public var app: String?
  public var issuer: String?
  public var issuerType: String?

  public var ip: String?
  public var asn: UInt32?
  /// ISO 3166 alpha-2 when the source gives it; Okta's full country names are mapped where known.
  public var country: String?
  public var city: String?
  public var latitude: Double?
  public var longitude: Double?

  public var userAgent: String?
  /// Device identity: Entra device id, Okta device token hash (`dtHash`) or device id.
  public var device: String?
  /// The token is bound to its device (Entra token protection `bound`, native `bound`).
  public var bound: Bool?
  /// The source itself vouches for the network (Entra trusted named location, Global Secure Access).
  public var trustedNetwork: Bool = false
  public var interactive: Bool?
  public var tokenIssuedAt: EventTime?
  /// The vendor's own record id (Entra `id`, Okta `uuid`, Graph `requestId`).
  public var eventID: String?

  public init(time: EventTime, format: InputFormat, sourceDetail: String, kind: EventKind) {
    self.time = time
    self.format = format
    self.sourceDetail = sourceDetail
    self.kind = kind
  }
}
