import Glibc

// Small POSIX helpers: a monotonic clock, buffered file writing, and child processes started
// with posix_spawn so that we can reap them ourselves with wait4 and read their rusage.

/// Nanoseconds on CLOCK_MONOTONIC.
func monotonicNanos() -> UInt64 {
  var ts = timespec()
  clock_gettime(CLOCK_MONOTONIC, &ts)
  return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

struct BenchError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

func writeStderr(_ text: String) {
  var text = text
  text.withUTF8 { _ = writeAll(2, UnsafeRawBufferPointer($0)) }
}

func errnoText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

/// Appends bytes to a file through a 1 MiB buffer (the generated inputs are hundreds of MB).
final class FileWriter {
  private let fd: Int32
  private var buffer: [UInt8] = []
  private(set) var bytesWritten = 0

  init(path: String) throws {
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw BenchError("cannot create \(path): \(errnoText())") }
    buffer.reserveCapacity(1 << 20)
  }

  func writeLine(_ line: String) throws {
    buffer.append(contentsOf: line.utf8)
    buffer.append(0x0A)
    if buffer.count >= 1 << 20 { try flush() }
  }

  func flush() throws {
    guard !buffer.isEmpty else { return }
    let ok = buffer.withUnsafeBytes { writeAll(fd, $0) }
    guard ok else { throw BenchError("write failed: \(errnoText())") }
    bytesWritten += buffer.count
    buffer.removeAll(keepingCapacity: true)
  }

  func close() throws {
    try flush()
    _ = Glibc.close(fd)
  }
}

/// write(2) until everything is written; false on an error (EPIPE included).
func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
  var offset = 0
  while offset < bytes.count {
    let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
    if n < 0 {
      if errno == EINTR { continue }
      return false
    }
    offset += n
  }
  return true
}

func readWholeFile(_ path: String) -> [UInt8]? {
  let fd = open(path, O_RDONLY | O_CLOEXEC)
  guard fd >= 0 else { return nil }
  defer { close(fd) }
  var result: [UInt8] = []
  var chunk = [UInt8](repeating: 0, count: 1 << 16)
  while true {
    let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    if n < 0 && errno == EINTR { continue }
    if n <= 0 { break }
    result.append(contentsOf: chunk[0..<n])
  }
  return result
}

func fileExists(_ path: String, executable: Bool = false) -> Bool {
  access(path, executable ? X_OK : F_OK) == 0
}

/// Where a child's standard stream goes.
enum Redirect {
  case inherit
  case devNull
  /// Created or truncated.
  case file(String)
  /// An existing descriptor of ours (a pipe end), duplicated onto the stream.
  case fd(Int32)
}

/// How a child ended, with the kernel's accounting for it.
struct ChildResult {
  var status: Int32
  /// ru_maxrss of the child, in bytes (Linux reports KiB).
  var peakRSSBytes: Int
  /// CPU time the child used, user and system, on all its threads. What the host steals from
  /// this machine is not in it; a host that runs slower still shows.
  var cpuSeconds: Double

  var exitedNormally: Bool { (status & 0x7f) == 0 }
  var exitCode: Int32 { (status >> 8) & 0xff }
  var describeStatus: String {
    exitedNormally ? "exit status \(exitCode)" : "killed by signal \(status & 0x7f)"
  }
}

/// A child started with posix_spawn (searching PATH when the program has no slash).
struct Child {
  let pid: pid_t
  /// This process's resident size when the child started (see `resetPeakRSS`).
  let parentRSSAtSpawn: Int
  /// CLOCK_MONOTONIC just before posix_spawn.
  let startNanos: UInt64

  static func spawn(_ arguments: [String], stdin: Redirect = .inherit, stdout: Redirect = .inherit, stderr: Redirect = .inherit) throws -> Child {
    precondition(!arguments.isEmpty)
    // posix_spawn in glibc starts the child with clone(CLONE_VM | CLONE_VFORK): until it execs,
    // the child runs on our address space, and exec folds the old address space's peak RSS into
    // the child's ru_maxrss. Without a reset the child's peak would be max(our peak, its own).
    resetPeakRSS()
    let parentRSS = currentRSSBytes()

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    for (target, redirect) in [(Int32(0), stdin), (1, stdout), (2, stderr)] {
      switch redirect {
      case .inherit: break
      case .devNull: posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
      case .file(let path): posix_spawn_file_actions_addopen(&actions, target, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
      // dup2 clears close-on-exec on the copy; the original (opened O_CLOEXEC) closes at exec.
      case .fd(let fd): posix_spawn_file_actions_adddup2(&actions, fd, target)
      }
    }

    // The bench ignores SIGPIPE, SIGINT and SIGTERM (it handles the last two itself); ignored
    // signals would stay ignored across exec, so the child gets the default actions back.
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for number in [SIGPIPE, SIGINT, SIGTERM] { sigaddset(&defaults, number) }
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF))

    let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid: pid_t = 0
    let start = monotonicNanos()
    let rc = arguments[0].contains("/")
      ? posix_spawn(&pid, arguments[0], &actions, &attributes, argv, environ)
      : posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, environ)
    guard rc == 0 else { throw BenchError("cannot start \(arguments[0]): \(errnoText(rc))") }
    return Child(pid: pid, parentRSSAtSpawn: parentRSS, startNanos: start)
  }

  /// Blocks until the child ends and reaps it with wait4, which returns its rusage.
  func wait() -> ChildResult {
    var status: Int32 = 0
    var usage = rusage()
    while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
    let cpuMicros = (Int(usage.ru_utime.tv_sec) + Int(usage.ru_stime.tv_sec)) * 1_000_000 + Int(usage.ru_utime.tv_usec) + Int(usage.ru_stime.tv_usec)
    return ChildResult(status: status, peakRSSBytes: Int(usage.ru_maxrss) * 1024, cpuSeconds: Double(cpuMicros) / 1e6)
  }
}

/// The first argument that turns this executable into a launcher (internal; not in --help).
let launcherFlag = "--internal-launch"

/// Launcher mode: `tokenwatch-bench --internal-launch REPORT COMMAND…` runs COMMAND with our own
/// standard streams, reaps it with wait4 and writes "status peak_bytes nanos floor_bytes cpu_micros"
/// to REPORT.
///
/// Why a launcher: a child's ru_maxrss is at least the RSS of the address space it was spawned
/// from (see Child.spawn), and the bench itself holds 30+ MiB by the time it measures (Foundation,
/// ICU data, the generators), more than a tokenwatch run over a tiny file. A launcher exec'd
/// fresh, which touches nothing but this function, holds a few MiB.
func launcherMain(_ arguments: [String]) -> Never {
  guard arguments.count >= 3 else {
    _ = "usage: \(launcherFlag) REPORT COMMAND...\n".withCString { write(2, $0, strlen($0)) }
    exit(64)
  }
  let reportPath = arguments[1]
  do {
    let child = try Child.spawn(Array(arguments[2...]))
    let result = child.wait()
    let nanos = monotonicNanos() - child.startNanos
    let writer = try FileWriter(path: reportPath)
    try writer.writeLine("\(result.status) \(result.peakRSSBytes) \(nanos) \(child.parentRSSAtSpawn) \(Int((result.cpuSeconds * 1e6).rounded()))")
    try writer.close()
    exit(0)
  } catch {
    _ = "tokenwatch-bench launcher: \(error)\n".withCString { write(2, $0, strlen($0)) }
    exit(127)
  }
}

/// A run through the launcher: the command's own peak RSS, and its time from spawn to reaped.
struct MeasuredRun {
  var result: ChildResult
  var seconds: Double
  /// The launcher's RSS when it spawned the command: a floor under `result.peakRSSBytes`.
  var floorBytes: Int
}

/// Runs `arguments` through a fresh launcher (see `launcherMain`) with the given streams.
func runMeasured(_ arguments: [String], scratch: String, stdout: Redirect, stderr: Redirect) throws -> MeasuredRun {
  guard let launcher = executablePath() else { throw BenchError("cannot find this executable (/proc/self/exe)") }
  let report = scratch + "/launch.report"
  unlink(report)
  let (launch, _, _) = try runTimed([launcher, launcherFlag, report] + arguments, stdin: .devNull, stdout: stdout, stderr: stderr)
  let fields = readWholeFile(report).map { String(decoding: $0, as: UTF8.self).split(whereSeparator: \.isWhitespace).compactMap { Int($0) } } ?? []
  guard launch.exitedNormally, launch.exitCode == 0, fields.count == 5 else {
    throw BenchError("the launcher for \(arguments[0]) failed (\(launch.describeStatus))")
  }
  return MeasuredRun(
    result: ChildResult(status: Int32(fields[0]), peakRSSBytes: fields[1], cpuSeconds: Double(fields[4]) / 1e6),
    seconds: Double(fields[2]) / 1e9, floorBytes: fields[3])
}

/// Runs a command to completion: its result and the wall time from spawn to reaped, in seconds.
func runTimed(_ arguments: [String], stdin: Redirect = .devNull, stdout: Redirect = .devNull, stderr: Redirect = .inherit) throws -> (ChildResult, Double, Child) {
  let child = try Child.spawn(arguments, stdin: stdin, stdout: stdout, stderr: stderr)
  let result = child.wait()
  return (result, Double(monotonicNanos() - child.startNanos) / 1e9, child)
}

/// Resets this process's peak RSS ("VmHWM") to its current RSS: Linux 4.0+ `clear_refs` value 5.
/// Best effort: false when the kernel refuses (then child peaks are floored at our own peak).
@discardableResult
func resetPeakRSS() -> Bool {
  let fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC)
  guard fd >= 0 else { return false }
  defer { close(fd) }
  return write(fd, "5", 1) == 1
}

/// A "Vm…" line of /proc/self/status, in bytes.
func procStatusBytes(_ key: String, pid: String = "self") -> Int? {
  guard let bytes = readWholeFile("/proc/\(pid)/status") else { return nil }
  for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") where line.hasPrefix(key + ":") {
    let digits = line.dropFirst(key.count + 1).filter(\.isNumber)
    return Int(digits).map { $0 * 1024 }
  }
  return nil
}

func currentRSSBytes() -> Int { procStatusBytes("VmRSS") ?? 0 }

/// The absolute path of this executable.
func executablePath() -> String? {
  var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
  let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
  guard n > 0 else { return nil }
  return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

func directoryName(_ path: String) -> String {
  guard let slash = path.lastIndex(of: "/") else { return "." }
  return slash == path.startIndex ? "/" : String(path[..<slash])
}

func absolutePath(_ path: String) -> String {
  if path.hasPrefix("/") { return path }
  var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
  guard getcwd(&buffer, buffer.count) != nil else { return path }
  let cwd = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
  return (cwd == "/" ? "" : cwd) + "/" + path
}

/// A private directory for the generated inputs, removed by `removeTree`.
func makeTemporaryDirectory() throws -> String {
  let base = (getenv("TMPDIR").map { String(cString: $0) }).flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
  var template = Array((base + "/tokenwatch-bench.XXXXXX").utf8CString)
  guard let made = mkdtemp(&template) else { throw BenchError("cannot create a temporary directory in \(base): \(errnoText())") }
  return String(cString: made)
}

/// Removes the files directly inside `directory` (we create no subdirectories) and the directory.
func removeTree(_ directory: String) {
  if let dir = opendir(directory) {
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
      }
      if name != "." && name != ".." { unlink(directory + "/" + name) }
    }
    closedir(dir)
  }
  rmdir(directory)
}

/// How the binary at `path` has the Swift runtime: "static" when it names no `libswiftCore.so`
/// to load (built with `--static-swift-stdlib`), "shared" when it does, nil when unreadable.
/// A shared runtime costs about 4 ms of loading and binding at every start.
func swiftRuntimeLinkage(_ path: String) -> String? {
  guard let bytes = readWholeFile(path) else { return nil }
  let name = Array("libswiftCore.so".utf8)
  let found = bytes.withUnsafeBufferPointer { file in
    file.indices.dropLast(name.count - 1).contains { at in file[at] == name[0] && file[at..<at + name.count].elementsEqual(name) }
  }
  return found ? "shared" : "static"
}
