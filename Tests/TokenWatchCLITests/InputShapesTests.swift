import Foundation
import Testing

@Suite struct InputShapesTests {
  @Test func logAnalyticsArrayExportIsReadRecordByRecordWithLineNumbers() throws {
    let result = try CLI.run(["replay", "Tests/TokenWatchCoreTests/Fixtures/entra-loganalytics-export-2026.json"])
    #expect(result.status == 0)
    #expect(result.stderr.contains("entra-loganalytics-export-2026.json:4: warning: [TW204] record 3 of 3: unknown category"))
    #expect(result.stderr.contains("events: 2 (entra:AADNonInteractiveUserSignInLogs 1, entra:SigninLogs 1)"))
  }

  @Test func eventHubBatchOnOneLineIsUnwrapped() throws {
    let result = try CLI.run(["replay", "Tests/TokenWatchCoreTests/Fixtures/eventhub-batch-mixed.json"])
    #expect(result.status == 0)
    #expect(result.stderr.contains(":1: warning: [TW204] record 4 of 4: unknown category"))
    #expect(result.stderr.contains("events: 3 (entra:NonInteractiveUserSignInLogs 1, entra:ServicePrincipalSignInLogs 1, graph:MicrosoftGraphActivityLogs 1)"))
  }

  /// Sign-ins and Graph activity usually come from two exports. Replayed together they must
  /// interleave by event time and give exactly the alerts of the combined file.
  @Test func twoFilesReplayedTogetherEqualOneCombinedFile() throws {
    let combined = "datasets/scenarios/replay-entra-refresh-token/events.ndjson"
    let lines = try String(contentsOf: CLI.root.appendingPathComponent(combined), encoding: .utf8).split(separator: "\n")
    let graph = lines.filter { $0.contains("MicrosoftGraphActivityLogs") }
    let signIns = lines.filter { !$0.contains("MicrosoftGraphActivityLogs") }
    #expect(!graph.isEmpty && !signIns.isEmpty)
    let graphFile = try CLI.temporaryFile("graph.ndjson", Data((graph.joined(separator: "\n") + "\n").utf8))
    let signInFile = try CLI.temporaryFile("signins.ndjson", Data((signIns.joined(separator: "\n") + "\n").utf8))
    let together = try CLI.run(["replay", "--quiet", graphFile.path, signInFile.path])
    let reference = try CLI.run(["replay", "--quiet", combined])
    #expect(together.status == 0)
    #expect(together.stderr == "", "no event should be late when files are merged by event time")
    #expect(together.stdout == reference.stdout)
    #expect(together.stdoutText.contains("\"rule\":\"TW-001\""))
  }

  @Test func unreadableInputIsARuntimeFailure() throws {
    let result = try CLI.run(["replay", "no/such/file.ndjson"])
    #expect(result.status == 1)
    #expect(result.stderr.contains("cannot open no/such/file.ndjson: No such file or directory"))
  }
}
