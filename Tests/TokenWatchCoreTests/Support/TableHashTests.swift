import Testing
@testable import TokenWatchCore

/// The hash behind every keyed store and the string interner: a function of the exact bytes only
/// (wherever they lie in memory), sensitive to every byte and to the length, and spread evenly
/// over the buckets even for the near-identical ids logs are full of.
@Suite struct TableHashTests {
  /// `count` bytes of every value, different for each `seed` (a multiplicative sequence).
  func varied(_ count: Int, seed: UInt64) -> [UInt8] {
    (0..<UInt64(count)).map { UInt8(truncatingIfNeeded: ((seed &+ $0) &* 0x9E37_79B9_7F4A_7C15) >> 56) }
  }

  func hash(_ bytes: [UInt8]) -> UInt64 { bytes.withUnsafeBytes { TableHash.hash($0) } }

  @Test func theSameBytesHashTheSameAtAnyAddress() {
    for count in 0...80 {
      let bytes = varied(count, seed: 7)
      let expected = hash(bytes)
      for offset in 1...9 {
        let shifted = [UInt8](repeating: 0xAA, count: offset) + bytes + [0x55]
        let again = shifted.withUnsafeBytes { TableHash.hash(UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + count)])) }
        #expect(again == expected, "length \(count) at offset \(offset)")
      }
    }
  }

  @Test func aStringHashesAsItsUTF8Bytes() {
    for text in ["", "a", "alice@contoso.example", "2ac0fb5c-a8a6-435d-b3ad-6afc95d5dc88", "caf\u{E9}", "cafe\u{301}", String(repeating: "\u{1F600}x", count: 40)] {
      #expect(TableHash.hash(text) == hash(Array(text.utf8)), "\(text)")
      // A bridged-looking substring made into a new string: same bytes, same hash.
      #expect(TableHash.hash(String(text[...])) == TableHash.hash(text))
    }
    #expect(TableHash.hash("caf\u{E9}") != TableHash.hash("cafe\u{301}"))
  }

  @Test func everyByteAndTheLengthCount() {
    // Past 64 bytes, four chains (a whole record's length for the last).
    for count in Array(0...48) + [63, 64, 65, 79, 80, 81, 127, 128, 129, 200, 1600] {
      let bytes = varied(count, seed: UInt64(count) << 20)
      let original = hash(bytes)
      for position in 0..<count {
        for flip: UInt8 in [0x01, 0x80, 0xFF] {
          var changed = bytes
          changed[position] ^= flip
          #expect(hash(changed) != original, "length \(count), byte \(position) ^ \(flip)")
        }
      }
      // The same bytes with a zero byte more or less are other keys.
      #expect(hash(bytes + [0]) != original, "length \(count) + 1")
    }
    let zeros = (0...40).map { hash([UInt8](repeating: 0, count: $0)) }
    #expect(Set(zeros).count == zeros.count)
  }

  /// The four chains are not interchangeable: the same 16-byte blocks in another order, or
  /// moved from one chain to another, hash differently, in a record of one round of the chains
  /// (100 bytes) as in one of three (200 bytes, whose blocks 8 to 11 are the last round).
  @Test func blocksInAnotherOrderHashDifferently() {
    for (count, swaps) in [(100, [(0, 1), (0, 2), (1, 3), (2, 3), (0, 4), (3, 5)]), (200, [(0, 1), (0, 4), (3, 7), (8, 9), (8, 10), (9, 11), (10, 11), (7, 11)])] {
      let bytes = varied(count, seed: 99)
      var seen: Set<UInt64> = [hash(bytes)]
      for (a, b) in swaps {
        var swapped = bytes
        for k in 0..<16 { swapped.swapAt(a * 16 + k, b * 16 + k) }
        #expect(seen.insert(hash(swapped)).inserted, "length \(count), blocks \(a) and \(b) swapped")
      }
    }
  }

  /// 200,000 ids that differ only in a counter, as token and request ids do: their 32-bit hashes
  /// fill 2^16 buckets (by the low bits, as `SlotIndex` uses them) about evenly.
  @Test func nearIdenticalIdsSpreadOverTheBuckets() {
    var load = [Int](repeating: 0, count: 1 << 16)
    for n in 0..<200_000 {
      let id = "00000000-0000-4000-8000-" + String(n, radix: 16).leftPadded(to: 12)
      load[Int(TableHash.hash32(id)) & 0xFFFF] += 1
    }
    // About 3 a bucket; an even spread keeps the fullest bucket far below 30.
    #expect(load.max()! < 30)
    #expect(load.filter { $0 == 0 }.count < 6000)  // e^-3 of 65,536 is about 3,260
  }
}

extension String {
  fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
