import Testing
@testable import TokenWatchCore

@Suite struct EventTimeTests {
  @Test(arguments: [
    ("2022-01-24T05:10:08.6816663Z", "2022-01-24T05:10:08.681Z"),
    ("2022-01-24T05:10:08.6816663+00:00", "2022-01-24T05:10:08.681Z"),
    ("2019-10-18T04:45:48.0729893-05:00", "2019-10-18T09:45:48.072Z"),
    ("2024-08-13T15:58:20.353Z", "2024-08-13T15:58:20.353Z"),
    ("2026-02-01 14:31:52", "2026-02-01T14:31:52.000Z"),
    ("1969-12-31T23:59:59.5Z", "1969-12-31T23:59:59.500Z"),
    ("2024-02-29T00:00:00+0530", "2024-02-28T18:30:00.000Z"),
  ])
  func parsesWhatLogsWrite(_ input: String, _ expected: String) {
    #expect(EventTime(rfc3339: input)?.rfc3339 == expected)
  }

  @Test(arguments: ["", "yesterday", "2024-13-01T00:00:00Z", "2024-01-01", "2024-01-01T25:00:00Z", "2024-01-01T00:00:00Zjunk", "2024-01-01T00:00:00."])
  func rejectsWhatIsNotADateTime(_ input: String) {
    #expect(EventTime(rfc3339: input) == nil)
  }

  @Test func durations() {
    #expect(Duration(parsing: "10m")?.millis == 600_000)
    #expect(Duration(parsing: "500ms")?.millis == 500)
    #expect(Duration(parsing: "30d")?.description == "30d")
    #expect(Duration(parsing: "90s")?.description == "90s")
    #expect(Duration(parsing: "1.5h") == nil)
    #expect(Duration(parsing: "10") == nil)
    #expect(Duration(parsing: "m") == nil)
  }
}

@Suite struct NetworkTests {
  @Test func cidrMatching() {
    let v4 = CIDRBlock("203.0.113.0/24")!
    #expect(v4.contains(IPAddress("203.0.113.77")!))
    #expect(!v4.contains(IPAddress("203.0.114.1")!))
    let v6 = CIDRBlock("2001:db8::/32")!
    #expect(v6.contains(IPAddress("2001:db8:abcd::1")!))
    #expect(!v6.contains(IPAddress("2001:db9::1")!))
    #expect(CIDRBlock("10.0.0.0/33") == nil)
    #expect(IPAddress("1.2.3") == nil)
    #expect(IPAddress("::ffff:1.2.3.4") == IPAddress("1.2.3.4"))
  }

  @Test func prefixDescriptionsReadLikeTheirNetworks() {
    #expect(IPAddress("203.0.113.77")!.networkPrefix.prefixDescription == "203.0.113.0/24")
    #expect(IPAddress("0.0.0.0")!.prefixDescription == "0.0.0.0/24")
    #expect(IPAddress("255.255.255.255")!.networkPrefix.prefixDescription == "255.255.255.0/24")
    #expect(IPAddress("2a02:cf40:add:4002::1")!.networkPrefix.prefixDescription == "2a02:cf40:add::/48")
    #expect(IPAddress("ffff:ffff:ffff::")!.prefixDescription == "ffff:ffff:ffff::/48")
    #expect(IPAddress("2001:0:db8::")!.prefixDescription == "2001:0:db8::/48")
    // Against the plain interpolated form, over random addresses of both families.
    var rng = SystemRandomNumberGenerator()
    for _ in 0..<2000 {
      let v4 = UInt32.random(in: .min ... .max, using: &rng)
      let dotted = "\(v4 >> 24).\(v4 >> 16 & 0xFF).\(v4 >> 8 & 0xFF).\(v4 & 0xFF)"
      #expect(IPAddress(dotted)!.networkPrefix.prefixDescription == "\(v4 >> 24).\(v4 >> 16 & 0xFF).\(v4 >> 8 & 0xFF).0/24")
      let groups = (0..<8).map { _ in UInt16.random(in: .min ... .max, using: &rng) }
      let v6 = IPAddress(groups.map { String($0, radix: 16) }.joined(separator: ":"))!
      guard !v6.isIPv4 else { continue }
      #expect(v6.networkPrefix.prefixDescription == groups[0..<3].map { String($0, radix: 16) }.joined(separator: ":") + "::/48")
    }
  }

  @Test func baselinesCompareASNsWhenKnownAndPrefixesOtherwise() {
    var strings = StringInterner()
    var baseline = NetworkBaseline()
    baseline.add(address: IPAddress("1.2.3.4"), asn: 7922, country: "US", limit: 4, strings: &strings)
    baseline.add(address: IPAddress("2a02:cf40:add:4002::1"), asn: nil, country: nil, limit: 4, strings: &strings)
    #expect(baseline.networks.map(\.description) == ["AS7922", "1.2.3.0/24", "2a02:cf40:add::/48"])
    func contains(_ ip: String, _ asn: UInt32?, _ country: String?) -> Bool {
      baseline.contains(address: IPAddress(ip), asn: asn, country: country, strings: strings)
    }
    #expect(contains("9.9.9.9", 7922, "US"))      // same ASN, other /24
    #expect(contains("1.2.3.200", nil, nil))     // no ASN: same /24
    #expect(!contains("1.2.4.1", nil, nil))      // no ASN: other /24
    #expect(contains("2a02:cf40:add:ffff::9", nil, nil))
    #expect(!contains("9.9.9.9", 7922, "DE"))   // a new country counts
    #expect(!contains("1.2.3.4", 14061, "US"))  // a new ASN from the same address
  }

  @Test func haversineKnownDistances() {
    #expect(abs(haversineKilometres(51.5074, -0.1278, 40.7128, -74.0060) - 5570) < 10)
    #expect(abs(haversineKilometres(0, 0, 0, 180) - 20_015) < 5)
    #expect(haversineKilometres(10, 10, 10, 10) == 0)
  }
}

@Suite struct TerminalTextTests {
  @Test func controlAndBidiCharactersAreMadeVisible() {
    #expect(TerminalText.escape("evil\u{1B}[31mred\u{07}") == "evil\\x1B[31mred\\x07")
    #expect(TerminalText.escape("a\u{202E}b\u{9B}c") == "a\\u{202E}b\\x9Bc")
    #expect(TerminalText.escape("back\\slash") == "back\\\\slash")
    #expect(TerminalText.escape("plain ünïcode") == "plain ünïcode")
  }

  @Test func textLinesNeverCarryEscapesFromEvents() {
    let found = alerts([rule(.replay)], [
      event("2026-03-02T09:00:00Z", .signIn, upn: "x\u{1B}]0;pwned\u{07}@contoso.example", session: "s", asn: 1, country: "US"),
      event("2026-03-02T09:10:00Z", .access, upn: "x\u{1B}]0;pwned\u{07}@contoso.example", session: "s", asn: 2, country: "US"),
    ])
    let line = TextFormatter(color: false).format(.alert(found[0]))
    #expect(!line.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
    #expect(line.contains("x\\x1B]0;pwned\\x07@contoso.example"))
  }
}
