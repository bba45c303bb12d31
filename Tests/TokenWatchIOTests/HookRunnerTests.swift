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
