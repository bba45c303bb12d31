import Testing
@testable import TokenWatchCore

struct Counter: StateRecord { var n = 0 }

@Suite struct KeyedStoreTests {
  @Test func evictsTheLeastRecentlySeenWhenFull() {
    var store = KeyedStore<Counter>(maxEntries: 2, ttl: .days(1))
    _ = store.touch("a", at: EventTime(millis: 1))
    _ = store.touch("b", at: EventTime(millis: 2))
    _ = store.touch("a", at: EventTime(millis: 3))  // a is now the most recent
    _ = store.touch("c", at: EventTime(millis: 4))
    #expect(store.slot(of: "b") == nil)
    #expect(store.slot(of: "a") != nil)
    #expect(store.evictions == 1)
  }

  @Test func expiresIdleRecordsByEventTime() {
    var store = KeyedStore<Counter>(maxEntries: 10, ttl: .minutes(10))
    for (i, key) in ["a", "b", "c"].enumerated() { _ = store.touch(key, at: EventTime(millis: Int64(i) * 300_000)) }
    #expect(store.expire(now: EventTime(millis: 16 * 60_000)) == 2)
    #expect(store.count == 1)
    #expect(store.expirations == 2)
  }

  @Test func recordsSurviveTakeAndPut() {
    var store = KeyedStore<Counter>(maxEntries: 10, ttl: .days(1))
    let (slot, created) = store.touch("a", at: EventTime(millis: 0))
    #expect(created)
    var record = store.take(slot)
    record.n = 7
    store.put(record, slot)
    #expect(store[store.touch("a", at: EventTime(millis: 1)).slot].n == 7)
  }

  /// Random operations against a plain model of the same policy.
  @Test func matchesAReferenceModel() {
    var rng = SplitMix(seed: 7)
    var store = KeyedStore<Counter>(maxEntries: 8, ttl: .minutes(5))
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
}
