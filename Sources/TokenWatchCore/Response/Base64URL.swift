/// base64url without padding (RFC 4648 §5, as JWS requires in RFC 7515 §2).
public enum Base64URL {
  public static func encode(_ bytes: [UInt8]) -> String {
    Base64Codec.encode(bytes, alphabet: Base64Codec.urlAlphabet, padding: false)
  }

  /// The bytes of unpadded base64url `text`, or nil when it holds a character outside the alphabet,
  /// padding, an impossible length, or non-zero leftover bits (so every byte string has exactly one
  /// accepted encoding and a signature cannot be re-spelled).
  public static func decode(_ text: String) -> [UInt8]? {
    Base64Codec.decode(text, table: Base64Codec.urlTable, padded: false)
  }
}

/// Standard base64 with padding (RFC 4648 §4), e.g. for HTTP Basic credentials.
public enum Base64 {
  public static func encode(_ bytes: [UInt8]) -> String {
    Base64Codec.encode(bytes, alphabet: Base64Codec.standardAlphabet, padding: true)
  }

  /// The bytes of padded base64 `text`, or nil when it is not canonical base64.
  public static func decode(_ text: String) -> [UInt8]? {
    Base64Codec.decode(text, table: Base64Codec.standardTable, padded: true)
  }
}

/// The shared encoder and decoder; the two alphabets differ only in the last two characters.
enum Base64Codec {
  static let standardAlphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
  static let urlAlphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
  static let standardTable = decodingTable(standardAlphabet)
  static let urlTable = decodingTable(urlAlphabet)

  /// Marks a byte that is not in the alphabet.
  private static let invalid: UInt8 = 0xFF
  private static let paddingByte = UInt8(ascii: "=")

  /// Maps each byte to its 6-bit value, or `invalid`.
  private static func decodingTable(_ alphabet: [UInt8]) -> [UInt8] {
    var table = [UInt8](repeating: invalid, count: 256)
    for (value, character) in alphabet.enumerated() { table[Int(character)] = UInt8(value) }
    return table
  }

  static func encode(_ bytes: [UInt8], alphabet: [UInt8], padding: Bool) -> String {
    var output: [UInt8] = []
    output.reserveCapacity((bytes.count + 2) / 3 * 4)
    var index = 0
    while index + 3 <= bytes.count {
      let group = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
      output.append(alphabet[Int(group >> 18 & 0x3F)])
      output.append(alphabet[Int(group >> 12 & 0x3F)])
      output.append(alphabet[Int(group >> 6 & 0x3F)])
      output.append(alphabet[Int(group & 0x3F)])
      index += 3
    }
    let rest = bytes.count - index
    if rest > 0 {
      // One leftover byte gives two characters, two give three; padding fills the quartet.
      var group = UInt32(bytes[index]) << 16
      if rest == 2 { group |= UInt32(bytes[index + 1]) << 8 }
      output.append(alphabet[Int(group >> 18 & 0x3F)])
      output.append(alphabet[Int(group >> 12 & 0x3F)])
      if rest == 2 { output.append(alphabet[Int(group >> 6 & 0x3F)]) }
      if padding { output.append(contentsOf: repeatElement(paddingByte, count: 3 - rest)) }
    }
    return String(decoding: output, as: UTF8.self)
  }

  static func decode(_ text: String, table: [UInt8], padded: Bool) -> [UInt8]? {
    var characters = Array(text.utf8)[...]
    if padded {
      guard characters.count % 4 == 0 else { return nil }
      // At most two trailing "=", only to complete the last quartet.
      for _ in 0..<2 where characters.last == paddingByte { characters.removeLast() }
    }
    // A lone character in the last quartet encodes only 6 bits: not a whole byte.
    guard characters.count % 4 != 1 else { return nil }

    var output: [UInt8] = []
    output.reserveCapacity(characters.count * 3 / 4)
    var accumulator: UInt32 = 0
    var bitCount = 0
    for character in characters {
      let value = table[Int(character)]
      guard value != invalid else { return nil }
      accumulator = accumulator << 6 | UInt32(value)
      bitCount += 6
      if bitCount >= 8 {
        bitCount -= 8
        output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bitCount)))
        accumulator &= (1 << UInt32(bitCount)) - 1
      }
    }
    // Leftover bits (2 or 4) must be zero in a canonical encoding.
    guard accumulator == 0 else { return nil }
    return output
  }
}
