/// A `NetworkKey` in 8 bytes (the enum takes 17, 24 in an array): the kind in the top two bits,
/// below them the ASN, the 24 network bits of an IPv4 /24 or the 48 of an IPv6 /48. Zero is no key.
///
/// Only the prefixes `IPAddress.networkPrefix` makes fit; those are the only ones a baseline
/// learns. `init?(_:)` refuses any other (a hand-made checkpoint could hold one).
struct PackedNetworkKey: Equatable, Sendable {
  let bits: UInt64

  private static let kindShift: UInt64 = 62
  private static let asnKind: UInt64 = 1
  private static let ipv4Kind: UInt64 = 2
  private static let ipv6Kind: UInt64 = 3
  private static let payloadMask: UInt64 = (1 << 62) - 1

  static let none = PackedNetworkKey(bits: 0)

  private init(bits: UInt64) { self.bits = bits }

  private init(kind: UInt64, payload: UInt64) { bits = kind << Self.kindShift | payload }

  init(asn: UInt32) { self.init(kind: Self.asnKind, payload: UInt64(asn)) }

  /// The /24 or /48 of `address`: the same network `address.networkPrefix` names.
  init(prefixOf address: IPAddress) {
    if address.isIPv4 {
      self.init(kind: Self.ipv4Kind, payload: (address.low & 0xFFFF_FFFF) >> 8)
    } else {
      self.init(kind: Self.ipv6Kind, payload: address.high >> 16)
    }
  }

  init?(_ key: NetworkKey) {
    switch key {
    case .asn(let n):
      self.init(asn: n)
    case .prefix(let address):
      guard address == address.networkPrefix else { return nil }
      self.init(prefixOf: address)
    }
  }

  /// Rebuilds a key stored in a spill array (see `NetworkBaseline`); nil unless it is a network.
  init?(stored bits: UInt64) {
    guard bits >> Self.kindShift != 0 else { return nil }
    self.init(bits: bits)
  }

  var isNone: Bool { bits == 0 }

  var key: NetworkKey {
    let payload = bits & Self.payloadMask
    switch bits >> Self.kindShift {
    case Self.asnKind: return .asn(UInt32(truncatingIfNeeded: payload))
    case Self.ipv4Kind: return .prefix(IPAddress(high: 0, low: 0xFFFF_0000_0000 | payload << 8))
    default: return .prefix(IPAddress(high: payload << 16, low: 0))
    }
  }
}

/// The address enricher keys its prefixes by these: 8 bytes, hashed in one multiply, where a
/// `String` key was written out, hashed and compared byte by byte for every event.
extension PackedNetworkKey: StoreKey {
  static var vacant: PackedNetworkKey { .none }
  var tableHash: UInt32 { TableHash.hash32(bits) }
  func isSame(as other: PackedNetworkKey) -> Bool { bits == other.bits }
}
