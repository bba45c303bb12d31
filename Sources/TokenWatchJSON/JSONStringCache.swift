/// Recently made strings, handed out again when the same bytes come back.
///
/// Most of a log's long strings repeat from record to record (user ids, login names, app ids,
/// issuers, user agents). Making a `String` validates, allocates and copies; handing out one
/// made earlier is a comparison and a retain, and the copies share one allocation downstream.
///
/// Direct-mapped: a string's length and three of its 8-byte words choose one slot, so the cache
/// never holds more than `slotCount` strings of at most `maxLength` bytes. The slots must
/// outnumber the strings that repeat between two sightings of one of them: a tenant's users each
/// bring an id, a login name, a session and a device, and a user signs in again only after
/// hundreds of others have, so a cache that every line of an input goes through has
/// `threadSlotBits`. A hit is confirmed byte for byte, so a collision costs a miss, never a
/// wrong string. A string is kept only when its slot saw the same fingerprint last time: ids
/// that never repeat (record ids, most token ids) then neither push out the strings that do nor
/// get freed here instead of downstream.
///
/// Not thread-safe: a cache belongs to one decoder, which attaches it to the document it reuses
/// (`JSONDocument.stringCache`) and is used by one thread at a time.
public final class JSONStringCache: @unchecked Sendable {
  /// Up to 15 UTF-8 bytes a `String` is stored inline: making it allocates nothing.
  static let minLength = 16
  /// Longer strings are rarely repeated and would make the cache's memory bound large.
  static let maxLength = 256
  /// For the cache a decoding thread reads every line through: 65,536 slots (1.5 MiB), enough
  /// for the ids of tens of thousands of users. With 4,096, the 12,000 ids of 3,000 users pushed
  /// each other out before they came back, and replaying their sign-ins took 10–15% longer.
  public static let threadSlotBits = 16
  /// A cache of `threadSlotBits`, for a thread that reads every line of its inputs through it.
  public static func forThread() -> JSONStringCache { JSONStringCache(slotBits: threadSlotBits) }
  /// For a cache that reads little (one input's first lines, a test's documents).
  public static let smallSlotBits = 12
  let slotBits: Int
  var slotCount: Int { 1 << slotBits }

  /// A pointer, not an array: a class's `var` is checked for exclusive access at run time on
  /// every use, and this is used for every string of every record.
  private let slots: UnsafeMutablePointer<String?>
  /// Per slot, the fingerprint of the last string that missed there.
  private let lastMiss: UnsafeMutablePointer<UInt64>

  public init(slotBits: Int = smallSlotBits) {
    precondition((4...24).contains(slotBits), "slot bits out of range")
    self.slotBits = slotBits
    let count = 1 << slotBits
    slots = .allocate(capacity: count)
    slots.initialize(repeating: nil, count: count)
    lastMiss = .allocate(capacity: count)
    lastMiss.initialize(repeating: 0, count: count)
  }

  deinit {
    // Only the slots that hold a string: `deinitialize(count:)` over all of them went through
    // the runtime's generic array destroy, about 115 instructions a slot (2.5M for a thread's
    // cache, at the end of every run). A nil slot holds nothing to release.
    for i in 0..<slotCount where slots[i] != nil { (slots + i).deinitialize(count: 1) }
    slots.deallocate()
    lastMiss.deallocate()
  }

  /// `bytes` as a string; `bytes` must be valid UTF-8 (the parser has checked it).
  public func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
    let count = bytes.count
    guard count >= Self.minLength, count <= Self.maxLength, let base = bytes.baseAddress else {
      return String(decoding: bytes, as: UTF8.self)
    }
    let raw = UnsafeRawPointer(base)
    let head = raw.loadUnaligned(as: UInt64.self)
    let middle = raw.loadUnaligned(fromByteOffset: count / 2 - 4, as: UInt64.self)
    let tail = raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
    let mixed = (head ^ (middle << 21 | middle >> 43) ^ (tail << 42 | tail >> 22) ^ UInt64(count)) &* 0x9E37_79B9_7F4A_7C15
    let slot = Int(truncatingIfNeeded: mixed >> UInt64(64 - slotBits))
    if let cached = slots[slot], utf8Equals(cached, base, count) { return cached }
    let made = String(decoding: bytes, as: UTF8.self)
    if lastMiss[slot] == mixed {
      slots[slot] = made
    } else {
      lastMiss[slot] = mixed
    }
    return made
  }

}
