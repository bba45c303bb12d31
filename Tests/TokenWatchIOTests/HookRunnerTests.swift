import Foundation
import Testing
@testable import TokenWatchCore
@testable import TokenWatchIO

@Suite struct HookRunnerTests {
  @Test(arguments: [(200, "success"), (202, "success"), (204, "success"), (408, "retry"), (429, "retry"), (500, "retry"), (503, "retry"),
    (400, "failure"), (401, "failure"), (404, "failure"), (410, "failure")])
  func httpStatusesAreClassified(_ status: Int, _ expected: String) {
    switch HookRunner.classify(status) {
    case .success: #expect(expected == "success")
    case .retry: #expect(expected == "retry")
    case .failure: #expect(expected == "failure")
    }
  }

  @Test func fileHookAppendsOneLinePerAction() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("soar-\(UUID().uuidString).ndjson").path
    let runner = HookRunner(hook: Hook(name: "soar", kind: .file(path: path), secret: nil, timeout: .seconds(1)), secret: nil, secretVariables: [])
    let record = RiskRecord(id: "r1", time: EventTime(millis: 0), user: "u1", upn: "a@b.example", actor: .human, level: .high, previousLevel: .medium, score: 120, alerts: [], rules: ["TW-001"], tokens: [], sessions: [])
    let action = ActionRequest(id: "act-1", hook: "soar", risk: record)
    guard case .success = runner.deliver(action) else { Issue.record("first append failed"); return }
    guard case .success = runner.deliver(action) else { Issue.record("second append failed"); return }
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 2)
    #expect(lines[0].contains(#""id":"act-1""#))
  }

  @Test func secretsComeFromTheEnvironmentOrAFileAndAreNeverEchoed() throws {
    var policy = ResponsePolicy()
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("secret-\(UUID().uuidString)")
    try "from-file\n".write(to: file, atomically: true, encoding: .utf8)
    policy.hooks = [
      "a": Hook(name: "a", kind: .file(path: "/dev/null"), secret: .environment("TW_SECRET_A"), timeout: .seconds(1)),
      "b": Hook(name: "b", kind: .file(path: "/dev/null"), secret: .file(file.path), timeout: .seconds(1)),
    ]
    let secrets = try SecretStore.resolve(policy, environment: ["TW_SECRET_A": "from-env"])
    #expect(secrets["a"] == Array("from-env".utf8))
    #expect(secrets["b"] == Array("from-file".utf8))
    #expect(throws: SecretStore.Failure.self) { try SecretStore.resolve(policy, environment: [:]) }
    do {
      _ = try SecretStore.resolve(policy, environment: ["TW_SECRET_A": ""])
    } catch {
      #expect(error.description == "hook \"a\": environment variable TW_SECRET_A is not set")
    }
  }
}

/// The libcurl transport (`CHTTPPost`) on what the end-to-end webhook tests do not reach.
@Suite struct HTTPClientTests {
  private func closedPort() throws -> Int {
    // Bound and closed again: nothing listens there for the test's short life.
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    try #require(fd >= 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    try #require(bound)
    return Int(UInt16(bigEndian: address.sin_port))
  }

  @Test func libcurlLoads() {
    #expect(HTTPClient.unavailableReason() == nil)
  }

  @Test func nothingListeningIsWorthRetrying() throws {
    let result = HTTPClient.post("http://127.0.0.1:\(try closedPort())/hook", body: Array("{}".utf8), headers: [], timeoutMillis: 2000)
    guard case .retry(let reason) = result else { Issue.record("expected a retry, got \(result)"); return }
    #expect(reason.hasPrefix("network error: "))
  }

  @Test func onlyHTTPAndHTTPSAreSpoken() {
    for url in ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1/"] {
      // Refused by libcurl before any read (a file:// read would have come back as "HTTP 0").
      let result = HTTPClient.post(url, body: [], headers: [], timeoutMillis: 1000)
      guard case .failure(let reason) = result else { Issue.record("\(url) was not refused: \(result)"); continue }
      #expect(reason.lowercased().contains("protocol"), "\(url): \(reason)")
    }
  }

  @Test func aHeaderWithALineBreakOrANulIsNeverSent() throws {
    let port = try closedPort()
    for value in ["a\r\nX-Injected: 1", "a\nb", "a\rb", "a\u{0}b"] {
      let result = HTTPClient.post("http://127.0.0.1:\(port)/hook", body: [], headers: [("X-Note", value)], timeoutMillis: 1000)
      guard case .failure(let reason) = result else { Issue.record("\(value.debugDescription) was sent: \(result)"); continue }
      #expect(reason == "header X-Note contains a line break or a NUL byte")
    }
  }
}
