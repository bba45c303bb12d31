/// A token id as the token store keys it: 22 characters of base64url (Entra's
/// `uniqueTokenIdentifier` and Graph activity's `SignInActivityId`, 16 bytes each) as those 16
/// bytes, any other id as its text.
///
/// Why: the token store holds millions of ids, and each of Entra's, as a `String` of 22 bytes,
/// was a heap allocation of 64 bytes beside its slot. Packed, the id lives in the slot. Only a
/// canonical spelling is packed (the last character's unused low four bits zero), so an id is
/// packed whenever it can be and `string` gives back exactly the text read.
public enum TokenKey: Sendable, Equatable {
  case packed(high: UInt64, low: UInt64)
  case text(String)

  public init(_ id: String) {
    var id = id
    self = id.withUTF8(TokenKey.packed(utf8:)) ?? .text(id)
  }

  /// The id `bytes` spell (valid UTF-8, as every JSON string is), packed without a string when
  /// it can be.
  public init(utf8 bytes: UnsafeBufferPointer<UInt8>) {
    self = TokenKey.packed(utf8: bytes) ?? .text(String(decoding: bytes, as: UTF8.self))
  }

  /// The id `bytes` spell, packed; nil when they cannot be.
  public static func packed(utf8 bytes: UnsafeBufferPointer<UInt8>) -> TokenKey? {
    base64URL(bytes).map { .packed(high: $0.0, low: $0.1) }
  }

  /// The id's text, as it was read.
  public var string: String {
    switch self {
    case .text(let text):
      return text
    case .packed(let high, let low):
      var bytes: [UInt8] = []
      bytes.reserveCapacity(16)
      for word in [high, low] {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
      }
      return Base64URL.encode(bytes)
    }
  }

  /// The 16 bytes 22 canonical base64url characters spell (high word first); nil for any other
  /// text. (`Base64URL.decode` reads the same, through a string and an array.)
  static func base64URL(_ bytes: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64)? {
    guard bytes.count == 22 else { return nil }
    return Base64Codec.urlTable.withUnsafeBufferPointer { values in
      var high: UInt64 = 0
      var low: UInt64 = 0
      var invalid: UInt8 = 0
      for i in 0..<21 {
        let value = values[Int(bytes[i])]
        invalid |= value
        high = high << 6 | low >> 58
        low = low << 6 | UInt64(value)  // garbage when invalid, and then not returned
      }
      // The last character carries two bits of data; its other four must be zero. A byte
      // outside the alphabet maps to 0xFF, whose 0x40 bit no sextet has.
      let last = values[Int(bytes[21])]
      guard (invalid | last) & 0x40 == 0, last & 0xF == 0 else { return nil }
      return (high << 2 | low >> 62, low << 2 | UInt64(last >> 4))
    }
  }
}

extension TokenKey: StoreKey {
  public static var vacant: TokenKey { .text("") }

  public var tableHash: UInt32 {
    switch self {
    case .packed(let high, let low): TableHash.hash32(high: high, low: low)
    case .text(let text): TableHash.hash32(text)
    }
  }

  public func isSame(as other: TokenKey) -> Bool {
    switch (self, other) {
    case (.packed(let a, let b), .packed(let c, let d)): a == c && b == d
    case (.text(let a), .text(let b)): ExactString.identical(a, b)
    default: false
    }
  }

  public func sharesStorage(with other: TokenKey) -> Bool {
    if case .text(let a) = self, case .text(let b) = other { return ExactString.sameStorage(a, b) }
    return true
  }
}

extension TokenKey: CheckpointKey {
  /// The id's text: checkpoints written before ids were packed read the same.
  var checkpointText: String { string }
  init?(checkpointText text: String) { self.init(text) }
}
