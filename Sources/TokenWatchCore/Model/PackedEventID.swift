/// An event's vendor id as `NormalizedEvent` stores it: a lower-case canonical UUID (what Entra,
/// Okta and Graph activity write, and the generated native events) as its 16 bytes, anything
/// else as its text.
///
/// Why: every event has its own id, which as a string is a heap allocation made on a decode
/// thread and freed on the engine thread, the slow path of `free`; kept as bytes, the id costs
/// neither, and it is only made into text for an alert or an encoded event.
public enum PackedEventID: Sendable, Equatable {
  case uuid(high: UInt64, low: UInt64)
  case text(String)

  /// The id `text` spells: packed when it is a canonical lower-case UUID, so that an id equals
  /// itself however it was read.
  public init(_ text: String) {
    var text = text
    if let packed = text.withUTF8({ PackedEventID.uuid(utf8: $0) }) {
      self = packed
    } else {
      self = .text(text)
    }
  }

  /// The id `bytes` spell (valid UTF-8, as every JSON string is), packed when it can be.
  public init(utf8 bytes: UnsafeBufferPointer<UInt8>) {
    self = PackedEventID.uuid(utf8: bytes) ?? .text(String(decoding: bytes, as: UTF8.self))
  }

  /// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in lower-case hex; nil for any other text.
  static func uuid(utf8 bytes: UnsafeBufferPointer<UInt8>) -> PackedEventID? {
    guard bytes.count == 36, let base = bytes.baseAddress else { return nil }
    let dashes = UInt32(base[8]) << 24 | UInt32(base[13]) << 16 | UInt32(base[18]) << 8 | UInt32(base[23])
    guard dashes == 0x2D2D_2D2D else { return nil }
    let raw = UnsafeRawPointer(base)
    func load8(_ offset: Int) -> UInt64 { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
    func load4(_ offset: Int) -> UInt64 { UInt64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))) }
    // Eight hex digits a word each, first digit in the low byte (the order they are read in).
    guard let a = hexWord(load8(0)), let b = hexWord(load4(9) | load4(14) << 32),
      let c = hexWord(load4(19) | load4(24) << 32), let d = hexWord(load8(28))
    else { return nil }
    return .uuid(high: a << 32 | b, low: c << 32 | d)
  }

  /// The value of eight lower-case hex digits (ASCII, the first in the low byte), eight bytes
  /// at a time; nil if any byte is not one.
  @inline(__always)
  static func hexWord(_ word: UInt64) -> UInt64? {
    let high: UInt64 = 0x8080_8080_8080_8080
    let ones: UInt64 = 0x0101_0101_0101_0101
    // For bytes below 0x80, adding (0x80 - lo) sets a byte's top bit exactly when it is >= lo,
    // without a carry into the next byte.
    let digit = (word &+ ones &* (0x80 - 0x30)) & ~(word &+ ones &* (0x7F - 0x39))
    let letter = (word &+ ones &* (0x80 - 0x61)) & ~(word &+ ones &* (0x7F - 0x66))
    guard word & high == 0, (digit | letter) & high == high else { return nil }
    // Each byte's value: its low four bits, plus 9 for a letter ('a' is 0x61).
    let nibbles = (word & (ones &* 0x0F)) &+ ((letter & high) >> 7) &* 9
    // Pairs of digits into bytes, pairs of bytes into 16 bits, then into 32 (first digit high).
    let bytes = ((nibbles << 4) | (nibbles >> 8)) & 0x00FF_00FF_00FF_00FF
    let shorts = (bytes | (bytes >> 8)) & 0x0000_FFFF_0000_FFFF
    let packed = UInt32(truncatingIfNeeded: shorts | (shorts >> 16))
    return UInt64(packed.byteSwapped)
  }

  /// The id's text, exactly as it was read.
  public var string: String {
    switch self {
    case .text(let text):
      return text
    case .uuid(let high, let low):
      let digits: StaticString = "0123456789abcdef"
      return String(unsafeUninitializedCapacity: 36) { buffer in
        var out = 0
        for nibble in 0..<32 {
          if out == 8 || out == 13 || out == 18 || out == 23 {
            buffer[out] = UInt8(ascii: "-")
            out += 1
          }
          let word = nibble < 16 ? high : low
          let value = Int(word >> UInt64(60 - 4 * (nibble % 16)) & 0xF)
          buffer[out] = digits.utf8Start[value]
          out += 1
        }
        return out
      }
    }
  }
}
