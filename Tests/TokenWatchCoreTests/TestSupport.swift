import TokenWatchJSON
@testable import TokenWatchCore

/// Builds events tersely: `event("2026-03-02T09:00:00Z", .access, user: "u1", token: "t1", ip: "1.2.3.4", asn: 7922)`.
func event(
  _ time: String, _ kind: EventKind = .access, user: String? = "u1", upn: String? = "alice@contoso.example",
  token: String? = nil, session: String? = nil, task: String? = nil, ip: String? = nil, asn: UInt32? = nil,
  country: String? = nil, city: String? = nil, lat: Double? = nil, lon: Double? = nil, userAgent: String? = nil,
  device: String? = nil, outcome: Outcome = .success, issuerType: String? = nil, issuer: String? = nil,
  interactive: Bool? = nil, tokenIssuedAt: String? = nil, actor: ActorType = .human
) -> NormalizedEvent {
  var e = NormalizedEvent(time: EventTime(rfc3339: time)!, format: .native, sourceDetail: "native:\(kind.rawValue)", kind: kind)
  e.user = user
  e.upn = upn
  e.token = token
  e.session = session
  e.task = task
  e.ip = ip
  e.asn = asn
  e.country = country
  e.city = city
  e.latitude = lat
  e.longitude = lon
  e.userAgent = userAgent
  e.device = device
  e.outcome = outcome
  e.issuerType = issuerType
  e.issuer = issuer
  e.interactive = interactive
  e.tokenIssuedAt = tokenIssuedAt.flatMap { EventTime(rfc3339: $0) }
  e.actor = actor
  return e
}

/// A compiled rule for `detector` with its default parameters, overridden by `params`.
func rule(_ detector: DetectorKind, id: String = "TW-T", severity: Severity = .medium, points: Double = 40, suppress: Duration = .hours(1), params: [String: ParameterValue] = [:]) -> CompiledRule {
  var values: [String: ParameterValue] = [:]
  for parameter in detector.parameters { values[parameter.name] = parameter.defaultValue }
  values.merge(params) { $1 }
  return CompiledRule(id: id, detector: detector, title: "test \(detector.rawValue)", description: "", enabled: true, severity: severity, points: points, cap: points * 2, mitre: ["T1550.001"], suppress: suppress, parameters: values, file: "test.yaml")
}

func list(_ name: String, cidrs: [String] = [], asns: [UInt32] = [], issuers: [String: [String]] = [:]) -> NamedList {
  let kind: ListKind = !issuers.isEmpty ? .issuers : !cidrs.isEmpty ? .cidr : .asn
  var l = NamedList(name: name, kind: kind, file: "lists.yaml")
  l.cidrs = cidrs.compactMap(CIDRBlock.init)
  l.asns = Set(asns)
  l.issuers = issuers
  return l
}

/// The reference lists of rules/lists, built in code so detector tests don't depend on files.
let referenceLists: [String: NamedList] = [
  "trusted": list("trusted", cidrs: ["198.51.100.0/24", "203.0.113.0/24"]),
  "trusted_asns": list("trusted_asns", asns: [64500]),
  "hosting": list("hosting", asns: [14061, 16509]),
  "vpn": list("vpn", asns: [9009]),
  "issuers": list("issuers", issuers: ["cloudonly.example": ["AzureAD"], "contoso.example": ["AzureAD", "ADFederationServices/sts.contoso.example"]]),
]

/// Runs events through an engine built from `rules` and returns the alerts.
func alerts(_ rules: [CompiledRule], _ events: [NormalizedEvent], risk: RiskPolicy = RiskPolicy()) -> [Alert] {
  records(rules, events, risk: risk).compactMap { if case .alert(let a) = $0 { a } else { nil } }
}

func records(_ rules: [CompiledRule], _ events: [NormalizedEvent], risk: RiskPolicy = RiskPolicy()) -> [EngineRecord] {
  var engine = Engine(ruleSet: RuleSet(rules: rules, lists: referenceLists, risk: risk))
  var out: [EngineRecord] = []
  for e in events { engine.process(e, into: &out) }
  engine.finish(into: &out)
  return out
}

extension Alert {
  func evidence(_ key: String) -> EvidenceValue? { evidence.first { $0.0 == key }?.1 }

  /// A nested evidence object by field name; nil when `key` is missing or not an object.
  func evidenceFields(_ key: String) -> [String: EvidenceValue]? {
    guard case .object(let fields)? = evidence(key) else { return nil }
    return Dictionary(uniqueKeysWithValues: fields)
  }
}

struct DemoArrival {
  var event: NormalizedEvent
  var tieBreak: UInt64
}

/// The demo day, normalized the way `EventSource` does it (with the tie-break hash of each raw
/// record), in file order.
let demoDayArrivals: [DemoArrival] = {
  let registry = NormalizerRegistry()
  var document = JSONDocument()
  var out: [DemoArrival] = []
  for line in ScenarioLibrary.demo(seed: ScenarioLibrary.demoSeed).lines {
    guard (try? document.parse(Array(line.utf8))) != nil else { continue }
    for ref in registry.records(in: document, document.root) {
      guard let event = try? registry.normalize(document, ref) else { continue }
      var hash = StableHash()
      hash.combine(bytes: document.rawBytes(ref))
      out.append(DemoArrival(event: event, tieBreak: hash.value))
    }
  }
  return out
}()

/// Engine records as the NDJSON lines the pipeline writes.
func ndjson(_ records: [EngineRecord]) -> [String] {
  var encoder = RecordEncoder()
  return records.map { String(decoding: encoder.encode($0), as: UTF8.self) }
}
