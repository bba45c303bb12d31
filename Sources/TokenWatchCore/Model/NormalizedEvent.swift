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
  // Declared in this order to leave little padding (Swift lays fields out as declared): the
  // strings, then the small fields packed between and after the 9- and 17-byte optionals.
  // 320 bytes an event rather than 364, and every event is moved several times.

  /// Finer origin for counters and alerts, e.g. `entra:NonInteractiveUserSignInLogs`, `okta:user.session.start`.
  public var sourceDetail: String
  /// Stable user key: Entra object id, Okta `00u…` id, native `user`.
  public var user: String? { didSet { keyHashes.user = 0 } }
  /// Login name / UPN / e-mail, lower-cased.
  public var upn: String?
  /// The authentication session the token descends from.
  public var session: String? { didSet { keyHashes.session = 0 } }
  public var task: String?
  public var app: String?
  public var issuer: String?
  public var issuerType: String?
  public var ip: String?
  /// ISO 3166 alpha-2 when the source gives it; Okta's full country names are mapped where known.
  public var country: String?
  public var city: String?
  public var userAgent: String?
  /// Device identity: Entra device id, Okta device token hash (`dtHash`) or device id.
  public var device: String?

  public var time: EventTime
  /// Kept in 8 bytes (`CompactEventTime`): as an `EventTime?` it took 16 with its padding.
  @CompactEventTime public var tokenIssuedAt: EventTime?
  /// `eventID` as stored (see `PackedEventID`).
  public var packedEventID: PackedEventID?
  /// `token` as stored (see `TokenKey`): Entra's and Graph's token ids as their 16 bytes.
  public var packedToken: TokenKey? { didSet { keyHashes.token = 0 } }
  public var format: InputFormat
  public var kind: EventKind
  public var outcome: Outcome = .unknown
  /// The state stores' hashes of `token`, `session` and `user`, worked out by `hashKeys()` on a
  /// decode thread, where the bytes were just read: the engine thread then finds the records
  /// without reading the strings again (memory another core wrote). A key that changes drops its
  /// hash; 0 means none, and the store hashes the key itself.
  public private(set) var keyHashes = KeyHashes()
  public var asn: UInt32?
  public var actor: ActorType = .unknown
  /// The token is bound to its device (Entra token protection `bound`, native `bound`).
  public var bound: Bool?
  /// The source itself vouches for the network (Entra trusted named location, Global Secure Access).
  public var trustedNetwork: Bool = false
  /// Vendor error code when the source has one (Entra `status.errorCode`).
  public var errorCode: Int64?
  public var interactive: Bool?
  /// Kept in 8 bytes each (`CompactDouble`).
  @CompactDouble public var latitude: Double?
  @CompactDouble public var longitude: Double?

  /// One issued token (Entra `uniqueTokenIdentifier` / Graph `SignInActivityId`). Spelled out
  /// on each read: the hot path reads `packedToken`.
  public var token: String? {
    get { packedToken?.string }
    set { packedToken = newValue.map(TokenKey.init) }
  }

  /// The vendor's own record id (Entra `id`, Okta `uuid`, Graph `requestId`).
  public var eventID: String? {
    get { packedEventID?.string }
    set { packedEventID = newValue.map(PackedEventID.init) }
  }

  public init(time: EventTime, format: InputFormat, sourceDetail: String, kind: EventKind) {
    self.time = time
    self.format = format
    self.sourceDetail = sourceDetail
    self.kind = kind
  }

  /// Works out `keyHashes` (see there), but for those already set (`setKeys`).
  public mutating func hashKeys() {
    keyHashes.token = packedToken?.tableHash ?? 0
    if keyHashes.session == 0 { keyHashes.session = session.map(TableHash.hash32) ?? 0 }
    if keyHashes.user == 0 { keyHashes.user = user.map(TableHash.hash32) ?? 0 }
  }

  /// Sets the user and the session with their hashes (`TableHash.hash32` of each), where the
  /// reader has them already (a string cache keeps a kept string's hash).
  mutating func setKeys(user: (string: String, hash: UInt32)?, session: (string: String, hash: UInt32)?) {
    self.user = user?.string
    self.session = session?.string
    keyHashes.user = user?.hash ?? 0
    keyHashes.session = session?.hash ?? 0
  }
}

/// See `NormalizedEvent.keyHashes`. Not part of an event's value: an event equals, and prints
/// as, itself whether or not its keys were hashed.
public struct KeyHashes: Sendable, Equatable, CustomStringConvertible {
  var token: UInt32 = 0
  var session: UInt32 = 0
  var user: UInt32 = 0

  public static func == (_: KeyHashes, _: KeyHashes) -> Bool { true }
  public var description: String { "KeyHashes" }
}
