import Testing
@testable import TokenWatchCore

@Suite struct RuleLoaderTests {
  let lists = RuleFile(path: "rules/lists/hosting.yaml", text: """
    list: hosting_asns
    kind: asn
    items: [14061, AS16509]
    """)

  func load(_ files: RuleFile...) -> RuleLoader.Result { RuleLoader.load(files) }

  @Test func validRuleCompilesWithDefaultsFilledIn() throws {
    let result = load(lists, RuleFile(path: "rules/replay.yaml", text: """
      id: TW-001
      detector: replay
      title: Replay
      severity: medium
      mitre: [T1550.001]
      risk:
        points: 40
      params:
        hosting: [hosting_asns]
      """))
    #expect(result.diagnostics.isEmpty)
    let rule = try #require(result.ruleSet?.rules.first)
    #expect(rule.canonicalDescription == "TW-001 replay medium points=40 cap=80 suppress=1h hosting=[hosting_asns] interleave_window=30m max_baseline=4 scope=[token, session] trusted=[] vpn=[]")
    #expect(result.ruleSet?.lists["hosting_asns"]?.asns == [14061, 16509])
  }

  @Test func everyProblemIsReportedWithItsPositionAndRule() {
    let result = load(lists, RuleFile(path: "rules/bad.yaml", text: """
      id: TW-009
      detector: replay
      title: Bad
      severity: urgent
      risk:
        points: 40
        capp: 10
      suppress: 10 minutes
      treshold: 3
      params:
        interleave_window: 0s
        scope: [token, sesion]
        hosting: [hosting_asn]
      """))
    #expect(result.ruleSet == nil)
    #expect(result.diagnostics.map(\.description) == [
      "rules/bad.yaml:4:11: error: [TW109] unknown severity \"urgent\" (use info, low, medium, high, critical) (rule TW-009)",
      "rules/bad.yaml:7:3: error: [TW103] unknown key \"capp\" in risk; did you mean \"cap\"? (rule TW-009)",
      "rules/bad.yaml:8:11: error: [TW105] \"suppress\": invalid duration \"10 minutes\" (use a number and a unit: 90s, 10m, 24h, 30d) (rule TW-009)",
      "rules/bad.yaml:9:1: error: [TW103] unknown key \"treshold\" in rule (rule TW-009)",
      "rules/bad.yaml:11:22: error: [TW109] \"interleave_window\" must be longer than zero (rule TW-009)",
      "rules/bad.yaml:12:18: error: [TW109] \"sesion\" is not allowed in \"scope\"; did you mean \"session\"? (use token, session) (rule TW-009)",
      "rules/bad.yaml:13:13: error: [TW108] unknown list \"hosting_asn\" in \"hosting\"; did you mean \"hosting_asns\"? (rule TW-009)",
      "rules/lists/hosting.yaml:1:7: warning: [TW120] list \"hosting_asns\" is never referenced by a rule",
    ])
  }

  @Test func duplicateIDsAndUnknownDetectorsAreErrors() {
    let rule = """
      id: TW-001
      detector: replay
      title: A
      severity: low
      risk: {points: 1}
      """
    let result = load(RuleFile(path: "a.yaml", text: rule), RuleFile(path: "b.yaml", text: rule.replacingFirst("replay", "replai")))
    let messages = result.diagnostics.map(\.description)
    #expect(messages.contains("b.yaml:2:11: error: [TW106] unknown detector \"replai\"; did you mean \"replay\"? (known: replay, travel, issuer, forged, post_task_use, dormant) (rule TW-001)"))
    let duplicate = load(RuleFile(path: "a.yaml", text: rule), RuleFile(path: "b.yaml", text: rule))
    #expect(duplicate.diagnostics.map(\.description).contains("b.yaml:1:5: error: [TW107] rule id \"TW-001\" is already used in a.yaml:1:5 (rule TW-001)"))
  }

  @Test func listsOfTheWrongKindAndBadItems() {
    let result = load(
      RuleFile(path: "l.yaml", text: "list: nets\nkind: cidr\nitems:\n  - 10.0.0.0/8\n  - 10.0.0.0/33\n"),
      RuleFile(path: "r.yaml", text: "id: X\ndetector: replay\ntitle: t\nseverity: low\nrisk: {points: 1}\nparams:\n  hosting: [nets]\n"))
    let messages = result.diagnostics.map(\.description)
    #expect(messages.contains("l.yaml:5:5: error: [TW110] \"10.0.0.0/33\" is not a CIDR block or IP address"))
    #expect(messages.contains("r.yaml:7:13: error: [TW108] list \"nets\" is of kind cidr, but \"hosting\" takes asn lists (rule X)"))
  }

  @Test func syntaxErrorsStopOnlyTheirFile() {
    let result = load(RuleFile(path: "x.yaml", text: "id: [unclosed\n"), RuleFile(path: "y.json", text: "{\"list\": \"a\", \"kind\": \"asn\", \"items\": [1,]}"))
    #expect(result.diagnostics.filter { $0.code == "TW100" }.map(\.file) == ["x.yaml", "y.json"])
  }

  @Test func riskPolicyMustIncrease() {
    let result = load(RuleFile(path: "risk.yaml", text: "policy: risk\nhalf_life: 12h\nlevels:\n  low: 50\n  medium: 40\n  high: 100\n"))
    #expect(result.diagnostics.map(\.description).contains("risk.yaml:4:3: error: [TW112] levels must increase: 0 < low < medium < high"))
  }

  @Test func twoEnabledRulesCannotDriveOneDetector() {
    let a = "id: A\ndetector: dormant\ntitle: t\nseverity: low\nrisk: {points: 1}\n"
    let b = "id: B\ndetector: dormant\ntitle: t\nseverity: low\nrisk: {points: 1}\n"
    let result = load(RuleFile(path: "a.yaml", text: a), RuleFile(path: "b.yaml", text: b))
    #expect(result.diagnostics.map(\.code) == ["TW114"])
    let disabled = load(RuleFile(path: "a.yaml", text: a), RuleFile(path: "b.yaml", text: b + "enabled: false\n"))
    #expect(disabled.diagnostics.isEmpty)
    #expect(disabled.ruleSet?.enabledRules.map(\.id) == ["A"])
  }

  /// A network set finds exactly its ASNs, whatever their number and order, as a `Set` would.
  @Test func networkSetFindsExactlyItsASNs() {
    var state: UInt64 = 7
    func next() -> UInt32 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return UInt32(truncatingIfNeeded: state >> 33) % 500
    }
    for size in [0, 1, 2, 3, 7, 64, 200] {
      let members = Set((0..<size).map { _ in next() })
      var set = NetworkSet()
      set.asns = members
      #expect(set.asns == members)
      for asn in UInt32(0)..<UInt32(520) where set.contains(asn: asn) != members.contains(asn) {
        Issue.record("size \(size): \(asn) answered \(set.contains(asn: asn))")
      }
      #expect(!set.contains(asn: UInt32.max))
    }
  }
}

extension String {
  func replacingFirst(_ target: String, _ replacement: String) -> String {
    guard let range = firstRange(of: target) else { return self }
    var copy = self
    copy.replaceSubrange(range, with: replacement)
    return copy
  }
}
