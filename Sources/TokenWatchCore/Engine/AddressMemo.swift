/// The parsed addresses of the IP strings seen lately, so that an address that comes back is not
/// parsed again: every event's IP is parsed, parsing one took about 650 instructions (the span
/// of a short string's bytes, the scan for a ':', the digits), and sign-ins repeat their
/// users' few addresses.
///
/// Direct-mapped by the string's two words. A hit needs the same two words
/// (`ExactString.sameStorage`): the same bytes held inline, or one storage, which the entry keeps
/// alive (and so unchanged) while it holds the string. The decoders hand out a repeated long
/// string (an IPv6 address) from their string caches, one storage each.
struct AddressMemo {
  private struct Entry {
    var words: SIMD2<UInt64>
    /// Holds the storage `words` points to, if any.
    var text: String?
    var address: IPAddress?
  }

  private var entries: [Entry]
  private let shift: UInt64

  /// 2^`bits` entries: 4,096 by default, 256 KiB (64 bytes an entry).
  init(bits: Int = 12) {
    precondition((1...20).contains(bits))
    entries = Array(repeating: Entry(words: .zero, text: nil, address: nil), count: 1 << bits)
    shift = UInt64(64 - bits)
  }

  /// `IPAddress(text)`, parsed once while the entry keeps it.
  mutating func address(of text: String) -> IPAddress? {
    // Two words on every platform this builds for; elsewhere, no memo.
    guard ExactString.stringIsTwoWords else { return IPAddress(text) }
    let words = ExactString.words(text)
    let mixed = (words.x ^ (words.y << 32 | words.y >> 32)) &* 0x9E37_79B9_7F4A_7C15
    let slot = Int(truncatingIfNeeded: mixed >> shift)
    if entries[slot].words == words, entries[slot].text != nil { return entries[slot].address }
    let address = IPAddress(text)
    entries[slot] = Entry(words: words, text: text, address: address)
    return address
  }
}
