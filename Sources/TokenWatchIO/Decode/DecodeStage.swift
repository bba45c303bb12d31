@preconcurrency import Glibc
import Synchronization
import TokenWatchCore
import TokenWatchJSON

/// Reads and decodes replay inputs on their own thread(s), ahead of the engine.
///
/// Each input's lines become `DecodedBatch`es, queued per input in input order; the engine thread
/// takes them with `take(_:)` in whatever order the stream merger asks for inputs. An input's
/// reader is used by one worker at a time (the lock hands it over), preferring the input the
/// engine is waiting for, then the one with the fewest batches queued or in the making.
///
/// A regular file past its first batch is read ahead: the worker holding its reader copies the
/// next lines out and lets the reader go before decoding them with its own decoder, so several
/// workers decode one file at once (one big file is the usual replay). The engine thread, when
/// it would wait for a file's batch, decodes one the same way (`engineDecodes`). Batches carry
/// their place in the input, and one finished early waits for those before it: the engine sees
/// them in order. At most `maxQueuedPerInput` batches wait or are being made per input and,
/// apart from a batch the engine is waiting for, `maxQueuedTotal` in all: that bounds memory
/// however many files are replayed.
final class DecodeStage: @unchecked Sendable {
  /// Threads to start when `PipelineOptions.decodeThreads` is left alone: one per core but the
  /// engine thread's when the machine has a second core, none otherwise. Decoding takes more CPU
  /// per event than detection and, unlike detection, splits across threads; the engine thread
  /// decodes too while it would wait (`engineDecodes`), so it needs no worker of its own on its
  /// core. On two cores, one worker with the engine decoding against two workers (medians of 5
  /// to 11 alternating runs): 300k Entra sign-ins 0.41 against 0.46 s, 100k 0.15 against 0.19 s,
  /// native events 0.37 against 0.43 s, Okta 0.21 against 0.26 s, Graph activity 0.14 against
  /// 0.16 s, a mix 0.15 against 0.18 s, Event Hub batches 0.14 against 0.15 s.
  /// `TOKENWATCH_DECODE_THREADS` overrides it (0: decode on the engine thread).
  static let defaultThreads: Int = {
    if let text = Posix.environment("TOKENWATCH_DECODE_THREADS"), let n = Int(text), n >= 0 { return min(n, 64) }
    let cores = sysconf(Int32(_SC_NPROCESSORS_ONLN))
    return cores >= 2 ? min(cores - 1, 15) : 0
  }()

  /// Whether the engine thread, waiting for a batch of a file whose reader no worker holds,
  /// reads and decodes that batch itself instead (with a decoder of its own), as a worker would:
  /// on two cores that did better than a second worker (see `defaultThreads`), which competed
  /// with the engine thread for its core. Never for a stream, whose read could block the engine
  /// thread. `TOKENWATCH_ENGINE_DECODES=0` turns it off.
  static let engineDecodes = Posix.environment("TOKENWATCH_ENGINE_DECODES") != "0"

  /// Bytes of lines read ahead per batch: bounds the events of a batch of long lines (an Event
  /// Hub batch holds a hundred records a line) near what `batchLines` ordinary lines give.
  static let maxReadAheadBytes = 256 << 10

  /// Lines per batch; `TOKENWATCH_DECODE_BATCH` overrides it (tests use tiny batches).
  static let defaultBatchLines: Int = {
    if let text = Posix.environment("TOKENWATCH_DECODE_BATCH"), let n = Int(text), n >= 1 { return n }
    return 512
  }()

  /// Deep enough for the workers to run ahead while the engine thread is busy and cover its
  /// waits: with 4, 300k Entra sign-ins took about 9% longer on two cores (medians 3.38 and
  /// 3.09 s), and peak memory did not move.
  static let maxQueuedPerInput = 16
  static let maxQueuedTotal = 2 * maxQueuedPerInput

  /// The first worker keeps the queues full; the others help only while fewer batches than this
  /// are queued or in the making, or the engine thread waits. When one worker outpaces the engine
  /// (Entra sign-ins), the helpers leave the cores to it, and repeated ids come from one worker's
  /// string cache, one storage each, which the engine compares by address (see
  /// `ExactString.sameStorage`); where decoding is the slower part (Okta), all of them work.
  static let helpersJoinBelow = maxQueuedPerInput / 4

  /// The nice value workers give themselves (`TOKENWATCH_DECODE_NICE`, 0 to 19): none by
  /// default. While the engine thread took more CPU an event than decoding, workers at nice 10
  /// left it the core it needed (300k Entra sign-ins about 10% faster). Since the engine became
  /// the cheaper side (records changed in place), that starves the decoders instead: on two
  /// cores, at nice 0 against 10, 300k Entra sign-ins took 0.42 against 0.51 s, native events
  /// 0.43 against 0.51 s, Graph activity 0.14 against 0.16 s, Okta 0.24 against 0.26 s.
  static let workerNice: Int32 = {
    if let text = Posix.environment("TOKENWATCH_DECODE_NICE"), let n = Int32(text), n >= 0 { return min(n, 19) }
    return 0
  }()

  private let sources: [EventSource]
  private let batchLines: Int

  // Guarded by `lock`.
  private let lock = ConditionLock(conditions: 4)
  private static let batchReady = 0
  private static let work = 1
  private static let workerExited = 2
  /// Where helpers wait (the lead waits on `work`): waking them for every batch the engine takes,
  /// only for them to find enough queued, cost the engine thread a futex wake each time.
  private static let help = 3
  private var queues: [[DecodedBatch]]
  private var queuedTotal = 0
  /// A worker holds this input's reader.
  private var busy: [Bool]
  /// This input's last batch is queued (or taken): nothing more to decode.
  private var done: [Bool]
  /// Nothing more to read from this input (its last batch may still be in the making).
  private var readEnded: [Bool]
  /// Batches of this input begun and not yet queued, and of all inputs: being made, or made
  /// ahead of an earlier one still in the making. Those count against the limits too, or one
  /// slow batch would let the other workers run ahead without bound.
  private var inProgress: [Int]
  private var inProgressTotal = 0
  /// The place in its input of the next batch begun, and of the next batch to queue.
  private var nextBegun: [Int]
  private var nextQueued: [Int]
  /// Batches finished ahead of an earlier one of their input, by place.
  private var finishedEarly: [[Int: DecodedBatch]]
  /// The engine thread is waiting for this input.
  private var wanted: [Bool]
  private var threads: [pthread_t] = []
  private var running = 0
  /// Batches each worker began, one entry per worker in the order they began: the first leads,
  /// the rest help (`helpersJoinBelow`).
  private var batchesBegun: [Int] = []
  /// Batches the engine thread began (`engineDecodes`).
  private var engineBatchesBegun = 0

  /// The engine thread's decoder, made when it first decodes; used on that thread only.
  private var engineDecoder: (decoder: RecordDecoder, reporter: InputReporter)?
  private var engineLines = ReadAheadLines()

  /// Set (under the lock, too) to make workers finish their batch early and exit.
  private let stopping = Atomic<Bool>(false)

  init(sources: [EventSource], batchLines: Int) {
    self.sources = sources
    self.batchLines = max(1, batchLines)
    queues = Array(repeating: [], count: sources.count)
    busy = Array(repeating: false, count: sources.count)
    done = Array(repeating: false, count: sources.count)
    readEnded = Array(repeating: false, count: sources.count)
    inProgress = Array(repeating: 0, count: sources.count)
    nextBegun = Array(repeating: 0, count: sources.count)
    nextQueued = Array(repeating: 0, count: sources.count)
    finishedEarly = Array(repeating: [:], count: sources.count)
    wanted = Array(repeating: false, count: sources.count)
  }

  /// Starts `count` workers; when every input is a stream (which one worker at a time serves), no
  /// more than there are inputs. If none can be started, `take` decodes on the calling thread.
  func start(threads count: Int) {
    let count = sources.contains(where: { !$0.isStream }) ? count : min(count, sources.count)
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
      lock.broadcast(Self.help)
      if Self.engineDecodes, canBeginLocked(input), sources[input].readsAhead {
        let own = engineDecoder ?? makeDecoder()
        engineDecoder = own
        engineBatchesBegun += 1
        decodeBatchLocked(of: input, with: own.decoder, reporter: own.reporter, lines: &engineLines)
        continue
      }
      _ = lock.wait(Self.batchReady, until: ConditionLock.deadline(afterMillis: 100))
    }
    wanted[input] = false
    let batch = queues[input].removeFirst()
    queuedTotal -= 1
    wakeWorkersLocked()
    return batch
  }

  /// Batches each worker has begun (the lead's first), batches the engine thread has begun,
  /// batches queued, and batches begun and not yet queued.
  var workload: (begun: [Int], engine: Int, queued: Int, inProgress: Int) {
    lock.lock()
    defer { lock.unlock() }
    return (batchesBegun, engineBatchesBegun, queuedTotal, inProgressTotal)
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
    lock.broadcast(Self.help)
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
    // Linux keeps a nice value per thread, and `0` names the calling one.
    if Self.workerNice > 0 { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, Self.workerNice) }
    let own = makeDecoder()
    // Reused from batch to batch (see `ReadAheadLines.removeAll`); the decoded events copy what
    // they keep, so nothing refers to it once a batch is decoded.
    var lines = ReadAheadLines()
    lock.lock()
    let worker = batchesBegun.count
    let helping = worker > 0
    batchesBegun.append(0)
    while !stopping.load(ordering: .relaxed) {
      guard let input = pickLocked(helping: helping) else {
        lock.wait(helping ? Self.help : Self.work)
        continue
      }
      batchesBegun[worker] += 1
      decodeBatchLocked(of: input, with: own.decoder, reporter: own.reporter, lines: &lines)
    }
    running -= 1
    lock.broadcast(Self.workerExited)
    lock.unlock()
  }

  /// A decoder for lines read ahead, whatever their input (the registry is the run's), for one
  /// thread.
  private func makeDecoder() -> (decoder: RecordDecoder, reporter: InputReporter) {
    let reporter = InputReporter(strict: sources[0].reporter.strict, capturing: true)
    return (RecordDecoder(registry: sources[0].registry, reporter: reporter, strings: JSONStringCache.forThread()), reporter)
  }

  /// With the lock held, and held again on return: reads the next batch of `input` (which
  /// `canBeginLocked`), decodes it with `decoder` and queues it in order. A file's reader is let
  /// go before decoding, for another thread to read on.
  private func decodeBatchLocked(of input: Int, with decoder: RecordDecoder, reporter: InputReporter, lines: inout ReadAheadLines) {
    let isStopping = { self.stopping.load(ordering: .relaxed) }
    busy[input] = true
    let place = nextBegun[input]
    nextBegun[input] += 1
    inProgress[input] += 1
    inProgressTotal += 1
    lock.unlock()
    let source = sources[input]
    var batch = DecodedBatch()
    batch.steps.reserveCapacity(min(batchLines, 4096))
    let readsAhead = source.readsAhead
    if readsAhead {
      lines.removeAll()
      source.readAhead(into: &lines, maxLines: batchLines, maxBytes: Self.maxReadAheadBytes, isStopping: isStopping)
      lock.lock()
      busy[input] = false
      if lines.ended { readEnded[input] = true }
      wakeWorkersLocked()  // the reader is free for another worker
      lock.unlock()
      batch.reserveEvents(lines.entries.count)
      source.decode(lines, into: &batch, with: decoder, reporter: reporter, isStopping: isStopping)
    } else {
      source.decodeBatch(into: &batch, maxLines: batchLines, isStopping: isStopping)
    }
    batch.prepareForHandOver()
    lock.lock()
    if !readsAhead { busy[input] = false }  // else let go before decoding, and maybe taken again
    if batch.ended { readEnded[input] = true }
    queueInOrder(batch, input: input, place: place)
  }

  /// With the lock held: queues `batch` once every batch begun before it in its input is queued,
  /// with any of the later ones that were waiting for it. Batches after the one that ended the
  /// input (a `--strict-input` stop) are dropped: the engine thread stops there.
  private func queueInOrder(_ batch: DecodedBatch, input: Int, place: Int) {
    finishedEarly[input][place] = batch
    while let next = finishedEarly[input].removeValue(forKey: nextQueued[input]) {
      nextQueued[input] += 1
      inProgress[input] -= 1
      inProgressTotal -= 1
      if done[input] { continue }
      if !next.isEmpty {
        queues[input].append(next)
        queuedTotal += 1
        lock.signal(Self.batchReady)
      }
      if next.ended {
        done[input] = true
        readEnded[input] = true
      }
    }
  }

  /// With the lock held: there may be work for the lead, and for the helpers if few batches wait.
  private func wakeWorkersLocked() {
    lock.signal(Self.work)
    if queuedTotal + inProgressTotal < Self.helpersJoinBelow { lock.broadcast(Self.help) }
  }

  /// With the lock held: whether a batch of `input` may be begun now (its reader is free, there is
  /// more to read, and it has room).
  private func canBeginLocked(_ input: Int) -> Bool {
    !busy[input] && !readEnded[input] && !done[input] && queues[input].count + inProgress[input] < Self.maxQueuedPerInput
  }

  /// With the lock held: the input to read next, or nil when every input is busy, read to the end
  /// or full (for a helper: enough is queued). The input the engine waits for comes first and is
  /// never held back by the total.
  private func pickLocked(helping: Bool) -> Int? {
    var best: Int?
    let enough = helping ? Self.helpersJoinBelow : Self.maxQueuedTotal
    for i in sources.indices where canBeginLocked(i) {
      if wanted[i] { return i }
      if queuedTotal + inProgressTotal >= enough { continue }
      if best == nil || queues[i].count + inProgress[i] < queues[best!].count + inProgress[best!] { best = i }
    }
    return best
  }
}
