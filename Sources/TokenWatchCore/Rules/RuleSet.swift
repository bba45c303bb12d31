/// A validated, compiled rule: durations in milliseconds, parameters typed, defaults filled in.
public struct CompiledRule: Sendable, Equatable {
  public var id: String
  public var detector: DetectorKind
  public var title: String
  public var description: String
  public var enabled: Bool
  public var severity: Severity
  public var points: Double
  /// The most this rule can add to one user's score, however often it fires.
  public var cap: Double
  public var mitre: [String]
  /// Repeats on the same key within this interval are folded into one alert with a count.
  public var suppress: Duration
  public var parameters: [String: ParameterValue]
  public var file: String

  public func duration(_ name: String) -> Duration {
    if case .duration(let d) = parameters[name] { return d }
    preconditionFailure("parameter \(name) of \(id) is not a duration")
  }

  public func number(_ name: String) -> Double {
    if case .number(let n) = parameters[name] { return n }
    preconditionFailure("parameter \(name) of \(id) is not a number")
  }

  public func count(_ name: String) -> Int {
    if case .count(let n) = parameters[name] { return n }
    preconditionFailure("parameter \(name) of \(id) is not a count")
  }

  public func choices(_ name: String) -> [String] {
    if case .choices(let words) = parameters[name] { return words }
    preconditionFailure("parameter \(name) of \(id) is not a choice")
  }

  public func lists(_ name: String) -> [String] {
    if case .lists(let names) = parameters[name] { return names }
    preconditionFailure("parameter \(name) of \(id) is not a list reference")
  }

  /// One line a reviewer can diff: `TW-001 replay medium points=40 cap=80 suppress=1h scope=[token, session] …`.
  public var canonicalDescription: String {
    var text = "\(id) \(detector.rawValue) \(severity.name) points=\(formatNumber(points)) cap=\(formatNumber(cap)) suppress=\(suppress)"
    for name in parameters.keys.sorted() { text += " \(name)=\(parameters[name]!)" }
    if !enabled { text += " disabled" }
    return text
  }
}

/// Named lists that rules refer to: trusted networks, hosting and VPN ASNs, expected issuers.
public struct NamedList: Sendable, Equatable {
  public var name: String
  public var kind: ListKind
  public var cidrs: [CIDRBlock] = []
  public var asns: Set<UInt32> = []
  /// Domain → accepted issuers, each `Type` (any name) or `Type/name`.
  public var issuers: [String: [String]] = [:]
  public var file: String
  public var description: String = ""

  public var itemCount: Int { cidrs.count + asns.count + issuers.count }
}

public struct RiskPolicy: Sendable, Equatable {
  public var halfLife: Duration = .hours(24)
  public var low: Double = 20
  public var medium: Double = 50
  public var high: Double = 100
  /// A rule's cap when it sets none: this many times its points.
  public var capMultiplier: Double = 2

  public init() {}

  public func level(for score: Double) -> RiskLevel {
    if score >= high { return .high }
    if score >= medium { return .medium }
    if score >= low { return .low }
    return .none
  }
}

/// How much per-token, per-session and per-user state to keep, and for how long (event time).
public struct StatePolicy: Sendable, Equatable {
  public struct Limit: Sendable, Equatable {
    public var ttl: Duration
    public var maxEntries: Int
    public init(ttl: Duration, maxEntries: Int) {
      self.ttl = ttl
      self.maxEntries = maxEntries
    }
  }

  // Token state must outlive the dormancy threshold, or dormant tokens would be forgotten first.
  public var tokens = Limit(ttl: .days(90), maxEntries: 2_000_000)
  public var sessions = Limit(ttl: .days(90), maxEntries: 1_000_000)
  public var users = Limit(ttl: .days(180), maxEntries: 1_000_000)
  public var tasks = Limit(ttl: .days(30), maxEntries: 200_000)
  public var domains = Limit(ttl: .days(365), maxEntries: 100_000)
  /// Address prefix → ASN and country, learned from the records that carry them.
  public var addresses = Limit(ttl: .days(30), maxEntries: 500_000)

  public init() {}

  public static let kinds = ["tokens", "sessions", "users", "tasks", "domains", "addresses"]

  public subscript(kind: String) -> Limit {
    get {
      switch kind {
      case "tokens": tokens
      case "sessions": sessions
      case "users": users
      case "tasks": tasks
      case "addresses": addresses
      default: domains
      }
    }
    set {
      switch kind {
      case "tokens": tokens = newValue
      case "sessions": sessions = newValue
      case "users": users = newValue
      case "tasks": tasks = newValue
      case "addresses": addresses = newValue
      default: domains = newValue
      }
    }
  }
}

/// Everything loaded from a rules directory, ready to build an engine from.
public struct RuleSet: Sendable, Equatable {
  public var rules: [CompiledRule]
  public var lists: [String: NamedList]
  public var risk: RiskPolicy
  public var state: StatePolicy
  /// The response policy, when the rules directory has one; without it nothing ever acts.
  public var response: ResponsePolicy?

  public init(rules: [CompiledRule], lists: [String: NamedList], risk: RiskPolicy = RiskPolicy(), state: StatePolicy = StatePolicy(), response: ResponsePolicy? = nil) {
    self.rules = rules
    self.lists = lists
    self.risk = risk
    self.state = state
    self.response = response
  }

  public var enabledRules: [CompiledRule] { rules.filter(\.enabled) }

  /// The union of the named CIDR and ASN lists.
  public func networks(_ names: [String]) -> NetworkSet {
    var set = NetworkSet()
    var asns: Set<UInt32> = []
    for name in names {
      guard let list = lists[name] else { continue }
      set.cidrs += list.cidrs
      asns.formUnion(list.asns)
    }
    set.asns = asns  // sorted once, not once a list
    return set
  }

  public func issuers(_ names: [String]) -> [String: [String]] {
    var merged: [String: [String]] = [:]
    for name in names { merged.merge(lists[name]?.issuers ?? [:]) { $0 + $1 } }
    return merged
  }
}

public struct NetworkSet: Sendable, Equatable {
  public var cidrs: [CIDRBlock] = []
  /// Sorted and without repeats, searched by halves: a `Set` hashed the ASN of nearly every event
  /// with SipHash, twice an event (about 210 instructions more), for lists of a few numbers.
  private var sortedASNs: [UInt32] = []
  public init() {}

  public var asns: Set<UInt32> {
    get { Set(sortedASNs) }
    set { sortedASNs = newValue.sorted() }
  }

  public func contains(address: IPAddress?, asn: UInt32?) -> Bool {
    if let asn, contains(asn: asn) { return true }
    guard let address else { return false }
    return cidrs.contains { $0.contains(address) }
  }

  public func contains(asn: UInt32) -> Bool {
    var low = 0
    var high = sortedASNs.count
    while low < high {
      let middle = (low + high) / 2
      if sortedASNs[middle] < asn { low = middle + 1 } else { high = middle }
    }
    return low < sortedASNs.count && sortedASNs[low] == asn
  }
}
