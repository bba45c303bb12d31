/// Values in numbered slots, reused once freed: a container moves a 4-byte slot number (through
/// a heap, a merger's queues) instead of the value, which may be large or reference-counted.
///
/// Slots live in pages of raw memory that never move, so growing to a million values never
/// copies those already stored, and a slot is initialized only while it holds a value: a value
/// is moved in once and out once. (Pages of optionals copied each event through a temporary and
/// destroyed the empty slot before writing it, about 390 instructions an event parked.) The slot
/// freed last is reused first, so a pool that is filled and emptied in turn stays as large as
/// the most it held at once. A class, for its `deinit`: the values still held are destroyed there.
final class SlotPool<Element> {
  private static var pageShift: Int { 12 }
  private static var pageSize: Int { 1 << pageShift }
  private static var pageMask: Int { pageSize - 1 }

  private var pages: [UnsafeMutablePointer<Element>] = []
  /// Per slot, whether it holds a value.
  private var held: [Bool] = []
  private var freeSlots: [Int32] = []

  init() {}

  deinit {
    for slot in held.indices where held[slot] { address(slot).deinitialize(count: 1) }
    for page in pages { page.deallocate() }
  }

  /// How many values are held.
  var count: Int { held.count - freeSlots.count }

  /// How many slots exist, held or free (what the pool's memory is proportional to).
  var capacity: Int { held.count }

  @inline(__always) private func address(_ slot: Int) -> UnsafeMutablePointer<Element> {
    pages[slot >> Self.pageShift] + (slot & Self.pageMask)
  }

  /// Moves `value` into a free slot, or a new one if none is free, and returns its number.
  func insert(_ value: consuming Element) -> Int32 {
    let slot: Int
    if let free = freeSlots.popLast() {
      slot = Int(free)
    } else {
      precondition(held.count < Int(Int32.max), "slot pool full")
      slot = held.count
      if slot & Self.pageMask == 0 { pages.append(.allocate(capacity: Self.pageSize)) }
      held.append(false)
    }
    address(slot).initialize(to: value)
    held[slot] = true
    return Int32(slot)
  }

  /// The value in `slot`, which must hold one.
  subscript(slot: Int32) -> Element {
    precondition(held[Int(slot)], "slot \(slot) is free")
    return address(Int(slot)).pointee
  }

  /// Moves the value out of `slot`, which must hold one, and frees the slot.
  func remove(_ slot: Int32) -> Element {
    precondition(held[Int(slot)], "slot \(slot) is free")
    held[Int(slot)] = false
    freeSlots.append(slot)
    return address(Int(slot)).move()
  }
}
