/// What a detector sees for one event: the event, plus the state records of its token, session,
/// user, task and domain as they were before this event. Detectors may update the fields they
/// own (baselines, trails); the engine applies the shared facts (last use, issuance, lifecycle)
/// after every detector has run. The records are read and changed where their stores keep them
/// (`RecordPlace`), so a context is good for the one event the engine made it for.
public struct DetectionContext {
  /// Enriched by the engine (`AddressEnricher`) before the detectors see it; they only read it.
  public internal(set) var event: NormalizedEvent
  /// `event.ip`, parsed once by the engine.
  public let address: IPAddress?
  public internal(set) var token: RecordPlace<TokenRecord>?
  public internal(set) var tokenIsNew = false
  public internal(set) var session: RecordPlace<SessionRecord>?
  public internal(set) var sessionIsNew = false
  public internal(set) var user: RecordPlace<UserRecord>?
  public internal(set) var task: RecordPlace<TaskRecord>?
  public internal(set) var domain: RecordPlace<DomainRecord>?
  /// The domain of `event.upn` when `domain` is set (computed once, by the engine).
  public var domainName: String?
  /// The first event time of the whole stream (how long we have been watching).
  public var streamStart: EventTime
  /// The engine's string table, which the records' strings are numbers in. The engine moves it
  /// in for the event and out after.
  public var strings = StringInterner()

  /// Inlined: called, it built the context (936 bytes) in a temporary that the engine then
  /// copied into its own, for every event.
  @inline(__always) public init(event: NormalizedEvent, address: IPAddress?, streamStart: EventTime) {
    self.event = event
    self.address = address
    self.streamStart = streamStart
  }

  /// The user the event is about: its own, else its token's or session's, else its login name.
  /// Inlined: called out of line, the engine passed it a copy of the whole context (920 bytes).
  public var userID: String? {
    @inline(__always) get {
      // No closures here: one capturing `self` would copy the whole context.
      if let user = event.user { return user }
      if let id = token?.record.user, !id.isNone { return strings[id] }
      if let id = session?.record.user, !id.isNone { return strings[id] }
      return event.upn
    }
  }

  /// The task the event's token was issued for, as the token record knows it.
  public var tokenTask: String? {
    guard let id = token?.record.task else { return nil }
    return strings[id]
  }

  /// A successful (or not known to have failed) use of a credential. The two fields are read
  /// first: switching on `event.kind` copied the whole event on every call.
  public var isUse: Bool {
    let (kind, outcome) = (event.kind, event.outcome)
    switch kind {
    case .signIn, .access, .tokenIssued: return outcome != .failure
    default: return false
    }
  }
}

/// Who an alert is about; repeats for the same rule and subject are suppressed together.
public enum FindingSubject: Hashable, Sendable {
  case token(String)
  case session(String)
  case user(String)

  public var kind: String {
    switch self {
    case .token: "token"
    case .session: "session"
    case .user: "user"
    }
  }

  public var id: String {
    switch self {
    case .token(let id), .session(let id), .user(let id): id
    }
  }
}

/// Ordered, typed evidence; written to NDJSON in exactly this order.
public indirect enum EvidenceValue: Sendable, Equatable {
  case string(String)
  case int(Int64)
  case number(Double, decimals: Int)
  case bool(Bool)
  case object([(String, EvidenceValue)])

  public static func == (a: EvidenceValue, b: EvidenceValue) -> Bool {
    switch (a, b) {
    case (.string(let x), .string(let y)): x == y
    case (.int(let x), .int(let y)): x == y
    case (.number(let x, let p), .number(let y, let q)): x == y && p == q
    case (.bool(let x), .bool(let y)): x == y
    case (.object(let x), .object(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    default: false
    }
  }
}

/// Builds evidence objects, skipping absent values.
public struct EvidenceBuilder {
  public private(set) var fields: [(String, EvidenceValue)] = []
  public init() {}
  public mutating func add(_ key: String, _ value: String?) { if let value { fields.append((key, .string(value))) } }
  public mutating func add(_ key: String, _ value: Int64?) { if let value { fields.append((key, .int(value))) } }
  public mutating func add(_ key: String, _ value: Double?, decimals: Int) { if let value { fields.append((key, .number(value, decimals: decimals))) } }
  public mutating func add(_ key: String, _ value: Bool?) { if let value { fields.append((key, .bool(value))) } }
  public mutating func add(_ key: String, _ value: EvidenceBuilder) { fields.append((key, .object(value.fields))) }
  public mutating func add(_ key: String, time: EventTime?) { if let time { fields.append((key, .string(time.rfc3339))) } }
}

public struct Finding: Sendable {
  public var severity: Severity
  public var subject: FindingSubject
  /// Spells out the summary and the evidence. The engine calls it only for a finding that
  /// becomes an alert: a repeat within its rule's suppression window is counted and dropped, and
  /// on a busy feed most findings are repeats (977 of 999 impossible-travel findings in 100,000
  /// generated sign-ins), each of which cost about 15,000 instructions to spell out.
  let details: @Sendable () -> (summary: String, evidence: [(String, EvidenceValue)])

  public init(severity: Severity, subject: FindingSubject, summary: String, evidence: EvidenceBuilder) {
    let fields = evidence.fields
    self.init(severity: severity, subject: subject) { (summary, fields) }
  }

  /// A finding whose summary and evidence `details` makes when they are needed, from values it
  /// captured when the finding was made.
  public init(severity: Severity, subject: FindingSubject, details: @escaping @Sendable () -> (summary: String, evidence: [(String, EvidenceValue)])) {
    self.severity = severity
    self.subject = subject
    self.details = details
  }

  /// One sentence for the analyst: what happened, with the decisive values. (This and
  /// `evidence` spell out both again on every read; the engine calls `details` once.)
  public var summary: String { details().summary }
  public var evidence: [(String, EvidenceValue)] { details().evidence }
}

/// Class-bound, so an `any Detector` is one reference: the engine's calls through its
/// `[any Detector]` copied the whole existential box of a class that merely happened to conform
/// (about 340 instructions an event for the six detectors), and now copy a reference.
public protocol Detector: AnyObject {
  var rule: CompiledRule { get }
  /// Looks at one event in its context; returns at most one finding.
  func evaluate(_ context: inout DetectionContext) -> Finding?
}

extension UseSnapshot {
  var evidence: EvidenceBuilder {
    var e = EvidenceBuilder()
    e.add("time", time: time)
    e.add("ip", ip)
    e.add("asn", asn.map { Int64($0) })
    e.add("country", country)
    e.add("city", city)
    e.add("user_agent", userAgent)
    e.add("device", device)
    return e
  }
}

func describeNetwork(asn: UInt32?, ip: String?, country: String?) -> String {
  var text = asn.map { "AS\($0)" } ?? ip ?? "an unknown network"
  if let country { text += " (\(country))" }
  return text
}
