import Testing
@testable import TokenWatchCore

/// The memo must answer exactly what parsing answers, for every string, however the strings
/// collide in its few slots and whether or not they share storage.
@Suite struct AddressMemoTests {
  /// Short (inline) and long (stored) spellings, valid and not, some equal in content only.
  static let texts: [String] = [
    "203.0.113.7", "203.0.113.8", "198.51.100.1", "2001:db8::1", "2001:db8:aa:1::5", "::ffff:203.0.113.7",
    "fe80::1%eth0", "not an address", "", "1.2.3", "256.1.1.1",
    "2001:0db8:0000:0000:0000:ff00:0042:8329",  // long enough to be stored, not inline
    String(repeating: "2001:db8::", count: 1) + "abcd:ef01",
  ]

  @Test(arguments: [1, 2, 12])
  func answersAsParsingDoes(bits: Int) {
    var memo = AddressMemo(bits: bits)
    var rng = SplitMix(seed: UInt64(bits))
    for _ in 0..<2000 {
      let text = Self.texts[rng.below(Self.texts.count)]
      // A copy made from its characters: the same bytes in another storage when long.
      let spelled = rng.below(2) == 0 ? text : String(decoding: Array(text.utf8), as: UTF8.self)
      #expect(memo.address(of: spelled) == IPAddress(spelled), "\(spelled)")
    }
  }

  /// Two strings in one slot: the second must not be answered with the first's address.
  @Test func aSlotTakenByAnotherAddressIsNotReused() {
    var memo = AddressMemo(bits: 1)
    let addresses = (0..<64).map { "10.0.0.\($0)" }
    for _ in 0..<3 {
      for text in addresses { #expect(memo.address(of: text) == IPAddress(text), "\(text)") }
    }
  }
}
