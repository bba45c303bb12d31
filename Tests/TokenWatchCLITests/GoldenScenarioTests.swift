import Foundation
import Testing

/// Every labelled scenario in datasets/ is replayed through the real binary with the shipped
/// rules. Its alerts must equal the golden file byte for byte, every labelled attack must be
/// alerted on, and no benign look-alike may raise anything. `RECORD_GOLDEN=1 swift test`
/// rewrites the golden files (and fails, so recording is never silent).
@Suite struct GoldenScenarioTests {
  static func scenarioDirectories() -> [String] {
    let datasets = CLI.root.appendingPathComponent("datasets")
    let scenarios = (try? FileManager.default.contentsOfDirectory(atPath: datasets.appendingPathComponent("scenarios").path)) ?? []
    return (scenarios.sorted().map { "datasets/scenarios/\($0)" } + ["datasets/demo"]).filter {
      FileManager.default.fileExists(atPath: CLI.root.appendingPathComponent($0 + "/events.ndjson").path)
    }
  }

  @Test func datasetsHaveScenarios() {
    #expect(Self.scenarioDirectories().count >= 20)
  }

  @Test(arguments: scenarioDirectories())
  func scenarioMatchesGoldenAndLabels(_ directory: String) throws {
    let result = try CLI.run(["replay", "--rules", "rules", "--quiet", "--output", "ndjson", directory + "/events.ndjson"])
    #expect(result.status == 0)
    #expect(result.stderr == "", "generated datasets should have no bad lines")

    let golden = CLI.root.appendingPathComponent(directory + "/expected.ndjson")
    if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1" {
      try result.stdout.write(to: golden)
      Issue.record("recorded \(golden.path); run again without RECORD_GOLDEN")
    } else {
      let expected = try Data(contentsOf: golden)
      #expect(String(decoding: expected, as: UTF8.self) == result.stdoutText, "alerts differ from \(directory)/expected.ndjson")
    }

    let alerts = result.stdoutLines.compactMap { line -> [String: Any]? in
      guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], object["type"] as? String == "alert" else { return nil }
      return object
    }
    let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: CLI.root.appendingPathComponent(directory + "/scenario.json"))) as! [String: Any]
    for label in manifest["attacks"] as? [[String: Any]] ?? [] {
      let rule = label["rule"] as! String
      let user = label["user"] as! String
      let ids = [label["token"], label["session"]].compactMap { $0 as? String }
      let caught = alerts.contains { alert in
        let subject = (alert["subject"] as? [String: Any])?["id"] as? String
        let alertIDs = [alert["token"], alert["session"], subject].compactMap { $0 as? String }
        return alert["rule"] as? String == rule
          && (alert["user"] as? String == user || alert["upn"] as? String == user)
          && (ids.isEmpty || ids.contains { alertIDs.contains($0) })
      }
      #expect(caught, "\(directory): labelled attack not alerted on: \(rule) on \(user) \(ids) (\(label["note"] ?? ""))")
    }
    for user in manifest["benign_users"] as? [String] ?? [] {
      let noisy = alerts.filter { $0["user"] as? String == user || $0["upn"] as? String == user }
      #expect(noisy.isEmpty, "\(directory): benign user \(user) raised \(noisy.map { $0["rule"] ?? "" })")
    }
  }
}
