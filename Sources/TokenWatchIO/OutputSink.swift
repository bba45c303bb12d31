/// Buffered writes to a file descriptor, flushed per batch so piped output shows up promptly.
/// A reader that went away (EPIPE, e.g. `| head`) turns the sink into a quiet no-op.
public final class OutputSink {
  private let fd: Int32
  private var buffer: [UInt8] = []
  public private(set) var isBroken = false

  public init(fd: Int32) {
    self.fd = fd
    buffer.reserveCapacity(1 << 16)
  }

  public func write(_ bytes: [UInt8]) {
    guard !isBroken else { return }
    buffer.append(contentsOf: bytes)
    if buffer.count >= 1 << 16 { flush() }
  }

  public func write(_ text: String) { write(Array(text.utf8)) }

  public func flush() {
    guard !isBroken, !buffer.isEmpty else { return }
    if !buffer.withUnsafeBytes({ Posix.writeAll(fd, $0) }) { isBroken = true }
    buffer.removeAll(keepingCapacity: true)
  }
}

/// Diagnostics and summaries on stderr, written at once (unbuffered).
public enum StandardError {
  public static func write(_ line: String) {
    _ = Posix.writeAll(2, line.hasSuffix("\n") ? line : line + "\n")
  }
}
