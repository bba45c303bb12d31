import Foundation
import Testing

/// Response hooks against a real HTTP receiver on 127.0.0.1 (Python's http.server), which checks
/// signatures with its own hmac and de-duplicates by Idempotency-Key as a receiver should.
@Suite(.serialized) struct ResponseHookTests {
  static let secret = "s3cret-for-tests-only"

  /// `users` people, each disabled and then using their old token: one TW-005 (critical, 70
  /// points) each, which takes each user's risk to medium, the level the test policies route.
  static func offboardedUsers(_ users: Int, upn: (Int) -> String = { "user\($0)@contoso.example" }) -> Data {
    var lines: [String] = []
    for i in 0..<users {
      let user = "u\(i)"
      lines.append(#"{"time":"2026-03-02T09:00:00Z","kind":"signin","user":"\#(user)","upn":"\#(upn(i))","token":"t\#(i)","session":"s\#(i)","ip":"73.1.2.\#(i % 250)","asn":7922,"country":"US"}"#)
      lines.append(#"{"time":"2026-03-02T10:00:00Z","kind":"user_disabled","user":"\#(user)"}"#)
      lines.append(#"{"time":"2026-03-02T11:00:\#(i < 10 ? "0" : "")\#(i % 60)Z","kind":"access","user":"\#(user)","upn":"\#(upn(i))","token":"t\#(i)","session":"s\#(i)","ip":"73.1.2.\#(i % 250)","asn":7922,"country":"US"}"#)
    }
    return Data((lines.sorted { $0.dropFirst(9).prefix(20) < $1.dropFirst(9).prefix(20) }.joined(separator: "\n") + "\n").utf8)
  }

  final class Receiver {
    let process = Process()
    let log: URL
    let port: Int

    init(port: Int = 0, extra: [String] = []) throws {
      let directory = try CLI.temporaryFile("rx-\(UUID().uuidString)", Data()).deletingLastPathComponent()
      log = directory.appendingPathComponent("rx-\(UUID().uuidString).ndjson")
      let portFile = directory.appendingPathComponent("rx-\(UUID().uuidString).port")
      process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      process.arguments = ["python3", CLI.root.appendingPathComponent("Tests/TokenWatchCLITests/Support/receiver.py").path,
        "--port", String(port), "--port-file", portFile.path, "--log", log.path, "--secret-env", "RECEIVER_SECRET"] + extra
      process.environment = ProcessInfo.processInfo.environment.merging(["RECEIVER_SECRET": ResponseHookTests.secret]) { $1 }
      try process.run()
      let deadline = Date().addingTimeInterval(15)
      while !FileManager.default.fileExists(atPath: portFile.path), Date() < deadline { usleep(20_000) }
      self.port = Int((try? String(contentsOf: portFile, encoding: .utf8)) ?? "") ?? 0
    }

    var url: String { "http://127.0.0.1:\(port)/hook" }

    var records: [[String: Any]] {
      guard let text = try? String(contentsOf: log, encoding: .utf8) else { return [] }
      return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    func stop() {
      kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
    }
  }

  /// A copy of the shipped rules plus a response policy.
  static func rulesDirectory(_ response: String) throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tw-rules-\(UUID().uuidString)")
    try FileManager.default.copyItem(at: CLI.root.appendingPathComponent("rules"), to: directory)
    try response.write(to: directory.appendingPathComponent("response.yaml"), atomically: true, encoding: .utf8)
    return directory
  }

  static func webhookPolicy(_ url: String, maxPerMinute: Int = 30, attempts: Int = 12, queue: Int = 10_000) -> String {
    """
    policy: response
    cooldown: 6h
    max_actions_per_minute: \(maxPerMinute)
    queue_capacity: \(queue)
    retry:
      attempts: \(attempts)
      backoff: 100ms
      max_backoff: 400ms
    never_act: [breakglass@contoso.example]
    routes:
      - level: medium
        hooks: [notify-soc]
    hooks:
      notify-soc:
        kind: webhook
        url: \(url)
        headers: {X-Team: soc}
        secret_env: TW_TEST_WEBHOOK_SECRET
        timeout: 5s
    """
  }

  static func actionRecords(_ output: String) -> [[String: Any]] {
    output.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
      .filter { $0["type"] as? String == "action" }
  }

  static let environment = ["TW_TEST_WEBHOOK_SECRET": secret]

  @Test func webhookDeliversSignedBodyWithIdempotencyKey() throws {
    let receiver = try Receiver()
    defer { receiver.stop() }
    let rules = try Self.rulesDirectory(Self.webhookPolicy(receiver.url))
    let input = try CLI.temporaryFile("two-users.ndjson", Self.offboardedUsers(2, upn: { $0 == 1 ? "breakglass@contoso.example" : "user\($0)@contoso.example" }))
    let journal = try CLI.temporaryFile("journal-\(UUID().uuidString)", Data())
    let result = try CLI.run(["replay", "--rules", rules.path, "--live-actions", "--journal", journal.path, "--quiet", input.path], environment: Self.environment)
    #expect(result.status == 0, "\(result.stderr)")
    let delivered = receiver.records
    #expect(delivered.count == 1)  // the break-glass account is never acted on
    let request = try #require(delivered.first)
    #expect(request["signature_valid"] as? Bool == true)
    let headers = request["headers"] as! [String: String]
    #expect(headers["x-team"] == "soc")
    #expect(headers["content-type"] == "application/json")
    let body = try JSONSerialization.jsonObject(with: Data((request["body"] as! String).utf8)) as! [String: Any]
    #expect(body["type"] as? String == "action_request")
    #expect(body["user"] as? String == "u0")
    #expect(body["level"] as? String == "medium")
    #expect(body["rules"] as? [String] == ["TW-005"])
    #expect(body["tokens"] as? [String] == ["t0"])
    #expect(request["idempotency_key"] as? String == body["id"] as? String)
    let actions = Self.actionRecords(result.stdoutText)
    #expect(actions.contains { $0["result"] as? String == "success" && $0["id"] as? String == body["id"] as? String })
    #expect(actions.contains { $0["result"] as? String == "never-act" && $0["user"] as? String == "breakglass@contoso.example" })
    // The journal says it is done, so a restart delivers nothing again.
    let again = try CLI.run(["replay", "--rules", rules.path, "--live-actions", "--journal", journal.path, "--quiet", "/dev/null"], environment: Self.environment)
    #expect(again.status == 0)
    #expect(receiver.records.count == 1)
  }

  @Test func retriesAfter503sWithTheSameKey() throws {
    let receiver = try Receiver(extra: ["--fail", "2"])
    defer { receiver.stop() }
    let rules = try Self.rulesDirectory(Self.webhookPolicy(receiver.url))
    let input = try CLI.temporaryFile("one-user.ndjson", Self.offboardedUsers(1))
    let journal = try CLI.temporaryFile("journal-\(UUID().uuidString)", Data())
    let result = try CLI.run(["replay", "--rules", rules.path, "--live-actions", "--journal", journal.path, "--quiet", input.path], environment: Self.environment)
    #expect(result.status == 0)
    let delivered = receiver.records
    #expect(delivered.map { $0["status"] as? Int } == [503, 503, 200])
    #expect(Set(delivered.compactMap { $0["idempotency_key"] as? String }).count == 1)
    let results = Self.actionRecords(result.stdoutText).map { $0["result"] as? String }
    #expect(results == ["retry", "retry", "success"])
  }

  @Test func replayWithAPolicyOnlyPrintsThePlan() throws {
    let receiver = try Receiver()
    defer { receiver.stop() }
    let rules = try Self.rulesDirectory(Self.webhookPolicy(receiver.url))
    let input = try CLI.temporaryFile("one-user.ndjson", Self.offboardedUsers(1))
    let result = try CLI.run(["replay", "--rules", rules.path, "--quiet", input.path], environment: [:])
    #expect(result.status == 0, "no secret is needed for a dry run: \(result.stderr)")
    let actions = Self.actionRecords(result.stdoutText)
    #expect(actions.count == 1)
    #expect(actions.first?["result"] as? String == "dry-run")
    #expect((actions.first?["detail"] as? String)?.contains("would POST the action to \(receiver.url)") == true)
    Thread.sleep(forTimeInterval: 0.3)
    #expect(receiver.records.isEmpty)
  }

  @Test func missingSecretStopsBeforeAnything() throws {
    let rules = try Self.rulesDirectory(Self.webhookPolicy("http://127.0.0.1:9/hook"))
    let result = try CLI.run(["replay", "--rules", rules.path, "--live-actions", "--quiet", "/dev/null"], environment: [:])
    #expect(result.status == 1)
    #expect(result.stderr.contains("hook \"notify-soc\": environment variable TW_TEST_WEBHOOK_SECRET is not set"))
    #expect(!result.stderr.contains(Self.secret))
  }

  @Test func receiverDownThenUpGetsEveryActionOnce() throws {
    let port = try freePort()
    let rules = try Self.rulesDirectory(Self.webhookPolicy("http://127.0.0.1:\(port)/hook", attempts: 60))
    let input = try CLI.temporaryFile("three-users.ndjson", Self.offboardedUsers(3))
    let journal = try CLI.temporaryFile("journal-\(UUID().uuidString)", Data())
    let process = Process()
    process.executableURL = CLI.binary
    process.arguments = ["replay", "--rules", rules.path, "--live-actions", "--journal", journal.path, "--quiet", "--output", "ndjson", input.path]
    process.currentDirectoryURL = CLI.root
    process.environment = ProcessInfo.processInfo.environment.merging(Self.environment) { $1 }
    let stdout = Pipe()
    process.standardOutput = stdout
    process.standardError = FileHandle.nullDevice
    try process.run()
    Thread.sleep(forTimeInterval: 1.5)  // the receiver is down: connections are refused, retried
    let receiver = try Receiver(port: port)
    defer { receiver.stop() }
    let output = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    let keys = receiver.records.compactMap { $0["idempotency_key"] as? String }
    #expect(keys.count == 3)
    #expect(Set(keys).count == 3)
    #expect(Self.actionRecords(output).contains { $0["result"] as? String == "retry" })
  }

  @Test func killedMidDeliveryAndRestartedDeliversEverythingOnceByID() throws {
    let receiver = try Receiver(extra: ["--delay", "1.0"])
    defer { receiver.stop() }
    let rules = try Self.rulesDirectory(Self.webhookPolicy(receiver.url))
    let input = try CLI.temporaryFile("four-users.ndjson", Self.offboardedUsers(4))
    let journal = try CLI.temporaryFile("journal-\(UUID().uuidString)", Data())
    let first = Process()
    first.executableURL = CLI.binary
    first.arguments = ["replay", "--rules", rules.path, "--live-actions", "--journal", journal.path, "--quiet", input.path]
    first.currentDirectoryURL = CLI.root
    first.environment = ProcessInfo.processInfo.environment.merging(Self.environment) { $1 }
    first.standardOutput = FileHandle.nullDevice
    first.standardError = FileHandle.nullDevice
    try first.run()
    // Wait until a delivery is in flight (the receiver holds each request for a second), then kill -9.
    let deadline = Date().addingTimeInterval(20)
    while receiver.records.isEmpty, Date() < deadline { usleep(50_000) }
    kill(first.processIdentifier, SIGKILL)
    first.waitUntilExit()
    #expect(first.terminationReason == .uncaughtSignal)
    let beforeRestart = receiver.records.count
    #expect(beforeRestart < 4, "the kill must interrupt the deliveries")

    let restart = try CLI.run(["replay", "--rules", rules.path, "--live-actions", "--journal", journal.path, "--quiet", "/dev/null"], environment: Self.environment)
    #expect(restart.status == 0, "\(restart.stderr)")
    #expect(restart.stdoutText.contains("\"result\":\"recovered\""))
    let processed = receiver.records.filter { $0["duplicate"] as? Bool == false }.compactMap { $0["idempotency_key"] as? String }
    #expect(processed.count == 4, "every action delivered")
    #expect(Set(processed).count == 4, "none processed twice by id")
  }

  @Test func aFullQueueLeavesActionsInTheJournalNotDropped() throws {
    // A slow receiver and room for two actions in memory: the other six wait in the journal and
    // are read back from it once the queue drains.
    let receiver = try Receiver(extra: ["--delay", "0.2"])
    defer { receiver.stop() }
    let rules = try Self.rulesDirectory(Self.webhookPolicy(receiver.url, queue: 2))
    let input = try CLI.temporaryFile("eight-users.ndjson", Self.offboardedUsers(8))
    let journal = try CLI.temporaryFile("journal-\(UUID().uuidString)", Data())
    let result = try CLI.run(["replay", "--rules", rules.path, "--live-actions", "--journal", journal.path, "--quiet", input.path], environment: Self.environment)
    #expect(result.status == 0)
    let keys = receiver.records.compactMap { $0["idempotency_key"] as? String }
    #expect(keys.count == 8)
    #expect(Set(keys).count == 8)
    #expect(Self.actionRecords(result.stdoutText).filter { $0["result"] as? String == "success" }.count == 8)
  }

  @Test func circuitBreakerPausesARuleThatFiresForEveryUser() throws {
    let receiver = try Receiver()
    defer { receiver.stop() }
    let rules = try Self.rulesDirectory(Self.webhookPolicy(receiver.url, maxPerMinute: 3))
    let input = try CLI.temporaryFile("ten-users.ndjson", Self.offboardedUsers(10))
    let journal = try CLI.temporaryFile("journal-\(UUID().uuidString)", Data())
    let result = try CLI.run(["replay", "--rules", rules.path, "--live-actions", "--journal", journal.path, "--quiet", input.path], environment: Self.environment)
    #expect(result.status == 0)
    let actions = Self.actionRecords(result.stdoutText)
    let opened = actions.filter { $0["result"] as? String == "circuit-open" }
    #expect(opened.count == 1, "one loud record")
    #expect((opened.first?["detail"] as? String)?.contains("more than 3 actions within a minute") == true)
    #expect(actions.filter { $0["result"] as? String == "journaled" }.count == 7)
    #expect(receiver.records.count <= 3)
    // The seven paused actions are still pending in the journal for an operator.
    let journalText = try String(contentsOf: journal, encoding: .utf8)
    #expect(journalText.split(separator: "\n").filter { $0.contains("\"op\":\"pending\"") }.count == 10)
    // A plain restart must not fire the backlog: it is still more than the limit.
    let blocked = try CLI.run(["replay", "--rules", rules.path, "--live-actions", "--journal", journal.path, "--quiet", "/dev/null"], environment: Self.environment)
    #expect(blocked.stdoutText.contains("\"result\":\"circuit-open\""))
    #expect(receiver.records.count <= 3)
    // The operator reviews them, discards all but one, and the next start delivers only that one.
    let listed = try CLI.run(["actions", "list", "--journal", journal.path])
    let pending = listed.stdoutLines.compactMap { line in (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["id"] as? String }
    #expect(pending.count == 10 - receiver.records.count)
    let keep = try #require(pending.first)
    #expect(try CLI.run(["actions", "discard", "--journal", journal.path] + pending.dropFirst()).status == 0)
    #expect(try CLI.run(["actions", "list", "--journal", journal.path]).stdoutLines.count == 1)
    let before = receiver.records.count
    let restart = try CLI.run(["replay", "--rules", rules.path, "--live-actions", "--journal", journal.path, "--quiet", "/dev/null"], environment: Self.environment)
    #expect(restart.status == 0)
    #expect(receiver.records.count == before + 1)
    #expect(receiver.records.last?["idempotency_key"] as? String == keep)
  }

  @Test func execHookGetsTheActionLiterallyWithoutAShell() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tw-exec-\(UUID().uuidString.lowercased())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let script = directory.appendingPathComponent("record.sh")
    let record = directory.appendingPathComponent("record.txt")
    let canary = directory.appendingPathComponent("pwned")
    try """
      #!/bin/sh
      printf 'argc=%s\\n' "$#" > "\(record.path)"
      for a in "$@"; do printf 'arg=%s\\n' "$a" >> "\(record.path)"; done
      printf 'env=%s %s\\n' "$TOKENWATCH_ACTION_ID" "$TOKENWATCH_LEVEL" >> "\(record.path)"
      cat >> "\(record.path)"
      """.write(to: script, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
    let rules = try Self.rulesDirectory("""
      policy: response
      routes:
        - level: medium
          hooks: [disable]
      hooks:
        disable:
          kind: exec
          argv: [\(script.path), --reason, "$(touch \(canary.path))"]
          timeout: 5s
      """)
    let hostile = "$(touch \(canary.path)); `touch \(canary.path)` | rm -rf / ; echo '\"x"
    let input = try CLI.temporaryFile("hostile.ndjson", Self.offboardedUsers(1, upn: { _ in "" }).replacingUPN(with: hostile))
    let journal = try CLI.temporaryFile("journal-\(UUID().uuidString)", Data())
    let result = try CLI.run(["replay", "--rules", rules.path, "--live-actions", "--journal", journal.path, "--quiet", input.path])
    #expect(result.status == 0, "\(result.stderr)")
    let recorded = try String(contentsOf: record, encoding: .utf8)
    #expect(recorded.contains("argc=2\narg=--reason\narg=$(touch \(canary.path))\n"))
    #expect(recorded.contains("env=act-"))
    #expect(recorded.contains(" medium\n"))
    let json = try #require(recorded.split(separator: "\n").last)
    let body = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
    #expect(body["upn"] as? String == hostile)
    #expect(!FileManager.default.fileExists(atPath: canary.path), "nothing from the policy or the event ran in a shell")
  }

  @Test func ssfPushCarriesAVerifiableSecurityEventToken() throws {
    let receiver = try Receiver(extra: ["--status", "202"])
    defer { receiver.stop() }
    let rules = try Self.rulesDirectory("""
      policy: response
      routes:
        - level: medium
          hooks: [revoke]
      hooks:
        revoke:
          kind: ssf
          url: \(receiver.url)
          event: session-revoked
          issuer: https://tokenwatch.example/
          audience: https://idp.example/caep
          subject: email
          secret_env: TW_TEST_WEBHOOK_SECRET
      """)
    let input = try CLI.temporaryFile("one-user.ndjson", Self.offboardedUsers(1))
    let journal = try CLI.temporaryFile("journal-\(UUID().uuidString)", Data())
    let result = try CLI.run(["replay", "--rules", rules.path, "--live-actions", "--journal", journal.path, "--quiet", input.path], environment: Self.environment)
    #expect(result.status == 0, "\(result.stderr)")
    let request = try #require(receiver.records.first)
    #expect((request["headers"] as! [String: String])["content-type"] == "application/secevent+jwt")
    #expect(request["jws_valid"] as? Bool == true)
    #expect((request["jws_header"] as? [String: Any])?["typ"] as? String == "secevent+jwt")
    #expect((request["jws_header"] as? [String: Any])?["alg"] as? String == "HS256")
    let claims = try #require(request["claims"] as? [String: Any])
    #expect(claims["iss"] as? String == "https://tokenwatch.example/")
    #expect(claims["aud"] as? String == "https://idp.example/caep")
    #expect(claims["jti"] as? String == request["idempotency_key"] as? String)
    #expect(claims["iat"] is Int)
    #expect(claims["exp"] == nil)
    let events = try #require(claims["events"] as? [String: Any])
    #expect(Array(events.keys) == ["https://schemas.openid.net/secevent/caep/event-type/session-revoked"])
    let subject = try #require(claims["sub_id"] as? [String: Any])
    #expect(subject["format"] as? String == "complex")
    #expect((subject["user"] as? [String: Any])?["email"] as? String == "user0@contoso.example")
    #expect((subject["session"] as? [String: Any])?["id"] as? String == "s0")
  }

  @Test func rulesCheckValidatesThePolicyWithPositions() throws {
    let rules = try Self.rulesDirectory("""
      policy: response
      routes:
        - level: hihg
          rules: [TW-999]
          hooks: [notify, nope]
      hooks:
        notify:
          kind: webhok
          url: ftp://x
        runner:
          kind: exec
          argv: [disable-agent]
      """)
    let result = try CLI.run(["rules", "check", rules.path])
    #expect(result.status == 1)
    #expect(!result.stderr.contains("unknown key \"url\""), "an unknown kind must not cascade into unknown keys")
    #expect(!result.stderr.contains("unknown hook \"notify\""), "a declared hook that failed must not cascade into routes")
    for expected in [
      "response.yaml:3:12: error: [TW109] unknown risk level \"hihg\"; did you mean \"high\"? (use low, medium, high)",
      "response.yaml:5:21: error: [TW108] unknown hook \"nope\"",
      "response.yaml:8:11: error: [TW109] unknown hook kind \"webhok\"; did you mean \"webhook\"? (use exec, webhook, ssf, file)",
      "response.yaml:12:12: error: [TW109] argv[0] must be an absolute path (no PATH lookup, no shell): \"disable-agent\"",
    ] {
      #expect(result.stderr.contains(expected), "missing: \(expected)\n\(result.stderr)")
    }
  }
}

func freePort() throws -> Int {
  let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
  defer { close(fd) }
  var address = sockaddr_in()
  address.sin_family = sa_family_t(AF_INET)
  address.sin_addr.s_addr = inet_addr("127.0.0.1")
  address.sin_port = 0
  var length = socklen_t(MemoryLayout<sockaddr_in>.size)
  _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
  _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
  return Int(UInt16(bigEndian: address.sin_port))
}

extension Data {
  /// Swaps the empty UPN of generated events for `upn`, JSON-escaped.
  func replacingUPN(with upn: String) -> Data {
    let escaped = String(decoding: try! JSONSerialization.data(withJSONObject: [upn]), as: UTF8.self).dropFirst().dropLast()
    return Data(String(decoding: self, as: UTF8.self).replacingOccurrences(of: #""upn":"""#, with: #""upn":"# + escaped).utf8)
  }
}
