import TokenWatchJSON

/// A string's number in a `StringInterner`: 4 bytes in a record instead of a 16-byte `String`.
/// `.none` stands for no string (what `nil` is for a `String?`).
public struct InternedString: Hashable, Sendable {
  /// 0 for `.none`, else the string's index in the interner's table plus one.
  let raw: UInt32

  public static let none = InternedString(raw: 0)

  public var isNone: Bool { raw == 0 }
}

/// Stores each distinct string once and numbers it, so that a million state records naming the
/// same few thousand users, sessions, addresses and user agents hold 4-byte numbers (and long
/// strings are kept once, not once per record).
///
/// Numbers are not reference-counted: copying a record copies its numbers for free. Instead the
/// owner sweeps now and then: it marks every number its records hold and calls
/// `sweep(keeping:)`, which frees the rest for reuse. `sweepIsDue` says when: once the table has
/// doubled since the last sweep, so sweeping costs O(1) amortized per interned string and the
/// table holds at most about twice the strings in use.
public struct StringInterner: Sendable {
  /// Number n is `strings[n - 1]`. A freed number keeps an empty string until it is reused.
  private var strings: [String] = []
  /// Number by the string's hash; the strings themselves are compared in `strings`.
  private var numbers = SlotIndex()
  /// Freed numbers, highest first, so the lowest is reused first.
  private var freeNumbers: [UInt32] = []
  private var sweepThreshold = StringInterner.minimumSweepThreshold
  /// Recently interned numbers by `recentSlot(of:)`, a cheap fingerprint (length, first and last
  /// 8 bytes); 0 is none. Most strings repeat (the same user agents, countries, users), and
  /// confirming a hit with one comparison costs less than hashing the whole string and probing
  /// `numbers`. A miss (or a fingerprint collision, however contrived) just goes to `numbers`,
  /// so it hashes twice; hits are most, and taking the slot from the full hash instead cost the
  /// engine about 880 instructions an event. Made on first use; cleared by every sweep, so it
  /// never names a freed number. 65,536 slots (256 KiB): a tenant's active users, sessions,
  /// addresses and devices run to thousands each, and at 4,096 slots they pushed each other out
  /// (100,000 generated sign-ins: 1% fewer instructions, 1.5% fewer L1 data misses at 65,536).
  private var recent: [UInt32] = []

  /// Below this many strings a sweep is never due (it walks every record, for little gain).
  static let minimumSweepThreshold = 1 << 16
  private static let recentSlotBits = 16

  /// Allocates nothing: the engine moves its interner in and out of each event's context.
  public init() {}

  /// How many distinct strings are held.
  public var count: Int { numbers.count }

  /// The number of `string`, which is added if new.
  public mutating func intern(_ string: String) -> InternedString {
    let slot = Self.recentSlot(of: string)
    if !recent.isEmpty {
      let cached = recent[slot]
      if cached != 0 && ExactString.identical(strings[Int(cached) - 1], string) {
        adopt(string, as: cached)
        return InternedString(raw: cached)
      }
    } else {
      recent = Array(repeating: 0, count: 1 << Self.recentSlotBits)
    }
    let hash = string.tableHash
    let number: UInt32
    if let found = numbers.find(hash: hash, where: { ExactString.identical(strings[Int($0)], string) }) {
      number = UInt32(found) + 1
      adopt(string, as: number)
    } else {
      if let reused = freeNumbers.popLast() {
        number = reused
        strings[Int(reused) - 1] = string
      } else {
        precondition(strings.count < Int(Int32.max) - 1, "string table full")
        strings.append(string)
        number = UInt32(strings.count)
      }
      numbers.insert(hash: hash, slot: Int32(number) - 1)
    }
    recent[slot] = number
    return InternedString(raw: number)
  }

  /// Keeps `string` (the same bytes as number `number`) when it is in another storage: the
  /// decoder hands that storage out again, so the next comparison is of addresses, not bytes.
  @inline(__always) private mutating func adopt(_ string: String, as number: UInt32) {
    if !ExactString.sameStorage(strings[Int(number) - 1], string) { strings[Int(number) - 1] = string }
  }

  /// Where `recent` keeps `string`: its length and its first and last 8 UTF-8 bytes, mixed.
  private static func recentSlot(of string: String) -> Int {
    let mixed = string.utf8.span.withUnsafeBytes { raw -> UInt64 in
      let n = raw.count
      var head: UInt64 = 0
      var tail: UInt64 = 0
      if n >= 8 {
        head = raw.loadUnaligned(as: UInt64.self)
        tail = raw.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
      } else {
        for i in 0..<n { head = head << 8 | UInt64(raw[i]) }
      }
      return (head ^ (tail << 29 | tail >> 35) ^ UInt64(n)) &* 0x9E37_79B9_7F4A_7C15
    }
    return Int(truncatingIfNeeded: mixed >> UInt64(64 - recentSlotBits))
  }

  public mutating func intern(_ string: String?) -> InternedString {
    guard let string else { return .none }
    return intern(string)
  }

  /// The number of `string`, taking `hint` when it is that string's (one comparison, usually of
  /// addresses) and interning otherwise: a record seeing the same user again, or a new token's
  /// first use repeating its session's, costs no hash lookup.
  @inline(__always) public mutating func intern(_ string: String?, like hint: InternedString) -> InternedString {
    guard let string else { return .none }
    // Inlined for its usual case, the hint's own storage (eight calls an event from the network
    // baselines and travel trails cost more than the comparison).
    if !hint.isNone, ExactString.sameStorage(strings[Int(hint.raw) - 1], string) { return hint }
    return intern(string, unlike: hint)
  }

  /// `intern(_:like:)` past its first test.
  @inline(never) private mutating func intern(_ string: String, unlike hint: InternedString) -> InternedString {
    if !hint.isNone, ExactString.identical(strings[Int(hint.raw) - 1], string) {
      adopt(string, as: hint.raw)
      return hint
    }
    return intern(string)
  }

  /// Points `id` at `string`, interning only when it changes.
  public mutating func update(_ id: inout InternedString, to string: String?) { id = intern(string, like: id) }

  /// The string `id` stands for; nil for `.none`.
  public subscript(id: InternedString) -> String? {
    id.raw == 0 ? nil : strings[Int(id.raw) - 1]
  }

  public var sweepIsDue: Bool { numbers.count >= sweepThreshold }

  /// An empty set of marks sized for this table, to collect the numbers still in use.
  public func makeMarks() -> InternedStringMarks { InternedStringMarks(capacity: strings.count) }

  /// Frees every number not in `marks`. The caller must have marked every number any record
  /// holds: a freed number is handed out again for another string. Returns how many were freed.
  @discardableResult
  public mutating func sweep(keeping marks: InternedStringMarks) -> Int {
    var alreadyFree = InternedStringMarks(capacity: strings.count)
    for number in freeNumbers { alreadyFree.insert(InternedString(raw: number)) }
    var freed: [UInt32] = []
    for index in strings.indices {
      let id = InternedString(raw: UInt32(index + 1))
      guard !marks.contains(id), !alreadyFree.contains(id) else { continue }
      numbers.remove(hash: strings[index].tableHash, slot: Int32(index))
      strings[index] = ""
      freed.append(id.raw)
    }
    // Highest first, so the lowest is reused first.
    freeNumbers = (freeNumbers + freed).sorted(by: >)
    if !recent.isEmpty { recent = Array(repeating: 0, count: recent.count) }
    sweepThreshold = max(Self.minimumSweepThreshold, 2 * numbers.count)
    return freed.count
  }
}

/// The numbers still in use, collected before `StringInterner.sweep(keeping:)`: one bit each.
public struct InternedStringMarks: Sendable {
  private var words: [UInt64]

  init(capacity: Int) { words = Array(repeating: 0, count: (capacity + 64) / 64) }

  public mutating func insert(_ id: InternedString) {
    let bit = Int(id.raw)
    if bit / 64 >= words.count { words += Array(repeating: 0, count: bit / 64 - words.count + 1) }
    words[bit / 64] |= 1 << UInt64(bit % 64)
  }

  public func contains(_ id: InternedString) -> Bool {
    let bit = Int(id.raw)
    return bit / 64 < words.count && words[bit / 64] & (1 << UInt64(bit % 64)) != 0
  }
}

/// Strings compared by their exact UTF-8 bytes. `String`'s own `==` is canonical equivalence
/// ("é" precomposed equals "e" + U+0301, KELVIN SIGN equals "K"), which would hand a record back
/// another spelling than it was given and merge ids an identity provider keeps apart.
enum ExactString {
  /// Whether `a` and `b` are the same two words: one storage (the decoder hands out repeated
  /// strings from its cache), or the same bytes held inline (up to 15).
  @inline(__always) static func sameStorage(_ a: String, _ b: String) -> Bool {
    stringIsTwoWords && words(a) == words(b)
  }

  /// Whether a `String` is two words, as on every platform this builds for (`words`).
  static var stringIsTwoWords: Bool { MemoryLayout<String>.size == MemoryLayout<SIMD2<UInt64>>.size }

  /// A string's two words, where `stringIsTwoWords`: its bytes when held inline, else its
  /// storage and count, so equal words mean equal text (`sameStorage`).
  @inline(__always) static func words(_ string: String) -> SIMD2<UInt64> { unsafeBitCast(string, to: SIMD2<UInt64>.self) }

  /// Whether `a` and `b` have the same UTF-8 bytes (8 at a time).
  @inline(__always) static func identical(_ a: String, _ b: String) -> Bool {
    // Most comparisons on the hot path are of one storage, and reading the bytes (memory another
    // core wrote) costs several times more. That test is inlined (the call cost more than it,
    // eight times an event), the byte comparison is not.
    sameStorage(a, b) || sameBytes(a, b)
  }

  /// `identical` for two storages.
  @inline(never) private static func sameBytes(_ a: String, _ b: String) -> Bool {
    let count = a.utf8.count
    guard count == b.utf8.count else { return false }
    // Not through `utf8.span` as elsewhere: with it (inlined here or not) the interner retained
    // each string it read from its table around the comparison.
    let compared = a.utf8.withContiguousStorageIfAvailable { x in
      b.utf8.withContiguousStorageIfAvailable { y in count == 0 || memoryEquals(x.baseAddress!, y.baseAddress, count) }
    }
    return (compared ?? nil) ?? a.utf8.elementsEqual(b.utf8)
  }
}
