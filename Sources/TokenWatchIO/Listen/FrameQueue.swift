@preconcurrency import Glibc

/// One message read from a socket, on its way to the engine thread.
public struct Frame: Sendable {
  public enum Payload: Sendable, Equatable {
    /// One complete NDJSON line, or the JSON payload of one syslog message.
    case line([UInt8])
    /// What was left when the peer closed (or the server stopped) mid-line: the engine decides,
    /// valid JSON is processed, anything else reported.
    case unterminated([UInt8])
    /// A line or message over the limit; its bytes were skipped.
    case oversized(bytes: Int)
    /// A framing problem tied to one message, such as a bad octet count (code TW209).
    case problem(code: String, message: String)
    /// Any of the above, already decoded on the thread that read it (`FrameDecoder`).
    case decoded(DecodedFrame)
  }

  /// The listener's index, so statistics can be kept per listener.
  public var source: Int
  /// The listener and the peer, e.g. "tcp://127.0.0.1:5170<127.0.0.1:40522>" or "unix:/run/tw.sock<#17>".
  public var origin: String
  /// 1-based message number within the connection.
  public var line: Int
  public var payload: Payload

  public init(source: Int, origin: String, line: Int, payload: Payload) {
    self.source = source
    self.origin = origin
    self.line = line
    self.payload = payload
  }

  /// What the frame counts against the queue's byte budget: its payload plus a fixed overhead.
  var cost: Int {
    switch payload {
    case .line(let bytes), .unterminated(let bytes): bytes.count + Frame.overhead
    case .oversized: Frame.overhead
    case .problem(_, let message): message.utf8.count + Frame.overhead
    // Decoded events take more room than their bytes did: count them too.
    case .decoded(let decoded): decoded.rawBytes + Frame.overhead + decoded.events.count * 256
    }
  }

  static let overhead = 64
}

/// The bounded hand-off between the network thread and the engine thread.
///
/// `push` blocks while the queue is full: that is the back-pressure. The network thread stops
/// reading, the kernel's socket buffers fill, and TCP windows close on the senders. A frame
/// larger than the whole budget is still admitted into an empty queue, so nothing deadlocks.
public final class FrameQueue: @unchecked Sendable {
  public struct Stats: Sendable {
    public var depth = 0
    public var bytes = 0
    public var maxBytesSeen = 0
    public var pushes = 0
    /// Times a push had to wait for room.
    public var backpressurePauses = 0
    /// Total wall time pushes spent waiting.
    public var backpressureSeconds = 0.0
  }

  public let maxBytes: Int
  public let maxFrames: Int

  // Everything below is guarded by `lock` (a Synchronization.Mutex cannot wait on a condition).
  private let lock = ConditionLock(conditions: 2)
  private static let notEmpty = 0
  private static let hasRoom = 1
  private var frames: [Frame] = []
  private var head = 0
  private var closed = false
  private var waitingProducers = 0
  private var counters = Stats()

  public init(maxBytes: Int, maxFrames: Int) {
    self.maxBytes = max(maxBytes, 1)
    self.maxFrames = max(maxFrames, 1)
  }

  /// Blocks while the queue is full. Returns false if the queue was closed.
  @discardableResult
  public func push(_ frame: Frame) -> Bool { push(frame, interrupted: { false }) }

  /// Like `push`, but stops waiting once `interrupted()` is true (wake it with `wakeProducers()`)
  /// and then admits the frame over the budget: a stopping producer hands over what it has already
  /// read, which is in memory anyway, instead of losing it.
  @discardableResult
  public func push(_ frame: Frame, interrupted: () -> Bool) -> Bool {
    push(CollectionOfOne(frame), cost: frame.cost, interrupted: interrupted)
  }

  /// The most frames a producer (the network thread, the stdin reader) collects before handing
  /// them over: it hands over what one read gave, so a line waits only for the others that came
  /// with it, and at most this many, so none waits long for the rest to be decoded.
  public static let handOverBatch = 64

  /// Pushes `frames` in one go, in order: one lock round trip and at most one wake-up for all of
  /// them. Under load a producer reads many lines at once, and waking the engine thread once per
  /// line cost as much as detecting on it. The batch waits for room as one frame would.
  @discardableResult
  public func push(contentsOf frames: [Frame], interrupted: () -> Bool) -> Bool {
    if frames.isEmpty { return true }
    return push(frames, cost: frames.reduce(0) { $0 + $1.cost }, interrupted: interrupted)
  }

  private func push<Frames: Collection<Frame>>(_ batch: Frames, cost: Int, interrupted: () -> Bool) -> Bool {
    lock.lock()
    defer { lock.unlock() }
    var waitedSince: Double?
    while !closed, depthLocked > 0, counters.bytes + cost > maxBytes || depthLocked >= maxFrames, !interrupted() {
      if waitedSince == nil {
        waitedSince = Posix.monotonicSeconds()
        counters.backpressurePauses += 1
      }
      waitingProducers += 1
      lock.wait(Self.hasRoom)
      waitingProducers -= 1
    }
    if let since = waitedSince { counters.backpressureSeconds += Posix.monotonicSeconds() - since }
    guard !closed else { return false }
    frames.append(contentsOf: batch)
    counters.bytes += cost
    counters.pushes += batch.count
    counters.maxBytesSeen = max(counters.maxBytesSeen, counters.bytes)
    lock.signal(Self.notEmpty)
    return true
  }

  /// Waits up to `timeoutMillis` for a frame; nil on timeout, or once closed and drained.
  public func pop(timeoutMillis: Int) -> Frame? {
    lock.lock()
    defer { lock.unlock() }
    guard waitForFrames(timeoutMillis) else { return nil }
    let frame = frames[head]
    head += 1
    released(frame.cost)
    return frame
  }

  /// Waits up to `timeoutMillis` for frames and appends up to `max` of them to `batch` (one lock
  /// round trip for many frames). False once the queue is closed and drained, true otherwise
  /// (also when it timed out with nothing new).
  public func popBatch(into batch: inout [Frame], max: Int, timeoutMillis: Int) -> Bool {
    lock.lock()
    defer { lock.unlock() }
    guard waitForFrames(timeoutMillis) else { return !closed }
    let end = head + min(max, depthLocked)
    var cost = 0
    for index in head..<end {
      cost += frames[index].cost
      batch.append(frames[index])
    }
    head = end
    released(cost)
    return true
  }

  /// Wakes everyone: later pushes return false; pops drain what is left, then return nil.
  public func close() {
    lock.lock()
    closed = true
    lock.broadcast(Self.notEmpty)
    lock.broadcast(Self.hasRoom)
    lock.unlock()
  }

  /// Wakes blocked pushes so they re-check their `interrupted` condition.
  public func wakeProducers() {
    lock.lock()
    lock.broadcast(Self.hasRoom)
    lock.unlock()
  }

  public var isClosedAndEmpty: Bool {
    lock.lock()
    defer { lock.unlock() }
    return closed && depthLocked == 0
  }

  public var stats: Stats {
    lock.lock()
    defer { lock.unlock() }
    var snapshot = counters
    snapshot.depth = depthLocked
    return snapshot
  }

  private var depthLocked: Int { frames.count - head }

  /// With the lock held: true once a frame is there, false on timeout or when closed and empty.
  private func waitForFrames(_ timeoutMillis: Int) -> Bool {
    if depthLocked > 0 { return true }
    if closed || timeoutMillis <= 0 { return false }
    let deadline = ConditionLock.deadline(afterMillis: timeoutMillis)
    while depthLocked == 0, !closed {
      if !lock.wait(Self.notEmpty, until: deadline) { break }
    }
    return depthLocked > 0
  }

  /// With the lock held: accounts for frames taken out, compacts, and wakes producers once the
  /// queue is down to half its budget (waking them on every pop would ping-pong the threads).
  private func released(_ cost: Int) {
    counters.bytes -= cost
    if head == frames.count {
      frames.removeAll(keepingCapacity: frames.capacity <= 4096)
      head = 0
    } else if head >= 1024, head * 2 >= frames.count {
      frames.removeFirst(head)
      head = 0
    }
    if waitingProducers > 0, depthLocked == 0 || (counters.bytes <= maxBytes / 2 && depthLocked <= maxFrames / 2) {
      lock.broadcast(Self.hasRoom)
    }
  }
}

/// A pthread mutex with condition variables on the monotonic clock, so a wall clock step cannot
/// stretch or cut a timed wait.
final class ConditionLock: @unchecked Sendable {
  private let mutex: UnsafeMutablePointer<pthread_mutex_t>
  private let conditions: UnsafeMutablePointer<pthread_cond_t>
  private let count: Int

  init(conditions count: Int) {
    self.count = count
    mutex = .allocate(capacity: 1)
    mutex.initialize(to: pthread_mutex_t())
    pthread_mutex_init(mutex, nil)
    conditions = .allocate(capacity: count)
    var attributes = pthread_condattr_t()
    pthread_condattr_init(&attributes)
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
    for index in 0..<count {
      (conditions + index).initialize(to: pthread_cond_t())
      pthread_cond_init(conditions + index, &attributes)
    }
    pthread_condattr_destroy(&attributes)
  }

  deinit {
    for index in 0..<count { pthread_cond_destroy(conditions + index) }
    pthread_mutex_destroy(mutex)
    conditions.deinitialize(count: count)
    conditions.deallocate()
    mutex.deinitialize(count: 1)
    mutex.deallocate()
  }

  func lock() { pthread_mutex_lock(mutex) }
  func unlock() { pthread_mutex_unlock(mutex) }
  func wait(_ condition: Int) { pthread_cond_wait(conditions + condition, mutex) }
  /// False once `deadline` has passed.
  func wait(_ condition: Int, until deadline: timespec) -> Bool {
    var deadline = deadline
    return pthread_cond_timedwait(conditions + condition, mutex, &deadline) != ETIMEDOUT
  }
  func signal(_ condition: Int) { pthread_cond_signal(conditions + condition) }
  func broadcast(_ condition: Int) { pthread_cond_broadcast(conditions + condition) }

  static func deadline(afterMillis millis: Int) -> timespec {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    let nanos = Int(now.tv_nsec) + (millis % 1000) * 1_000_000
    return timespec(tv_sec: now.tv_sec + millis / 1000 + nanos / 1_000_000_000, tv_nsec: nanos % 1_000_000_000)
  }
}
