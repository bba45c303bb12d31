/// An IPv4 or IPv6 address parsed from text, enough for CIDR matching and network prefixes.
public struct IPAddress: Hashable, Sendable {
  /// IPv4 addresses are stored as IPv4-mapped IPv6 (::ffff:a.b.c.d) so one CIDR check serves both.
  public var high: UInt64
  public var low: UInt64
  public var isIPv4: Bool { high == 0 && low >> 32 == 0xFFFF }

  public init?(_ text: String) {
    if text.contains(":") {
      guard let (h, l) = IPAddress.parseV6(Substring(text)) else { return nil }
      high = h
      low = l
    } else {
      guard let v4 = IPAddress.parseV4(Substring(text)) else { return nil }
      high = 0
      low = 0xFFFF_0000_0000 | UInt64(v4)
    }
  }

  /// Dotted quad, byte by byte (no allocation: this runs for most events).
  static func parseV4(_ text: Substring) -> UInt32? {
    var value: UInt32 = 0
    var octet: UInt32 = 0
    var digits = 0
    var dots = 0
    for byte in text.utf8 {
      if byte == UInt8(ascii: ".") {
        guard digits > 0, dots < 3 else { return nil }
        value = value << 8 | octet
        octet = 0
        digits = 0
        dots += 1
      } else {
        let digit = byte &- 0x30
        guard digit < 10, digits < 3 else { return nil }
        octet = octet * 10 + UInt32(digit)
        guard octet < 256 else { return nil }
        digits += 1
      }
    }
    guard dots == 3, digits > 0 else { return nil }
    return value << 8 | octet
  }

  static func parseV6(_ raw: Substring) -> (UInt64, UInt64)? {
    var text = raw
    if let percent = text.firstIndex(of: "%") { text = text[..<percent] }  // zone id
    var groups: [UInt16] = []
    var gapIndex: Int?
    let halves = text.components(separatedBy: "::")
    guard halves.count <= 2 else { return nil }
    func parseGroups(_ part: Substring, allowV4Tail: Bool) -> [UInt16]? {
      if part.isEmpty { return [] }
      var result: [UInt16] = []
      let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
      for (i, piece) in pieces.enumerated() {
        if allowV4Tail, i == pieces.count - 1, piece.contains(".") {
          guard let v4 = parseV4(piece) else { return nil }
          result.append(UInt16(v4 >> 16))
          result.append(UInt16(v4 & 0xFFFF))
        } else {
          guard !piece.isEmpty, piece.count <= 4, let g = UInt16(piece, radix: 16) else { return nil }
          result.append(g)
        }
      }
      return result
    }
    if halves.count == 2 {
      guard let head = parseGroups(halves[0], allowV4Tail: false), let tail = parseGroups(halves[1], allowV4Tail: true),
        head.count + tail.count < 8
      else { return nil }
      gapIndex = head.count
      groups = head + tail
    } else {
      guard let all = parseGroups(halves[0], allowV4Tail: true), all.count == 8 else { return nil }
      groups = all
    }
    if let gapIndex {
      groups.insert(contentsOf: [UInt16](repeating: 0, count: 8 - groups.count), at: gapIndex)
    }
    var high: UInt64 = 0
    var low: UInt64 = 0
    for i in 0..<4 { high = high << 16 | UInt64(groups[i]) }
    for i in 4..<8 { low = low << 16 | UInt64(groups[i]) }
    return (high, low)
  }

  /// The address with all but the first `bits` bits (in IPv6 numbering) cleared.
  func masked(_ bits: Int) -> IPAddress {
    var copy = self
    if bits <= 0 {
      copy.high = 0
      copy.low = 0
    } else if bits < 64 {
      copy.high &= ~(UInt64.max >> UInt64(bits))
      copy.low = 0
    } else if bits < 128 {
      copy.low &= ~(UInt64.max >> UInt64(bits - 64))
    }
    return copy
  }

  /// The network a detector compares when no ASN is known: the /24 of IPv4, the /48 of IPv6.
  public var networkPrefix: IPAddress { masked(isIPv4 ? 96 + 24 : 48) }

  /// `203.0.113.0/24` or `2001:db8:0::/48`. Written byte by byte into the string's own storage:
  /// the address enricher keys every event's prefix by it, and interpolation cost ~1.5k
  /// instructions an event.
  public var prefixDescription: String {
    String(unsafeUninitializedCapacity: 24) { buffer in
      var n = 0
      func put(_ byte: UInt8) { buffer[n] = byte; n += 1 }
      func put(_ value: UInt64, radix: UInt64) {
        var divisor: UInt64 = 1
        while value / divisor >= radix { divisor *= radix }
        while divisor > 0 {
          let digit = UInt8(truncatingIfNeeded: value / divisor % radix)
          put(digit < 10 ? 0x30 + digit : 0x57 + digit)
          divisor /= radix
        }
      }
      if isIPv4 {
        let v = UInt64(truncatingIfNeeded: UInt32(truncatingIfNeeded: low))
        for shift: UInt64 in [24, 16, 8] {
          put(v >> shift & 0xFF, radix: 10)
          put(UInt8(ascii: "."))
        }
        for byte in "0/24".utf8 { put(byte) }
      } else {
        for shift: UInt64 in [48, 32, 16] {
          put(high >> shift & 0xFFFF, radix: 16)
          put(UInt8(ascii: ":"))
        }
        for byte in ":/48".utf8 { put(byte) }
      }
      return n
    }
  }
}

extension Substring {
  fileprivate func components(separatedBy separator: String) -> [Substring] {
    var result: [Substring] = []
    var rest = self[...]
    while let range = rest.firstRange(of: separator) {
      result.append(rest[..<range.lowerBound])
      rest = rest[range.upperBound...]
    }
    result.append(rest)
    return result
  }
}

/// `10.0.0.0/8`, `2001:db8::/32`, or a bare address (a /32 or /128).
public struct CIDRBlock: Hashable, Sendable, CustomStringConvertible {
  public var network: IPAddress
  /// Prefix length in IPv6 numbering (IPv4 lengths are stored + 96).
  public var bits: Int
  public let description: String

  public init?(_ text: String) {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count <= 2, let address = IPAddress(String(parts[0])) else { return nil }
    let maxBits = address.isIPv4 ? 32 : 128
    var length = maxBits
    if parts.count == 2 {
      guard let n = Int(parts[1]), (0...maxBits).contains(n) else { return nil }
      length = n
    }
    bits = address.isIPv4 ? length + 96 : length
    network = address.masked(bits)
    description = text
  }

  public func contains(_ address: IPAddress) -> Bool { address.masked(bits) == network }
}
