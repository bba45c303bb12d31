/// The value of one hexadecimal digit (either case), or nil.
func hexNibble(_ byte: UInt8) -> UInt8? {
  switch byte {
  case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
  case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
  case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
  default: nil
  }
}

/// An IPv4 or IPv6 address parsed from text, enough for CIDR matching and network prefixes.
public struct IPAddress: Hashable, Sendable {
  /// IPv4 addresses are stored as IPv4-mapped IPv6 (::ffff:a.b.c.d) so one CIDR check serves both.
  public var high: UInt64
  public var low: UInt64
  public var isIPv4: Bool { high == 0 && low >> 32 == 0xFFFF }

  public init?(_ text: String) {
    // On the UTF-8 bytes, borrowed through a span: `String.contains(_:)` walks Characters (~2.7k
    // instructions an event), and `withContiguousStorageIfAvailable` retained the string's storage.
    guard let (high, low) = text.utf8.span.withUnsafeBufferPointer(IPAddress.parse) else { return nil }
    (self.high, self.low) = (high, low)
  }

  /// Either family from the text's bytes, IPv4 as IPv4-mapped IPv6.
  private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64)? {
    guard bytes.contains(UInt8(ascii: ":")) else {
      return parseV4(bytes).map { (0, 0xFFFF_0000_0000 | UInt64($0)) }
    }
    return parseV6(zoned: bytes)
  }

  /// Dotted quad, byte by byte (no allocation: this runs for most events).
  static func parseV4<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> UInt32? {
    var value: UInt32 = 0
    var octet: UInt32 = 0
    var digits = 0
    var dots = 0
    for byte in bytes {
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

  static func parseV4(_ text: Substring) -> UInt32? { parseV4(text.utf8) }

  /// RFC 4291 text (one `::` at most, an IPv4 tail allowed, a `%zone` ignored), byte by byte
  /// into eight groups on the stack: sign-in logs carry IPv6 addresses on many events.
  static func parseV6(_ raw: Substring) -> (UInt64, UInt64)? {
    // In place when the text is contiguous (a native string's always is), else from a copy.
    if let parsed = raw.utf8.withContiguousStorageIfAvailable({ parseV6(zoned: $0) }) { return parsed }
    return Array(raw.utf8).withUnsafeBufferPointer { parseV6(zoned: $0) }
  }

  /// The groups before a `%zone`, if any.
  private static func parseV6(zoned bytes: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64)? {
    let end = bytes.firstIndex(of: UInt8(ascii: "%")) ?? bytes.count
    return parseV6(groupsOf: UnsafeBufferPointer(rebasing: bytes[..<end]))
  }

  private static func parseV6(groupsOf bytes: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64)? {
    withUnsafeTemporaryAllocation(of: UInt16.self, capacity: 8) { groups -> (UInt64, UInt64)? in
      let n = bytes.count
      var count = 0
      var gap = -1
      var i = 0
      if n >= 2, bytes[0] == UInt8(ascii: ":"), bytes[1] == UInt8(ascii: ":") {
        gap = 0
        i = 2
      } else if n >= 1, bytes[0] == UInt8(ascii: ":") {
        return nil
      }
      while i < n {
        let start = i
        var value: UInt32 = 0
        while i < n, let digit = hexNibble(bytes[i]) {
          value = value << 4 | UInt32(digit)
          i += 1
          guard i - start <= 4 else { return nil }
        }
        if i < n, bytes[i] == UInt8(ascii: ".") {
          // The last 32 bits written as a dotted quad, which must end the text.
          guard count <= 6, let v4 = parseV4(bytes[start...]) else { return nil }
          groups[count] = UInt16(v4 >> 16)
          groups[count + 1] = UInt16(truncatingIfNeeded: v4)
          count += 2
          i = n
          break
        }
        guard i > start, count < 8 else { return nil }
        groups[count] = UInt16(value)
        count += 1
        if i == n { break }
        guard bytes[i] == UInt8(ascii: ":") else { return nil }
        i += 1
        if i < n, bytes[i] == UInt8(ascii: ":") {
          guard gap < 0 else { return nil }
          gap = count
          i += 1
        } else if i == n {
          return nil  // a single trailing colon
        }
      }
      if gap >= 0 {
        guard count < 8 else { return nil }
        // Move the groups after the gap to the end and zero the gap.
        let tail = count - gap
        for k in stride(from: tail - 1, through: 0, by: -1) { groups[8 - tail + k] = groups[gap + k] }
        for k in gap..<(8 - tail) { groups[k] = 0 }
      } else {
        guard count == 8 else { return nil }
      }
      var high: UInt64 = 0
      var low: UInt64 = 0
      for k in 0..<4 { high = high << 16 | UInt64(groups[k]) }
      for k in 4..<8 { low = low << 16 | UInt64(groups[k]) }
      return (high, low)
    }
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
