/// Values in numbered slots, reused once freed: a container moves a 4-byte slot number (through
/// a heap, a merger's queues) instead of the value, which may be large or reference-counted.
///
/// Slots live in pages (`PagedArray`): growing to a million values never copies those already
/// stored. The slot freed last is reused first, so a pool that is filled and emptied in turn
/// stays as large as the most it held at once.
struct SlotPool<Element> {
  private var slots = PagedArray<Element?>()
  private var freeSlots: [Int32] = []

  init() {}

  /// How many values are held.
  var count: Int { slots.count - freeSlots.count }

  /// How many slots exist, held or free (what the pool's memory is proportional to).
  var capacity: Int { slots.count }

  /// Moves `value` into a free slot, or a new one if none is free, and returns its number.
  mutating func insert(_ value: consuming Element) -> Int32 {
    if let free = freeSlots.popLast() {
      slots[Int(free)] = consume value
      return free
    }
    precondition(slots.count < Int(Int32.max), "slot pool full")
    slots.append(consume value)
    return Int32(slots.count - 1)
  }

  /// The value in `slot`, which must hold one.
  subscript(slot: Int32) -> Element {
    guard let value = slots[Int(slot)] else { preconditionFailure("slot \(slot) is free") }
    return value
  }

  /// Moves the value out of `slot`, which must hold one, and frees the slot.
  mutating func remove(_ slot: Int32) -> Element {
    guard let value = slots[Int(slot)].take() else { preconditionFailure("slot \(slot) is free") }
    freeSlots.append(slot)
    return value
  }
}
