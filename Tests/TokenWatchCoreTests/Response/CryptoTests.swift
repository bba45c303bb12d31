import Testing

@testable import TokenWatchCore

/// The bytes hashed by the length sweep: a pattern that is not symmetric under byte or word swaps,
/// so endianness mistakes show up. Python: `bytes((i * 31 + 7) & 0xff for i in range(n))`.
private func patternMessage(_ count: Int) -> [UInt8] {
  (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
}

private func hex(_ text: String) -> [UInt8] {
  var bytes: [UInt8] = []
  var utf8 = Array(text.utf8)[...]
  while utf8.count >= 2 {
    bytes.append(UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16)!)
    utf8 = utf8.dropFirst(2)
  }
  return bytes
}

private func sha256Hex<Bytes: Collection>(_ data: Bytes) -> String where Bytes.Element == UInt8 {
  hexString(SHA256.hash(data))
}

struct SHA256Tests {
  // FIPS 180-2 Appendix B (the same examples as FIPS 180-4's example document).
  @Test func fipsOneBlockMessage() {
    #expect(sha256Hex("abc".utf8) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
  }

  @Test func fipsTwoBlockMessage() {
    let message = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
    #expect(message.utf8.count * 8 == 448)
    #expect(sha256Hex(message.utf8) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
  }

  @Test func fipsOneMillionA() {
    let message = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
    #expect(sha256Hex(message) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

  @Test func emptyMessage() {
    #expect(sha256Hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(sha256Hex("".utf8) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    var hasher = SHA256Hasher()
    hasher.update([])
    #expect(hexString(hasher.finalize()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
  }

  /// Lengths around the padding boundaries (55 is the longest one-block message, 56 the shortest
  /// needing a second padding block, 119/120 the same one block later). Expected values from
  /// Python's hashlib.
  @Test(arguments: [
    (55, "8aa994584139d128848eeebc4e815639ba5ab6e6e39574195a63ac4f14f7c43b"),
    (56, "ad574708f75c044c9b85de64cb568ee7711ff4f36448c6242f053ba8f6cc2b63"),
    (63, "280ed3e8ff1df845b2e7dfe6ac6cee817bef20e783cc65abc41b818b4d2fe076"),
    (64, "c6ab9724ade5b6a7a1edfffb12f3aa9181351355af8fd08c919952ad211339dd"),
    (65, "788367c73c7ddf4c53f65e68cc0d943e6227ab55b0e78ba63ace822b1c6301c0"),
    (119, "3d610547d68216dedf7435a4fb6260353911f6b3fd3f18805ddb8be285d726fe"),
    (120, "1f80156a804cb7862ad113e8200e9d74499723e7c7854d5f48776d3148e09656"),
  ])
  func paddingBoundaries(length: Int, expected: String) {
    #expect(sha256Hex(patternMessage(length)) == expected)
  }

  /// Every length 0…130 at once: the digest of the concatenated 131 digests, computed with
  /// `hashlib.sha256(b"".join(hashlib.sha256(msg(n)).digest() for n in range(131))).hexdigest()`.
  @Test func everyLengthUpTo130MatchesHashlib() {
    var digests: [UInt8] = []
    for length in 0...130 { digests += SHA256.hash(patternMessage(length)) }
    #expect(sha256Hex(digests) == "c6e4e8706aad569e79b1296ad67e984c018330dca4cd1bc520b46a1d8c1abb05")
  }

  @Test func incrementalUpdatesInOddChunksEqualOneShot() {
    let message = patternMessage(1000)
    let oneShot = SHA256.hash(message)
    #expect(hexString(oneShot) == "5097e7d587352f5097062ae679f37bda5802d9f875aba14c8cb4d1a188ada179")
    for chunkSizes in [[1], [3, 7], [13, 31, 1], [63, 65, 2], [64], [127, 5], [0, 17, 200]] {
      var hasher = SHA256Hasher()
      var offset = 0
      var turn = 0
      while offset < message.count {
        let size = min(chunkSizes[turn % chunkSizes.count], message.count - offset)
        // Alternate the two overloads: arrays and raw buffers.
        if turn % 2 == 0 {
          hasher.update(Array(message[offset..<offset + size]))
        } else {
          message[offset..<offset + size].withUnsafeBytes { hasher.update($0) }
        }
        offset += size
        turn += 1
      }
      #expect(hasher.finalize() == oneShot, "chunks \(chunkSizes)")
    }
  }

  @Test func finalizeResetsTheHasher() {
    var hasher = SHA256Hasher()
    hasher.update(Array("not this".utf8))
    _ = hasher.finalize()
    hasher.update(Array("abc".utf8))
    #expect(hexString(hasher.finalize()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
  }

  @Test func nonContiguousCollectionsHashLikeTheirArrays() {
    let message = patternMessage(300)
    #expect(SHA256.hash(message.reversed()) == SHA256.hash(Array(message.reversed())))
    #expect(SHA256.hash(message[10..<250]) == SHA256.hash(Array(message[10..<250])))
    #expect(SHA256.hash((0..<200).lazy.map { UInt8(truncatingIfNeeded: $0) }) == SHA256.hash((0..<200).map { UInt8(truncatingIfNeeded: $0) }))
  }
}

struct HMACSHA256Tests {
  /// RFC 4231 §4.2–4.8, test cases 1–7.
  @Test(arguments: RFC4231Case.all)
  func rfc4231(testCase: RFC4231Case) {
    let mac = HMACSHA256.authenticate(message: testCase.data, key: testCase.key)
    #expect(mac.count == 32)
    #expect(hexString(Array(mac.prefix(testCase.expected.count / 2))) == testCase.expected)
  }

  @Test func keyOfExactlyOneBlockIsUsedAsIs() {
    // A 64-byte key is not hashed; hashing it would give a different MAC.
    let key = [UInt8](repeating: 0x42, count: 64)
    let message = Array("block".utf8)
    #expect(HMACSHA256.authenticate(message: message, key: key) != HMACSHA256.authenticate(message: message, key: SHA256.hash(key)))
    // While a 65-byte key is equivalent to its digest.
    let longKey = [UInt8](repeating: 0x42, count: 65)
    #expect(HMACSHA256.authenticate(message: message, key: longKey) == HMACSHA256.authenticate(message: message, key: SHA256.hash(longKey)))
    // Short keys are zero-padded (RFC 2104), so trailing zero bytes do not change the MAC: an
    // inherent HMAC property, which is why key material must be random, not just distinct.
    #expect(HMACSHA256.authenticate(message: message, key: [7, 7]) == HMACSHA256.authenticate(message: message, key: [7, 7, 0]))
  }

  @Test func hexAndConstantTimeCompare() {
    #expect(hexString([]) == "")
    #expect(hexString([0x00, 0x0f, 0xa0, 0xff]) == "000fa0ff")
    #expect(hex("000fa0ff") == [0x00, 0x0f, 0xa0, 0xff])
    #expect(constantTimeEquals([], []))
    #expect(constantTimeEquals([1, 2, 3], [1, 2, 3]))
    #expect(!constantTimeEquals([1, 2, 3], [1, 2, 4]))
    #expect(!constantTimeEquals([0, 2, 3], [1, 2, 3]))
    #expect(!constantTimeEquals([1, 2, 3], [1, 2]))
  }
}

struct Base64Tests {
  /// RFC 4648 §10, with padding (standard) and without (base64url, as JWS uses it).
  private static let rfc4648: [(String, String, String)] = [
    ("", "", ""),
    ("f", "Zg==", "Zg"),
    ("fo", "Zm8=", "Zm8"),
    ("foo", "Zm9v", "Zm9v"),
    ("foob", "Zm9vYg==", "Zm9vYg"),
    ("fooba", "Zm9vYmE=", "Zm9vYmE"),
    ("foobar", "Zm9vYmFy", "Zm9vYmFy"),
  ]

  @Test func rfc4648Vectors() {
    for (plain, standard, url) in Self.rfc4648 {
      #expect(Base64.encode(Array(plain.utf8)) == standard)
      #expect(Base64URL.encode(Array(plain.utf8)) == url)
      #expect(Base64.decode(standard) == Array(plain.utf8))
      #expect(Base64URL.decode(url) == Array(plain.utf8))
    }
  }

  @Test func urlAlphabetReplacesPlusAndSlash() {
    #expect(Base64.encode([0xfb, 0xff]) == "+/8=")
    #expect(Base64URL.encode([0xfb, 0xff]) == "-_8")
    #expect(Base64.encode([0xff, 0xff, 0xfe]) == "///+")
    #expect(Base64URL.encode([0xff, 0xff, 0xfe]) == "___-")
    #expect(Base64URL.decode("___-") == [0xff, 0xff, 0xfe])
  }

  @Test func roundTripsWithoutPadding() {
    let everyByte = (0...255).map { UInt8($0) }
    #expect(Base64URL.decode(Base64URL.encode(everyByte)) == everyByte)
    for length in 0...64 {
      let bytes = patternMessage(length)
      let encoded = Base64URL.encode(bytes)
      #expect(!encoded.contains("=") && !encoded.contains("+") && !encoded.contains("/"))
      #expect(encoded.utf8.count == (length * 4 + 2) / 3)
      #expect(Base64URL.decode(encoded) == bytes, "length \(length)")
      #expect(Base64.decode(Base64.encode(bytes)) == bytes, "length \(length)")
    }
  }

  @Test func rejectsWhatIsNotCanonical() {
    #expect(Base64URL.decode("Zg==") == nil)  // padding
    #expect(Base64URL.decode("Z") == nil)  // 6 bits: not a byte
    #expect(Base64URL.decode("Zh") == nil)  // non-zero leftover bits (canonical is "Zg")
    #expect(Base64URL.decode("Zm9v+") == nil)  // standard alphabet
    #expect(Base64URL.decode("Zm 9v") == nil)
    #expect(Base64URL.decode("Zm9vé") == nil)
    #expect(Base64.decode("Zg") == nil)  // padding required
    #expect(Base64.decode("Z===") == nil)
    #expect(Base64.decode("Zg=a") == nil)
    #expect(Base64.decode("-_8=") == nil)  // url alphabet
  }
}

/// One RFC 4231 vector, named by its number in test output instead of its bytes.
struct RFC4231Case: Sendable, CustomTestStringConvertible {
  let number: Int
  let key: [UInt8]
  let data: [UInt8]
  /// Hex of the MAC, or of its prefix when the RFC truncates the output.
  let expected: String

  var testDescription: String { "RFC 4231 case \(number)" }

  static let all: [RFC4231Case] = [
    RFC4231Case(
      number: 1, key: [UInt8](repeating: 0x0b, count: 20), data: Array("Hi There".utf8),
      expected: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
    RFC4231Case(
      number: 2, key: Array("Jefe".utf8), data: Array("what do ya want for nothing?".utf8),
      expected: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
    RFC4231Case(
      number: 3, key: [UInt8](repeating: 0xaa, count: 20), data: [UInt8](repeating: 0xdd, count: 50),
      expected: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
    RFC4231Case(
      number: 4, key: Array(1...25), data: [UInt8](repeating: 0xcd, count: 50),
      expected: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
    // Case 5 specifies only the first 128 bits of the output.
    RFC4231Case(
      number: 5, key: [UInt8](repeating: 0x0c, count: 20), data: Array("Test With Truncation".utf8),
      expected: "a3b6167473100ee06e0c796c2955552b"),
    // Cases 6 and 7: a 131-byte key, longer than the block, is hashed first.
    RFC4231Case(
      number: 6, key: [UInt8](repeating: 0xaa, count: 131),
      data: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
      expected: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
    RFC4231Case(
      number: 7, key: [UInt8](repeating: 0xaa, count: 131),
      data: Array(
        "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."
          .utf8),
      expected: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
  ]
}
