/// The layouts of the records a reader walked whole, as a tree of steps: each step is one value
/// the reader read or skipped, with the exact bytes between the value before it and this one
/// (commas, closing and opening brackets, keys, colons, whitespace). Layouts that begin alike
/// share their first steps, and a step's children are the steps seen after it.
///
/// A log's records are written by one program, so consecutive records differ in their values
/// and in few of their keys (an optional member here and there). A reader checks a new record
/// against the tree from its root: at each step, the bytes up to the next value must be exactly
/// one child's (`JSONSkimmer.skipKey(ifExactly:count:)`), and that child's value is read as it
/// says. The same bytes after a value that ended in the same place are the same tokens at the
/// same depth, so a record that reaches an end step has the keys, nesting and member order of a
/// record the reader walked the slow way (and checked there: no escaped or repeated keys), and
/// each of its values was read and validated anew. Where no child matches, the reader starts
/// the record again the slow way and records its layout (`beginRecording`), which
/// `finishRecording` adds to the tree.
///
/// What a step does with its value is the reader's: `kind`, `operand` and `flags` are its codes.
/// What is remembered decides nothing but speed. Not thread-safe: one per decoding thread.
public final class JSONRecordLayout: @unchecked Sendable {
  /// One value of a layout and the bytes before it: a node of the tree.
  public struct Step {
    /// Where the bytes before the value start in the tree's separator bytes, and how many.
    public var separatorStart: UInt32
    public var separatorCount: UInt16
    /// The reader's codes: what to do with the value, and with what.
    public var kind: UInt8
    public var operand: UInt8
    public var flags: UInt8
    /// The first of the steps seen after this one, and the next of this one's siblings; -1 for
    /// none.
    public var firstChild: Int32 = -1
    public var nextSibling: Int32 = -1
  }

  /// Steps one recorded layout may have; a longer record is read but not remembered.
  public static let maxSteps = 256
  /// Separator bytes one recorded layout may have.
  public static let maxSeparatorBytes = 8192
  /// The tree's room: once full it is emptied and grows again from the layouts read next, so
  /// memory is bounded whatever the input.
  public static let treeSteps = 4096
  public static let treeSeparatorBytes = 65536

  /// The tree; step 0 is its root (no value), whose children begin the layouts. Raw memory,
  /// not arrays: a class's stored array is checked for exclusive access on every use.
  @usableFromInline let steps: UnsafeMutablePointer<Step>
  @usableFromInline let separators: UnsafeMutablePointer<UInt8>
  private var stepCount = 1
  private var separatorBytes = 0

  /// The layout being recorded.
  private let recorded: UnsafeMutablePointer<Step>
  private let recordedSeparators: UnsafeMutablePointer<UInt8>
  private var recordedCount = 0
  private var recordedBytes = 0
  /// Where the bytes of the next separator start in the record being recorded.
  private var separatorFrom = 0
  private var pendingFlags: UInt8 = 0
  /// Whether a recording is under way (the reader skips the bookkeeping otherwise).
  public private(set) var isRecording = false
  /// Recordings begun: records the reader could not follow through the tree.
  public private(set) var recordings = 0

  /// A feed whose records rarely share a layout (each with a key of its own, say) would be
  /// recorded record after record, each time paying for a failed follow, the recording and a
  /// longer list of children to try. So records are counted in windows of `window`: when more
  /// than `window / 4` of one needed recording, the tree is left alone for the next `pause`
  /// records (`shouldFollow` is false), which the reader walks as it would without a tree.
  public static let window = 64
  public static let pause = 1024
  private var windowFollowed = 0
  private var windowRecorded = 0
  private var pausedFor = 0
  /// Pauses so far (for tests).
  public private(set) var pauses = 0

  public init() {
    steps = .allocate(capacity: Self.treeSteps)
    separators = .allocate(capacity: Self.treeSeparatorBytes)
    recorded = .allocate(capacity: Self.maxSteps)
    recordedSeparators = .allocate(capacity: Self.maxSeparatorBytes)
    steps[0] = Step(separatorStart: 0, separatorCount: 0, kind: 0, operand: 0, flags: 0)
  }

  deinit {
    steps.deallocate()
    separators.deallocate()
    recorded.deallocate()
    recordedSeparators.deallocate()
  }

  /// The tree: its steps (the root at 0) and the separator bytes they point into. Valid until
  /// the next `finishRecording`.
  @inlinable public func withTree<R>(_ body: (UnsafePointer<Step>, UnsafePointer<UInt8>) -> R) -> R {
    body(UnsafePointer(steps), UnsafePointer(separators))
  }

  /// Steps in the tree, the root included (for tests).
  public var count: Int { stepCount }

  /// Whether to check the next record against the tree (and record it if it does not match);
  /// false while paused (see `window`).
  public func shouldFollow() -> Bool {
    guard pausedFor == 0 else {
      pausedFor -= 1
      return false
    }
    return true
  }

  /// The reader followed a record through the tree to an end step.
  public func noteFollowed() {
    windowFollowed += 1
    closeWindowIfFull()
  }

  private func closeWindowIfFull() {
    guard windowFollowed + windowRecorded >= Self.window else { return }
    if windowRecorded > Self.window / 4 {
      pausedFor = Self.pause
      pauses += 1
    }
    (windowFollowed, windowRecorded) = (0, 0)
  }

  /// Starts recording a record whose first byte (its '{') is at `start` of the line.
  public func beginRecording(at start: Int) {
    isRecording = true
    recordings += 1
    windowRecorded += 1
    closeWindowIfFull()
    recordedCount = 0
    recordedBytes = 0
    separatorFrom = start
    pendingFlags = 0
  }

  /// `flags` go into the next step recorded: the reader sets them when it has matched that
  /// step's separator (an object that opened in it, say).
  public func flag(_ flags: UInt8) {
    pendingFlags |= flags
  }

  /// Records the value the reader read or skipped over `start..<end` of `line`, with the
  /// bytes since the last one.
  public func record(_ line: UnsafePointer<UInt8>, valueFrom start: Int, to end: Int, kind: UInt8, operand: UInt8) {
    guard isRecording else { return }
    appendStep(line, upTo: start, kind: kind, operand: operand)
    separatorFrom = end
  }

  /// Completes the recording at `end`, just past the record's last byte, with a last step of
  /// `kind` (the reader's "end of record"), and adds the layout to the tree.
  public func finishRecording(_ line: UnsafePointer<UInt8>, at end: Int, kind: UInt8) {
    guard isRecording else { return }
    appendStep(line, upTo: end, kind: kind, operand: 0)
    isRecording = false
    guard recordedCount > 0 else { return }  // too long to keep
    if stepCount + recordedCount > Self.treeSteps || separatorBytes + recordedBytes > Self.treeSeparatorBytes {
      steps[0].firstChild = -1
      (stepCount, separatorBytes) = (1, 0)
    }
    var parent = 0
    for i in 0..<recordedCount {
      parent = child(of: parent, matching: recorded[i])
    }
  }

  /// Drops the recording under way (the record was not one the reader takes).
  public func abandonRecording() {
    isRecording = false
  }

  /// The child of `parent` that is `step` (its separator bytes, kind, operand and flags),
  /// added as its last child when there is none.
  private func child(of parent: Int, matching step: Step) -> Int {
    let bytes = recordedSeparators + Int(step.separatorStart)
    var last = -1
    var child = Int(steps[parent].firstChild)
    while child >= 0 {
      let candidate = steps[child]
      if candidate.kind == step.kind, candidate.operand == step.operand, candidate.flags == step.flags,
        candidate.separatorCount == step.separatorCount,
        memoryEquals(UnsafePointer(separators + Int(candidate.separatorStart)), UnsafePointer(bytes), Int(step.separatorCount))
      {
        return child
      }
      last = child
      child = Int(candidate.nextSibling)
    }
    let added = stepCount
    stepCount += 1
    (separators + separatorBytes).update(from: bytes, count: Int(step.separatorCount))
    var copy = step
    copy.separatorStart = UInt32(separatorBytes)
    separatorBytes += Int(step.separatorCount)
    steps[added] = copy
    if last < 0 {
      steps[parent].firstChild = Int32(added)
    } else {
      steps[last].nextSibling = Int32(added)
    }
    return added
  }

  private func appendStep(_ line: UnsafePointer<UInt8>, upTo start: Int, kind: UInt8, operand: UInt8) {
    let bytes = start - separatorFrom
    guard recordedCount >= 0, bytes >= 0, recordedCount < Self.maxSteps, recordedBytes + bytes <= Self.maxSeparatorBytes else {
      recordedCount = -1  // not kept; the record is still read
      return
    }
    (recordedSeparators + recordedBytes).update(from: line + separatorFrom, count: bytes)
    recorded[recordedCount] = Step(
      separatorStart: UInt32(recordedBytes), separatorCount: UInt16(bytes), kind: kind, operand: operand, flags: pendingFlags)
    recordedCount += 1
    recordedBytes += bytes
    pendingFlags = 0
  }
}
