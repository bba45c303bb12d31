/// Learns which ASN and country an address prefix (/24, /48) belongs to from records that carry
/// both (sign-in logs do), and fills them in on records that carry only the IP (Graph activity
/// logs do). Without it, a token issued at AS7922 and then used from the very same IP in a Graph
/// call would look like it came from somewhere new.
struct AddressEnricher {
  struct Info: StateRecord {
    var asn: UInt32?
    var country: String?
    init() {}

    func holdsCountry(_ other: String) -> Bool {
      guard let country else { return false }
      return ExactString.identical(country, other)
    }
  }

  /// By /24 or /48 (`PackedNetworkKey(prefixOf:)`), never by ASN.
  var prefixes: KeyedStore<PackedNetworkKey, Info>

  init(limit: StatePolicy.Limit) {
    prefixes = KeyedStore(maxEntries: limit.maxEntries, ttl: limit.ttl)
  }

  var count: Int { prefixes.count }
  var evictions: Int { prefixes.evictions }
  var expirations: Int { prefixes.expirations }

  mutating func expire(now: EventTime) { prefixes.expire(now: now) }

  /// Learns from `event` or completes it; `address` is its already parsed IP.
  mutating func enrich(_ event: inout NormalizedEvent, address: IPAddress?) {
    guard let address else { return }
    let key = PackedNetworkKey(prefixOf: address)
    if let asn = event.asn, asn != 0 {
      let slot = prefixes.touch(key, at: event.time).slot
      // Written only when they change (most sign-ins repeat what the prefix already says): a
      // write checks the store's pages for uniqueness, and a country written again is released
      // and retained.
      if prefixes[slot].asn != asn { prefixes[slot].asn = asn }
      if let country = event.country, !prefixes[slot].holdsCountry(country) { prefixes[slot].country = country }
      return
    }
    guard let slot = prefixes.slot(of: key), let asn = prefixes[slot].asn else { return }
    event.asn = asn
    if event.country == nil { event.country = prefixes[slot].country }
  }
}
