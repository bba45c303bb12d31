/// Events waiting in a reorder window, each in a slot of a `SlotPool`, so that the window and
/// the merger's queues move a small handle with nothing to reference-count (`ParkedEvent`).
///
/// A handle rather than a class box around each event: the box cost an allocation, and its
/// release a deallocation, on every event (about 580 instructions), and every move of it was an
/// atomic retain.
public struct ParkedEvents {
  private let events = SlotPool<NormalizedEvent>()

  public init() {}

  /// Moves `event` into a slot; the handle names the slot and where the event came from.
  public mutating func park(_ event: consuming NormalizedEvent, origin: Int, line: Int) -> ParkedEvent {
    ParkedEvent(slot: events.insert(event), origin: Int32(truncatingIfNeeded: origin), line: line)
  }

  /// Moves the event out of its slot (once per handle) and frees the slot.
  public mutating func take(_ parked: ParkedEvent) -> NormalizedEvent { events.remove(parked.slot) }

  /// How many events are parked.
  public var count: Int { events.count }
}

/// A parked event's slot in `ParkedEvents`, with the input it came from and its line there.
public struct ParkedEvent: Sendable {
  let slot: Int32
  public let origin: Int32
  public let line: Int
}
