/// What a reorder buffer holds between two events, as plain values: enough for a restarted
/// pipeline to release the same events in the same order as an uninterrupted one would have.
public struct ReorderSnapshot: Sendable, Equatable {
  public struct PendingEntry: Sendable, Equatable {
    public var time: EventTime
    public var tieBreak: UInt64
    public var event: NormalizedEvent

    public init(time: EventTime, tieBreak: UInt64, event: NormalizedEvent) {
      self.time = time
      self.tieBreak = tieBreak
      self.event = event
    }
  }

  public var newest: EventTime
  public var releasedUpTo: EventTime
  public var lateCount: Int
  /// Buffered events in release order: by time, then tie-break.
  public var pending: [PendingEntry]

  public init(newest: EventTime = .distantPast, releasedUpTo: EventTime = .distantPast, lateCount: Int = 0, pending: [PendingEntry] = []) {
    self.newest = newest
    self.releasedUpTo = releasedUpTo
    self.lateCount = lateCount
    self.pending = pending
  }

  /// The state of a buffer that has seen nothing.
  public static let empty = ReorderSnapshot()
}

extension ReorderBuffer {
  /// The buffer's state; `event` extracts the event from an item.
  public func snapshot(_ event: (Item) -> NormalizedEvent) -> ReorderSnapshot {
    let pending = (heap + run[runHead...]).sorted { ($0.time, $0.tieBreak) < ($1.time, $1.tieBreak) }.map { key in
      ReorderSnapshot.PendingEntry(time: key.time, tieBreak: key.tieBreak, event: event(key.item))
    }
    return ReorderSnapshot(newest: newest, releasedUpTo: releasedUpTo, lateCount: lateCount, pending: pending)
  }

  /// Replaces everything the buffer holds with `snapshot` (meant for a fresh buffer); `item`
  /// rebuilds an item from its event. Nothing is released here: the next push releases what
  /// the watermark has passed, as it would have in the uninterrupted run.
  public mutating func restore(_ snapshot: ReorderSnapshot, _ item: (NormalizedEvent) -> Item) {
    heap = []
    run = []
    runHead = 0
    newest = snapshot.newest
    releasedUpTo = snapshot.releasedUpTo
    lateCount = snapshot.lateCount
    let ordered = snapshot.pending.sorted { ($0.time, $0.tieBreak) < ($1.time, $1.tieBreak) }
    run.reserveCapacity(ordered.count)
    for entry in ordered {
      insert(Key(time: entry.time, tieBreak: entry.tieBreak, item: item(entry.event)))
    }
  }
}

extension ReorderSnapshot.PendingEntry: CheckpointCodable {
  public func write(to w: inout CheckpointWriter) {
    w.write(time)
    w.fixed64(tieBreak)
    w.write(event)
  }

  public init(from r: inout CheckpointReader) throws(CheckpointError) {
    let time: EventTime = try r.read()
    let tieBreak = try r.fixed64()
    self.init(time: time, tieBreak: tieBreak, event: try r.read())
  }
}

extension ReorderSnapshot: FieldwiseCheckpointCodable {
  init() { self.init(newest: .distantPast) }

  mutating func checkpointFields<F: CheckpointFieldVisitor>(_ f: inout F) throws(F.Failure) {
    try f.field(&newest)
    try f.field(&releasedUpTo)
    try f.naturalField(&lateCount)
    try f.field(&pending)
  }
}
