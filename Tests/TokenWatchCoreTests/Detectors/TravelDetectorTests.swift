import Testing
@testable import TokenWatchCore

@Suite struct TravelDetectorTests {
  let travel = rule(.travel, params: ["trusted": .lists(["trusted", "trusted_asns"]), "vpn": .lists(["vpn"])])

  @Test func sameTokenInLondonThenSydneyIsHighSeverity() {
    let found = alerts([travel], [
      event("2026-03-02T09:00:00Z", .access, token: "t1", ip: "81.2.3.4", asn: 5089, country: "GB", city: "London", lat: 51.5074, lon: -0.1278),
      event("2026-03-02T09:40:00Z", .access, token: "t1", ip: "1.120.0.1", asn: 1221, country: "AU", city: "Sydney", lat: -33.8688, lon: 151.2093),
    ])
    #expect(found.count == 1)
    #expect(found[0].subject == .token("t1"))
    #expect(found[0].severity == .high)
    // London–Sydney is about 16,990 km.
    guard case .number(let km, _) = found[0].evidence("km") else { Issue.record("no km"); return }
    #expect(abs(km - 16_990) < 60)
    #expect(found[0].evidence("minutes") == .number(40, decimals: 1))
  }

  /// A repeat within the rule's suppression window is counted, not written: the alert keeps the
  /// first finding's summary and evidence (a finding's are spelled out only when it is written).
  @Test func aRepeatWithinTheSuppressionWindowIsCountedAndTheAlertIsTheFirstFinding() {
    let out = records([travel], [
      event("2026-03-02T09:00:00Z", .access, token: "t1", ip: "81.2.3.4", asn: 5089, country: "GB", city: "London", lat: 51.5074, lon: -0.1278),
      event("2026-03-02T09:40:00Z", .access, token: "t1", ip: "1.120.0.1", asn: 1221, country: "AU", city: "Sydney", lat: -33.8688, lon: 151.2093),
      event("2026-03-02T10:20:00Z", .access, token: "t1", ip: "81.2.3.5", asn: 5089, country: "GB", city: "London", lat: 51.5074, lon: -0.1278),
    ])
    let written = out.compactMap { if case .alert(let a) = $0 { a } else { nil } }
    let repeats = out.compactMap { if case .suppressed(let s) = $0 { s } else { nil } }
    #expect(written.count == 1)
    #expect(written.first?.summary.hasPrefix("same token in London and Sydney") == true)
    #expect(written.first?.evidenceFields("to")?["city"] == .string("Sydney"))
    #expect(repeats.map(\.count) == [2])
    #expect(repeats.first?.alertID == written.first?.id)
  }

  @Test func sameUserDifferentTokensIsMediumSeverity() {
    let found = alerts([travel], [
      event("2026-03-02T09:00:00Z", .signIn, token: "a", ip: "24.1.1.1", asn: 7018, city: "New York", lat: 40.7128, lon: -74.0060),
      event("2026-03-02T10:00:00Z", .signIn, token: "b", ip: "95.1.1.1", asn: 8359, city: "Moscow", lat: 55.7558, lon: 37.6173),
    ])
    #expect(found.map(\.subject) == [.user("u1")])
    #expect(found[0].severity == .medium)
  }

  @Test func aRealFlightIsFeasible() {
    #expect(alerts([travel], [
      event("2026-03-02T09:00:00Z", .signIn, token: "a", lat: 40.7128, lon: -74.0060),
      event("2026-03-02T17:00:00Z", .signIn, token: "b", lat: 51.5074, lon: -0.1278),
    ]).isEmpty)
  }

  @Test func vpnAndTrustedLocationsAreNeitherAnchorsNorCompared() {
    #expect(alerts([travel], [
      event("2026-03-02T09:00:00Z", .signIn, token: "a", lat: 48.8566, lon: 2.3522),
      event("2026-03-02T09:10:00Z", .access, token: "a", ip: "38.1.1.1", asn: 9009, lat: 39.0, lon: -77.0),
      event("2026-03-02T09:20:00Z", .access, token: "a", ip: "203.0.113.7", lat: 37.77, lon: -122.41),
      event("2026-03-02T09:30:00Z", .access, token: "a", lat: 48.8566, lon: 2.3522),
    ]).isEmpty)
  }

  @Test func geolocationErrorAbsorbsShortHops() {
    // 250 km in 10 minutes looks like 1,500 km/h, but less 2 × 100 km of geolocation error it is
    // 50 km, under the 500 km minimum.
    #expect(alerts([travel], [
      event("2026-03-02T09:00:00Z", .signIn, token: "a", lat: 52.52, lon: 13.405),
      event("2026-03-02T09:10:00Z", .signIn, token: "a", lat: 51.34, lon: 12.37),
    ]).isEmpty)
  }

  /// A token's trail and a user's follow one rule: a sighting near the newest point refreshes
  /// it, a distant one is added, and only the last `history` places stay.
  @Test func trailsRefreshTheNewestPlaceAndKeepTheLastFew() {
    var engine = Engine(ruleSet: RuleSet(rules: [rule(.travel, params: ["history": .count(3)])], lists: referenceLists))
    var out: [EngineRecord] = []
    func sighting(_ time: String, _ city: String, _ lat: Double, _ lon: Double) {
      engine.process(event(time, .access, user: "u1", token: "t1", city: city, lat: lat, lon: lon), into: &out)
    }
    func trails() -> (token: [String?], user: [String?]) {
      let token = engine.tokens[engine.tokens.slot(of: TokenKey("t1"))!].trail.geoPoints(in: engine.strings)
      let user = engine.users[engine.users.slot(of: "u1")!].trail
      return (token.map(\.city), user.map(\.city))
    }
    sighting("2026-03-02T00:00:00Z", "Paris", 48.8566, 2.3522)
    sighting("2026-03-02T01:00:00Z", "Paris 2e", 48.8686, 2.3417)  // a kilometre away: refreshes
    #expect(trails().token == ["Paris 2e"] && trails().user == ["Paris 2e"])
    sighting("2026-03-03T00:00:00Z", "Berlin", 52.52, 13.405)
    sighting("2026-03-04T00:00:00Z", "Madrid", 40.4168, -3.7038)
    sighting("2026-03-05T00:00:00Z", "Rome", 41.9028, 12.4964)
    #expect(trails().token == ["Berlin", "Madrid", "Rome"])
    #expect(trails().user == ["Berlin", "Madrid", "Rome"])
  }

  @Test func pingPongIsComparedWithEarlierPlacesNotJustTheLast() {
    // Paris → (Lyon, fine) → Tokyo 30 min after Lyon: compared with both Paris and Lyon.
    let found = alerts([travel], [
      event("2026-03-02T08:00:00Z", .signIn, token: "a", city: "Paris", lat: 48.8566, lon: 2.3522),
      event("2026-03-02T11:00:00Z", .signIn, token: "b", city: "Lyon", lat: 45.764, lon: 4.8357),
      event("2026-03-02T11:30:00Z", .signIn, token: "c", city: "Tokyo", lat: 35.6762, lon: 139.6503),
    ])
    #expect(found.count == 1)
    guard case .object(let from) = found[0].evidence("from") else { Issue.record("no from"); return }
    #expect(from.contains { $0.0 == "city" && $0.1 == .string("Lyon") })
  }
}
