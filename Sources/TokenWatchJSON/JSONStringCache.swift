/// Recently made strings, handed out again when the same bytes come back.
///
/// Most of a log's long strings repeat from record to record (user ids, login names, app ids,
/// issuers, user agents). Making a `String` validates, allocates and copies; handing out one
/// made earlier is a comparison and a retain, and the copies share one allocation downstream.
///
/// Two-way set-associative: a string's length and three of its 8-byte words choose a set of two
/// slots, which share one cache line, so the cache never holds more than `slotCount` strings of
/// at most `maxLength` bytes. The slots must outnumber the strings that repeat between two
/// sightings of one of them: a tenant's users each bring an id, a login name, a session and a
/// device, and a user signs in again only after hundreds of others have, so a cache that every
/// line of an input goes through has `threadSlotBits`. Two ways rather than one slot: with 10,800
/// ids in 65,536 slots, one string in six shared its only slot with another, and the two pushed
/// each other out on every sighting (a tenth of all lookups missed, and each miss made a string
/// that the engine then compared byte by byte and freed). A hit is confirmed byte for byte, so a
/// collision costs a miss, never a wrong string. A string is kept only when it is one of the last
/// two that missed in its set: ids that never repeat (record ids, most token ids) then neither push
/// out the strings that do nor get freed here instead of downstream.
///
/// Strings of 1 to 15 bytes (addresses, cities, country codes) are stored inside the `String`,
/// so there is no storage to share, but making one still validates its bytes: they have a table
/// of their own (`shortSlots`), keyed by the bytes themselves.
///
/// Not thread-safe: a cache belongs to one decoder, which attaches it to the document it reuses
/// (`JSONDocument.stringCache`) and is used by one thread at a time.
public final class JSONStringCache: @unchecked Sendable {
  /// Up to 15 UTF-8 bytes a `String` is stored inline: making it allocates nothing. Those go
  /// through `shortSlots`.
  static let minLength = 16
  /// Longer strings are rarely repeated and would make the cache's memory bound large.
  static let maxLength = 256
  /// For the cache a decoding thread reads every line through: 65,536 slots (2.5 MiB, and
  /// 0.5 MiB for 16,384 short strings), enough
  /// for the ids of tens of thousands of users. With 4,096, the 12,000 ids of 3,000 users pushed
  /// each other out before they came back, and replaying their sign-ins took 10–15% longer.
  public static let threadSlotBits = 16
  /// A cache of `threadSlotBits`, for a thread that reads every line of its inputs through it.
  public static func forThread() -> JSONStringCache { JSONStringCache(slotBits: threadSlotBits) }
  /// For a cache that reads little (one input's first lines, a test's documents).
  public static let smallSlotBits = 12
  let slotBits: Int
  var slotCount: Int { 1 << slotBits }
  /// A quarter as many slots for short strings.
  let shortSlotBits: Int

  /// A pointer, not an array: a class's `var` is checked for exclusive access at run time on
  /// every use, and this is used for every string of every record. Set `i` is slots `2i` and
  /// `2i + 1`, the newer first, on one 64-byte line.
  private let slots: UnsafeMutablePointer<Slot>
  /// Per set, the fingerprints of the last two strings that missed there, the newer first: two
  /// strings that alternate in one set are each kept at their second sighting (with only the
  /// last miss remembered, each one's miss forgot the other's and neither was ever kept).
  private let lastMisses: UnsafeMutablePointer<UInt64>
  /// Strings shorter than `minLength`, by their bytes. Such a string lives inside the `String`
  /// (no allocation to share), but making one still validates its bytes, about 390 instructions
  /// for an IP address, a city or a country code; a hit here is a compare of two words. Kept on
  /// first sight: an entry holds no storage, so a string that never repeats costs only its slot.
  private let shortSlots: UnsafeMutablePointer<ShortEntry>

  /// A kept string, with where its UTF-8 bytes are: a hit compares them straight away, where
  /// asking the `String` for its count and bytes cost about 90 instructions. The address stays
  /// good while the slot holds the string (a native string's bytes live in its storage object).
  struct Slot {
    var string: String?
    var bytes: UnsafeRawPointer?
    var count: UInt16
    /// Bits of the string's fingerprint that did not choose its set: a way holding another
    /// string of the same length is passed over without reading that string's bytes.
    var tag: UInt16
    /// The caller's hash of the string (`string(_:hash:)`), 0 until one asked: a store key's
    /// hash is worked out once for the string, not for every event that brings it.
    var hash: UInt32

    static var empty: Slot { Slot(string: nil, bytes: nil, count: 0, tag: 0, hash: 0) }
  }

  /// A short string and its bytes as `shortKey` packs them.
  struct ShortEntry {
    var key: (UInt64, UInt64)
    var string: String
  }

  public init(slotBits: Int = smallSlotBits) {
    precondition((4...24).contains(slotBits), "slot bits out of range")
    self.slotBits = slotBits
    let count = 1 << slotBits
    // Aligned to a cache line, so that a set's two 32-byte slots share one.
    slots = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Slot>.stride, alignment: 64).bindMemory(to: Slot.self, capacity: count)
    slots.initialize(repeating: .empty, count: count)
    lastMisses = .allocate(capacity: count)
    lastMisses.initialize(repeating: 0, count: count)
    // Key (0, 0) is no string's: `shortKey` packs the length into the second word.
    shortSlotBits = slotBits - 2
    // In sets of two as well, on one cache line each.
    shortSlots = UnsafeMutableRawPointer.allocate(byteCount: (1 << shortSlotBits) * MemoryLayout<ShortEntry>.stride, alignment: 64)
      .bindMemory(to: ShortEntry.self, capacity: 1 << shortSlotBits)
    shortSlots.initialize(repeating: ShortEntry(key: (0, 0), string: ""), count: 1 << shortSlotBits)
  }

  deinit {
    // Only the slots that hold a string: `deinitialize(count:)` over all of them went through
    // the runtime's generic array destroy, about 115 instructions a slot (2.5M for a thread's
    // cache, at the end of every run). A nil slot holds nothing to release.
    for i in 0..<slotCount where slots[i].string != nil { (slots + i).deinitialize(count: 1) }
    UnsafeMutableRawPointer(slots).deallocate()
    lastMisses.deallocate()
    // Short strings hold no storage: nothing to release.
    UnsafeMutableRawPointer(shortSlots).deallocate()
  }

  /// `bytes` as a string; `bytes` must be valid UTF-8 (the parser has checked it).
  public func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
    let count = bytes.count
    guard count <= Self.maxLength, count > 0, let base = bytes.baseAddress else {
      return String(decoding: bytes, as: UTF8.self)
    }
    if count < Self.minLength { return shortString(base, count) }
    return longString(base, count).string
  }

  /// `string(bytes)` with `hash(bytes)`, which a kept string keeps: a hit on a string asked for
  /// this way before hashes nothing. Every caller of a cache must pass the same `hash`.
  @inline(__always) public func string(_ bytes: UnsafeBufferPointer<UInt8>, hash: (UnsafeRawBufferPointer) -> UInt32) -> (string: String, hash: UInt32) {
    let count = bytes.count
    guard count <= Self.maxLength, count >= Self.minLength, let base = bytes.baseAddress else {
      return (string(bytes), hash(UnsafeRawBufferPointer(bytes)))
    }
    let (made, slot) = longString(base, count)
    guard let slot else { return (made, hash(UnsafeRawBufferPointer(bytes))) }
    if slot.pointee.hash == 0 { slot.pointee.hash = hash(UnsafeRawBufferPointer(bytes)) }
    return (made, slot.pointee.hash)
  }

  /// `string` for 16 to `maxLength` bytes, with the slot that keeps it (nil when it is not kept).
  @inline(__always) private func longString(_ base: UnsafePointer<UInt8>, _ count: Int) -> (string: String, slot: UnsafeMutablePointer<Slot>?) {
    let mixed = Self.fingerprint(base, count)
    let set = Self.set(of: mixed, slotBits: slotBits)
    let tag = UInt16(truncatingIfNeeded: mixed)
    let newer = slots + 2 &* set
    for way in 0..<2 {
      let kept = newer + way
      if kept.pointee.count == UInt16(truncatingIfNeeded: count), kept.pointee.tag == tag,
        memoryEquals(base, kept.pointee.bytes?.assumingMemoryBound(to: UInt8.self), count)
      {
        return (kept.pointee.string.unsafelyUnwrapped, kept)
      }
    }
    var made = String(decoding: UnsafeBufferPointer(start: base, count: count), as: UTF8.self)
    let misses = lastMisses + 2 &* set
    if misses[0] == mixed || misses[1] == mixed {
      // Made from at least 16 bytes, so native and contiguous: its bytes have an address.
      made.makeContiguousUTF8()
      guard let address = made.utf8.withContiguousStorageIfAvailable({ UnsafeRawPointer($0.baseAddress) }) ?? nil else { return (made, nil) }
      // The newer way's string becomes the older one's, which is let go.
      (newer + 1).pointee = newer.move()
      newer.initialize(to: Slot(string: made, bytes: address, count: UInt16(count), tag: tag, hash: 0))
      return (made, newer)
    }
    misses[1] = misses[0]
    misses[0] = mixed
    return (made, nil)
  }

  /// A string of 16 or more bytes mixed from its length and three of its 8-byte words.
  @inline(__always) static func fingerprint(_ base: UnsafePointer<UInt8>, _ count: Int) -> UInt64 {
    let raw = UnsafeRawPointer(base)
    let head = raw.loadUnaligned(as: UInt64.self)
    let middle = raw.loadUnaligned(fromByteOffset: count / 2 - 4, as: UInt64.self)
    let tail = raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
    return (head ^ (middle << 21 | middle >> 43) ^ (tail << 42 | tail >> 22) ^ UInt64(count)) &* 0x9E37_79B9_7F4A_7C15
  }

  /// The set of two slots a fingerprint chooses, in a cache of `slotBits`.
  @inline(__always) static func set(of fingerprint: UInt64, slotBits: Int) -> Int {
    Int(truncatingIfNeeded: fingerprint >> UInt64(65 - slotBits))
  }

  /// `string` for 1 to 15 bytes.
  @inline(__always) private func shortString(_ base: UnsafePointer<UInt8>, _ count: Int) -> String {
    let key = Self.shortKey(base, count)
    let mixed = (key.0 ^ (key.1 << 29 | key.1 >> 35)) &* 0x9E37_79B9_7F4A_7C15
    let newer = shortSlots + 2 &* Self.set(of: mixed, slotBits: shortSlotBits)
    if newer[0].key == key { return newer[0].string }
    if newer[1].key == key { return newer[1].string }
    let made = String(decoding: UnsafeBufferPointer(start: base, count: count), as: UTF8.self)
    (newer + 1).pointee = newer.move()
    newer.initialize(to: ShortEntry(key: key, string: made))
    return made
  }

  /// 1 to 15 bytes as two words that tell any two such byte strings apart: the bytes (the
  /// first and last eight, overlapping, from 8 bytes on) and the length in the second word's
  /// top byte, where no byte of a shorter string reaches.
  @inline(__always) static func shortKey(_ base: UnsafePointer<UInt8>, _ count: Int) -> (UInt64, UInt64) {
    let raw = UnsafeRawPointer(base)
    let length = UInt64(count) << 56
    if count >= 8 {
      // The tail word's first byte is dropped (bytes 0 to 7 hold it) to make room for the length.
      let tail = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self))
      return (UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self)), (tail >> 8) | length)
    }
    if count >= 4 {
      let head = UInt64(UInt32(littleEndian: raw.loadUnaligned(as: UInt32.self)))
      let tail = UInt64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)))
      return (head | tail << 32, length)
    }
    return (UInt64(base[0]) | UInt64(base[count / 2]) << 8 | UInt64(base[count - 1]) << 16, length)
  }
}
