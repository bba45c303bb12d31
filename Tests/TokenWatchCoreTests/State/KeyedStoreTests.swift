import Testing
@testable import TokenWatchCore

struct Counter: StateRecord { var n = 0 }

@Suite struct KeyedStoreTests {
  /// A key found again in a new storage (another decode thread's copy) finds its record, and the
  /// slot keeps the newest storage, so the next find compares addresses, not bytes.
  @Test func aKeyInANewStorageFindsItsRecordAndIsKept() {
    func fresh(_ text: String) -> String { String(decoding: Array(text.utf8), as: UTF8.self) }
    let text = "user-8c6f1e2a-93b4-4d5e-a6f7-0b1c2d3e4f50"
    var store = KeyedStore<String, Counter>(maxEntries: 10, ttl: .days(1))
    let first = fresh(text)
    let slot = store.touch(first, at: EventTime(millis: 1)).slot
    let second = fresh(text)
    #expect(!ExactString.sameStorage(first, second))
    let again = store.touch(second, at: EventTime(millis: 2))
    #expect(again.slot == slot && !again.created)
    #expect(ExactString.sameStorage(store.key(at: slot), second))
    #expect(store.count == 1)
  }

  @Test func evictsTheLeastRecentlySeenWhenFull() {
    var store = KeyedStore<String, Counter>(maxEntries: 2, ttl: .days(1))
    _ = store.touch("a", at: EventTime(millis: 1))
    _ = store.touch("b", at: EventTime(millis: 2))
    _ = store.touch("a", at: EventTime(millis: 3))  // a is now the most recent
    _ = store.touch("c", at: EventTime(millis: 4))
    #expect(store.slot(of: "b") == nil)
    #expect(store.slot(of: "a") != nil)
    #expect(store.evictions == 1)
  }

  @Test func expiresIdleRecordsByEventTime() {
    var store = KeyedStore<String, Counter>(maxEntries: 10, ttl: .minutes(10))
    for (i, key) in ["a", "b", "c"].enumerated() { _ = store.touch(key, at: EventTime(millis: Int64(i) * 300_000)) }
    #expect(store.expire(now: EventTime(millis: 16 * 60_000)) == 2)
    #expect(store.count == 1)
    #expect(store.expirations == 2)
  }

  /// A key found by its bytes is the stored string itself, and marked seen like `touch`; new
  /// bytes make a key of their own; the bytes are compared exactly (no Unicode folding).
  @Test func placeByBytesFindsTheStoredKey() {
    func storage(_ string: String) -> UnsafePointer<UInt8>? { string.utf8.withContiguousStorageIfAvailable { $0.baseAddress } ?? nil }
    var store = KeyedStore<String, Counter>(maxEntries: 2, ttl: .days(1))
    let stored = String(decoding: Array("subsidiary.contoso.example".utf8), as: UTF8.self)
    let first = store.place(of: stored, at: EventTime(millis: 1))
    #expect(first.created && first.place.record.n == 0)
    first.place.record.n = 7
    _ = store.touch("other.example", at: EventTime(millis: 2))
    let again = Array("subsidiary.contoso.example".utf8).withUnsafeBufferPointer { store.place(ofUTF8: $0, at: EventTime(millis: 3)) }
    #expect(!again.created && again.slot == first.slot && again.place.record.n == 7)
    #expect(storage(store.key(at: again.slot)) == storage(stored))
    // Seen at 3, so "other.example" is now the least recent and goes first.
    let kelvin = Array("\u{212A}im.example".utf8).withUnsafeBufferPointer { store.place(ofUTF8: $0, at: EventTime(millis: 4)) }
    #expect(kelvin.created && store.key(at: kelvin.slot) == "\u{212A}im.example")
    #expect(store.slot(of: "other.example") == nil && store.slot(of: stored) != nil)
    #expect(store.slot(of: "Kim.example") == nil)
  }

  /// A change made through a place is the store's, and only this store's: a copy made before
  /// the place was taken keeps its own record, and a slot freed and reused starts afresh.
  @Test func aPlaceChangesTheRecordInItsOwnStore() {
    var store = KeyedStore<String, Counter>(maxEntries: 1, ttl: .days(1))
    let first = store.place(of: "a", at: EventTime(millis: 0))
    #expect(first.created)
    first.place.record.n = 7
    #expect(store[store.touch("a", at: EventTime(millis: 1)).slot].n == 7)

    let copy = store
    let again = store.place(of: "a", at: EventTime(millis: 2))
    again.place.record.n = 8
    #expect(store[again.slot].n == 8)
    #expect(copy[again.slot].n == 7)

    // Full at one entry: "b" evicts "a" and takes its slot, with a fresh record.
    let other = store.place(of: "b", at: EventTime(millis: 3))
    #expect(other.created && other.slot == first.slot && other.place.record.n == 0)
  }

  /// Random operations against a plain model of the same policy.
  @Test func matchesAReferenceModel() {
    var rng = SplitMix(seed: 7)
    var store = KeyedStore<String, Counter>(maxEntries: 8, ttl: .minutes(5))
    var model: [(key: String, seen: Int64)] = []
    var now: Int64 = 0
    for _ in 0..<5000 {
      now += Int64(rng.next() % 20_000)
      let key = "k\(rng.next() % 20)"
      _ = store.touch(key, at: EventTime(millis: now))
      model.removeAll { $0.key == key }
      if model.count >= 8 { model.removeFirst() }
      model.append((key, now))
      if rng.next() % 10 == 0 {
        store.expire(now: EventTime(millis: now))
        model.removeAll { $0.seen < now - 300_000 }
      }
      #expect(store.count == model.count)
    }
    #expect(Set(store.sortedEntries().map(\.key)) == Set(model.map(\.key)))
  }

  /// Thousands of keys through a store a tenth that size: the index grows, entries are evicted,
  /// expired and their slots reused, and every lookup still finds the right slot. Recency order
  /// (which decides eviction) matches the model throughout.
  @Test func manyKeysWithEvictionExpiryAndSlotReuse() throws {
    var rng = SplitMix(seed: 11)
    var store = KeyedStore<String, Counter>(maxEntries: 500, ttl: .minutes(5))
    var model: [(key: String, seen: Int64)] = []
    var now: Int64 = 0
    var created = 0
    for step in 0..<20_000 {
      // Fast at first (the store fills and evicts), then slow (records expire first).
      now += Int64(rng.next() % (step < 10_000 ? 20 : 2_000))
      let key = "token-\(rng.next() % 5_000)"
      let (slot, isNew) = store.touch(key, at: EventTime(millis: now))
      let known = model.contains { $0.key == key }
      #expect(isNew == !known)
      if isNew {
        created += 1
        #expect(store[slot].n == 0)  // a reused slot starts with a fresh record
        store[slot].n = created
      }
      model.removeAll { $0.key == key }
      if model.count >= 500 { model.removeFirst() }
      model.append((key, now))
      if step % 97 == 0 {
        store.expire(now: EventTime(millis: now))
        model.removeAll { $0.seen < now - 300_000 }
      }
      #expect(store.count == model.count)
    }
    #expect(store.evictions > 0 && store.expirations > 0)
    #expect(store.slots.count <= 500)  // slots are reused: never more than the limit
    for (key, seen) in model {
      let slot = try #require(store.slot(of: key))
      #expect(store.slots[slot].key == key && store.slots[slot].lastSeen.millis == seen)
    }
    var order: [String] = []
    var i = store.oldest
    while i >= 0 {
      order.append(store.slots[Int(i)].key)
      i = store.slots[Int(i)].newer
    }
    #expect(order == model.map(\.key))
    #expect(store.slot(of: "token-never") == nil)
    var visited = 0
    store.forEachRecord { _, _ in visited += 1 }
    #expect(visited == model.count)
  }

  /// Keys are compared by their exact bytes, as identity providers compare them: spellings that
  /// `String`'s `==` calls equal (canonical equivalence) are different users or tokens, so one
  /// account cannot teach another's baseline. The same spelling is one key, ASCII or not.
  @Test func keysAreTheirExactBytes() {
    var store = KeyedStore<String, Counter>(maxEntries: 10, ttl: .days(1))
    #expect("\u{212A}im" == "Kim" && "caf\u{E9}" == "cafe\u{301}")
    let kim = store.touch("Kim", at: EventTime(millis: 0))
    let kelvin = store.touch("\u{212A}im", at: EventTime(millis: 1))
    let cafe = store.touch("caf\u{E9}", at: EventTime(millis: 2))
    let decomposed = store.touch("cafe\u{301}", at: EventTime(millis: 3))
    #expect(kim.created && kelvin.created && cafe.created && decomposed.created)
    #expect(Set([kim.slot, kelvin.slot, cafe.slot, decomposed.slot]).count == 4)
    #expect(store.count == 4)
    #expect(store.slot(of: "Kim") == kim.slot && store.slot(of: "\u{212A}im") == kelvin.slot)
    #expect(store.slot(of: "caf\u{E9}") == cafe.slot && store.slot(of: "cafe\u{301}") == decomposed.slot)
    let again = store.touch(String(decoding: Array("cafe\u{301}".utf8), as: UTF8.self), at: EventTime(millis: 4))
    #expect(again.slot == decomposed.slot && !again.created)
  }

  /// What a tracked token costs: its slot (key, record, recency links) is most of it. Printed
  /// for the record; the bound catches a field that would undo the compact layout. (A packed
  /// token key takes 17 bytes where a string took 16, and the travel trail holds its first point
  /// inline, 40 bytes more: an Entra token no longer needs a 64-byte id string and a 112-byte
  /// trail array beside its slot.)
  @Test func tokenSlotsStayCompact() {
    let token = MemoryLayout<KeyedStore<TokenKey, TokenRecord>.Slot>.stride
    let session = MemoryLayout<KeyedStore<String, SessionRecord>.Slot>.stride
    print("stride: token slot \(token) B (record \(MemoryLayout<TokenRecord>.stride)), session slot \(session) B, baseline \(MemoryLayout<NetworkBaseline>.size) B")
    #expect(token <= 208)
    #expect(session <= 160)
  }
}
