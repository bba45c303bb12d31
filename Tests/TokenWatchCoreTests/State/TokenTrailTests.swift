import Testing

@testable import TokenWatchCore

private func point(_ minutes: Int64, _ city: String?, lat: Double = 51.5, lon: Double = -0.12) -> GeoPoint {
  GeoPoint(time: EventTime(millis: 1_700_000_000_000 + minutes * 60_000), latitude: lat, longitude: lon, city: city, country: city.map { "C-" + $0 }, ip: city.map { "10.0.0." + String($0.count) })
}

@Suite struct TokenTrailTests {
  /// Points go in oldest first, the first one inline and the rest after it, and come back out
  /// with their place names whatever the interner numbered them.
  @Test func pointsComeBackAsAppended() {
    var strings = StringInterner()
    var trail = TokenTrail()
    #expect(trail.count == 0 && trail.geoPoints(in: strings).isEmpty)
    let points = [point(0, "London"), point(5, nil, lat: -33.9, lon: 151.2), point(9, "Paris", lat: 48.86, lon: 2.35)]
    for p in points { trail.append(p, strings: &strings) }
    #expect(trail.count == 3)
    #expect(trail.geoPoints(in: strings) == points)
    #expect(trail.sighting(1) == (points[1].time, -33.9, 151.2))

    trail.replaceNewest(with: point(12, "Lyon"), strings: &strings)
    #expect(trail.geoPoints(in: strings) == [points[0], points[1], point(12, "Lyon")])
    trail.removeOldest(2)
    #expect(trail.geoPoints(in: strings) == [point(12, "Lyon")])
    trail.replaceNewest(with: point(13, "Nice"), strings: &strings)
    #expect(trail.geoPoints(in: strings) == [point(13, "Nice")])
    trail.removeOldest(0)
    #expect(trail.count == 1)

    let restored = TokenTrail(restoring: points, strings: &strings)
    #expect(restored.geoPoints(in: strings) == points)
  }

  /// A point's place names are numbers the sweep must keep: a token whose trail alone names a
  /// city still shows it in a travel alert after the numbers of dropped records were reused.
  @Test func aTrailKeepsItsPlacesThroughASweep() {
    var ruleSet = RuleSet(rules: [rule(.travel)], lists: referenceLists)
    ruleSet.state.tokens = StatePolicy.Limit(ttl: .hours(1), maxEntries: 1000)
    var engine = Engine(ruleSet: ruleSet)
    var out: [EngineRecord] = []
    // No user, so only the token's trail holds "Atlantis", "AQ" and the address.
    engine.process(event("2026-03-02T09:00:00Z", .access, user: nil, upn: nil, token: "keep", ip: "73.1.2.3", country: "AQ", city: "Atlantis", lat: 51.5, lon: -0.12), into: &out)
    for i in 0..<50 {
      engine.process(event("2026-03-02T09:01:00Z", .access, user: nil, upn: nil, token: "gone-\(i)", ip: "10.0.\(i).1", country: "C\(i)", city: "City \(i)", lat: 10, lon: Double(i)), into: &out)
    }
    engine.process(event("2026-03-02T09:50:00Z", .access, user: nil, upn: nil, token: "keep", ip: "73.1.2.3", country: "AQ", city: "Atlantis", lat: 51.5, lon: -0.12), into: &out)
    engine.process(event("2026-03-02T10:30:00Z", .access, user: nil, upn: nil, token: "other", ip: "8.8.8.8", lat: 1, lon: 1), into: &out)
    let before = engine.strings.count
    engine.sweepStrings()
    #expect(engine.strings.count < before)
    for i in 0..<50 {
      engine.process(event("2026-03-02T10:31:00Z", .access, user: nil, upn: nil, token: "new-\(i)", ip: "10.9.\(i).1", country: "N\(i)", city: "New \(i)", lat: 20, lon: Double(i)), into: &out)
    }
    engine.process(event("2026-03-02T10:40:00Z", .access, user: nil, upn: nil, token: "keep", ip: "1.120.0.1", country: "AU", city: "Sydney", lat: -33.87, lon: 151.21), into: &out)
    let alerts = out.compactMap { if case .alert(let a) = $0 { a } else { nil } }
    #expect(alerts.map(\.subject) == [.token("keep")])
    guard let fields = alerts.first?.evidenceFields("from") else {
      Issue.record("no origin in the evidence")
      return
    }
    #expect(fields["city"] == .string("Atlantis"))
    #expect(fields["country"] == .string("AQ"))
    #expect(fields["ip"] == .string("73.1.2.3"))
  }
}
