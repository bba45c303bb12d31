import TokenWatchJSON

/// What a detector must report for one attack in a scenario: the rule, and the user (the stable
/// key the detectors see: Entra object id, Okta `00u…` id or native `user`) plus the token and/or
/// session it must be caught on, when the rule is per token or per session.
public struct ScenarioLabel: Sendable, Equatable {
  public var rule: String
  public var user: String
  public var token: String?
  public var session: String?
  public var note: String

  public init(rule: String, user: String, token: String? = nil, session: String? = nil, note: String) {
    self.rule = rule
    self.user = user
    self.token = token
    self.session = session
    self.note = note
  }
}

/// One labelled dataset: NDJSON lines in time order plus what must and must not fire.
public struct GeneratedScenario: Sendable {
  public var name: String
  public var description: String
  public var seed: UInt64
  /// "native", "entra", "okta" or "mixed".
  public var format: String
  /// NDJSON lines, without trailing newlines.
  public var lines: [String]
  public var attacks: [ScenarioLabel]
  /// Users that must raise no alert at all.
  public var benignUsers: [String]
  /// The manifest, pretty-printed, without a trailing newline: `scenario.json` is this plus "\n".
  public var manifestJSON: String

  /// The content of `scenario.json`: the manifest and a newline.
  public var scenarioJSON: String { manifestJSON + "\n" }

  /// The content of `events.ndjson`: every line followed by a newline.
  public var eventsNDJSON: String {
    var text = ""
    text.reserveCapacity(lines.reduce(0) { $0 + $1.utf8.count + 1 })
    for line in lines {
      text += line
      text += "\n"
    }
    return text
  }
}

/// Collects the events of one scenario, then sorts them by event time and writes the manifest.
struct ScenarioBuilder {
  let name: String
  let description: String
  let seed: UInt64
  let format: String
  var rng: SeededGenerator
  private var entries: [(time: EventTime, order: Int, line: String)] = []
  private(set) var attacks: [ScenarioLabel] = []
  private(set) var benignUsers: [String] = []
  private var usedLogins: Set<String> = []

  init(name: String, description: String, seed: UInt64, format: String) {
    self.name = name
    self.description = description
    self.seed = seed
    self.format = format
    self.rng = SeededGenerator(seed: seed, stream: name)
  }

  mutating func emit(_ time: EventTime, _ line: String) {
    entries.append((time, entries.count, line))
  }

  mutating func attack(_ rule: String, _ person: Person, token: String? = nil, session: String? = nil, _ note: String) {
    attacks.append(ScenarioLabel(rule: rule, user: person.key, token: token, session: session, note: note))
  }

  /// People that must raise nothing (background users and look-alikes).
  mutating func benign(_ people: [Person]) {
    for person in people where !benignUsers.contains(person.key) {
      benignUsers.append(person.key)
    }
  }

  mutating func benign(_ people: Person...) { benign(people) }

  func finish() -> GeneratedScenario {
    let ordered = entries.sorted { ($0.time, $0.order) < ($1.time, $1.order) }
    return GeneratedScenario(
      name: name, description: description, seed: seed, format: format,
      lines: ordered.map(\.line), attacks: attacks, benignUsers: benignUsers,
      manifestJSON: manifest())
  }

  private func manifest() -> String {
    var w = JSONWriter()
    w.beginObject()
    w.field("name", name)
    w.field("description", description)
    w.key("seed")
    w.raw(String(seed))
    w.field("format", format)
    w.key("attacks")
    w.beginArray()
    for label in attacks {
      w.beginObject()
      w.field("rule", label.rule)
      w.field("user", label.user)
      w.field("token", label.token)
      w.field("session", label.session)
      w.field("note", label.note)
      w.endObject()
    }
    w.endArray()
    w.key("benign_users")
    w.beginArray()
    for user in benignUsers { w.string(user) }
    w.endArray()
    w.endObject()
    return prettyJSON(w.bytes)
  }

  // MARK: People and devices

  /// A first/last name pair not used yet in this scenario (claimed when the person is made).
  mutating func freshName() -> (String, String) {
    while true {
      let first = rng.pick(Names.first)
      let last = rng.pick(Names.last)
      if !usedLogins.contains((first + "." + last).lowercased()) { return (first, last) }
    }
  }

  /// Named people are created before any random ones, so a name is never used twice.
  private mutating func claim(_ first: String, _ last: String) {
    let inserted = usedLogins.insert((first + "." + last).lowercased()).inserted
    precondition(inserted, "\(first) \(last) is already in scenario \(name)")
  }

  /// An Entra user: keyed by object id.
  mutating func entraPerson(_ first: String, _ last: String, domain: String = Domains.contoso) -> Person {
    claim(first, last)
    return Person(key: rng.guid(), upn: login(first, last, domain), displayName: first + " " + last)
  }

  /// An Okta user: keyed by `00u…` id.
  mutating func oktaPerson(_ first: String, _ last: String, domain: String = Domains.northwind) -> Person {
    claim(first, last)
    return Person(key: rng.oktaID(), upn: login(first, last, domain), displayName: first + " " + last)
  }

  /// A native-schema user: keyed by login name.
  mutating func nativePerson(_ first: String, _ last: String, domain: String = Domains.contoso) -> Person {
    claim(first, last)
    let upn = login(first, last, domain)
    return Person(key: upn, upn: upn, displayName: first + " " + last)
  }

  /// An AI agent or integration identity in the native schema.
  func machine(_ name: String, _ actor: ActorType, displayName: String) -> Person {
    let upn = name + "@" + Domains.agents
    return Person(key: upn, upn: upn, displayName: displayName, actor: actor)
  }

  private func login(_ first: String, _ last: String, _ domain: String) -> String {
    (first + "." + last).lowercased() + "@" + domain
  }

  mutating func laptop(_ model: DeviceModel? = nil, managed: Bool = true) -> Device {
    let model = model ?? rng.pick(DeviceModels.desktops)
    return rng.device(model, managed: managed)
  }

  mutating func phone(_ model: DeviceModel? = nil) -> Device {
    let model = model ?? rng.pick(DeviceModels.phones)
    return rng.device(model, managed: rng.chance(0.5))
  }

  /// A client that is not a browser (scripts, integrations, agents): no Entra device, no dtHash use.
  mutating func client(_ model: DeviceModel) -> Device {
    rng.device(model, managed: false)
  }

  mutating func endpoint(_ network: Operator, _ place: Place, _ device: Device) -> Endpoint {
    rng.endpoint(network, place, device)
  }

  /// The office egress and the corporate VPN egress: trusted by CIDR and ASN. Geolocated to HQ
  /// (Seattle) and the VPN concentrator (Ashburn) whatever city the user is in, as real egress is.
  mutating func office(_ device: Device) -> Endpoint {
    rng.endpoint(Operators.contosoOffice, Places.seattle, device)
  }

  mutating func corporateVPN(_ device: Device) -> Endpoint {
    rng.endpoint(Operators.contosoVPN, Places.ashburn, device)
  }
}

/// Re-indents compact JSON (two spaces, `": "`), leaving string contents untouched. Empty
/// arrays and objects stay on one line.
func prettyJSON(_ compact: [UInt8]) -> String {
  var out: [UInt8] = []
  out.reserveCapacity(compact.count * 2)
  var depth = 0
  var inString = false
  var escaped = false
  func newline(_ out: inout [UInt8], _ depth: Int) {
    out.append(0x0A)
    out.append(contentsOf: [UInt8](repeating: 0x20, count: depth * 2))
  }
  var i = 0
  while i < compact.count {
    let c = compact[i]
    if inString {
      out.append(c)
      if escaped { escaped = false } else if c == UInt8(ascii: "\\") { escaped = true } else if c == UInt8(ascii: "\"") { inString = false }
      i += 1
      continue
    }
    switch c {
    case UInt8(ascii: "\""):
      inString = true
      out.append(c)
    case UInt8(ascii: "{"), UInt8(ascii: "["):
      let close = c == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
      if i + 1 < compact.count, compact[i + 1] == close {
        out.append(c)
        out.append(close)
        i += 2
        continue
      }
      out.append(c)
      depth += 1
      newline(&out, depth)
    case UInt8(ascii: "}"), UInt8(ascii: "]"):
      depth -= 1
      newline(&out, depth)
      out.append(c)
    case UInt8(ascii: ","):
      out.append(c)
      newline(&out, depth)
    case UInt8(ascii: ":"):
      out.append(c)
      out.append(0x20)
    default:
      out.append(c)
    }
    i += 1
  }
  return String(decoding: out, as: UTF8.self)
}
