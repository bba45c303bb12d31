import Foundation
import TokenWatchCore

/// Delivers actions apart from the engine, so hooks never block detection.
///
/// `submit` journals the action (fsync) and queues it, and never waits on a hook. A single
/// dispatch thread delivers due actions, retrying with exponential backoff and jitter. The queue
/// is bounded: past its capacity actions stay pending in the journal and are read back from it
/// once the queue has drained. A circuit breaker pauses all dispatch when more than
/// `maxActionsPerMinute` new actions arrive within a minute, keeps the rest in the journal, and
/// says so loudly, so a bad rule cannot revoke the whole company.
public final class ActionDispatcher: @unchecked Sendable {
  // Every mutable field below is guarded by `condition` (NSCondition gives both the lock and the
  // wait/signal the dispatch thread needs; Mutex has no wait).
  private struct Scheduled {
    var action: ActionRequest
    var attempt: Int
    var due: Date
  }

  private let condition = NSCondition()
  private var queue: [Scheduled] = []
  private var queuedIDs: Set<String> = []
  private var overflowing = false
  private var recentSubmissions: [Date] = []
  private var circuitOpen = false
  private var stopping = false
  private var drainDeadline = Date.distantFuture
  private var finished = false

  private let policy: ResponsePolicy
  private let runners: [String: HookRunner]
  private let journal: ActionJournal
  private let report: @Sendable (ActionOutcome) -> Void
  public let capacity: Int

  public init(policy: ResponsePolicy, secrets: [String: [UInt8]], journal: ActionJournal, report: @escaping @Sendable (ActionOutcome) -> Void) {
    self.policy = policy
    let secretVariables = SecretStore.secretVariables(policy)
    runners = policy.hooks.mapValues { HookRunner(hook: $0, secret: secrets[$0.name], secretVariables: secretVariables) }
    self.journal = journal
    capacity = policy.queueCapacity
    self.report = report
  }

  /// Actions queued for delivery (or waiting for a retry), and whether the breaker is open: for
  /// the stats.
  public var backlog: (pending: Int, circuitOpen: Bool) {
    condition.lock()
    defer { condition.unlock() }
    return (queue.count, circuitOpen)
  }

  /// Starts the dispatch thread, first re-queueing what the journal still holds from a previous run.
  public func start(recovered: [ActionRequest]) {
    condition.lock()
    // A backlog counts against the breaker too: restarting after a trip must not fire it all.
    let now = Date()
    recentSubmissions = Array(repeating: now, count: recovered.count)
    let tooMany = recovered.count > policy.maxActionsPerMinute
    if tooMany {
      circuitOpen = true
    } else {
      for action in recovered.prefix(capacity) where !queuedIDs.contains(action.id) {
        queue.append(Scheduled(action: action, attempt: 1, due: now))
        queuedIDs.insert(action.id)
      }
      if recovered.count > capacity { overflowing = true }
    }
    condition.unlock()
    if tooMany, let first = recovered.first {
      report(ActionOutcome(
        actionID: first.id, hook: "*", hookKind: "circuit-breaker", user: nil, level: nil, attempt: 0, result: .circuitOpen,
        detail: "\(recovered.count) actions are pending in the journal \(journal.path), more than max_actions_per_minute \(policy.maxActionsPerMinute): dispatch paused. Review them with `tokenwatch actions list`, drop what must not go with `tokenwatch actions discard`, or raise the limit to deliver them"))
      return startThread()
    }
    for action in recovered { report(outcome(action, attempt: 0, .recovered, "pending in the journal from an earlier run; delivering again")) }
    startThread()
  }

  private func startThread() {
    let thread = Thread { [self] in run() }
    thread.name = "tokenwatch-actions"
    thread.start()
  }

  /// Journals and queues an action. Returns at once.
  public func submit(_ action: ActionRequest) {
    journal.recordPending(action)
    condition.lock()
    let now = Date()
    recentSubmissions.append(now)
    recentSubmissions.removeAll { now.timeIntervalSince($0) > 60 }
    var opened = false
    if !circuitOpen, recentSubmissions.count > policy.maxActionsPerMinute {
      circuitOpen = true
      opened = true
    }
    let paused = circuitOpen
    if !paused {
      if queue.count < capacity {
        queue.append(Scheduled(action: action, attempt: 1, due: now))
        queuedIDs.insert(action.id)
      } else {
        overflowing = true
      }
      condition.signal()
    }
    condition.unlock()
    if opened {
      report(ActionOutcome(
        actionID: action.id, hook: "*", hookKind: "circuit-breaker", user: nil, level: nil, attempt: 0, result: .circuitOpen,
        detail: "more than \(policy.maxActionsPerMinute) actions within a minute: dispatch paused; this and every later action stay pending in the journal \(journal.path). Review them with `tokenwatch actions list`, drop what must not go with `tokenwatch actions discard`; a restart delivers the rest only if they are within the limit"))
    }
    if paused { report(outcome(action, attempt: 0, .journaled, "circuit open: kept pending in the journal")) }
  }

  /// Stops accepting, delivers what is due until `deadline`, and leaves the rest in the journal.
  public func finish(deadline: Date) {
    condition.lock()
    stopping = true
    drainDeadline = deadline
    condition.broadcast()
    while !finished { condition.wait() }
    let left = queue.count
    condition.unlock()
    if left > 0 {
      StandardError.write("tokenwatch: \(left) action(s) not yet delivered stay pending in \(journal.path); they are delivered on the next start")
    }
  }

  private func run() {
    while let next = nextDue() {
      let runner = runners[next.action.hook]
      let started = Date()
      let result = runner?.deliver(next.action) ?? .failure("hook \(next.action.hook) is not configured")
      let latency = Int(Date().timeIntervalSince(started) * 1000)
      complete(next, result, latency: latency)
    }
    condition.lock()
    finished = true
    condition.broadcast()
    condition.unlock()
  }

  /// Waits for the earliest due action; nil when the dispatcher should stop.
  private func nextDue() -> Scheduled? {
    condition.lock()
    defer { condition.unlock() }
    while true {
      if queue.isEmpty, overflowing, !circuitOpen { refillFromJournal() }
      let now = Date()
      if stopping, queue.isEmpty || circuitOpen || now >= drainDeadline { return nil }
      if !circuitOpen, let index = queue.indices.min(by: { queue[$0].due < queue[$1].due }) {
        if queue[index].due <= now { return queue.remove(at: index) }
        // Timed out or signalled, the loop looks at the queue again: the result tells nothing.
        _ = condition.wait(until: min(queue[index].due, drainDeadline))
      } else {
        _ = condition.wait(until: stopping ? drainDeadline : now.addingTimeInterval(1))
      }
    }
  }

  private func complete(_ item: Scheduled, _ result: DeliveryResult, latency: Int) {
    let action = item.action
    switch result {
    case .success(let detail):
      journal.recordDone(action.id, result: "success")
      forget(action.id)
      report(outcome(action, attempt: item.attempt, .success, detail, latency: latency))
    case .failure(let detail):
      journal.recordDone(action.id, result: "failed")
      forget(action.id)
      report(outcome(action, attempt: item.attempt, .failed, detail + " (not retried)", latency: latency))
    case .retry(let detail):
      guard item.attempt < policy.retryAttempts else {
        journal.recordDone(action.id, result: "failed")
        forget(action.id)
        report(outcome(action, attempt: item.attempt, .failed, detail + " (gave up after \(item.attempt) attempts)", latency: latency))
        return
      }
      let delay = backoff(after: item.attempt)
      report(outcome(action, attempt: item.attempt, .retry, detail + String(format: "; next attempt in %.1fs", delay), latency: latency))
      condition.lock()
      queue.append(Scheduled(action: action, attempt: item.attempt + 1, due: Date().addingTimeInterval(delay)))
      condition.unlock()
    }
  }

  /// Exponential from the policy's base, capped, plus up to 25% jitter so retries spread out.
  private func backoff(after attempt: Int) -> Double {
    let base = Double(policy.retryBackoff.millis) / 1000
    let cap = Double(policy.retryMaxBackoff.millis) / 1000
    let exponential = min(cap, base * pow(2, Double(attempt - 1)))
    return exponential * (1 + Double.random(in: 0..<0.25))
  }

  private func forget(_ id: String) {
    condition.lock()
    queuedIDs.remove(id)
    condition.unlock()
  }

  /// Called with the lock held: reads actions that overflowed the queue back from the journal.
  private func refillFromJournal() {
    let pending = ActionJournal.load(path: journal.path).pending.filter { !queuedIDs.contains($0.id) }
    for action in pending.prefix(capacity) {
      queue.append(Scheduled(action: action, attempt: 1, due: Date()))
      queuedIDs.insert(action.id)
    }
    overflowing = pending.count > capacity
  }

  private func outcome(_ action: ActionRequest, attempt: Int, _ result: ActionOutcome.Result, _ detail: String, latency: Int? = nil) -> ActionOutcome {
    ActionOutcome(
      actionID: action.id, hook: action.hook, hookKind: runners[action.hook]?.hook.kind.name ?? "unknown", user: action.risk.upn ?? action.risk.user,
      level: action.risk.level, attempt: attempt, result: result, detail: detail, latencyMillis: latency)
  }
}

extension Posix {
  /// A wall-clock deadline `millis` from now, for draining deliveries at shutdown.
  public static func deadline(afterMillis millis: Int64) -> Date { Date().addingTimeInterval(Double(millis) / 1000) }
}
