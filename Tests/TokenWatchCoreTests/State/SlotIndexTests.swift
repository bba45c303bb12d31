import Testing
@testable import TokenWatchCore

@Suite struct SlotIndexTests {
  /// Hashes chosen by the test: long collision runs, runs that wrap around the end of the
  /// bucket array, and removals from the middle of a run (the backward shift).
  @Test func findsEveryEntryThroughCollisionsWrapAroundAndRemovals() {
    var index = SlotIndex()
    var model: [Int32: UInt32] = [:]  // slot → hash
    func check() {
      #expect(index.count == model.count)
      for (slot, hash) in model { #expect(index.find(hash: hash) { $0 == slot } == slot) }
    }
    // Twenty entries with one hash, twenty with the hash of the last bucket (they wrap to the
    // start once the index has grown to 64 buckets, and collide with the first run), and some
    // spread ones.
    var slot: Int32 = 0
    for hash in Array(repeating: UInt32(3), count: 20) + Array(repeating: UInt32(63), count: 20) + (0..<20).map({ UInt32($0 * 977) }) {
      index.insert(hash: hash, slot: slot)
      model[slot] = hash
      slot += 1
    }
    check()
    var rng = SplitMix(seed: 5)
    for _ in 0..<500 {
      if model.isEmpty || rng.next() % 2 == 0 {
        let hash = [UInt32(3), 63, UInt32(truncatingIfNeeded: rng.next())][Int(rng.next() % 3)]
        index.insert(hash: hash, slot: slot)
        model[slot] = hash
        slot += 1
      } else {
        let victim = model.keys.sorted()[Int(rng.next() % UInt64(model.count))]
        index.remove(hash: model[victim]!, slot: victim)
        model[victim] = nil
      }
      check()
    }
    // A hash that is there, with a key that is not: nothing found.
    #expect(index.find(hash: 3) { _ in false } == nil)
    #expect(index.find(hash: 12345) { _ in true } == nil || model.values.contains(12345))
  }

  @Test func anEmptyIndexFindsNothing() {
    let index = SlotIndex()
    #expect(index.count == 0)
    #expect(index.find(hash: 0) { _ in true } == nil)
  }

  @Test func slotZeroAndHashZeroAreEntriesLikeAnyOther() {
    var index = SlotIndex()
    index.insert(hash: 0, slot: 0)
    #expect(index.find(hash: 0) { $0 == 0 } == 0)
    index.remove(hash: 0, slot: 0)
    #expect(index.count == 0 && index.find(hash: 0) { _ in true } == nil)
  }
}
