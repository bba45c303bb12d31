import Foundation
import Testing

/// Bad lines never stop the stream: each gets one clear error naming source, line and reason,
/// is counted, and the attack around them is still detected.
@Suite struct BadInputTests {
  static let scenario = "datasets/scenarios/post-disable-offboarded-user/events.ndjson"

  func corruptedCopy() throws -> (URL, [Int: String]) {
    let original = try Data(contentsOf: CLI.root.appendingPathComponent(Self.scenario))
    var lines = original.split(separator: 0x0A, omittingEmptySubsequences: false).map { Data($0) }
    if lines.last?.isEmpty == true { lines.removeLast() }
    let firstTime = try #require(String(decoding: lines[0], as: UTF8.self).firstMatch(of: /20\d\d-\d\d-\d\dT[0-9:.]+Z/)).output
    let bad: [(Data, String)] = [
      (Data(#"{"time": "2026-01-01T00:00:00Z", "kind": "access", "user": broken"#.utf8), "[TW201] invalid JSON"),
      (Data(#"{"time":"\#(firstTime)","kind":"access","user":""#.utf8) + Data([0xFF, 0xFE]) + Data(#""}"#.utf8), "[TW207] invalid UTF-8"),
      (Data(#"{"time":"\#(firstTime)","kind":"access","user":""#.utf8) + Data(repeating: 0x61, count: 10 * 1024 * 1024) + Data(#""}"#.utf8), "[TW202] line of"),
      (Data(#"{"time":"\#(firstTime)","kind":"access","user":"x","lat":"north"}"#.utf8), "[TW205] invalid record"),
      (Data(#"{"kind":"access","user":"x"}"#.utf8), "[TW205] invalid record"),
      (Data(#"{"hello":"world"}"#.utf8), "[TW203] unknown format"),
    ]
    var expected: [Int: String] = [:]
    var output: [Data] = []
    // Spread the bad lines through the attack's events.
    let step = max(1, lines.count / (bad.count + 1))
    var next = 0
    for (i, line) in lines.enumerated() {
      if i > 0, i % step == 0, next < bad.count {
        output.append(bad[next].0)
        expected[output.count] = bad[next].1
        next += 1
      }
      output.append(line)
    }
    while next < bad.count {
      output.append(bad[next].0)
      expected[output.count] = bad[next].1
      next += 1
    }
    let url = try CLI.temporaryFile("corrupted-\(UUID().uuidString).ndjson", output.reduce(Data()) { $0 + $1 + Data([0x0A]) })
    return (url, expected)
  }

  @Test func eachBadLineGetsOneErrorAndTheAttackIsStillDetected() throws {
    let (url, expected) = try corruptedCopy()
    let clean = try CLI.run(["replay", "--quiet", Self.scenario])
    let result = try CLI.run(["replay", url.path])
    #expect(result.status == 0)
    #expect(result.stdout == clean.stdout, "bad lines changed the alerts")
    #expect(result.stdoutText.contains("\"rule\":\"TW-005\""))
    let diagnostics = result.stderr.split(separator: "\n").filter { $0.contains(": error: [") || $0.contains(": warning: [") }
    #expect(diagnostics.count == expected.count)
    for (line, reason) in expected {
      #expect(diagnostics.contains { $0.hasPrefix("\(url.path):\(line):") && $0.contains(reason) }, "no '\(reason)' error for line \(line) in:\n\(result.stderr)")
    }
    #expect(result.stderr.contains("bad lines: 5 (invalid JSON 1, invalid UTF-8 1, oversized 1, invalid records 2)"))
    #expect(result.stderr.contains("unknown format: 1"))
  }

  @Test func strictInputStopsWithStatus65() throws {
    let (url, _) = try corruptedCopy()
    let result = try CLI.run(["replay", "--strict-input", "--quiet", url.path])
    #expect(result.status == 65)
    #expect(result.stderr.split(separator: "\n").count == 1)
  }

  @Test func unknownEntraCategoryIsCountedAndReported() throws {
    let record = #"{"time":"2026-03-02T09:00:00Z","category":"AuditLogs","operationName":"Add member","properties":{"id":"x"}}"#
    let result = try CLI.run(["replay", "-"], input: Data((record + "\n").utf8))
    #expect(result.status == 0)
    #expect(result.stderr.contains("<stdin>:1: warning: [TW204] unknown category"))
    #expect(result.stderr.contains("unknown category: 1"))
  }

  /// A burst the reorder window cannot hold (every event at one instant never moves the
  /// watermark) is bounded by --max-buffered: reported once, counted, and still detected.
  @Test func aFullReorderWindowIsBoundedReportedAndCounted() throws {
    let original = try String(decoding: Data(contentsOf: CLI.root.appendingPathComponent(Self.scenario)), as: UTF8.self)
    let clean = try CLI.run(["replay", "--quiet", Self.scenario])
    // A max delay longer than the scenario: only the cap releases anything before the end.
    let tight = try CLI.run(["replay", "--max-delay", "1000w", "--max-buffered", "3", Self.scenario])
    #expect(tight.status == 0)
    let lines = original.split(separator: "\n").count
    // The scenario is sorted, so releasing early changes no alert.
    #expect(tight.stdout == clean.stdout)
    let warnings = tight.stderr.split(separator: "\n").filter { $0.contains("[TW210]") }
    #expect(warnings.count == 1, "\(tight.stderr)")
    #expect(warnings.first?.hasPrefix("\(Self.scenario):4: warning: [TW210] reorder window full (3 events within the max delay 7000d)") == true)
    #expect(tight.stderr.contains("released early from a full reorder window: \(lines - 3)"), "\(tight.stderr)")
    #expect(try CLI.run(["replay", "--max-buffered", "0", Self.scenario]).status == 64)
  }

  /// With several inputs, a late event's warning names the input it came from, on every
  /// decoding path (inline, and decode threads).
  @Test func aLateEventIsReportedWithItsOwnInputsName() throws {
    let onTime = try CLI.temporaryFile("on-time-\(UUID().uuidString).ndjson", Data("""
      {"time":"2026-03-02T09:00:00Z","kind":"access","user":"a@contoso.example","ip":"198.51.100.1"}
      {"time":"2026-03-02T10:00:00Z","kind":"access","user":"a@contoso.example","ip":"198.51.100.1"}

      """.utf8))
    let late = try CLI.temporaryFile("late-\(UUID().uuidString).ndjson", Data("""
      {"time":"2026-03-02T10:00:00Z","kind":"access","user":"b@contoso.example","ip":"198.51.100.2"}
      {"time":"2026-03-02T09:05:00Z","kind":"access","user":"b@contoso.example","ip":"198.51.100.2"}

      """.utf8))
    defer {
      try? FileManager.default.removeItem(at: onTime)
      try? FileManager.default.removeItem(at: late)
    }
    for threads in ["0", "2"] {
      let result = try CLI.run(["replay", "--max-delay", "10m", onTime.path, late.path], environment: ["TOKENWATCH_DECODE_THREADS": threads])
      let warnings = result.stderr.split(separator: "\n").filter { $0.contains("[TW206]") }
      #expect(warnings.count == 1, "\(result.stderr)")
      #expect(warnings.first?.hasPrefix("\(late.path):2: warning: [TW206] late event at 2026-03-02T09:05:00.000Z") == true, "\(result.stderr)")
    }
  }
}
