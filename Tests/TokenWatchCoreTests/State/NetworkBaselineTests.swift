import Testing
@testable import TokenWatchCore

@Suite struct NetworkBaselineTests {
  @Test func networksAndCountriesBeyondTheInlineOnesSpillInOrder() {
    var strings = StringInterner()
    var baseline = NetworkBaseline()
    // Five uses, each teaching an ASN, a prefix and a country: inline room is two networks and
    // one country, so most of this spills.
    let uses: [(String, UInt32?, String?)] = [
      ("1.2.3.4", 7922, "US"), ("2a02:cf40:add:4002::1", nil, "Deutschland"), ("5.6.7.8", 3320, nil),
      ("9.9.9.9", 7922, "US"), ("10.0.0.1", 64_500, ""),
    ]
    for (ip, asn, country) in uses {
      baseline.add(address: IPAddress(ip), asn: asn, country: country, limit: 16, strings: &strings)
    }
    #expect(baseline.networks.map(\.description) == [
      "AS7922", "1.2.3.0/24", "2a02:cf40:add::/48", "AS3320", "5.6.7.0/24", "9.9.9.0/24", "AS64500", "10.0.0.0/24",
    ])
    // Any string is a country (full names, even the empty one), kept in order, once each.
    #expect(baseline.countries(in: strings) == ["US", "Deutschland", ""])
    func contains(_ ip: String?, _ asn: UInt32?, _ country: String?) -> Bool {
      baseline.contains(address: ip.flatMap(IPAddress.init), asn: asn, country: country, strings: strings)
    }
    #expect(contains("99.1.1.1", 64_500, "Deutschland"))  // a spilled ASN and a spilled country
    #expect(contains("9.9.9.200", nil, ""))
    #expect(contains("2a02:cf40:add:1::", nil, nil))
    #expect(!contains("2a02:cf40:ade::1", nil, nil))
    #expect(!contains("99.1.1.1", 64_501, nil))
    #expect(!contains(nil, 3320, "FR"))
    #expect(contains(nil, nil, nil))  // nothing to compare
  }

  @Test func theLimitBoundsNetworksAndCountriesAlike() {
    var strings = StringInterner()
    var baseline = NetworkBaseline()
    for i in 0..<10 {
      baseline.add(address: IPAddress("10.\(i).0.1"), asn: UInt32(100 + i), country: "C\(i)", limit: 3, strings: &strings)
    }
    // `limit` countries and twice as many networks, the first ones learned.
    #expect(baseline.networks.map(\.description) == ["AS100", "10.0.0.0/24", "AS101", "10.1.0.0/24", "AS102", "10.2.0.0/24"])
    #expect(baseline.countries(in: strings) == ["C0", "C1", "C2"])
    var none = NetworkBaseline()
    none.add(address: IPAddress("10.0.0.1"), asn: 1, country: "US", limit: 0, strings: &strings)
    #expect(none.networks.isEmpty && none.countries(in: strings).isEmpty)
  }

  @Test func theFirstUseComesBackWithItsStrings() {
    var strings = StringInterner()
    var baseline = NetworkBaseline()
    #expect(baseline.isEmpty && baseline.first(in: strings) == nil)
    var e = NormalizedEvent(time: EventTime(millis: 1_700_000_000_000), format: .native, sourceDetail: "native:access", kind: .access)
    e.ip = "2001:DB8::1"  // not the canonical spelling: kept as given
    e.asn = 0
    e.city = "Zürich"
    e.userAgent = ""
    e.device = "dev-1"
    baseline.setFirst(e, strings: &strings)
    #expect(!baseline.isEmpty)
    #expect(baseline.first(in: strings) == UseSnapshot(time: e.time, ip: "2001:DB8::1", asn: 0, country: nil, city: "Zürich", userAgent: "", device: "dev-1"))
    #expect(baseline.firstDeviceIs("dev-1", in: strings) && !baseline.firstDeviceIs("dev-2", in: strings))
    baseline.lastInsideUse = e.time
    #expect(baseline.lastInsideUse == e.time && baseline.lastOutsideUse == nil)
  }

  @Test func markingCoversEveryStringTheBaselineHolds() {
    var strings = StringInterner()
    var baseline = NetworkBaseline()
    for country in ["US", "DE", "FR"] {
      baseline.add(address: nil, asn: nil, country: country, limit: 8, strings: &strings)
    }
    var e = NormalizedEvent(time: EventTime(millis: 0), format: .native, sourceDetail: "", kind: .access)
    (e.ip, e.city, e.userAgent, e.device) = ("1.2.3.4", "Paris", "ua", "dev")
    baseline.setFirst(e, strings: &strings)
    _ = strings.intern("unused")
    var marks = strings.makeMarks()
    baseline.markStrings(&marks)
    #expect(strings.sweep(keeping: marks) == 1)
    #expect(baseline.countries(in: strings) == ["US", "DE", "FR"])
    #expect(baseline.first(in: strings)?.userAgent == "ua")
  }
}

@Suite struct PackedNetworkKeyTests {
  @Test func everyLearnedKeyPacksAndUnpacksExactly() {
    let addresses = [
      "0.0.0.0", "255.255.255.255", "10.1.2.3", "170.187.0.9", "::", "::1", "0:ffff:aabb::1", "2001:db8:abcd:12::1",
      "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::ffff:1.2.3.4",
    ]
    var packed: [UInt64] = []
    for text in addresses {
      let prefix = IPAddress(text)!.networkPrefix
      let key = PackedNetworkKey(prefixOf: IPAddress(text)!)
      #expect(key.key == .prefix(prefix), "\(text)")
      #expect(PackedNetworkKey(.prefix(prefix)) == key)
      packed.append(key.bits)
    }
    // Distinct networks stay distinct, even an IPv6 /48 whose bits look like an IPv4 /24's
    // (0:ffff:aabb::/48 and 170.187.0.0/24).
    let distinct = Set(addresses.map { IPAddress($0)!.networkPrefix })
    #expect(Set(packed).count == distinct.count)
    for asn: UInt32 in [0, 1, 7922, UInt32.max] {
      #expect(PackedNetworkKey(.asn(asn))?.key == .asn(asn))
      #expect(!packed.contains(PackedNetworkKey(asn: asn).bits))
      #expect(!PackedNetworkKey(asn: asn).isNone)
    }
  }

  @Test func onlyNetworkPrefixesPack() {
    #expect(PackedNetworkKey(.prefix(IPAddress("10.1.2.3")!)) == nil)
    #expect(PackedNetworkKey(.prefix(IPAddress("2001:db8:abcd:12::")!)) == nil)
    #expect(PackedNetworkKey(.prefix(IPAddress("10.1.2.0")!)) != nil)
  }
}

@Suite struct OptionalEventTimeTests {
  @Test func holdsEveryTimeButTheOneItUsesForNone() {
    for millis: Int64 in [0, -1, 1, Int64.max, Int64.min + 1, EventTime.distantPast.millis] {
      #expect(OptionalEventTime(EventTime(millis: millis)).value == EventTime(millis: millis))
    }
    #expect(OptionalEventTime(nil).value == nil && OptionalEventTime.none.isNone)
    #expect(MemoryLayout<OptionalEventTime>.size == 8)
  }
}
