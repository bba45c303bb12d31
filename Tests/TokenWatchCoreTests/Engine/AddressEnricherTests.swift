import Testing
@testable import TokenWatchCore

@Suite struct AddressEnricherTests {
  private func event(_ ip: String, asn: UInt32?, country: String?, at minute: Int64) -> NormalizedEvent {
    var event = NormalizedEvent(time: EventTime(millis: minute * 60_000), format: .graph, sourceDetail: "test", kind: .access)
    (event.ip, event.asn, event.country) = (ip, asn, country)
    return event
  }

  private func enrich(_ enricher: inout AddressEnricher, _ event: NormalizedEvent) -> NormalizedEvent {
    var event = event
    enricher.enrich(&event, address: event.ip.flatMap(IPAddress.init))
    return event
  }

  @Test func recordsWithoutAnASNTakeTheOneLearnedForTheirPrefix() {
    var enricher = AddressEnricher(limit: StatePolicy.Limit(ttl: .days(1), maxEntries: 100))
    _ = enrich(&enricher, event("203.0.113.7", asn: 64500, country: "NL", at: 0))
    _ = enrich(&enricher, event("2001:db8:aa:1::5", asn: 64501, country: nil, at: 1))

    let sameV4Prefix = enrich(&enricher, event("203.0.113.250", asn: nil, country: nil, at: 2))
    #expect(sameV4Prefix.asn == 64500 && sameV4Prefix.country == "NL")
    let sameV6Prefix = enrich(&enricher, event("2001:db8:aa:ffff::1", asn: nil, country: "DE", at: 3))
    #expect(sameV6Prefix.asn == 64501 && sameV6Prefix.country == "DE")  // its own country stays
    let otherV4Prefix = enrich(&enricher, event("203.0.114.7", asn: nil, country: nil, at: 4))
    #expect(otherV4Prefix.asn == nil && otherV4Prefix.country == nil)
    let otherV6Prefix = enrich(&enricher, event("2001:db8:ab::1", asn: nil, country: nil, at: 5))
    #expect(otherV6Prefix.asn == nil)
    // The IPv4 prefix 203.0.113.0/24 and an IPv6 /48 with the same low bits are different keys.
    let mapped = enrich(&enricher, event("::cb00:7100", asn: nil, country: nil, at: 6))
    #expect(mapped.asn == nil)
    #expect(enricher.count == 2)
  }

  /// Checkpoints keep the prefixes as text, as they did when the keys were strings.
  @Test func prefixKeysRoundTripThroughTheirCheckpointText() {
    var rng = SeededGenerator(seed: 21)
    for _ in 0..<2_000 {
      let v4 = UInt32(truncatingIfNeeded: rng.next())
      let groups = (0..<8).map { _ in String(UInt16(truncatingIfNeeded: rng.next()), radix: 16) }
      for text in ["\(v4 >> 24).\(v4 >> 16 & 0xFF).\(v4 >> 8 & 0xFF).\(v4 & 0xFF)", groups.joined(separator: ":")] {
        let address = IPAddress(text)!
        let key = PackedNetworkKey(prefixOf: address)
        #expect(key.checkpointText == address.networkPrefix.prefixDescription)
        #expect(PackedNetworkKey(checkpointText: key.checkpointText) == key)
      }
    }
    for bad in ["AS64500", "203.0.113.7/24", "203.0.113.0/25", "203.0.113.0", "2001:db8::/64", "2001:db8::/24", "", "/", "x/24"] {
      #expect(PackedNetworkKey(checkpointText: bad) == nil, "\(bad)")
    }
  }
}
