/// Puts events back into event-time order when they arrive up to `maxDelay` out of order.
///
/// Items wait until the watermark — the newest time seen minus `maxDelay` — passes them. The
/// heap holds (time, tie-break, item), and an item is a small handle (replay's `ParkedEvent`,
/// watch's `QueuedEvent` reference), so sifting moves 32 bytes rather than whole events. Keys
/// that arrive in order (most of them: logs are written roughly in time order) skip the heap:
/// they queue in `run`, already sorted, and the smaller of the run's first key and the heap's
/// top comes out next. The tie-break is a hash of the raw record, so two events with the same
/// timestamp come out in the same order whatever order they arrived in. An item older than the
/// watermark when it arrives is late: it is released at once, flagged.
public struct ReorderBuffer<Item> {
  /// About 430 bytes an event in memory (`tokenwatch-bench` prices a buffered event), so the
  /// default window holds at most ~430 MB.
  public static var defaultMaxItems: Int { 1_000_000 }

  public struct Entry {
    public var time: EventTime
    public var tieBreak: UInt64
    public var item: Item
    public var late: Bool
  }

  struct Key {
    var time: EventTime
    var tieBreak: UInt64
    var item: Item
  }

  var heap: [Key] = []
  /// Keys in order, each not before the one ahead of it; the first is `run[runHead]`.
  var run: [Key] = []
  var runHead = 0
  public let maxDelay: Duration
  /// At most this many items wait; beyond it the oldest is released before the watermark passes
  /// it, so memory stays bounded whatever the input (say a million events with one timestamp).
  public let maxItems: Int
  public internal(set) var newest = EventTime.distantPast
  public internal(set) var lateCount = 0
  /// Items released early because `maxItems` were waiting.
  public internal(set) var overflowCount = 0
  /// After a flush, nothing older than what was released may be placed in order any more.
  var releasedUpTo = EventTime.distantPast

  public init(maxDelay: Duration, maxItems: Int = ReorderBuffer.defaultMaxItems) {
    precondition(maxItems > 0)
    self.maxDelay = maxDelay
    self.maxItems = maxItems
  }

  public var watermark: EventTime { newest - maxDelay }
  public var count: Int { heap.count + run.count - runHead }

  /// Whether an item of this time would be late: older than what may still be put in order.
  public func isLate(_ time: EventTime) -> Bool {
    newest != .distantPast && time < max(watermark, releasedUpTo)
  }

  /// Adds an item; appends to `released` every item whose time the watermark has now passed.
  public mutating func push(_ item: Item, time: EventTime, tieBreak: UInt64, into released: inout [Entry]) {
    if isLate(time) {
      released.append(releaseLate(item, time: time, tieBreak: tieBreak))
      return
    }
    pushOnTime(item, time: time, tieBreak: tieBreak, into: &released)
  }

  /// A late item (`isLate`), counted and released at once, flagged.
  public mutating func releaseLate(_ item: Item, time: EventTime, tieBreak: UInt64) -> Entry {
    lateCount += 1
    return Entry(time: time, tieBreak: tieBreak, item: item, late: true)
  }

  /// `push` for an item its caller found not late (`isLate`), so the check is made once.
  public mutating func pushOnTime(_ item: Item, time: EventTime, tieBreak: UInt64, into released: inout [Entry]) {
    if time > newest { newest = time }
    insert(Key(time: time, tieBreak: tieBreak, item: item))
    while let top = peekMin(), top.time <= watermark {
      released.append(removeMin())
    }
    while count > maxItems {
      // Full: the oldest goes now, and anything older that arrives later counts as late, just
      // as after a flush. Which item goes depends only on the input, so output stays the same.
      let entry = removeMin()
      releasedUpTo = max(releasedUpTo, entry.time)
      overflowCount += 1
      released.append(entry)
    }
  }

  /// Releases everything, in order (end of input).
  public mutating func drain(into released: inout [Entry]) {
    while count > 0 { released.append(removeMin()) }
  }

  /// Releases everything now (a live stream went idle); later arrivals older than what was
  /// released are late.
  public mutating func flush(into released: inout [Entry]) {
    releasedUpTo = max(releasedUpTo, newest)
    drain(into: &released)
  }

  private static func precedes(_ a: Key, _ b: Key) -> Bool {
    a.time != b.time ? a.time < b.time : a.tieBreak < b.tieBreak
  }

  mutating func insert(_ key: Key) {
    if run.count == runHead || !Self.precedes(key, run[run.count - 1]) {
      run.append(key)
      return
    }
    heap.append(key)
    var child = heap.count - 1
    while child > 0 {
      let parent = (child - 1) / 2
      guard Self.precedes(heap[child], heap[parent]) else { break }
      heap.swapAt(child, parent)
      child = parent
    }
  }

  /// Whether the next key out is the run's first (else the heap's top); nil when both are empty.
  /// Equal keys leave the run first.
  private var nextIsInRun: Bool? {
    let runHasKeys = runHead < run.count
    guard let top = heap.first else { return runHasKeys ? true : nil }
    return runHasKeys && !Self.precedes(top, run[runHead])
  }

  /// The key that comes out next, without taking it.
  private func peekMin() -> Key? {
    nextIsInRun.map { $0 ? run[runHead] : heap[0] }
  }

  private mutating func removeMin() -> Entry {
    let top = nextIsInRun! ? removeRunFirst() : removeHeapMin()
    return Entry(time: top.time, tieBreak: top.tieBreak, item: top.item, late: false)
  }

  private mutating func removeRunFirst() -> Key {
    let first = run[runHead]
    runHead += 1
    if runHead == run.count {
      run.removeAll(keepingCapacity: true)
      runHead = 0
    } else if runHead >= 1024, runHead * 2 >= run.count {
      // The taken keys are dropped once they are half the array: amortized O(1) per key.
      run.removeFirst(runHead)
      runHead = 0
    }
    return first
  }

  private mutating func removeHeapMin() -> Key {
    let top = heap[0]
    let last = heap.removeLast()
    if !heap.isEmpty {
      heap[0] = last
      var parent = 0
      while true {
        let left = 2 * parent + 1
        let right = left + 1
        var smallest = parent
        if left < heap.count, Self.precedes(heap[left], heap[smallest]) { smallest = left }
        if right < heap.count, Self.precedes(heap[right], heap[smallest]) { smallest = right }
        if smallest == parent { break }
        heap.swapAt(parent, smallest)
        parent = smallest
      }
    }
    return top
  }
}
