import Testing

@testable import TokenWatchCore

@Suite struct SlotPoolTests {
  @Test func eachSlotGivesBackItsOwnValueInAnyOrder() {
    let pool = SlotPool<String>()
    let slots = (0..<6).map { pool.insert("value \($0)") }
    #expect(Set(slots).count == 6)
    #expect(pool.count == 6)
    #expect(pool[slots[4]] == "value 4")
    #expect(pool.count == 6)  // reading leaves the value in place
    for i in [5, 0, 3, 1, 4, 2] {
      #expect(pool.remove(slots[i]) == "value \(i)")
    }
    #expect(pool.count == 0)
  }

  /// Freed slots are reused in the order they were freed (a reorder window then parks events in
  /// the order it frees them, and takes them out of consecutive slots), and before new ones.
  @Test func freedSlotsAreReusedInTheOrderTheyWereFreed() {
    let pool = SlotPool<Int>()
    let a = pool.insert(1)
    let b = pool.insert(2)
    let c = pool.insert(3)
    #expect(pool.remove(a) == 1)
    #expect(pool.remove(c) == 3)
    #expect(pool.remove(b) == 2)
    #expect(pool.insert(4) == a)
    #expect(pool.insert(5) == c)
    #expect(pool.insert(6) == b)
    #expect(pool.capacity == 3)
    #expect(pool[a] == 4 && pool[b] == 6 && pool[c] == 5)
  }

  @Test func aPoolFilledAndEmptiedInTurnStaysAsLargeAsTheMostItHeld() {
    let pool = SlotPool<[UInt8]>()
    var held: [(slot: Int32, value: [UInt8])] = []
    var most = 0
    // 10,000 values through the pool (more than a page, 4,096 slots, would hold), at most 40 at once.
    for i in 0..<10_000 {
      let value = [UInt8(truncatingIfNeeded: i), UInt8(truncatingIfNeeded: i >> 8)]
      held.append((pool.insert(value), value))
      most = max(most, held.count)
      if held.count == 40 || i % 7 == 0 {
        let (slot, expected) = held.removeFirst()
        #expect(pool.remove(slot) == expected)
      }
      #expect(pool.count == held.count)
    }
    #expect(pool.capacity == most)
    for (slot, expected) in held { #expect(pool.remove(slot) == expected) }
    #expect(pool.count == 0)
  }

  @Test func valuesSurviveThePoolGrowingPastSeveralPages() {
    let pool = SlotPool<Int>()
    // 20,000 values: five pages of 4,096, so the flags and the free list are regrown twice.
    var slots = (0..<20_000).map { pool.insert($0) }
    #expect(pool.capacity == 20_000)
    // Free every third, then fill those slots again with other values: no new slot is made.
    for i in stride(from: 0, to: slots.count, by: 3) { #expect(pool.remove(slots[i]) == i) }
    for i in stride(from: 0, to: slots.count, by: 3) { slots[i] = pool.insert(-i) }
    #expect(pool.capacity == 20_000)
    for (i, slot) in slots.enumerated() { #expect(pool[slot] == (i % 3 == 0 ? -i : i)) }
    #expect(pool.count == 20_000)
  }

  @Test func valuesStillHeldAreReleasedWithThePoolAndTakenOnesAreNot() {
    final class Box {}
    weak var held: Box?
    weak var taken: Box?
    var kept: Box?
    do {
      let pool = SlotPool<Box>()
      let a = Box()
      let b = Box()
      (held, taken) = (a, b)
      _ = pool.insert(a)
      kept = pool.remove(pool.insert(b))
      // Slots beyond the first page hold values too.
      for _ in 0..<5_000 { _ = pool.insert(Box()) }
      #expect(pool.count == 5_001)
    }
    #expect(held == nil)  // destroyed with the pool (raw pages are not destroyed by themselves)
    #expect(taken != nil && kept === taken)  // moved out, not destroyed twice
  }
}
