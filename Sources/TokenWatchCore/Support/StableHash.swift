/// FNV-1a, 64 bit (raw byte runs: a wyhash-style mix, see `combine(bytes:)`). Swift's `Hasher`
/// is seeded per process, so anything that must be the same from run to run (alert ids,
/// tie-breaks between equal timestamps, shard choice) hashes with this.
public struct StableHash: Sendable {
  public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

  public init() {}

  public mutating func combine(byte: UInt8) {
    value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
  }

  /// Hashes raw bytes 16 at a time with `TableHash`'s mix, from this hash's value instead of a
  /// random seed (a whole raw record per event is hashed for its tie-break, so this is on the hot
  /// path; FNV's one multiply per 8 bytes cost about four times as much).
  public mutating func combine(bytes: UnsafeRawBufferPointer) {
    value = TableHash.hash(bytes, from: value)
  }

  public mutating func combine(bytes: ArraySlice<UInt8>) {
    bytes.withUnsafeBytes { combine(bytes: $0) }
  }

  public mutating func combine(bytes: [UInt8]) {
    bytes.withUnsafeBytes { combine(bytes: $0) }
  }

  public mutating func combine(_ text: String) {
    for byte in text.utf8 { combine(byte: byte) }
    combine(byte: 0xFF)  // separator: ("ab","c") and ("a","bc") must differ
  }

  public mutating func combine(_ number: Int64) {
    var n = UInt64(bitPattern: number)
    for _ in 0..<8 {
      combine(byte: UInt8(truncatingIfNeeded: n))
      n >>= 8
    }
  }

  public static func of(_ parts: String...) -> UInt64 {
    var hash = StableHash()
    for part in parts { hash.combine(part) }
    return hash.value
  }

  /// 16 lower-case hex digits.
  public static func hex(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
  }
}
