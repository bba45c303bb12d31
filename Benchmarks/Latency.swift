import Foundation
import Synchronization

// Figure 4: alert latency of `tokenwatch watch` fed through a pipe at a fixed offered rate.
// Every 100th line replays a session from a new network (signed in from AS7922 ninety-nine lines
// earlier, now used from AS14061), which fires TW-001 at once. Latency: from just before the
// write(2) that carries the triggering line to just after the read(2) that returns its alert.

let triggerEvery = 100

/// The input, generated before the clock starts: one contiguous buffer and the end of each line.
struct LatencyInput: Sendable {
  var bytes: [UInt8] = []
  var lineEnds: [Int] = []

  /// Benign users (one token, one session, one network each) fill the 98 lines between a
  /// trigger's sign-in and its replay, so that only the replays fire.
  static func make(events: Int) -> LatencyInput {
    var input = LatencyInput()
    input.bytes.reserveCapacity(events * 150)
    input.lineEnds.reserveCapacity(events)
    var benign = 0
    for i in 0..<events {
      let group = i / triggerEvery
      let time = eventTime(millis: i)
      let line: String
      switch i % triggerEvery {
      case 0:
        line = "{\"time\":\"\(time)\",\"kind\":\"signin\",\"user\":\"lat-u\(group)\",\"session\":\"lat-s\(group)\",\"ip\":\"10.200.\(group >> 8 & 255).\(group & 255)\",\"asn\":7922,\"country\":\"US\"}"
      case triggerEvery - 1:
        line = "{\"time\":\"\(time)\",\"kind\":\"access\",\"user\":\"lat-u\(group)\",\"session\":\"lat-s\(group)\",\"ip\":\"192.0.2.\(group % 250 + 1)\",\"asn\":14061,\"country\":\"US\"}"
      default:
        let k = benign % 2000
        benign += 1
        line = "{\"time\":\"\(time)\",\"kind\":\"access\",\"user\":\"b\(k)\",\"token\":\"bt\(k)\",\"session\":\"bs\(k)\",\"ip\":\"10.1.\(k >> 8).\(k & 255)\",\"asn\":7922,\"country\":\"US\"}"
      }
      input.bytes.append(contentsOf: line.utf8)
      input.bytes.append(0x0A)
      input.lineEnds.append(input.bytes.count)
    }
    return input
  }

  var triggers: Int { lineEnds.count / triggerEvery }
}

struct LatencyResult {
  var rate: Int
  var seconds: Double
  var events: Int
  var triggers: Int
  /// Nanoseconds, one per trigger whose alert was read, sorted.
  var latencies: [UInt64]
  var alertLines: Int
  /// Wall time from the first write to the last (the rate actually offered).
  var writeSeconds: Double
  var status: String

  func percentile(_ p: Double) -> Double {
    guard !latencies.isEmpty else { return .nan }
    let rank = Int((p / 100 * Double(latencies.count)).rounded(.up))
    return Double(latencies[max(0, min(latencies.count - 1, rank - 1))]) / 1e6
  }
  var maxMillis: Double { latencies.last.map { Double($0) / 1e6 } ?? .nan }
}

/// What each thread hands back when it is done. The threads keep their timestamps in local
/// arrays while measuring and publish them once at the end; the lock is never contended.
final class LatencyLog: Sendable {
  let writeTimes = Mutex<[UInt64]>([])  // per trigger: just before the write that carried it
  let readTimes = Mutex<[UInt64]>([])  // per trigger: just after the read that returned its alert
  let alertLines = Mutex(0)
  /// Triggers whose alert the reader has seen so far, for the writer to wait on before stopping a
  /// listening service (SIGTERM discards what the service has not read yet, by design).
  let triggersSeen = Atomic<Int>(0)
  let writeSpan = Mutex<(first: UInt64, last: UInt64)>((0, 0))
  let writeError = Mutex<String?>(nil)
}

enum LatencyTransport: String {
  /// Lines on the service's stdin.
  case pipe
  /// Lines over one TCP connection to `watch --listen tcp://127.0.0.1:0`.
  case tcp
}

func measureLatency(_ setup: Setup, rate: Int, seconds: Double, transport: LatencyTransport = .pipe) throws -> LatencyResult {
  let events = max(triggerEvery, Int(Double(rate) * seconds))
  let input = LatencyInput.make(events: events)
  let triggers = input.triggers

  var toChild: [Int32] = [0, 0]
  var fromChild: [Int32] = [0, 0]
  guard pipe(&toChild) == 0, pipe(&fromChild) == 0 else { throw BenchError("pipe: \(errnoText())") }
  // Close-on-exec on all four: the child gets only the two ends dup2'd onto its stdin and stdout,
  // so closing our write end is an end of input it sees.
  for fd in toChild + fromChild { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
  let errors = setup.scratch + "/watch-\(transport.rawValue).stderr"
  let child: Child
  var arguments = [setup.tokenwatch, "watch", "--max-delay", "0s", "--idle-flush", "0s", "--output", "ndjson", "--rules", setup.rules]
  if transport == .tcp { arguments += ["--listen", "tcp://127.0.0.1:0"] }
  do {
    child = try Child.spawn(arguments, stdin: .fd(toChild[0]), stdout: .fd(fromChild[1]), stderr: .file(errors))
  } catch {
    for fd in toChild + fromChild { close(fd) }
    throw error
  }
  close(toChild[0])
  close(fromChild[1])
  let readFD = fromChild[0]
  if transport == .tcp { close(toChild[1]) }
  let writeFD = transport == .tcp ? try connectToAnnouncedListener(stderrFile: errors, child: child) : toChild[1]

  let log = LatencyLog()
  let writerDone = DispatchSemaphore(value: 0)
  let readerDone = DispatchSemaphore(value: 0)
  let interval = 1e9 / Double(rate)

  let reader = Thread {
    var times = [UInt64](repeating: 0, count: triggers)
    var alerts = 0
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    var partial: [UInt8] = []
    let marker = Array("\"session\":\"lat-s".utf8)
    while true {
      let n = buffer.withUnsafeMutableBytes { read(readFD, $0.baseAddress, $0.count) }
      let now = monotonicNanos()
      if n < 0 && errno == EINTR { continue }
      if n <= 0 { break }
      partial.append(contentsOf: buffer[0..<n])
      var start = 0
      while let newline = partial[start...].firstIndex(of: 0x0A) {
        let line = partial[start..<newline]
        start = newline + 1
        guard line.starts(with: Array("{\"type\":\"alert\"".utf8)) else { continue }
        alerts += 1
        guard let group = number(after: marker, in: line), group < triggers, times[group] == 0 else { continue }
        times[group] = now
        log.triggersSeen.add(1, ordering: .releasing)
      }
      partial.removeFirst(start)
    }
    close(readFD)
    log.readTimes.withLock { $0 = times }
    log.alertLines.withLock { $0 = alerts }
    readerDone.signal()
  }

  let writer = Thread {
    var times = [UInt64](repeating: 0, count: triggers)
    let start = monotonicNanos()
    var next = 0  // first line not yet written
    var first: UInt64 = 0, last: UInt64 = 0
    input.bytes.withUnsafeBytes { bytes in
      while next < input.lineEnds.count {
        let due = start + UInt64(Double(next) * interval)
        var now = monotonicNanos()
        if now < due {
          var deadline = timespec(tv_sec: Int(due / 1_000_000_000), tv_nsec: Int(due % 1_000_000_000))
          while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nil) == EINTR {}
          now = monotonicNanos()
        }
        // Every line that is due, in one write, ending at a trigger if one is among them.
        var end = next
        while end < input.lineEnds.count && start + UInt64(Double(end) * interval) <= now {
          end += 1
          if end % triggerEvery == 0 { break }  // line end-1 is a trigger
        }
        if end == next { end = next + 1 }
        let from = next == 0 ? 0 : input.lineEnds[next - 1]
        let to = input.lineEnds[end - 1]
        let stamp = monotonicNanos()
        if first == 0 { first = stamp }
        guard writeAll(writeFD, UnsafeRawBufferPointer(rebasing: bytes[from..<to])) else {
          let reason = "write to tokenwatch watch: \(errnoText())"
          log.writeError.withLock { $0 = reason }
          break
        }
        last = monotonicNanos()
        if end % triggerEvery == 0 { times[end / triggerEvery - 1] = stamp }
        next = end
      }
    }
    close(writeFD)  // end of input: watch drains, writes its last records and exits
    // A listening service does not end with one sender: stop it the way an operator would, once
    // every alert is out (or 5 s have passed), so that lines still in flight count rather than
    // being cut off by the signal.
    if transport == .tcp {
      let giveUp = monotonicNanos() + 5_000_000_000
      while log.triggersSeen.load(ordering: .acquiring) < triggers && monotonicNanos() < giveUp { usleep(1_000) }
      kill(child.pid, SIGTERM)
    }
    log.writeTimes.withLock { $0 = times }
    log.writeSpan.withLock { $0 = (first, last) }
    writerDone.signal()
  }

  reader.start()
  writer.start()
  writerDone.wait()
  readerDone.wait()
  let result = child.wait()
  if let reason = log.writeError.withLock({ $0 }) { throw BenchError(reason) }
  try requireSuccess(result, "tokenwatch watch", stderrFile: errors)

  let writes = log.writeTimes.withLock { $0 }
  let reads = log.readTimes.withLock { $0 }
  var latencies: [UInt64] = []
  for (w, r) in zip(writes, reads) where w != 0 && r != 0 && r >= w { latencies.append(r - w) }
  latencies.sort()
  let span = log.writeSpan.withLock { $0 }
  return LatencyResult(
    rate: rate, seconds: seconds, events: events, triggers: triggers, latencies: latencies,
    alertLines: log.alertLines.withLock { $0 }, writeSeconds: Double(span.last - span.first) / 1e9,
    status: result.describeStatus)
}

/// The decimal number right after `marker` in `line`, if any.
private func number(after marker: [UInt8], in line: ArraySlice<UInt8>) -> Int? {
  guard line.count > marker.count else { return nil }
  var i = line.startIndex
  while i + marker.count <= line.endIndex {
    if line[i] == marker[0] && line[i..<i + marker.count].elementsEqual(marker) {
      var value = 0, j = i + marker.count, digits = 0
      while j < line.endIndex, line[j] >= 0x30, line[j] <= 0x39 {
        value = value * 10 + Int(line[j] - 0x30)
        j += 1
        digits += 1
      }
      return digits > 0 ? value : nil
    }
    i += 1
  }
  return nil
}

/// Waits for "listening on tcp://127.0.0.1:PORT" on the service's stderr and connects to it.
private func connectToAnnouncedListener(stderrFile: String, child: Child) throws -> Int32 {
  let marker = "listening on tcp://127.0.0.1:"
  for _ in 0..<400 {
    if let text = try? String(contentsOfFile: stderrFile, encoding: .utf8), let range = text.range(of: marker),
      let port = UInt16(text[range.upperBound...].prefix { $0.isNumber })
    {
      let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
      var address = sockaddr_in()
      address.sin_family = sa_family_t(AF_INET)
      address.sin_port = port.bigEndian
      address.sin_addr.s_addr = inet_addr("127.0.0.1")
      let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
      }
      guard connected == 0 else { throw BenchError("connect to tokenwatch watch: \(errnoText())") }
      var on: Int32 = 1
      setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
      return fd
    }
    usleep(25_000)
  }
  kill(child.pid, SIGKILL)
  throw BenchError("tokenwatch watch --listen did not announce its port (see \(stderrFile))")
}

/// Figure 5: `watch` throughput with its default ten-minute reorder window, the latency input
/// (1 ms of event time apart) written to a file and fed on stdin as fast as the service takes it.
/// The window then holds hundreds of thousands of events, so anything that copies it per event
/// shows up here at once (a lazy property once made this quadratic).
func measureWatchThroughput(_ setup: Setup, events: Int) throws -> (seconds: Double, peakRSSBytes: Int) {
  let input = LatencyInput.make(events: events)
  let path = setup.scratch + "/watch-throughput.ndjson"
  let out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
  guard out >= 0, input.bytes.withUnsafeBytes({ writeAll(out, $0) }) else { throw BenchError("write \(path): \(errnoText())") }
  close(out)
  let fd = open(path, O_RDONLY | O_CLOEXEC)
  guard fd >= 0 else { throw BenchError("open \(path): \(errnoText())") }
  defer { close(fd) }
  let errors = setup.scratch + "/watch-throughput.stderr"
  let (result, seconds, _) = try runTimed(
    [setup.tokenwatch, "watch", "--quiet", "--idle-flush", "0s", "--output", "ndjson", "--rules", setup.rules],
    stdin: .fd(fd), stdout: .devNull, stderr: .file(errors))
  try requireSuccess(result, "tokenwatch watch", stderrFile: errors)
  return (seconds, result.peakRSSBytes)
}

/// The machine's CPU time so far, from the first line of /proc/stat, in clock ticks.
struct CPUTimes {
  var total: UInt64
  var steal: UInt64

  static func read() -> CPUTimes? {
    guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
      let line = text.split(separator: "\n").first, line.hasPrefix("cpu ")
    else { return nil }
    // user nice system idle iowait irq softirq steal guest guest_nice (guest time is already in user)
    let fields = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
    guard fields.count >= 8 else { return nil }
    return CPUTimes(total: fields.prefix(8).reduce(0, +), steal: fields[7])
  }

  /// The share of all CPU time since `earlier` that the host took (0 to 1).
  func stealShare(since earlier: CPUTimes) -> Double {
    let total = self.total &- earlier.total
    return total == 0 ? 0 : Double(steal &- earlier.steal) / Double(total)
  }
}
