import Foundation
import Testing
import TokenWatchCore

/// The same events, shuffled within the allowed delay, give byte-identical alerts; so do
/// different read chunkings (one file versus stdin).
@Suite struct DeterminismTests {
  @Test(arguments: [11, 12, 13])
  func shuffledWithinMaxDelayGivesIdenticalAlerts(seed: UInt64) throws {
    let normalized = try CLI.run(["normalize", "datasets/demo/events.ndjson"])
    #expect(normalized.status == 0)
    let events = normalized.stdoutLines.filter { !$0.contains(#""kind":"other""#) }
    var rng = SeededGenerator(seed: seed)
    let keyed = events.map { line -> (Double, String) in
      let time = line.firstMatch(of: /"time":"([^"]+)"/)!.1
      let seconds = ISO8601DateFormatter.withFractions.date(from: String(time))!.timeIntervalSince1970
      return (seconds + Double(rng.next() % 300), line)  // up to 5 minutes of arrival disorder
    }
    let shuffled = keyed.sorted { $0.0 < $1.0 }.map(\.1)
    #expect(shuffled != events)
    let sortedRun = try CLI.run(["replay", "--quiet", "-"], input: Data((events.joined(separator: "\n") + "\n").utf8))
    let shuffledRun = try CLI.run(["replay", "--quiet", "-"], input: Data((shuffled.joined(separator: "\n") + "\n").utf8))
    #expect(sortedRun.status == 0 && shuffledRun.status == 0)
    #expect(sortedRun.stdoutLines.count > 5)
    #expect(sortedRun.stdout == shuffledRun.stdout)
  }

  @Test func fileAndStdinGiveTheSameBytes() throws {
    let file = try CLI.run(["replay", "--quiet", "datasets/demo/events.ndjson"])
    let stdin = try CLI.run(["replay", "--quiet", "-"], input: try Data(contentsOf: CLI.root.appendingPathComponent("datasets/demo/events.ndjson")))
    #expect(file.stdout == stdin.stdout)
    #expect(!file.stdout.isEmpty)
  }
}

extension ISO8601DateFormatter {
  nonisolated(unsafe) static let withFractions: ISO8601DateFormatter = {
    // Read-only after creation; used from test code only.
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return f
  }()
}
