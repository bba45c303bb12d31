@preconcurrency import Glibc

/// Frames a byte stream into lines with read(2) into one reusable buffer.
///
/// LF ends a line and a CR before it is dropped; a last line without LF still counts. A line
/// longer than `maxLineBytes` is not kept: the reader skips to its end and reports it as
/// oversized, so a 10 MB line costs no more memory than a short one.
public final class LineReader {
  public enum Line {
    case text(ArraySlice<UInt8>, number: Int)
    case oversized(number: Int, bytes: Int)
    /// Nothing arrived within `idleTimeoutMillis` (live streams only).
    case idle
  }

  private let fd: Int32
  private let ownsDescriptor: Bool
  public let maxLineBytes: Int
  private var buffer: [UInt8]
  private var start = 0
  private var end = 0
  private var atEOF = false
  private var lineNumber = 0
  public private(set) var bytesRead = 0
  public private(set) var readError: PosixError?
  /// Set from outside (a signal) to make a blocked read give up at its next EINTR.
  public var shouldStop: () -> Bool = { false }
  /// When set, `next()` returns `.idle` after this long without input instead of blocking.
  public var idleTimeoutMillis: Int32?
  private var skipping = 0  // bytes of an oversized line dropped so far
  /// The first LF at or after `start`, once found: `hasBufferedLine` and `next()` share one scan.
  /// Cleared whenever bytes move in the buffer.
  private var knownNewline: Int?

  public init(fd: Int32, ownsDescriptor: Bool, maxLineBytes: Int, chunkSize: Int = 65536) {
    self.fd = fd
    self.ownsDescriptor = ownsDescriptor
    self.maxLineBytes = maxLineBytes
    buffer = [UInt8](repeating: 0, count: max(chunkSize, 16))
  }

  deinit { if ownsDescriptor { close(fd) } }

  /// True when the next line can be returned without a system call.
  public var hasBufferedLine: Bool { nextNewline() != nil }

  private func nextNewline() -> Int? {
    if let known = knownNewline, known >= start, known < end { return known }
    // memchr: the C library scans a word or a vector at a time; a byte loop here was 7% of a replay.
    knownNewline = buffer.withUnsafeBytes { raw -> Int? in
      guard end > start, let base = raw.baseAddress, let hit = memchr(base + start, 0x0A, end - start) else { return nil }
      return base.distance(to: UnsafeRawPointer(hit))
    }
    return knownNewline
  }

  /// Peeks at the first non-blank byte of the stream (reading if needed), for format sniffing.
  public func firstNonBlankByte() -> UInt8? {
    while true {
      if let i = buffer[start..<end].firstIndex(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) {
        return buffer[i]
      }
      if atEOF { return nil }
      if !fill() { atEOF = true }
    }
  }

  public func next() -> Line? {
    while true {
      if let newline = nextNewline() {
        lineNumber += 1
        let lineStart = start
        start = newline + 1
        if skipping > 0 {
          defer { skipping = 0 }
          return .oversized(number: lineNumber, bytes: skipping + (newline - lineStart))
        }
        var lineEnd = newline
        if lineEnd > lineStart, buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
        if lineEnd - lineStart > maxLineBytes { return .oversized(number: lineNumber, bytes: lineEnd - lineStart) }
        return .text(buffer[lineStart..<lineEnd], number: lineNumber)
      }
      if end - start > maxLineBytes {
        skipping += end - start  // drop what we have of this line and keep scanning for its end
        start = 0
        end = 0
        knownNewline = nil
      }
      if atEOF {
        guard end > start || skipping > 0 else { return nil }
        lineNumber += 1
        let lineStart = start
        start = end
        if skipping > 0 {
          defer { skipping = 0 }
          return .oversized(number: lineNumber, bytes: skipping + (end - lineStart))
        }
        var lineEnd = end
        if buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
        return .text(buffer[lineStart..<lineEnd], number: lineNumber)
      }
      if let timeout = idleTimeoutMillis, !waitForInput(timeout) { return .idle }
      if !fill() { atEOF = true }
    }
  }

  /// False when nothing became readable within `timeout` milliseconds.
  private func waitForInput(_ timeout: Int32) -> Bool {
    var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    let ready = poll(&descriptor, 1, timeout)
    return ready != 0  // errors and EINTR fall through to read(2), which reports them
  }

  /// Reads everything that is left (for a file that is one JSON document).
  public func readRest(limit: Int) -> [UInt8]? {
    var all = Array(buffer[start..<end])
    start = end
    while !atEOF {
      if all.count > limit { return nil }
      if !fill() { atEOF = true }
      all.append(contentsOf: buffer[start..<end])
      start = end
    }
    return all.count > limit ? nil : all
  }

  /// Compacts the buffer, grows it if a line needs more room, and reads once. False at EOF.
  private func fill() -> Bool {
    knownNewline = nil
    if start > 0 {
      let count = end - start
      if count > 0 { buffer.withUnsafeMutableBytes { _ = memmove($0.baseAddress!, $0.baseAddress! + start, count) } }
      start = 0
      end = count
    }
    if end == buffer.count { buffer.append(contentsOf: [UInt8](repeating: 0, count: buffer.count)) }
    while true {
      let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + end, $0.count - end) }
      if n > 0 {
        end += n
        bytesRead += n
        return true
      }
      if n == 0 { return false }
      if errno == EINTR {
        if shouldStop() { return false }
        continue
      }
      readError = PosixError(code: errno, context: "read")
      return false
    }
  }
}
