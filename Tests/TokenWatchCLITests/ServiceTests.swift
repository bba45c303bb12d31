import Foundation
import Glibc
import Testing

/// `watch` as a service: sockets with real clients (socat, rsyslog, a thousand raw connections),
/// restarts with `--state`, SIGHUP reloads, stats and metrics, shards. Each test compares what the
/// service wrote with a `replay` of the same events, which the golden tests pin.
@Suite(.serialized) struct ServiceTests {
  static let demoPath = "datasets/demo/events.ndjson"
  static var demoLines: [String] {
    let text = (try? String(contentsOf: CLI.root.appendingPathComponent(demoPath), encoding: .utf8)) ?? ""
    return text.split(separator: "\n").map(String.init)
  }

  /// A replay of `lines` with the options the service runs with.
  func replayOutput(_ lines: [String], _ extra: [String] = []) throws -> String {
    let result = try CLI.run(["replay", "--quiet", "--output", "ndjson"] + extra + ["-"], input: Data((lines.joined(separator: "\n") + "\n").utf8))
    #expect(result.status == 0)
    return result.stdoutText
  }

  /// A service with a TCP listener and a metrics endpoint on ephemeral ports. A long max delay and
  /// no idle flush: however the connections interleave, events are ordered before the drain.
  func startService(_ extra: [String] = [], listen: [String] = ["tcp://127.0.0.1:0"]) throws -> (RunningService, listener: UInt16, metrics: UInt16) {
    var arguments = ["watch", "--quiet", "--output", "ndjson", "--idle-flush", "0s", "--max-delay", "10000h", "--metrics", "tcp://127.0.0.1:0"]
    for address in listen { arguments += ["--listen", address] }
    let service = try RunningService(arguments + extra)
    let listener = try #require(service.announcedPort("listening on tcp://127.0.0.1:"), "no listener: \(service.stderr)")
    let metrics = try #require(service.announcedPort("metrics on http://127.0.0.1:"), "no metrics: \(service.stderr)")
    return (service, listener, metrics)
  }

  @Test func socatSendsNDJSONOverTCPAndAUnixSocket() throws {
    let socat = try #require(which("socat"), ".ci/run installs socat")
    let socketPath = FileManager.default.temporaryDirectory.appendingPathComponent("tw-\(UUID().uuidString.prefix(8)).sock").path
    let (service, port, metrics) = try startService(listen: ["tcp://127.0.0.1:0", "unix:" + socketPath])
    let lines = Self.demoLines
    let half = lines.count / 2
    // CRLF on the TCP half, as Windows shippers send it.
    let tcpInput = Data(lines[..<half].map { $0 + "\r\n" }.joined().utf8)
    let unixInput = Data(lines[half...].map { $0 + "\n" }.joined().utf8)
    #expect(try runTool(socat, ["-u", "STDIN", "TCP:127.0.0.1:\(port)"], input: tcpInput) == 0)
    #expect(try runTool(socat, ["-u", "STDIN", "UNIX-CONNECT:" + socketPath], input: unixInput) == 0)
    #expect(service.waitForMetric(port: metrics, "tokenwatch_lines_total", atLeast: lines.count) == lines.count)
    #expect(service.terminate() == 0)
    #expect(service.stdout == (try replayOutput(lines)))
    #expect(!FileManager.default.fileExists(atPath: socketPath), "the unix socket is removed at shutdown")
  }

  @Test func rsyslogForwardsAFileWithOctetCounting() throws {
    let rsyslogd = try #require(which("rsyslogd"), ".ci/run installs rsyslog")
    let scenario = "datasets/scenarios/replay-entra-refresh-token/events.ndjson"
    let lines = try String(contentsOf: CLI.root.appendingPathComponent(scenario), encoding: .utf8).split(separator: "\n").map(String.init)
    let (service, port, metrics) = try startService()
    let work = FileManager.default.temporaryDirectory.appendingPathComponent("tw-rsyslog-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: work) }
    let input = work.appendingPathComponent("events.ndjson")
    try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: input)
    // rsyslog tails the file (imfile) and forwards each line as an RFC 5424 message over TCP with
    // octet-counted framing (RFC 6587), the way a log shipper would.
    let config = """
      global(workDirectory="\(work.path)" maxMessageSize="256k")
      module(load="imfile" mode="polling" PollingInterval="1")
      input(type="imfile" File="\(input.path)" Tag="entra" ruleset="forward" freshStartTail="off")
      ruleset(name="forward") {
        action(type="omfwd" target="127.0.0.1" port="\(port)" protocol="tcp" TCP_Framing="octet-counted"
               template="RSYSLOG_SyslogProtocol23Format")
      }
      """
    let configURL = work.appendingPathComponent("rsyslog.conf")
    try Data(config.utf8).write(to: configURL)
    let rsyslog = Process()
    rsyslog.executableURL = URL(fileURLWithPath: rsyslogd)
    rsyslog.arguments = ["-n", "-f", configURL.path, "-i", work.appendingPathComponent("rsyslog.pid").path]
    rsyslog.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
    rsyslog.standardError = FileHandle(forWritingAtPath: "/dev/null")
    try rsyslog.run()
    defer {
      kill(rsyslog.processIdentifier, SIGKILL)
      rsyslog.waitUntilExit()
    }
    #expect(service.waitForMetric(port: metrics, "tokenwatch_lines_total", atLeast: lines.count, seconds: 90) == lines.count)
    #expect(service.terminate() == 0)
    let expected = try replayOutput(lines)
    #expect(expected.contains("\"rule\":\"TW-001\""), "the scenario's attack")
    #expect(detectionLines(service.stdout) == detectionLines(expected))
    #expect(!service.stderr.contains("error"), "\(service.stderr)")
  }

  @Test func aThousandConcurrentConnectionsGiveTheSameAlertsAsAReplay() throws {
    var limit = rlimit()
    getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    limit.rlim_cur = limit.rlim_max
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)

    let (service, port, metrics) = try startService(["--max-connections", "2000"])
    let lines = Self.demoLines
    let connections = 1000
    // Connection k sends lines k, k+1000, k+2000…: every connection interleaves with every other.
    var sockets: [Int32] = []
    for _ in 0..<connections { sockets.append(try #require(connectTCP(port: port))) }
    var payloads = Array(repeating: [UInt8](), count: connections)
    for (i, line) in lines.enumerated() { payloads[i % connections] += Array((line + "\n").utf8) }
    // Each payload goes out in two pieces cut at an odd point, so lines straddle reads; all
    // first pieces go before any second piece.
    for (k, fd) in sockets.enumerated() {
      let cut = min(payloads[k].count, 1 + (k * 37) % max(payloads[k].count, 1))
      #expect(sendAll(fd, Array(payloads[k][..<cut])))
    }
    for (k, fd) in sockets.enumerated() {
      let cut = min(payloads[k].count, 1 + (k * 37) % max(payloads[k].count, 1))
      #expect(sendAll(fd, Array(payloads[k][cut...])))
      close(fd)
    }
    #expect(service.waitForMetric(port: metrics, "tokenwatch_lines_total", atLeast: lines.count, seconds: 120) == lines.count)
    let accepted = httpGet(port: metrics, path: "/metrics").flatMap { RunningService.sample("tokenwatch_connections_accepted_total", in: $0) }
    #expect(accepted == connections)
    #expect(service.terminate() == 0)
    #expect(service.stdout == (try replayOutput(lines)))
  }

  @Test func slowOversizedAndHalfSentLinesAffectNoOtherSender() throws {
    let (service, port, metrics) = try startService(["--max-line-bytes", "65536"])
    let lines = Self.demoLines
    let slowLine = #"{"time":"2026-03-10T12:00:00Z","kind":"signin","user":"slow-user","upn":"slow@contoso.example","session":"slow-s","ip":"73.1.2.3","asn":7922,"country":"US"}"#

    let slow = try #require(connectTCP(port: port))
    let oversized = try #require(connectTCP(port: port))
    let halfSent = try #require(connectTCP(port: port))
    let bulk = try #require(connectTCP(port: port))
    // The slow sender starts a line and dribbles it while everything else is sent.
    let slowBytes = Array((slowLine + "\n").utf8)
    #expect(sendAll(slow, Array(slowBytes[..<10])))
    #expect(sendAll(oversized, Array(("{\"pad\":\"" + String(repeating: "x", count: 200_000) + "\"}\n").utf8) + Array((lines[0] + "\n").utf8)))
    #expect(sendAll(halfSent, Array(#"{"time":"2026-03-10T12:00:00Z","kind":"sig"#.utf8)))
    close(halfSent)
    #expect(sendAll(bulk, Array(lines.dropFirst().map { $0 + "\n" }.joined().utf8)))
    close(bulk)
    for i in stride(from: 10, to: slowBytes.count, by: 20) {
      #expect(sendAll(slow, Array(slowBytes[i..<min(i + 20, slowBytes.count)])))
      Thread.sleep(forTimeInterval: 0.01)
    }
    close(slow)
    close(oversized)
    // Every demo line, the slow line, the oversized one and the half-sent one.
    #expect(service.waitForMetric(port: metrics, "tokenwatch_lines_total", atLeast: lines.count + 3) == lines.count + 3)
    #expect(service.terminate() == 0)
    let errors = service.stderr
    #expect(errors.contains("[TW202] line of 200010 bytes exceeds the 65536-byte limit; skipped"), "\(errors)")
    #expect(errors.contains("[TW208] connection closed in the middle of a line"), "\(errors)")
    // Nothing else lost: the same detections as a replay of the demo plus the slow user's sign-in.
    #expect(detectionLines(service.stdout) == detectionLines(try replayOutput(lines + [slowLine])))
  }

  @Test func aStopAndRestartWithStateGivesTheAlertsOfOneRun() throws {
    let state = FileManager.default.temporaryDirectory.appendingPathComponent("tw-state-\(UUID().uuidString.prefix(8))").path
    defer { try? FileManager.default.removeItem(atPath: state) }
    let lines = Self.demoLines
    let cut = lines.count * 3 / 5
    let arguments = ["watch", "--quiet", "--output", "ndjson", "--idle-flush", "0s", "--state", state, "--metrics", "tcp://127.0.0.1:0"]

    let first = try RunningService(arguments)
    let metrics = try #require(first.announcedPort("metrics on http://127.0.0.1:"))
    first.send(lines[..<cut].map { $0 + "\n" }.joined())
    #expect(first.waitForMetric(port: metrics, "tokenwatch_lines_total", atLeast: cut) == cut)
    #expect(first.terminate() == 0)
    #expect(FileManager.default.fileExists(atPath: state + "/checkpoint"))

    let second = try RunningService(arguments)
    #expect(second.waitForStderr { $0.contains("state restored from") }.contains("state restored from"))
    second.send(lines[cut...].map { $0 + "\n" }.joined())
    second.closeStdin()
    #expect(second.waitForExit() == 0)

    let combined = first.stdout + second.stdout
    let uninterrupted = try replayOutput(lines)
    #expect(detectionLines(combined) == detectionLines(uninterrupted))
    #expect(!detectionLines(first.stdout).isEmpty && !detectionLines(second.stdout).isEmpty, "alerts on both sides of the cut")
  }

  @Test func aRestartRemembersResponseCooldowns() throws {
    let work = FileManager.default.temporaryDirectory.appendingPathComponent("tw-cooldown-\(UUID().uuidString.prefix(8))")
    let rules = work.appendingPathComponent("rules")
    try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: CLI.root.appendingPathComponent("rules"), to: rules)
    defer { try? FileManager.default.removeItem(at: work) }
    let actions = work.appendingPathComponent("actions.ndjson")
    // Risk halves every hour, so a second replay three hours later rises to "low" again, inside a
    // 30-day cooldown.
    try Data("policy: risk\nhalf_life: 1h\nlevels:\n  low: 20\n  medium: 50\n  high: 100\n".utf8).write(to: rules.appendingPathComponent("risk.yaml"))
    let policy = "policy: response\ncooldown: 30d\nroutes:\n  - level: low\n    hooks: [drop]\nhooks:\n  drop:\n    kind: file\n    path: \(actions.path)\n"
    try Data(policy.utf8).write(to: rules.appendingPathComponent("response.yaml"))
    func events(_ hour: Int, _ session: String) -> Data {
      let signIn = #"{"time":"2026-03-02T0\#(hour):00:00Z","kind":"signin","user":"u1","upn":"u1@contoso.example","session":"\#(session)","ip":"73.1.2.3","asn":7922,"country":"US"}"#
      let replay = #"{"time":"2026-03-02T0\#(hour):05:00Z","kind":"access","user":"u1","upn":"u1@contoso.example","session":"\#(session)","ip":"167.99.1.2","asn":14061,"country":"NL"}"#
      return Data((signIn + "\n" + replay + "\n").utf8)
    }
    let arguments = ["watch", "--quiet", "--output", "ndjson", "--rules", rules.path, "--state", work.appendingPathComponent("state").path]
    let first = try CLI.run(arguments, input: events(1, "s1"))
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stdoutText.contains("\"result\":\"success\""), "\(first.stdoutText)")
    let second = try CLI.run(arguments, input: events(4, "s2"))
    #expect(second.status == 0, "\(second.stderr)")
    #expect(second.stdoutText.contains("\"type\":\"risk\""), "the risk rose again: \(second.stdoutText)")
    #expect(second.stdoutText.contains("\"result\":\"cooling-down\""), "\(second.stdoutText)")
    let delivered = try String(contentsOf: actions, encoding: .utf8).split(separator: "\n")
    #expect(delivered.count == 1, "acted once across the restart")
  }

  @Test func aCorruptCheckpointStopsTheStartUnlessDiscarded() throws {
    let state = FileManager.default.temporaryDirectory.appendingPathComponent("tw-state-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: state) }
    try Data("TWSTATE\nthis is not a checkpoint".utf8).write(to: state.appendingPathComponent("checkpoint"))
    let refused = try CLI.run(["watch", "--quiet", "--state", state.path], input: Data())
    #expect(refused.status == 1)
    #expect(refused.stderr.contains(state.path + "/checkpoint: "))
    #expect(refused.stderr.contains("nothing was loaded"))

    let discarded = try CLI.run(["watch", "--quiet", "--state", state.path, "--discard-state"], input: Data())
    #expect(discarded.status == 0, "\(discarded.stderr)")
    #expect(discarded.stderr.contains("starting with empty state"))
    let files = try FileManager.default.contentsOfDirectory(atPath: state.path)
    #expect(files.contains { $0.hasPrefix("checkpoint.corrupt-") })
  }

  @Test func sighupReloadsRulesKeepsStateAndRejectsABrokenFile() throws {
    let rules = FileManager.default.temporaryDirectory.appendingPathComponent("tw-rules-\(UUID().uuidString.prefix(8))")
    try FileManager.default.copyItem(at: CLI.root.appendingPathComponent("rules"), to: rules)
    defer { try? FileManager.default.removeItem(at: rules) }
    let service = try RunningService(["watch", "--output", "ndjson", "--quiet", "--idle-flush", "200ms", "--rules", rules.path])
    func signIn(_ user: String, _ minute: Int) -> String {
      #"{"time":"2026-03-02T09:\#(String(format: "%02d", minute)):00Z","kind":"signin","user":"\#(user)","upn":"\#(user)@contoso.example","session":"s-\#(user)","ip":"73.1.2.3","asn":7922,"country":"US"}"# + "\n"
    }
    func replay(_ user: String, _ minute: Int) -> String {
      #"{"time":"2026-03-02T09:\#(String(format: "%02d", minute)):00Z","kind":"access","user":"\#(user)","upn":"\#(user)@contoso.example","session":"s-\#(user)","ip":"167.99.1.2","asn":14061,"country":"NL"}"# + "\n"
    }
    func tw001Alerts() -> Int { service.stdout.components(separatedBy: "\"rule\":\"TW-001\"").count - 1 }

    // Sessions are learned before any reload; u0's alert shows the service is up (and its
    // SIGHUP handler installed) before any signal is sent.
    service.send(signIn("u0", 0) + signIn("u1", 0) + signIn("u2", 1) + signIn("u3", 2) + replay("u0", 5))
    for _ in 0..<200 where tw001Alerts() == 0 { Thread.sleep(forTimeInterval: 0.05) }
    #expect(tw001Alerts() == 1)
    // A broken rule file: every error reported, the old rules keep running.
    let broken = rules.appendingPathComponent("zz-broken.yaml")
    try Data("id: TW-900\ntitle: broken\ndetector: replay\nseverity: extreme\npoints: lots\n".utf8).write(to: broken)
    kill(service.process.processIdentifier, SIGHUP)
    let rejected = service.waitForStderr { $0.contains("reload rejected") }
    #expect(rejected.contains("reload rejected"), "\(rejected)")
    #expect(rejected.contains(broken.path + ":4:"), "positions of the errors: \(rejected)")
    #expect(rejected.contains(broken.path + ":5:"), "every error, not just the first: \(rejected)")
    service.send(replay("u1", 10))
    _ = service.waitForStderr(seconds: 2) { _ in false }
    #expect(tw001Alerts() == 2, "the previous rules still run")

    // A valid change: TW-001 off. The state learned before (u2's session) is kept.
    try FileManager.default.removeItem(at: broken)
    let replayRule = rules.appendingPathComponent("TW-001-replay-new-network.yaml")
    let text = try String(contentsOf: replayRule, encoding: .utf8)
    #expect(text.contains("enabled: true") || !text.contains("enabled:"))
    try Data((text.contains("enabled: true") ? text.replacingOccurrences(of: "enabled: true", with: "enabled: false") : text + "enabled: false\n").utf8).write(to: replayRule)
    kill(service.process.processIdentifier, SIGHUP)
    #expect(service.waitForStderr { $0.contains("reloaded") }.contains("state kept"))
    service.send(replay("u2", 20))
    _ = service.waitForStderr(seconds: 2) { _ in false }
    #expect(tw001Alerts() == 2, "TW-001 is off after the reload")

    // And on again: u3's session, learned before both reloads, still anchors the replay alert.
    try Data(text.utf8).write(to: replayRule)
    kill(service.process.processIdentifier, SIGHUP)
    _ = service.waitForStderr { $0.components(separatedBy: "reloaded").count == 3 }
    service.send(replay("u3", 30))
    service.closeStdin()
    #expect(service.waitForExit() == 0)
    #expect(tw001Alerts() == 3, "state survived the reloads: \(service.stdout)")
  }

  @Test func statsLinesAndPrometheusMetricsReportTheSameCounters() throws {
    let (service, port, metrics) = try startService(["--stats-interval", "200ms"])
    let lines = Array(Self.demoLines.prefix(500))
    let fd = try #require(connectTCP(port: port))
    #expect(sendAll(fd, Array((lines.map { $0 + "\n" }.joined() + "not json\n").utf8)))
    close(fd)
    #expect(service.waitForMetric(port: metrics, "tokenwatch_lines_total", atLeast: 501) == 501)
    let text = try #require(httpGet(port: metrics, path: "/metrics"))
    #expect(text.contains("# TYPE tokenwatch_events_total counter"))
    #expect(RunningService.sample("tokenwatch_bad_lines_total{reason=\"invalid_json\"}", in: text) == 1)
    #expect(RunningService.sample("tokenwatch_connections_accepted_total", in: text) == 1)
    #expect(httpGet(port: metrics, path: "/other")?.contains("/metrics only") == true)
    let statsLine = service.waitForStderr { $0.contains("\"bad_lines\":1") }
      .split(separator: "\n").last { $0.hasPrefix("{\"type\":\"stats\"") && $0.contains("\"bad_lines\":1") }
    let stats = try #require(statsLine.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
    #expect(stats["lines"] as? Int == 501)
    // Read per input; processed or still waiting in the (here 10000h) reorder window.
    #expect((stats["sources"] as? [String: Int])?.values.reduce(0, +) == 500)
    #expect((stats["events"] as? Int ?? -1) + (stats["reorder_depth"] as? Int ?? -1) == 500)
    for key in ["events_per_s", "late_events", "queue_depth", "state", "evictions", "alerts", "pending_actions", "connections_open"] {
      #expect(stats[key] != nil, "stats has \(key)")
    }
    #expect(service.terminate() == 0)
  }

  @Test func listeningBeyondLoopbackNeedsConsent() throws {
    let refused = try CLI.run(["watch", "--quiet", "--listen", "tcp://0.0.0.0:0"], input: Data())
    #expect(refused.status != 0)
    #expect(refused.stderr.contains("not a loopback address"))
  }

  @Test func theUnionOfShardsEqualsOneInstance() throws {
    let whole = try CLI.run(["replay", "--quiet", "--output", "ndjson", Self.demoPath])
    var union: [String] = []
    for i in 0..<3 {
      let shard = try CLI.run(["replay", "--quiet", "--output", "ndjson", "--shard", "\(i)/3", Self.demoPath])
      #expect(shard.status == 0)
      #expect(shard.stdoutLines.count < whole.stdoutLines.count, "shard \(i) sees only its users")
      union += shard.stdoutLines
    }
    #expect(union.sorted() == whole.stdoutLines.sorted())
    #expect(try CLI.run(["replay", "--shard", "3/3", Self.demoPath]).status == 64)
  }
}
