import Foundation
import Testing
import TokenWatchJSON

@testable import TokenWatchCore

/// The repository's rules with short state lifetimes and small stores, so that a demo day
/// expires and evicts records (and with them strings) all day long.
let churningRules: RuleSet = {
  let root = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  var files: [RuleFile] = []
  let enumerator = FileManager.default.enumerator(at: root.appendingPathComponent("rules"), includingPropertiesForKeys: nil)!
  for case let url as URL in enumerator where ["yaml", "yml", "json"].contains(url.pathExtension) {
    files.append(RuleFile(path: url.path, text: try! String(contentsOf: url, encoding: .utf8)))
  }
  files.sort { $0.path < $1.path }
  guard var ruleSet = RuleLoader.load(files).ruleSet else { fatalError("default rules do not load") }
  ruleSet.state.tokens = StatePolicy.Limit(ttl: .hours(2), maxEntries: 300)
  ruleSet.state.sessions = StatePolicy.Limit(ttl: .hours(3), maxEntries: 200)
  return ruleSet
}()

/// The demo day, normalized, in time order.
let demoEvents: [NormalizedEvent] = demoDayArrivals.map(\.event).enumerated()
  .sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)

@Suite struct StringSweepTests {
  /// Sweeping (which frees the strings of expired and evicted records and hands their numbers
  /// to new strings) never changes what the engine says: a run that sweeps after every few
  /// events writes the same records as one that never does.
  @Test func sweepingChangesNoOutput() {
    var plain = Engine(ruleSet: churningRules)
    var swept = Engine(ruleSet: churningRules)
    var expected: [EngineRecord] = []
    var actual: [EngineRecord] = []
    var freedAny = false
    for (i, event) in demoEvents.enumerated() {
      plain.process(event, into: &expected)
      swept.process(event, into: &actual)
      if i % 7 == 0 {
        let before = swept.strings.count
        swept.sweepStrings()
        if swept.strings.count < before { freedAny = true }
      }
    }
    plain.finish(into: &expected)
    swept.finish(into: &actual)
    #expect(demoEvents.count > 3000)
    #expect(plain.tokens.evictions + plain.tokens.expirations > 0)
    #expect(freedAny)
    #expect(swept.strings.count < plain.strings.count)
    let (a, e) = (ndjson(actual), ndjson(expected))
    #expect(e.count > 20)
    #expect(a == e)
  }

  /// After a sweep has freed numbers and new strings have taken them, a surviving token's
  /// replay alert still shows its own first use.
  @Test func aSurvivingRecordKeepsItsStringsThroughASweepAndReuse() {
    let replay = rule(.replay)
    var ruleSet = RuleSet(rules: [replay], lists: referenceLists)
    ruleSet.state.tokens = StatePolicy.Limit(ttl: .hours(1), maxEntries: 1000)
    var engine = Engine(ruleSet: ruleSet)
    var out: [EngineRecord] = []
    engine.process(event("2026-03-02T09:00:00Z", .access, token: "keep", ip: "73.1.2.3", asn: 7922, country: "US", city: "Austin", userAgent: "ua-keep", device: "dev-keep"), into: &out)
    for i in 0..<50 {
      engine.process(event("2026-03-02T09:01:00Z", .access, user: "gone-\(i)", token: "gone-\(i)", ip: "10.0.\(i).1", asn: 1, country: "C\(i)", userAgent: "ua-\(i)"), into: &out)
    }
    // The filler tokens expire; "keep" is touched so it stays.
    engine.process(event("2026-03-02T09:50:00Z", .access, token: "keep", ip: "73.1.2.9", asn: 7922, country: "US"), into: &out)
    engine.process(event("2026-03-02T10:30:00Z", .access, user: "other", token: "other", ip: "8.8.8.8", asn: 15169, country: "US"), into: &out)
    #expect(engine.tokens.count == 2)
    let before = engine.strings.count
    engine.sweepStrings()
    #expect(engine.strings.count < before)
    for i in 0..<50 {
      engine.process(event("2026-03-02T10:31:00Z", .access, user: "new-\(i)", token: "new-\(i)", ip: "10.9.\(i).1", asn: 2, country: "N\(i)", userAgent: "new-ua-\(i)"), into: &out)
    }
    engine.process(event("2026-03-02T10:40:00Z", .access, token: "keep", ip: "167.99.1.2", asn: 14061, country: "NL"), into: &out)
    let alerts = out.compactMap { if case .alert(let a) = $0 { a } else { nil } }
    #expect(alerts.count == 1)
    guard let alert = alerts.first else { return }
    #expect(alert.subject == .token("keep"))
    #expect(alert.user == "u1")
    guard let fields = alert.evidenceFields("baseline") else {
      Issue.record("no baseline evidence")
      return
    }
    #expect(fields["ip"] == .string("73.1.2.3"))
    #expect(fields["country"] == .string("US"))
    #expect(fields["city"] == .string("Austin"))
    #expect(fields["user_agent"] == .string("ua-keep"))
    #expect(fields["device"] == .string("dev-keep"))
  }

  /// A user's and a session's records keep their own interned ids, which their tokens take
  /// without a lookup: a sweep must keep those numbers even when no token or session record
  /// holds them, or a later token would name whoever took the freed number.
  @Test func aUserAndSessionKeepTheirOwnNumbersThroughASweep() {
    var ruleSet = RuleSet(rules: [rule(.replay)], lists: referenceLists)
    ruleSet.state.tokens = StatePolicy.Limit(ttl: .hours(1), maxEntries: 1000)
    ruleSet.state.sessions = StatePolicy.Limit(ttl: .hours(1), maxEntries: 1000)
    var engine = Engine(ruleSet: ruleSet)
    var out: [EngineRecord] = []
    // Only the user record holds "solo", and only the session record "solo-session": no token
    // names either yet, and the session has no user.
    let touchBoth = { (time: String, engine: inout Engine, out: inout [EngineRecord]) in
      engine.process(event(time, .userEnabled, user: "solo", upn: nil), into: &out)
      engine.process(event(time, .sessionEnd, user: nil, upn: nil, session: "solo-session"), into: &out)
    }
    touchBoth("2026-03-02T09:00:00Z", &engine, &out)
    #expect(engine.tokens.count == 0)
    for i in 0..<50 {
      engine.process(event("2026-03-02T09:01:00Z", .access, user: "gone-\(i)", upn: nil, token: "gone-\(i)", ip: "10.0.\(i).1", country: "C\(i)"), into: &out)
    }
    // The filler expires; the user and session records are touched so they stay.
    touchBoth("2026-03-02T09:50:00Z", &engine, &out)
    engine.process(event("2026-03-02T10:30:00Z", .access, user: "other", upn: nil, token: "other", ip: "8.8.8.8"), into: &out)
    let before = engine.strings.count
    engine.sweepStrings()
    #expect(engine.strings.count < before)
    // New strings take the freed numbers.
    for i in 0..<50 {
      engine.process(event("2026-03-02T10:31:00Z", .access, user: "new-\(i)", upn: nil, token: "new-\(i)", session: "new-session-\(i)"), into: &out)
    }
    engine.process(event("2026-03-02T10:40:00Z", .access, user: "solo", upn: nil, token: "solo-token", session: "solo-session", ip: "73.1.2.3"), into: &out)
    guard let slot = engine.tokens.slot(of: TokenKey("solo-token")) else {
      Issue.record("no token record")
      return
    }
    #expect(engine.strings[engine.tokens[slot].user] == "solo")
    #expect(engine.strings[engine.tokens[slot].session] == "solo-session")
    if let sessionSlot = engine.sessions.slot(of: "solo-session") {
      #expect(engine.strings[engine.sessions[sessionSlot].user] == "solo")
    } else {
      Issue.record("no session record")
    }
  }
}
