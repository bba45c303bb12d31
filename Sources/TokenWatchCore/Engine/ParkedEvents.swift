/// Events waiting in a reorder window, each in a numbered slot, so that the window and the
/// merger's queues move a small handle with nothing to reference-count (`ParkedEvent`).
///
/// A handle rather than a class box around each event: the box cost an allocation, and its
/// release a deallocation, on every event (about 580 instructions), and every move of it was an
/// atomic retain. Slots live in pages (`PagedArray`): growing to a million waiting events
/// never copies the ones already parked. A slot freed is reused first.
public struct ParkedEvents {
  private var slots = PagedArray<NormalizedEvent?>()
  private var freeSlots: [Int32] = []

  public init() {}

  /// Moves `event` into a slot; the handle names the slot and where the event came from.
  public mutating func park(_ event: consuming NormalizedEvent, origin: Int, line: Int) -> ParkedEvent {
    let slot: Int32
    if let free = freeSlots.popLast() {
      slot = free
      slots[Int(slot)] = consume event
    } else {
      slot = Int32(slots.count)
      slots.append(consume event)
    }
    return ParkedEvent(slot: slot, origin: Int32(truncatingIfNeeded: origin), line: line)
  }

  /// Moves the event out of its slot (once per handle) and frees the slot.
  public mutating func take(_ parked: ParkedEvent) -> NormalizedEvent {
    freeSlots.append(parked.slot)
    return slots[Int(parked.slot)].take()!
  }

  /// How many events are parked.
  public var count: Int { slots.count - freeSlots.count }
}

/// A parked event's slot in `ParkedEvents`, with the input it came from and its line there.
public struct ParkedEvent: Sendable {
  let slot: Int32
  public let origin: Int32
  public let line: Int
}
