@preconcurrency import Glibc
import Synchronization

/// SIGINT/SIGTERM ask for a graceful stop: the handler only sets a flag; blocked reads return
/// EINTR (no SA_RESTART), the pipeline drains what it has, flushes and exits 0.
public enum Signals {
  public static let stopRequested = Atomic<Bool>(false)

  public static func installStopHandlers() {
    // A parent may have left these blocked (some process launchers do); a blocked SIGTERM would
    // stay pending forever and the service could never be stopped gracefully.
    var unblock = sigset_t()
    sigemptyset(&unblock)
    sigaddset(&unblock, SIGINT)
    sigaddset(&unblock, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    for signal in [SIGINT, SIGTERM] {
      var action = sigaction()
      action.__sigaction_handler.sa_handler = { _ in Signals.stopRequested.store(true, ordering: .relaxed) }
      sigemptyset(&action.sa_mask)
      action.sa_flags = 0
      sigaction(signal, &action, nil)
    }
  }

  public static var isStopRequested: Bool { stopRequested.load(ordering: .relaxed) }

  public static let reloadRequested = Atomic<Bool>(false)

  /// SIGHUP asks a running `watch` to reload its rules; the handler only sets a flag.
  public static func installReloadHandler() {
    var unblock = sigset_t()
    sigemptyset(&unblock)
    sigaddset(&unblock, SIGHUP)
    pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    var action = sigaction()
    action.__sigaction_handler.sa_handler = { _ in Signals.reloadRequested.store(true, ordering: .relaxed) }
    sigemptyset(&action.sa_mask)
    action.sa_flags = SA_RESTART
    sigaction(SIGHUP, &action, nil)
  }

  /// True once per SIGHUP (or burst of them).
  public static func takeReloadRequest() -> Bool {
    reloadRequested.exchange(false, ordering: .relaxed)
  }
}
