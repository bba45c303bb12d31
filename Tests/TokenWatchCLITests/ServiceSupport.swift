import Foundation
import Glibc

/// A `tokenwatch watch` service under test: stdout and stderr captured in files (nothing can fill
/// up and block the service), stdin a pipe the test may write to or close.
final class RunningService {
  let process = Process()
  let stdin = Pipe()
  let stdoutURL: URL
  let stderrURL: URL

  init(_ arguments: [String]) throws {
    let id = UUID().uuidString
    stdoutURL = try CLI.temporaryFile("service-out-\(id)", Data())
    stderrURL = try CLI.temporaryFile("service-err-\(id)", Data())
    process.executableURL = CLI.binary
    process.arguments = arguments
    process.currentDirectoryURL = CLI.root
    process.standardInput = stdin
    process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
    process.standardError = try FileHandle(forWritingTo: stderrURL)
    try process.run()
  }

  deinit {
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    try? FileManager.default.removeItem(at: stdoutURL)
    try? FileManager.default.removeItem(at: stderrURL)
  }

  var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
  var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

  /// Writes to the service's stdin; a service that has gone away is an EPIPE, not a SIGPIPE that
  /// would kill the test runner.
  func send(_ text: String) {
    signal(SIGPIPE, SIG_IGN)
    _ = sendAllToFile(stdin.fileHandleForWriting.fileDescriptor, Array(text.utf8))
  }
  func closeStdin() { try? stdin.fileHandleForWriting.close() }

  /// Waits until `predicate` holds for stderr, up to `seconds`; returns stderr.
  @discardableResult
  func waitForStderr(seconds: Double = 30, _ predicate: (String) -> Bool) -> String {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
      let text = stderr
      if predicate(text) { return text }
      if !process.isRunning { return stderr }
      Thread.sleep(forTimeInterval: 0.05)
    }
    return stderr
  }

  /// The port of the listener or metrics endpoint announced on stderr ("listening on tcp://127.0.0.1:PORT").
  func announcedPort(_ marker: String) -> UInt16? {
    let text = waitForStderr { $0.contains(marker) }
    guard let range = text.range(of: marker) else { return nil }
    let digits = text[range.upperBound...].prefix { $0.isNumber }
    return UInt16(digits)
  }

  /// Polls the metrics endpoint until `metric` (a full sample name with labels) reaches `value`.
  func waitForMetric(port: UInt16, _ metric: String, atLeast value: Int, seconds: Double = 60) -> Int? {
    let deadline = Date().addingTimeInterval(seconds)
    var last: Int?
    while Date() < deadline, process.isRunning {
      if let text = httpGet(port: port, path: "/metrics") {
        last = Self.sample(metric, in: text)
        if let last, last >= value { return last }
      }
      Thread.sleep(forTimeInterval: 0.1)
    }
    return last
  }

  static func sample(_ metric: String, in text: String) -> Int? {
    for line in text.split(separator: "\n") where line.hasPrefix(metric + " ") {
      return Int(Double(line.dropFirst(metric.count + 1)) ?? -1)
    }
    return nil
  }

  func terminate() -> Int32 {
    kill(process.processIdentifier, SIGTERM)
    process.waitUntilExit()
    return process.terminationStatus
  }

  func waitForExit() -> Int32 {
    process.waitUntilExit()
    return process.terminationStatus
  }
}

/// A minimal HTTP GET over a loopback socket (no URLSession: it would retry and pool).
func httpGet(port: UInt16, path: String) -> String? {
  guard let fd = connectTCP(port: port) else { return nil }
  defer { close(fd) }
  let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
  guard sendAll(fd, Array(request.utf8)) else { return nil }
  var response: [UInt8] = []
  var buffer = [UInt8](repeating: 0, count: 65536)
  while true {
    let n = recv(fd, &buffer, buffer.count, 0)
    if n <= 0 { break }
    response.append(contentsOf: buffer[0..<n])
  }
  let text = String(decoding: response, as: UTF8.self)
  guard let split = text.range(of: "\r\n\r\n") else { return nil }
  return String(text[split.upperBound...])
}

func connectTCP(port: UInt16) -> Int32? {
  let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
  guard fd >= 0 else { return nil }
  var address = sockaddr_in()
  address.sin_family = sa_family_t(AF_INET)
  address.sin_port = port.bigEndian
  address.sin_addr.s_addr = inet_addr("127.0.0.1")
  let connected = withUnsafePointer(to: &address) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
  }
  guard connected == 0 else {
    close(fd)
    return nil
  }
  return fd
}

func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
  var offset = 0
  while offset < bytes.count {
    let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    if n < 0 {
      if errno == EINTR { continue }
      return false
    }
    offset += n
  }
  return true
}

/// Runs a tool to completion (socat, rsyslogd…), stdin from `input`.
@discardableResult
func runTool(_ path: String, _ arguments: [String], input: Data? = nil) throws -> Int32 {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: path)
  process.arguments = arguments
  if let input {
    let url = try CLI.temporaryFile("tool-in-\(UUID().uuidString)", input)
    process.standardInput = try FileHandle(forReadingFrom: url)
  }
  process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
  try process.run()
  process.waitUntilExit()
  return process.terminationStatus
}

func which(_ tool: String) -> String? {
  for directory in ["/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/bin"] {
    let path = directory + "/" + tool
    if FileManager.default.isExecutableFile(atPath: path) { return path }
  }
  return nil
}

/// Alert and risk lines of an NDJSON output, sorted: what must be equal between two runs that saw
/// the same events (suppression summaries close at different times when a run is cut in two).
func detectionLines(_ output: String) -> [String] {
  output.split(separator: "\n").map(String.init).filter { $0.contains("\"type\":\"alert\"") || $0.contains("\"type\":\"risk\"") }.sorted()
}

func sendAllToFile(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
  var offset = 0
  while offset < bytes.count {
    let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    if n < 0 {
      if errno == EINTR { continue }
      return false
    }
    offset += n
  }
  return true
}
