/// HMAC with SHA-256 (RFC 2104, test vectors in RFC 4231): the "HS256" of signed revocation events.
public enum HMACSHA256 {
  /// Byte XOR-ed into the key block for the inner hash (RFC 2104 §2, "ipad").
  private static let innerPad: UInt8 = 0x36
  /// Byte XOR-ed into the key block for the outer hash ("opad").
  private static let outerPad: UInt8 = 0x5C

  /// HMAC-SHA256(key, message), 32 bytes.
  public static func authenticate(message: [UInt8], key: [UInt8]) -> [UInt8] {
    // A key longer than the hash's block is replaced by its digest; shorter keys are zero-padded.
    var keyBlock = key.count > SHA256.blockByteCount ? SHA256.hash(key) : key
    keyBlock.append(contentsOf: repeatElement(0, count: SHA256.blockByteCount - keyBlock.count))

    var inner = SHA256Hasher()
    inner.update(keyBlock.map { $0 ^ innerPad })
    inner.update(message)
    let innerDigest = inner.finalize()

    var outer = SHA256Hasher()
    outer.update(keyBlock.map { $0 ^ outerPad })
    outer.update(innerDigest)
    return outer.finalize()
  }
}

/// Lower-case hexadecimal, two digits per byte.
public func hexString(_ bytes: [UInt8]) -> String {
  let digits = Array("0123456789abcdef".utf8)
  var text: [UInt8] = []
  text.reserveCapacity(bytes.count * 2)
  for byte in bytes {
    text.append(digits[Int(byte >> 4)])
    text.append(digits[Int(byte & 0x0F)])
  }
  return String(decoding: text, as: UTF8.self)
}

/// Compares two byte strings in time that depends only on their lengths, never on where they first
/// differ, so a MAC check leaks nothing an attacker could use to guess a signature byte by byte.
/// Lengths are not secret (a MAC's length is public), so different lengths return false at once.
public func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
  guard a.count == b.count else { return false }
  var difference: UInt8 = 0
  for index in a.indices { difference |= a[index] ^ b[index] }
  return difference == 0
}
