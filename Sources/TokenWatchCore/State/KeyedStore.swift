import TokenWatchJSON

/// `Slot.newer` of a slot on the free list.
private let freeSlotMark = Int32.min

/// Records that a `KeyedStore` can hold: a fresh one is made on first sight of a key.
public protocol StateRecord {
  init()
}

/// What a `KeyedStore` is keyed by: hashed for its index (`SlotIndex`) and compared exactly.
public protocol StoreKey {
  /// What a free slot holds (it keeps no storage alive).
  static var vacant: Self { get }
  /// The 32 bits a `SlotIndex` keeps (seeded per process: see `TableHash`).
  var tableHash: UInt32 { get }
  func isSame(as other: Self) -> Bool
  /// Whether a key that `isSame(as: other)` is also held the same way (for a string: one
  /// storage), so that keeping `other` instead would change nothing.
  func sharesStorage(with other: Self) -> Bool
}

extension StoreKey {
  public func sharesStorage(with other: Self) -> Bool { true }
}

/// Ids and names, by their exact UTF-8 bytes.
extension String: StoreKey {
  public static var vacant: String { "" }
  public var tableHash: UInt32 { TableHash.hash32(self) }
  public func isSame(as other: String) -> Bool { ExactString.identical(self, other) }
  public func sharesStorage(with other: String) -> Bool { ExactString.sameStorage(self, other) }
}

/// A bounded map from key to record: at most `maxEntries` records, each dropped once it has not
/// been seen for `ttl` of event time, least recently seen first when full. Slots live in one
/// array linked into a recency list by index, so touching a key is a hash lookup and two
/// pointer swaps, and expiry walks from the stale end only.
///
/// String keys (ids and names) are compared by their exact UTF-8 bytes, as identity providers
/// compare them: `String`'s `==` would make "\u{212A}im" (KELVIN SIGN) and "Kim" one user, so
/// one account could teach another's baseline.
///
/// Memory is what bounds the token store (millions of entries), so each key is kept once, in
/// its slot, the index holds only hashes and slot numbers (see `SlotIndex`), and the slots grow
/// a page at a time (see `PagedArray`). Nothing is reserved up front.
public struct KeyedStore<Key: StoreKey, Record: StateRecord> {
  struct Slot {
    var key: Key
    /// A fresh record in a free slot (holding no storage).
    var record: Record
    var lastSeen: EventTime
    var newer: Int32  // towards the most recently seen; `freeSlotMark` in a free slot
    var older: Int32
  }

  private var index = SlotIndex()
  private(set) var slots = PagedArray<Slot>()
  private var freeSlots: [Int32] = []
  private var newest: Int32 = -1
  private(set) var oldest: Int32 = -1

  public let maxEntries: Int
  public let ttl: Duration
  /// Records dropped because the store was full.
  public internal(set) var evictions = 0
  /// Records dropped because they were idle longer than the TTL.
  public internal(set) var expirations = 0
  /// Counts the slots freed: a slot number found while it is unchanged still holds the same key.
  private(set) var generation: UInt32 = 0

  public init(maxEntries: Int, ttl: Duration) {
    precondition(maxEntries > 0)
    self.maxEntries = maxEntries
    self.ttl = ttl
  }

  public var count: Int { index.count }

  public func slot(of key: Key) -> Int? { find(key, hash: key.tableHash).map(Int.init) }

  private func find(_ key: Key, hash: UInt32) -> Int32? {
    index.find(hash: hash) { slots[Int($0)].key.isSame(as: key) }
  }

  /// The slot for `key`, created if missing (evicting the least recently seen record when full),
  /// and marked as seen at `time`. `created` tells whether the record is new. `knownHash` is the
  /// key's `tableHash` when the caller has it (0 when not).
  public mutating func touch(_ key: Key, knownHash: UInt32 = 0, at time: EventTime) -> (slot: Int, created: Bool) {
    let hash = knownHash != 0 ? knownHash : key.tableHash
    if let existing = find(key, hash: hash) {
      markSeen(existing, at: time)
      // The same bytes in another storage: the slot keeps the caller's, which the decoder hands
      // out again next time, so that finding the key compares addresses, not bytes.
      if !key.sharesStorage(with: slots[Int(existing)].key) { slots[Int(existing)].key = key }
      return (Int(existing), false)
    }
    return (Int(insert(key, hash: hash, at: time)), true)
  }

  /// A new slot for `key` (not held; `hash` is its `tableHash`), seen at `time`, evicting the
  /// least recently seen record when full. Inlined: called out of line from `touch`, it cost
  /// about 40 instructions an event.
  @inline(__always) private mutating func insert(_ key: Key, hash: UInt32, at time: EventTime) -> Int32 {
    if index.count >= maxEntries {
      remove(oldest)
      evictions += 1
    }
    let slot = Slot(key: key, record: Record(), lastSeen: time, newer: -1, older: -1)
    let i: Int32
    // Consumed into place: copied there, the new slot was retained and the original destroyed.
    if let reused = freeSlots.popLast() {
      i = reused
      slots[Int(i)] = consume slot
    } else {
      precondition(slots.count < Int(Int32.max), "store full")
      i = Int32(slots.count)
      slots.append(consume slot)
    }
    index.insert(hash: hash, slot: i)
    linkAsNewest(i)
    return i
  }

  /// The key a slot holds (the stored string, so callers share its storage).
  public func key(at slot: Int) -> Key { slots[slot].key }

  public subscript(slot: Int) -> Record {
    _read { yield slots[slot].record }
    _modify { yield &slots[slot].record }
  }

  /// Replaces the record in `slot` (a checkpoint's, restored).
  public mutating func put(_ record: consuming Record, _ slot: Int) { slots[slot].record = record }

  /// Where the record for `key` lives (made if new, and marked seen as by `touch`), for the
  /// caller to read and change in place while it processes one event: valid until the store is
  /// next changed or copied. Moving each record out to the caller and back copied a token record
  /// (164 bytes) about seven times an event, most of them to leave and refill an empty slot.
  public mutating func place(of key: Key, knownHash: UInt32 = 0, at time: EventTime) -> (place: RecordPlace<Record>, slot: Int, created: Bool) {
    let (slot, created) = touch(key, knownHash: knownHash, at: time)
    return (place(at: slot), slot, created)
  }

  /// `place(of:)` for the key in `slot`, found earlier while `generation` was what it still is.
  mutating func place(ofSlot slot: Int, at time: EventTime) -> RecordPlace<Record> {
    markSeen(Int32(slot), at: time)
    return place(at: slot)
  }

  /// The record's place in `slot`, just marked seen or inserted: either wrote to the slots,
  /// making their storage the store's own, so it is not tested again.
  @inline(__always) private mutating func place(at slot: Int) -> RecordPlace<Record> {
    let address = UnsafeMutableRawPointer(slots.addressAfterWrite(slot)) + MemoryLayout<Slot>.offset(of: \Slot.record)!
    return RecordPlace(address.assumingMemoryBound(to: Record.self))
  }

  /// Drops every record not seen since `watermark - ttl`. Returns how many were dropped.
  @discardableResult
  public mutating func expire(now watermark: EventTime) -> Int {
    let cutoff = watermark - ttl
    var dropped = 0
    while oldest >= 0, slots[Int(oldest)].lastSeen < cutoff {
      remove(oldest)
      dropped += 1
    }
    expirations += dropped
    return dropped
  }

  /// Keys and records, ordered by key so that anything derived from them is deterministic.
  public func sortedEntries() -> [(key: Key, record: Record, lastSeen: EventTime)] where Key: Comparable {
    slots.filter { $0.newer != freeSlotMark }.sorted { $0.key < $1.key }.map { ($0.key, $0.record, $0.lastSeen) }
  }

  /// Visits every record, in no particular order (for counts, sums and marks only).
  public func forEachRecord(_ body: (Record, EventTime) -> Void) {
    for i in 0..<slots.count where slots[i].newer != freeSlotMark { body(slots[i].record, slots[i].lastSeen) }
  }

  private mutating func remove(_ i: Int32) {
    generation &+= 1
    let at = slots.uniqueAddresses()
    detach(i, at)
    index.remove(hash: at[Int(i)].pointee.key.tableHash, slot: i)
    at[Int(i)].pointee.record = Record()
    at[Int(i)].pointee.key = .vacant
    at[Int(i)].pointee.newer = freeSlotMark
    freeSlots.append(i)
  }

  /// Joins the slot's neighbours in the recency list to each other. The slot's own links are
  /// left as they were: the caller frees the slot or links it again.
  @inline(__always) private mutating func detach(_ i: Int32, _ at: PagedArray<Slot>.Addresses) {
    // Only the two links are read: copying the whole slot would retain and release every
    // reference inside its record.
    let newer = at[Int(i)].pointee.newer
    let older = at[Int(i)].pointee.older
    if newer >= 0 { at[Int(newer)].pointee.older = older } else { newest = older }
    if older >= 0 { at[Int(older)].pointee.newer = newer } else { oldest = newer }
  }

  private mutating func linkAsNewest(_ i: Int32) {
    let at = slots.uniqueAddresses()
    at[Int(i)].pointee.older = newest
    at[Int(i)].pointee.newer = -1
    if newest >= 0 { at[Int(newest)].pointee.newer = i }
    newest = i
    if oldest < 0 { oldest = i }
  }

  /// Records that the slot was seen at `time` and moves it to the newest end. It runs for most
  /// stores on every event, so it writes through the slots' addresses, testing the pages for
  /// uniqueness once: each write through the subscript tested again.
  private mutating func markSeen(_ i: Int32, at time: EventTime) {
    let at = slots.uniqueAddresses()
    let slot = at[Int(i)]
    if time > slot.pointee.lastSeen { slot.pointee.lastSeen = time }
    guard newest != i else { return }
    detach(i, at)  // not the newest: `newest` stays as it is
    slot.pointee.older = newest
    slot.pointee.newer = -1
    at[Int(newest)].pointee.newer = i
    newest = i
  }
}

extension KeyedStore where Key == String {
  /// `place(of:)` by the key's UTF-8 bytes: a key already held is found without making a string
  /// of them, and a new one is made from them (hashed once either way). Compared exactly, as
  /// string keys are.
  public mutating func place(ofUTF8 key: UnsafeBufferPointer<UInt8>, at time: EventTime) -> (place: RecordPlace<Record>, slot: Int, created: Bool) {
    guard let base = key.baseAddress else { return place(of: "", at: time) }
    let hash = TableHash.hash32(UnsafeRawBufferPointer(key))
    if let existing = index.find(hash: hash, where: { utf8Equals(slots[Int($0)].key, base, key.count) }) {
      markSeen(existing, at: time)
      return (place(at: Int(existing)), Int(existing), false)
    }
    let slot = Int(insert(String(decoding: key, as: UTF8.self), hash: hash, at: time))
    return (place(at: slot), slot, true)
  }
}

/// A record in its store's slot (`KeyedStore.place(of:)`), read and changed where it is. Only
/// the engine makes places, and only for as long as it processes one event, during which it
/// neither changes nor copies a store that it holds a place in.
public struct RecordPlace<Record> {
  private let address: UnsafeMutablePointer<Record>

  init(_ address: UnsafeMutablePointer<Record>) { self.address = address }

  public var record: Record {
    _read { yield address.pointee }
    nonmutating _modify { yield &address.pointee }
  }
}
