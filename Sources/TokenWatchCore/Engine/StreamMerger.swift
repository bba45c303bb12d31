/// Merges several inputs (files replayed together) into one event-time-ordered stream.
///
/// Each input has its own reorder buffer; the merger releases the earliest head among all inputs
/// only once every input that is still open has something released, so a file of sign-ins and a
/// file of Graph activity interleave correctly however they are read. `starvedInput` tells the
/// reader which input to read next; one input at a time is ever buffered beyond its max delay.
public struct StreamMerger<Item> {
  public typealias Entry = ReorderBuffer<Item>.Entry

  private var buffers: [ReorderBuffer<Item>]
  private var ready: [[Entry]]
  private var readyStart: [Int]
  private var finished: [Bool]
  private var late: [Entry] = []
  private var lateStart = 0

  /// `maxItems` bounds the events waiting in all inputs together.
  public init(inputs: Int, maxDelay: Duration, maxItems: Int = ReorderBuffer<Item>.defaultMaxItems) {
    buffers = Array(repeating: ReorderBuffer(maxDelay: maxDelay, maxItems: max(1, maxItems / max(1, inputs))), count: inputs)
    ready = Array(repeating: [], count: inputs)
    readyStart = Array(repeating: 0, count: inputs)
    finished = Array(repeating: false, count: inputs)
  }

  public var lateCount: Int { buffers.reduce(0) { $0 + $1.lateCount } }
  /// Items released early from full buffers. Kept as it happens: the pipeline reads it after
  /// every push, so summing the buffers each time would cost per event.
  public private(set) var overflowCount = 0

  public mutating func push(_ item: Item, time: EventTime, tieBreak: UInt64, input: Int) {
    // Straight into the queue it belongs in: a late item is released alone, at once.
    if buffers[input].isLate(time) {
      late.append(buffers[input].releaseLate(item, time: time, tieBreak: tieBreak))
      return
    }
    let overflowBefore = buffers[input].overflowCount
    buffers[input].pushOnTime(item, time: time, tieBreak: tieBreak, into: &ready[input])
    overflowCount += buffers[input].overflowCount - overflowBefore
  }

  /// Releases everything buffered in `input` without closing it (its stream went idle).
  public mutating func flush(input: Int) {
    buffers[input].flush(into: &ready[input])
  }

  public mutating func finish(input: Int) {
    buffers[input].drain(into: &ready[input])
    finished[input] = true
  }

  /// The first input that is open and has nothing released: it must be read before anything more
  /// can come out. Nil when no input blocks (everything finished, or every open input has output).
  public var starvedInput: Int? {
    for i in ready.indices where !finished[i] && readyStart[i] == ready[i].count { return i }
    return nil
  }

  /// The next item in event-time order, or nil when an input must be read first (or all is done).
  public mutating func pop() -> Entry? {
    if lateStart < late.count {
      let entry = late[lateStart]
      lateStart += 1
      if lateStart == late.count { late.removeAll(keepingCapacity: true); lateStart = 0 }
      return entry
    }
    // One input (most replays) has nothing to merge: its queue, in order.
    if ready.count == 1 { return readyStart[0] < ready[0].count ? takeReady(0) : nil }
    guard starvedInput == nil else { return nil }
    var best: Int?
    for i in ready.indices where readyStart[i] < ready[i].count {
      guard let b = best else { best = i; continue }
      let candidate = ready[i][readyStart[i]]
      let current = ready[b][readyStart[b]]
      if candidate.time < current.time || (candidate.time == current.time && candidate.tieBreak < current.tieBreak) { best = i }
    }
    guard let i = best else { return nil }
    return takeReady(i)
  }

  private mutating func takeReady(_ i: Int) -> Entry {
    let entry = ready[i][readyStart[i]]
    readyStart[i] += 1
    if readyStart[i] == ready[i].count {
      ready[i].removeAll(keepingCapacity: true)
      readyStart[i] = 0
    }
    return entry
  }
}
