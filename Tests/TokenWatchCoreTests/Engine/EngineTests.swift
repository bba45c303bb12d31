import Testing
@testable import TokenWatchCore

@Suite struct EngineTests {
  let replay = rule(.replay, id: "TW-001", points: 40, suppress: .hours(1))

  func replayEvents(count: Int) -> [NormalizedEvent] {
    [event("2026-03-02T09:00:00Z", .signIn, session: "s1", ip: "73.1.2.3", asn: 7922, country: "US")]
      + (1...count).map { i in event("2026-03-02T09:\(format2(i)):00Z", .access, session: "s1", ip: "45.1.2.3", asn: 24940, country: "DE") }
  }

  @Test func repeatsWithinTheIntervalAreFoldedIntoOneAlertWithACount() {
    let out = records([replay], replayEvents(count: 5))
    let alertIDs = out.compactMap { if case .alert(let a) = $0 { a.id } else { nil } }
    #expect(alertIDs.count == 1)
    let summaries = out.compactMap { if case .suppressed(let s) = $0 { s } else { nil } }
    #expect(summaries.count == 1)
    #expect(summaries[0].count == 5)
    #expect(summaries[0].alertID == alertIDs[0])
    #expect(summaries[0].lastTime == EventTime(rfc3339: "2026-03-02T09:05:00Z"))
  }

  @Test func afterTheIntervalTheRuleAlertsAgain() {
    let out = alerts([replay], replayEvents(count: 1) + [event("2026-03-02T10:30:00Z", .access, session: "s1", ip: "45.1.2.3", asn: 24940, country: "DE")])
    #expect(out.count == 2)
  }

  @Test func alertIDsAreDeterministicAndDistinct() {
    let a = alerts([replay], replayEvents(count: 1)).map(\.id)
    let b = alerts([replay], replayEvents(count: 1)).map(\.id)
    #expect(a == b)
    #expect(a.first?.hasPrefix("tw-") == true)
    #expect(a.first?.count == 19)
  }

  @Test func riskRisesEmitARiskRecordWithWhatAHookNeeds() {
    let travel = rule(.travel, id: "TW-002", points: 30)
    var policy = RiskPolicy()
    policy.low = 20
    policy.medium = 50
    policy.high = 100
    let out = records([replay, travel], [
      event("2026-03-02T09:00:00Z", .signIn, token: "t1", session: "s1", ip: "81.2.3.4", asn: 5089, country: "GB", lat: 51.5, lon: -0.12),
      event("2026-03-02T09:20:00Z", .access, token: "t1", session: "s1", ip: "1.120.0.1", asn: 1221, country: "AU", lat: -33.87, lon: 151.2),
    ], risk: policy)
    let risks = out.compactMap { if case .risk(let r) = $0 { r } else { nil } }
    // Replay (40) takes the user to low; travel (30) to medium (70).
    #expect(risks.map(\.level) == [.low, .medium])
    #expect(risks.last!.score == 70)
    #expect(risks.last!.tokens == ["t1"])
    #expect(risks.last!.sessions == ["s1"])
    #expect(Set(risks.last!.rules) == ["TW-001", "TW-002"])
    #expect(risks.last!.alerts.count == 2)
  }

  @Test func riskDecaysWithTheHalfLife() {
    let scorer = RiskScorer(policy: RiskPolicy())
    var state = RiskState()
    let t0 = EventTime(rfc3339: "2026-03-02T00:00:00Z")!
    _ = scorer.add(points: 80, cap: 160, rule: "A", at: t0, to: &state)
    #expect(abs(scorer.score(state, at: t0 + .hours(24)) - 40) < 1e-9)
    #expect(abs(scorer.score(state, at: t0 + .hours(48)) - 20) < 1e-9)
    let outcome = scorer.add(points: 80, cap: 160, rule: "A", at: t0 + .hours(24), to: &state)
    #expect(abs(outcome.score - 120) < 1e-9)
    #expect(outcome.previousLevel == .low)
    #expect(outcome.level == .high)
  }

  @Test func oneRuleCannotExceedItsCap() {
    let scorer = RiskScorer(policy: RiskPolicy())
    var state = RiskState()
    let t = EventTime(millis: 0)
    var last = RiskScorer.Outcome(points: 0, score: 0, level: .none, previousLevel: .none)
    for _ in 0..<10 { last = scorer.add(points: 40, cap: 80, rule: "noisy", at: t, to: &state) }
    #expect(last.score == 80)
    #expect(last.points == 0)
    #expect(last.level == .medium)
  }

  @Test func exp2MatchesKnownValues() {
    #expect(exp2(0) == 1)
    #expect(abs(exp2(-1) - 0.5) < 1e-15)
    #expect(abs(exp2(-0.5) - 0.7071067811865476) < 1e-14)
    #expect(abs(exp2(-10.25) - 0.000_976_562_5 * 0.840_896_415_253_714_5) < 1e-15)
  }

  @Test func stateIsBoundedAndEvictionsCounted() {
    var ruleSet = RuleSet(rules: [replay], lists: [:])
    ruleSet.state.tokens = .init(ttl: .days(1), maxEntries: 3)
    var engine = Engine(ruleSet: ruleSet)
    var out: [EngineRecord] = []
    for i in 0..<10 { engine.process(event("2026-03-02T09:00:0\(i)Z", .access, token: "t\(i)"), into: &out) }
    #expect(engine.stateSizes.first { $0.0 == "tokens" }?.1 == 3)
    #expect(engine.evictions == 7)
    engine.process(event("2026-03-04T09:00:00Z", .access, user: "other", token: nil), into: &out)
    #expect(engine.stateSizes.first { $0.0 == "tokens" }?.1 == 0)
    #expect(engine.expirations >= 3)
  }
}
