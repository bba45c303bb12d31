@preconcurrency import Glibc
import Synchronization
import TokenWatchCore

/// Reads and decodes replay inputs on their own thread(s), ahead of the engine.
///
/// Each input's lines become `DecodedBatch`es, queued per input in input order; the engine thread
/// takes them with `take(_:)` in whatever order the stream merger asks for inputs. Each worker
/// decodes one input at a time (an input's reader and decoder are never used by two threads at
/// once; the lock hands them over), preferring the input the engine is waiting for, then the one
/// with the fewest batches queued. At most `maxQueuedPerInput` batches wait per input and, apart
/// from a batch the engine is waiting for, `maxQueuedTotal` in all: that bounds memory however
/// many files are replayed.
final class DecodeStage: @unchecked Sendable {
  /// Threads to start when `PipelineOptions.decodeThreads` is left alone: one when the machine
  /// has a second core, none otherwise. `TOKENWATCH_DECODE_THREADS` overrides it (0: decode on
  /// the engine thread).
  static let defaultThreads: Int = {
    if let text = Posix.environment("TOKENWATCH_DECODE_THREADS"), let n = Int(text), n >= 0 { return min(n, 64) }
    return sysconf(Int32(_SC_NPROCESSORS_ONLN)) >= 2 ? 1 : 0
  }()

  /// Lines per batch; `TOKENWATCH_DECODE_BATCH` overrides it (tests use tiny batches).
  static let defaultBatchLines: Int = {
    if let text = Posix.environment("TOKENWATCH_DECODE_BATCH"), let n = Int(text), n >= 1 { return n }
    return 512
  }()

  static let maxQueuedPerInput = 4

  private let sources: [EventSource]
  private let batchLines: Int
  private let maxQueuedTotal: Int

  // Guarded by `lock`.
  private let lock = ConditionLock(conditions: 3)
  private static let batchReady = 0
  private static let work = 1
  private static let workerExited = 2
  private var queues: [[DecodedBatch]]
  private var queuedTotal = 0
  /// A worker is decoding this input.
  private var busy: [Bool]
  /// This input's last batch is queued (or taken): nothing more to decode.
  private var done: [Bool]
  /// The engine thread is waiting for this input.
  private var wanted: [Bool]
  private var threads: [pthread_t] = []
  private var running = 0

  /// Set (under the lock, too) to make workers finish their batch early and exit.
  private let stopping = Atomic<Bool>(false)

  init(sources: [EventSource], batchLines: Int) {
    self.sources = sources
    self.batchLines = max(1, batchLines)
    maxQueuedTotal = max(2 * Self.maxQueuedPerInput, 16)
    queues = Array(repeating: [], count: sources.count)
    busy = Array(repeating: false, count: sources.count)
    done = Array(repeating: false, count: sources.count)
    wanted = Array(repeating: false, count: sources.count)
  }

  /// Starts `count` workers (fewer if there are fewer inputs). If none can be started, `take`
  /// decodes on the calling thread.
  func start(threads count: Int) {
    let count = min(count, sources.count)
    // Workers leave stop signals to the engine thread: it notices the flag promptly, and no
    // worker's read is cut short by a signal that was meant for the whole run.
    var blocked = sigset_t()
    sigemptyset(&blocked)
    for signal in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&blocked, signal) }
    var previous = sigset_t()
    pthread_sigmask(SIG_BLOCK, &blocked, &previous)
    defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
    lock.lock()
    defer { lock.unlock() }
    for _ in 0..<count {
      let context = Unmanaged.passRetained(self).toOpaque()
      var thread = pthread_t()
      let created = pthread_create(&thread, nil, { context in
        let stage = Unmanaged<DecodeStage>.fromOpaque(context!).takeRetainedValue()
        stage.work()
        return nil
      }, context)
      guard created == 0 else {
        Unmanaged<DecodeStage>.fromOpaque(context).release()
        break
      }
      threads.append(thread)
      running += 1
    }
  }

  /// The next batch of `input`, waiting for it if need be. Nil when a stop was requested while
  /// waiting (the caller treats the input as ended, as a read cut short by the signal would be).
  func take(_ input: Int) -> DecodedBatch? {
    if threads.isEmpty { return decodeHere(input) }
    lock.lock()
    defer { lock.unlock() }
    while queues[input].isEmpty {
      if done[input] || Signals.isStopRequested || running == 0 {
        wanted[input] = false
        return nil
      }
      wanted[input] = true
      lock.signal(Self.work)
      _ = lock.wait(Self.batchReady, until: ConditionLock.deadline(afterMillis: 100))
    }
    wanted[input] = false
    let batch = queues[input].removeFirst()
    queuedTotal -= 1
    lock.signal(Self.work)
    return batch
  }

  /// Workers started and not yet exited.
  var runningWorkers: Int {
    lock.lock()
    defer { lock.unlock() }
    return running
  }

  /// No worker could be started: one line at a time on the engine thread, the same steps.
  private func decodeHere(_ input: Int) -> DecodedBatch? {
    while !done[input] {
      var batch = DecodedBatch()
      sources[input].decodeBatch(into: &batch, maxLines: 1) { Signals.isStopRequested }
      batch.prepareForHandOver()
      if batch.ended { done[input] = true }
      if !batch.isEmpty { return batch }
      if Signals.isStopRequested { return nil }
    }
    return nil
  }

  /// Stops the workers and joins them. A worker stuck in a read that never returns (a silent
  /// pipe in the middle of the first line) is left detached after a second: the process is
  /// about to exit.
  func shutdown() {
    lock.lock()
    stopping.store(true, ordering: .relaxed)
    lock.broadcast(Self.work)
    let deadline = ConditionLock.deadline(afterMillis: 1000)
    while running > 0 {
      if !lock.wait(Self.workerExited, until: deadline) { break }
    }
    let allExited = running == 0
    let started = threads
    threads.removeAll()
    lock.unlock()
    for thread in started {
      if allExited { pthread_join(thread, nil) } else { pthread_detach(thread) }
    }
  }

  private func work() {
    lock.lock()
    while !stopping.load(ordering: .relaxed) {
      guard let input = pickLocked() else {
        lock.wait(Self.work)
        continue
      }
      busy[input] = true
      lock.unlock()
      var batch = DecodedBatch()
      batch.steps.reserveCapacity(min(batchLines, 4096))
      sources[input].decodeBatch(into: &batch, maxLines: batchLines) { stopping.load(ordering: .relaxed) }
      batch.prepareForHandOver()
      lock.lock()
      busy[input] = false
      if !batch.isEmpty {
        queues[input].append(batch)
        queuedTotal += 1
        if batch.ended { done[input] = true }
        lock.signal(Self.batchReady)
      }
    }
    running -= 1
    lock.broadcast(Self.workerExited)
    lock.unlock()
  }

  /// With the lock held: the input to decode next, or nil when every input is busy, done or
  /// full. The input the engine waits for comes first and is never held back by the total.
  private func pickLocked() -> Int? {
    var best: Int?
    for i in sources.indices where !busy[i] && !done[i] && queues[i].count < Self.maxQueuedPerInput {
      if wanted[i] { return i }
      if queuedTotal >= maxQueuedTotal { continue }
      if best == nil || queues[i].count < queues[best!].count { best = i }
    }
    return best
  }
}
