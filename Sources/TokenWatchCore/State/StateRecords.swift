/// The network a use came from, as the replay detector compares it: the ASN when known, else
/// the /24 (IPv4) or /48 (IPv6) prefix.
public enum NetworkKey: Hashable, Sendable, CustomStringConvertible {
  case asn(UInt32)
  case prefix(IPAddress)

  public var description: String {
    switch self {
    case .asn(let n): "AS\(n)"
    case .prefix(let p): p.prefixDescription
    }
  }
}

/// Where and how a token or session was used once: the evidence a replay alert shows.
public struct UseSnapshot: Sendable, Equatable {
  public var time: EventTime
  public var ip: String?
  public var asn: UInt32?
  public var country: String?
  public var city: String?
  public var userAgent: String?
  public var device: String?

  init(_ event: NormalizedEvent) {
    time = event.time
    ip = event.ip
    asn = event.asn
    country = event.country
    city = event.city
    userAgent = event.userAgent
    device = event.device
  }
}

/// A located sighting for impossible travel.
public struct GeoPoint: Sendable, Equatable {
  public var time: EventTime
  public var latitude: Double
  public var longitude: Double
  public var city: String?
  public var country: String?
  public var ip: String?
}

/// What is known about one token. There can be millions, so times are `OptionalEventTime`s and
/// strings numbers in the engine's `StringInterner` (`Engine.strings`): 128 bytes instead of 240.
public struct TokenRecord: StateRecord, Sendable {
  public var firstSeen = EventTime.distantPast
  /// The last successful use before the current event (dormancy).
  @CompactEventTime public var lastUse: EventTime? = nil
  @CompactEventTime public var revokedAt: EventTime? = nil
  public var trail = TokenTrail()
  public var baseline = NetworkBaseline()
  public var user = InternedString.none
  public var task = InternedString.none
  public var session = InternedString.none
  /// A sign-in or token grant issued this token (so later accesses with it are not forged).
  public var issued = false
  public init() {}

  /// Every string number the record holds (for `StringInterner.sweep`).
  func markStrings(_ marks: inout InternedStringMarks) {
    marks.insert(user)
    marks.insert(task)
    marks.insert(session)
    baseline.markStrings(&marks)
    trail.markStrings(&marks)
  }
}

/// A record that keeps the interned number of its own key (`Engine.applyFacts`).
protocol OwnNumbered {
  var id: InternedString { get set }
}

/// What is known about one session; compact like `TokenRecord`.
public struct SessionRecord: StateRecord, OwnNumbered, Sendable {
  public var firstSeen = EventTime.distantPast
  @CompactEventTime public var lastUse: EventTime? = nil
  @CompactEventTime public var endedAt: EventTime? = nil
  @CompactEventTime public var revokedAt: EventTime? = nil
  public var baseline = NetworkBaseline()
  public var user = InternedString.none
  /// The session's own id, interned once: what its tokens' `session` is, taken without looking
  /// the string up again (most events bring a new token, and each lookup reads the table's
  /// memory). Not checkpointed: set again by the session's next event.
  public var id = InternedString.none
  public init() {}

  func markStrings(_ marks: inout InternedStringMarks) {
    marks.insert(user)
    marks.insert(id)
    baseline.markStrings(&marks)
  }
}

public struct UserRecord: StateRecord, OwnNumbered, Sendable {
  public var upn: String?
  public var actor: ActorType = .unknown
  public var disabledAt: EventTime?
  /// Every token and session of this user first seen before this time is revoked.
  public var revokedBefore: EventTime?
  public var firstSignIn: EventTime?
  public var lastSignIn: EventTime?
  public var trail: [GeoPoint] = []
  public var risk = RiskState()
  /// The user's own id, interned: what its tokens' and sessions' `user` is, without a lookup
  /// (see `SessionRecord.id`). Not checkpointed: set again by the user's next event.
  public var id = InternedString.none
  /// Where the engine found the domain of `upn` last time (see `Engine.placeDomain`). Not
  /// checkpointed either: a restored user's next sign-in looks it up.
  var domainMemo = DomainMemo.none
  public init() {}
}

/// A domain store slot and the store's `generation` when it was found: good while no slot has
/// been freed since, as nothing else moves a key to another slot.
struct DomainMemo {
  var slot: Int32
  var generation: UInt32
  static let none = DomainMemo(slot: -1, generation: 0)
}

public struct TaskRecord: StateRecord, Sendable {
  public var user: String?
  public var endedAt: EventTime?
  public init() {}
}

public struct DomainRecord: StateRecord, Sendable {
  public var firstSeen: EventTime?
  /// `type/name` of every issuer seen for the domain.
  public var issuers: [String] = []
  public init() {}
}

/// A user's decaying risk: per-rule contributions share one decay clock.
public struct RiskState: Sendable {
  public var contributions: [String: Double] = [:]
  public var updatedAt: EventTime?
  public var recentAlerts: [String] = []
  public var recentRules: [String] = []
  public var tokens: [String] = []
  public var sessions: [String] = []
  public init() {}
}
