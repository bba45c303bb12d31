/// Values in numbered slots, reused once freed: a container moves a 4-byte slot number (through
/// a heap, a merger's queues) instead of the value, which may be large or reference-counted.
///
/// Slots live in pages of raw memory that never move, so growing to a million values never
/// copies those already stored, and a slot is initialized only while it holds a value: a value
/// is moved in once and out once. (Pages of optionals copied each event through a temporary and
/// destroyed the empty slot before writing it, about 390 instructions an event parked.) Freed slots
/// are reused before new ones, in the order they were freed, so a pool stays as large as the
/// most it held at once, and a reorder window, which frees its events in time order, parks
/// the next ones in that order too: the engine then takes them out of consecutive slots, which
/// the processor reads ahead. (Reused last-freed-first, the slots of events parked ten minutes
/// earlier were read in a scattered order, and taking each out waited for memory: 16% of the
/// engine thread's time, 7% this way.) A class, for its `deinit`: the values still held are destroyed there.
final class SlotPool<Element> {
  private static var pageShift: Int { 12 }
  private static var pageSize: Int { 1 << pageShift }
  private static var pageMask: Int { pageSize - 1 }

  // Raw buffers, not arrays: an array's every write checked its buffer's uniqueness and its
  // bounds (about 90 instructions a value moved in and out, on the engine thread for every event).
  /// The pages, `pageCount` of them in room for `pageRoom`.
  private var pages: UnsafeMutablePointer<UnsafeMutablePointer<Element>>
  private var pageCount = 0
  private var pageRoom = 0
  /// Per slot, whether it holds a value: room for `slotRoom`, set for every page's slots.
  private var held: UnsafeMutablePointer<Bool>
  /// The free slots, in the order they were freed: `freeCount` of them from `freeHead`, in a ring
  /// of `slotRoom` (a power of two).
  private var freeSlots: UnsafeMutablePointer<Int32>
  private var freeHead = 0
  private var freeCount = 0
  /// Slots handed out at least once (the rest of the last page is untouched).
  private var slotCount = 0
  /// Room in `held` and `freeSlots`, doubled as pages are added (so a million parked events
  /// move those buffers about twenty times, not once a page).
  private var slotRoom = 0

  init() {
    pages = .allocate(capacity: 0)
    held = .allocate(capacity: 0)
    freeSlots = .allocate(capacity: 0)
  }

  deinit {
    for slot in 0..<slotCount where held[slot] { address(slot).deinitialize(count: 1) }
    for page in 0..<pageCount { pages[page].deallocate() }
    pages.deallocate()
    held.deallocate()
    freeSlots.deallocate()
  }

  /// How many values are held.
  var count: Int { slotCount - freeCount }

  /// How many slots exist, held or free (what the pool's memory is proportional to).
  var capacity: Int { slotCount }

  @inline(__always) private func address(_ slot: Int) -> UnsafeMutablePointer<Element> {
    pages[slot >> Self.pageShift] + (slot & Self.pageMask)
  }

  /// Moves `value` into a free slot, or a new one if none is free, and returns its number.
  func insert(_ value: consuming Element) -> Int32 {
    let slot: Int
    if freeCount > 0 {
      slot = Int(freeSlots[freeHead])
      freeHead = (freeHead + 1) & (slotRoom - 1)
      freeCount -= 1
    } else {
      precondition(slotCount < Int(Int32.max), "slot pool full")
      slot = slotCount
      if slot & Self.pageMask == 0 { addPage() }
      slotCount += 1
    }
    address(slot).initialize(to: value)
    held[slot] = true
    return Int32(slot)
  }

  /// A page of slots, with room for their flags and their numbers on the free list.
  private func addPage() {
    if pageCount == pageRoom {
      pageRoom = max(16, pageRoom * 2)
      pages = Self.regrown(pages, count: pageCount, room: pageRoom)
    }
    pages[pageCount] = .allocate(capacity: Self.pageSize)
    pageCount += 1
    let slots = pageCount << Self.pageShift
    if slots > slotRoom {
      let room = max(slots, slotRoom * 2)
      held = Self.regrown(held, count: slotCount, room: room)
      (held + slotCount).initialize(repeating: false, count: room - slotCount)
      // Pages are added only when no slot is free: the ring is empty.
      freeSlots = Self.regrown(freeSlots, count: 0, room: room)
      freeHead = 0
      slotRoom = room
    }
  }

  /// `buffer`'s first `count` values moved to a new buffer with room for `room`.
  private static func regrown<T>(_ buffer: UnsafeMutablePointer<T>, count: Int, room: Int) -> UnsafeMutablePointer<T> {
    let grown = UnsafeMutablePointer<T>.allocate(capacity: room)
    grown.moveInitialize(from: buffer, count: count)
    buffer.deallocate()
    return grown
  }

  /// The value in `slot`, which must hold one.
  subscript(slot: Int32) -> Element {
    precondition(isHeld(slot), "slot \(slot) is free")
    return address(Int(slot)).pointee
  }

  /// Moves the value out of `slot`, which must hold one, and frees the slot.
  func remove(_ slot: Int32) -> Element {
    precondition(isHeld(slot), "slot \(slot) is free")
    held[Int(slot)] = false
    freeSlots[(freeHead + freeCount) & (slotRoom - 1)] = slot
    freeCount += 1
    return address(Int(slot)).move()
  }

  @inline(__always) private func isHeld(_ slot: Int32) -> Bool {
    slot >= 0 && Int(slot) < slotCount && held[Int(slot)]
  }
}
