import TokenWatchJSON

/// One action to deliver: a risk rise routed to one hook. Its id is deterministic, so a
/// receiver can de-duplicate retries and redeliveries by it (the `Idempotency-Key`).
public struct ActionRequest: Sendable, Equatable {
  public var id: String
  public var hook: String
  /// The risk rise that caused the action: everything a hook needs.
  public var risk: RiskRecord
}

/// Turns risk records into actions: routes, cooldown per user and level, never-act list.
/// Pure and deterministic: the same risk records always plan the same actions.
public struct ResponsePlanner {
  public enum Decision: Sendable, Equatable {
    case act(ActionRequest)
    /// A route matched but the user is on the never-act list.
    case neverAct(ActionRequest)
    /// A route matched but the same user and level acted within the cooldown.
    case coolingDown(ActionRequest, lastActed: EventTime)
  }

  public let policy: ResponsePolicy
  private var lastActed: [String: EventTime] = [:]

  public init(policy: ResponsePolicy) { self.policy = policy }

  /// When each user and level was last acted on (for a checkpoint), and its restore.
  public var cooldowns: [String: EventTime] {
    get { lastActed }
    set { lastActed = newValue }
  }

  public mutating func plan(_ record: RiskRecord) -> [Decision] {
    let hooks = orderedHooks(for: record)
    guard !hooks.isEmpty else { return [] }
    let requests = hooks.map { ActionRequest(id: "act-" + StableHash.hex(StableHash.of(record.id, $0)), hook: $0, risk: record) }
    if isNeverAct(record) { return requests.map(Decision.neverAct) }
    let key = record.user + "|" + record.level.name
    if let last = lastActed[key], record.time - last < policy.cooldown, record.time >= last {
      return requests.map { .coolingDown($0, lastActed: last) }
    }
    lastActed[key] = record.time
    return requests.map(Decision.act)
  }

  /// Hooks of every matching route, first mention first, each once.
  private func orderedHooks(for record: RiskRecord) -> [String] {
    var hooks: [String] = []
    for route in policy.routes where route.matches(record) {
      for hook in route.hooks where !hooks.contains(hook) { hooks.append(hook) }
    }
    return hooks
  }

  private func isNeverAct(_ record: RiskRecord) -> Bool {
    policy.neverAct.contains(record.user.lowercased()) || record.upn.map { policy.neverAct.contains($0.lowercased()) } == true
  }
}

/// What happened to an action, as written to stdout or the actions log.
public struct ActionOutcome: Sendable, Equatable {
  public enum Result: String, Sendable {
    case dryRun = "dry-run"
    case success
    case retry
    case failed
    case neverAct = "never-act"
    case coolingDown = "cooling-down"
    case journaled
    case circuitOpen = "circuit-open"
    case recovered
  }

  public var actionID: String
  public var hook: String
  public var hookKind: String
  public var user: String?
  public var level: RiskLevel?
  public var attempt: Int
  public var result: Result
  public var detail: String
  /// Wall-clock milliseconds of the attempt (live delivery only).
  public var latencyMillis: Int?

  public init(actionID: String, hook: String, hookKind: String, user: String?, level: RiskLevel?, attempt: Int, result: Result, detail: String, latencyMillis: Int? = nil) {
    self.actionID = actionID
    self.hook = hook
    self.hookKind = hookKind
    self.user = user
    self.level = level
    self.attempt = attempt
    self.result = result
    self.detail = detail
    self.latencyMillis = latencyMillis
  }
}

/// JSON for actions: the request body every hook receives, and the outcome records.
public enum ActionEncoder {
  /// The action as delivered: webhook body, exec stdin, file line, journal entry.
  public static func request(_ action: ActionRequest, into writer: inout JSONWriter) {
    let r = action.risk
    writer.beginObject()
    writer.field("type", "action_request")
    writer.field("id", action.id)
    writer.field("hook", action.hook)
    writer.field("time", r.time.rfc3339)
    writer.field("risk_id", r.id)
    writer.field("user", r.user)
    writer.field("upn", r.upn)
    writer.field("actor", r.actor.rawValue)
    writer.field("level", r.level.name)
    writer.field("previous_level", r.previousLevel.name)
    writer.key("score")
    writer.fixed(r.score, decimals: 2)
    for (key, values) in [("rules", r.rules), ("alerts", r.alerts), ("tokens", r.tokens), ("sessions", r.sessions)] {
      writer.key(key)
      writer.beginArray()
      for value in values { writer.string(value) }
      writer.endArray()
    }
    writer.endObject()
  }

  public static func requestJSON(_ action: ActionRequest) -> [UInt8] {
    var writer = JSONWriter()
    request(action, into: &writer)
    return writer.bytes
  }

  public static func outcome(_ outcome: ActionOutcome) -> [UInt8] {
    var writer = JSONWriter()
    writer.beginObject()
    writer.field("type", "action")
    writer.field("id", outcome.actionID)
    writer.field("hook", outcome.hook)
    writer.field("kind", outcome.hookKind)
    writer.field("user", outcome.user)
    writer.field("level", outcome.level?.name)
    writer.field("attempt", outcome.attempt)
    writer.field("result", outcome.result.rawValue)
    writer.field("detail", outcome.detail)
    if let latency = outcome.latencyMillis { writer.field("latency_ms", latency) }
    writer.endObject()
    return writer.bytes
  }

  /// Parses an action request written by `request` (the journal reads its own lines back).
  public static func parseRequest(_ document: JSONDocument, _ ref: JSONRef) -> ActionRequest? {
    func string(_ key: String) -> String? { document.member(ref, key).flatMap(document.string) }
    func strings(_ key: String) -> [String] { document.member(ref, key).map { document.elements($0).compactMap(document.string) } ?? [] }
    guard let id = string("id"), let hook = string("hook"), let time = string("time").flatMap(EventTime.init(rfc3339:)),
      let riskID = string("risk_id"), let user = string("user"),
      let level = RiskLevel.allCases.first(where: { $0.name == string("level") }),
      let previous = RiskLevel.allCases.first(where: { $0.name == string("previous_level") })
    else { return nil }
    let record = RiskRecord(
      id: riskID, time: time, user: user, upn: string("upn"), actor: ActorType(rawValue: string("actor") ?? "") ?? .unknown,
      level: level, previousLevel: previous, score: document.member(ref, "score").flatMap(document.double) ?? 0,
      alerts: strings("alerts"), rules: strings("rules"), tokens: strings("tokens"), sessions: strings("sessions"))
    return ActionRequest(id: id, hook: hook, risk: record)
  }
}
