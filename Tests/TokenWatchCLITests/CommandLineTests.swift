import Foundation
import Testing

@Suite struct CommandLineTests {
  @Test(arguments: ["replay", "watch", "rules", "simulate", "trail", "normalize", "actions"])
  func everyCommandHasHelp(_ command: String) throws {
    let result = try CLI.run([command, "--help"])
    #expect(result.status == 0)
    #expect(result.stdoutText.contains("USAGE: tokenwatch \(command)"))
  }

  @Test func usageErrorsExit64WithASuggestion() throws {
    let result = try CLI.run(["replay", "--max-dealy", "5m", "x.ndjson"])
    #expect(result.status == 64)
    #expect(result.stderr.contains("unknown option '--max-dealy'; did you mean '--max-delay'?"))
    #expect(try CLI.run(["replya"]).stderr.contains("did you mean 'replay'?"))
    #expect(try CLI.run(["replay"]).status == 64)
  }

  @Test func rulesCheckPassesOnTheShippedRules() throws {
    let result = try CLI.run(["rules", "check"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("6 rules"))
    let list = try CLI.run(["rules", "list"])
    #expect(list.stdoutText.contains("TW-001  replay"))
  }

  @Test func rulesCheckReportsBrokenFilesWithPositions() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tw-broken-rules-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    try "id: X\ndetector: dormant\ntitle: t\nseverity: low\nrisk:\n  points: 1\nparams:\n  idel: 30d\n".write(to: directory.appendingPathComponent("x.yaml"), atomically: true, encoding: .utf8)
    try "id: Y\ndetector: travel\n\ttitle: t\n".write(to: directory.appendingPathComponent("y.yaml"), atomically: true, encoding: .utf8)
    let result = try CLI.run(["rules", "check", directory.path])
    #expect(result.status == 1)
    #expect(result.stderr.contains("x.yaml:8:3: error: [TW103] unknown key \"idel\" in params of detector dormant; did you mean \"idle\"? (rule X)"))
    #expect(result.stderr.contains("y.yaml:3:1: error: [TW100]"))
    // Replay refuses to run on broken rules.
    #expect(try CLI.run(["replay", "--rules", directory.path, "datasets/demo/events.ndjson"]).status == 1)
  }

  @Test func textOutputIsColouredOnlyWhenAskedAndNeverWithNoColor() throws {
    let plain = try CLI.run(["replay", "--quiet", "--output", "text", "datasets/demo/events.ndjson"], environment: ["NO_COLOR": "1"])
    #expect(!plain.stdout.contains(0x1B))
    #expect(plain.stdoutLines.allSatisfy { $0.hasPrefix("20") })
    let coloured = try CLI.run(["replay", "--quiet", "--output", "text", "--color", "always", "datasets/demo/events.ndjson"])
    #expect(coloured.stdout.contains(0x1B))
  }

  @Test func closedPipeEndsQuietly() throws {
    let script = "\"$0\" replay datasets/demo/events.ndjson | head -n 1 >/dev/null; echo \"${PIPESTATUS[0]}\""
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = ["-c", script, CLI.binary.path]
    process.currentDirectoryURL = CLI.root
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(text.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
  }

  @Test func trailShowsOneCredentialInTimeOrder() throws {
    // The Okta session hijacked in the demo: the victim's and the attacker's uses, in order.
    let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: CLI.root.appendingPathComponent("datasets/demo/scenario.json"))) as! [String: Any]
    let session = try #require((manifest["attacks"] as! [[String: Any]]).compactMap { $0["session"] as? String }.first)
    let result = try CLI.run(["trail", session, "datasets/demo/events.ndjson"])
    #expect(result.status == 0)
    let lines = result.stdoutLines
    #expect(lines.count >= 3)
    #expect(lines.allSatisfy { $0.contains(session) })
    let times = lines.map { String($0.firstMatch(of: /"time":"([^"]+)"/)!.1) }
    #expect(times == times.sorted())
    // More than one network: the replay is visible in the trail.
    #expect(Set(lines.compactMap { $0.firstMatch(of: /"asn":(\d+)/).map { String($0.1) } }).count >= 2)
  }

  @Test func pureModulesImportNoOperatingSystemOrFoundation() throws {
    for module in ["Sources/TokenWatchCore", "Sources/TokenWatchJSON"] {
      let enumerator = FileManager.default.enumerator(atPath: CLI.root.appendingPathComponent(module).path)!
      for case let file as String in enumerator where file.hasSuffix(".swift") {
        let text = try String(contentsOf: CLI.root.appendingPathComponent(module + "/" + file), encoding: .utf8)
        let forbidden = text.split(separator: "\n").filter { $0.firstMatch(of: /^\s*(@preconcurrency\s+)?import\s+(Foundation|FoundationNetworking|FoundationEssentials|Glibc|Dispatch)\b/) != nil }
        #expect(forbidden.isEmpty, "\(module)/\(file) imports \(forbidden)")
      }
    }
  }
}
