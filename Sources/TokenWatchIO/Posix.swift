@preconcurrency import Glibc
import TokenWatchCore

/// Thin wrappers over the few system calls tokenwatch uses, with EINTR retried where the
/// caller does not want to see it.
public enum Posix {
  public static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

  public static func environment(_ name: String) -> String? {
    guard let value = getenv(name) else { return nil }
    return String(cString: value)
  }

  /// Writes everything; false when the reader has gone away (EPIPE) or on another error.
  public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
    var offset = 0
    while offset < bytes.count {
      let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
      if n < 0 {
        if errno == EINTR { continue }
        return false
      }
      offset += n
    }
    return true
  }

  public static func writeAll(_ fd: Int32, _ text: String) -> Bool {
    var text = text
    return text.withUTF8 { writeAll(fd, UnsafeRawBufferPointer($0)) }
  }

  public static func ignoreSIGPIPE() { signal(SIGPIPE, SIG_IGN) }

  public static func errorDescription(_ code: Int32) -> String { String(cString: strerror(code)) }

  /// The text a C function wrote into `buffer`, up to its first NUL byte.
  static func string(fromCBuffer buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  public static func openForReading(_ path: String) -> Result<Int32, PosixError> {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 { return .failure(PosixError(code: errno, context: path)) }
    var info = stat()
    if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
      close(fd)
      return .failure(PosixError(code: EISDIR, context: path))
    }
    return .success(fd)
  }

  public static func openForAppending(_ path: String) -> Result<Int32, PosixError> {
    let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
    return fd < 0 ? .failure(PosixError(code: errno, context: path)) : .success(fd)
  }

  /// Reads a whole (small) file such as a rule file.
  public static func readFile(_ path: String) -> Result<[UInt8], PosixError> {
    switch openForReading(path) {
    case .failure(let error): return .failure(error)
    case .success(let fd):
      defer { close(fd) }
      var result: [UInt8] = []
      var buffer = [UInt8](repeating: 0, count: 65536)
      while true {
        let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
          if errno == EINTR { continue }
          return .failure(PosixError(code: errno, context: path))
        }
        if n == 0 { return .success(result) }
        result.append(contentsOf: buffer[0..<n])
      }
    }
  }

  public static func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
  }

  /// Regular files under `directory`, recursively, sorted by path. Hidden entries are skipped.
  public static func listFiles(_ directory: String) -> [String] {
    guard let dir = opendir(directory) else { return [] }
    defer { closedir(dir) }
    var result: [String] = []
    while let entry = readdir(dir) {
      let name = withUnsafePointer(to: entry.pointee.d_name) {
        $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
      }
      if name.hasPrefix(".") { continue }
      let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
      if isDirectory(path) { result += listFiles(path) } else { result.append(path) }
    }
    return result.sorted()
  }

  public static func exit(_ code: Int32) -> Never { Glibc.exit(code) }

  public static func writeFile(_ path: String, _ bytes: [UInt8]) -> Result<Void, PosixError> {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    if fd < 0 { return .failure(PosixError(code: errno, context: path)) }
    defer { close(fd) }
    let ok = bytes.withUnsafeBytes { writeAll(fd, $0) }
    return ok ? .success(()) : .failure(PosixError(code: errno, context: path))
  }

  public static func makeDirectory(_ path: String) {
    var prefix = ""
    for part in path.split(separator: "/", omittingEmptySubsequences: false) {
      prefix += (prefix.isEmpty && path.hasPrefix("/") ? "" : (prefix.isEmpty ? "" : "/")) + part
      if prefix.isEmpty { prefix = "/"; continue }
      _ = mkdir(prefix, 0o755)
    }
  }

  /// Seconds on a monotonic clock, for progress and rates only (never for detection).
  /// The wall clock, for stamping stats lines (never for event time).
  public static func wallClock() -> EventTime {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return EventTime(millis: Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000)
  }

  public static func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
  }

  /// Peak resident set size of this process in bytes. VmHWM starts afresh at exec, unlike
  /// getrusage's ru_maxrss, which would also count a launcher such as `swift run`.
  public static func peakResidentBytes() -> Int {
    if case .success(let bytes) = readFile("/proc/self/status") {
      for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") where line.hasPrefix("VmHWM:") {
        if let kilobytes = Int(line.dropFirst(6).filter(\.isNumber)) { return kilobytes * 1024 }
      }
    }
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Int(usage.ru_maxrss) * 1024
  }
}

public struct PosixError: Error, CustomStringConvertible, Sendable {
  public var code: Int32
  public var context: String
  public var description: String { "\(context): \(Posix.errorDescription(code))" }
}
