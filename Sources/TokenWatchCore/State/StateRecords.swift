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

/// The networks and countries a token or session is known to belong to. Networks are kept both
/// as ASNs and as address prefixes, so a use that arrives without an ASN (Graph activity logs
/// carry none) is still compared with the prefixes it was seen from.
public struct NetworkBaseline: Sendable {
  public var networks: [NetworkKey] = []
  public var countries: [String] = []
  public var first: UseSnapshot?
  /// The last successful use from inside the baseline (for interleaving).
  public var lastInsideUse: EventTime?
  /// The last use from outside it.
  public var lastOutsideUse: EventTime?

  public var isEmpty: Bool { first == nil }

  public func contains(address: IPAddress?, asn: UInt32?, country: String?) -> Bool {
    var networkKnown = true
    if let asn, asn != 0 {
      networkKnown = networks.contains(.asn(asn))
    } else if let prefix = address?.networkPrefix {
      networkKnown = networks.contains(.prefix(prefix))
    }
    let countryKnown = country.map { countries.isEmpty || countries.contains($0) } ?? true
    return networkKnown && countryKnown
  }

  public mutating func add(address: IPAddress?, asn: UInt32?, country: String?, limit: Int) {
    func insert(_ key: NetworkKey) {
      if !networks.contains(key), networks.count < limit * 2 { networks.append(key) }
    }
    if let asn, asn != 0 { insert(.asn(asn)) }
    if let prefix = address?.networkPrefix { insert(.prefix(prefix)) }
    if let country, !countries.contains(country), countries.count < limit { countries.append(country) }
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

public struct TokenRecord: StateRecord, Sendable {
  public var user: String?
  public var firstSeen = EventTime.distantPast
  /// The last successful use before the current event (dormancy).
  public var lastUse: EventTime?
  /// A sign-in or token grant issued this token (so later accesses with it are not forged).
  public var issued = false
  public var task: String?
  public var session: String?
  public var revokedAt: EventTime?
  public var baseline = NetworkBaseline()
  public var trail: [GeoPoint] = []
  public init() {}
}

public struct SessionRecord: StateRecord, Sendable {
  public var user: String?
  public var firstSeen = EventTime.distantPast
  public var lastUse: EventTime?
  public var endedAt: EventTime?
  public var revokedAt: EventTime?
  public var baseline = NetworkBaseline()
  public init() {}
}

public struct UserRecord: StateRecord, Sendable {
  public var upn: String?
  public var actor: ActorType = .unknown
  public var disabledAt: EventTime?
  /// Every token and session of this user first seen before this time is revoked.
  public var revokedBefore: EventTime?
  public var firstSignIn: EventTime?
  public var lastSignIn: EventTime?
  public var trail: [GeoPoint] = []
  public var risk = RiskState()
  public init() {}
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
