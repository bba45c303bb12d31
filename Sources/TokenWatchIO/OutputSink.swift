import Synchronization

/// Buffered writes to a file descriptor, flushed per batch so piped output shows up promptly.
/// A reader that went away (EPIPE, e.g. `| head`) turns the sink into a quiet no-op. Safe to
/// share: the engine writes alerts and the action dispatcher writes action records, each record
/// a whole line.
public final class OutputSink: Sendable {
  private struct State {
    var buffer: [UInt8] = []
    var broken = false
  }

  private let fd: Int32
  private let state = Mutex(State())

  public init(fd: Int32) {
    self.fd = fd
    state.withLock { $0.buffer.reserveCapacity(1 << 16) }
  }

  public var isBroken: Bool { state.withLock { $0.broken } }

  public func write(_ bytes: [UInt8]) {
    state.withLock { state in
      guard !state.broken else { return }
      state.buffer.append(contentsOf: bytes)
      if state.buffer.count >= 1 << 16 { flushLocked(&state) }
    }
  }

  public func write(_ text: String) { write(Array(text.utf8)) }

  /// Writes and flushes at once (records from another thread should not wait for the next batch).
  public func writeLine(_ bytes: [UInt8]) {
    state.withLock { state in
      guard !state.broken else { return }
      state.buffer.append(contentsOf: bytes)
      state.buffer.append(0x0A)
      flushLocked(&state)
    }
  }

  public func flush() {
    state.withLock { flushLocked(&$0) }
  }

  private func flushLocked(_ state: inout State) {
    guard !state.broken, !state.buffer.isEmpty else { return }
    if !state.buffer.withUnsafeBytes({ Posix.writeAll(fd, $0) }) { state.broken = true }
    state.buffer.removeAll(keepingCapacity: true)
  }
}

/// Diagnostics and summaries on stderr, written at once (unbuffered).
public enum StandardError {
  public static func write(_ line: String) {
    _ = Posix.writeAll(2, line.hasSuffix("\n") ? line : line + "\n")
  }
}
