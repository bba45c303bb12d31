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

/// Replay decodes on threads of its own ahead of the engine, several on one file
/// (TOKENWATCH_DECODE_THREADS=0 turns that off): stdout, stderr (every diagnostic, late-event
/// warning and summary count, in the same order) and the exit status are byte for byte those of
/// decoding inline, whatever the batch size and the number of threads.
@Suite struct ParallelDecodeDeterminismTests {
  static let scenarios: [String] = {
    let directory = CLI.root.appendingPathComponent("datasets/scenarios")
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    return names.sorted().map { "datasets/scenarios/\($0)/events.ndjson" }
  }()

  /// The summary's last line carries the elapsed time and peak memory: everything else must match.
  static func comparable(_ stderr: String) -> String {
    stderr.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("  time: ") }.joined(separator: "\n")
  }

  static func expectSameOnEveryPath(_ arguments: [String], input: Data? = nil, threads: [Int] = [1], batches: [Int] = [1, 7, 1000], sourceLocation: SourceLocation = #_sourceLocation) throws {
    let inline = try CLI.run(arguments, input: input, environment: ["TOKENWATCH_DECODE_THREADS": "0"])
    for count in threads {
      for batch in batches {
        let threaded = try CLI.run(arguments, input: input, environment: ["TOKENWATCH_DECODE_THREADS": "\(count)", "TOKENWATCH_DECODE_BATCH": "\(batch)"])
        let context = Comment(rawValue: "\(arguments.joined(separator: " ")): \(count) decode thread(s), batches of \(batch)")
        #expect(threaded.status == inline.status, context, sourceLocation: sourceLocation)
        #expect(threaded.stdout == inline.stdout, context, sourceLocation: sourceLocation)
        #expect(comparable(threaded.stderr) == comparable(inline.stderr), context, sourceLocation: sourceLocation)
      }
    }
  }

  /// Scenario lines with every kind of trouble between them: broken JSON, invalid UTF-8, lines over
  /// the limit, unknown formats and categories, envelopes with bad records, blank and CRLF lines,
  /// late events, and a last line without a newline.
  static func messyInput(_ path: String = "datasets/demo/events.ndjson", every: Int = 37) throws -> Data {
    let original = try Data(contentsOf: CLI.root.appendingPathComponent(path))
    let lines = original.split(separator: 0x0A).map { Data($0) }
    let newline = Data([0x0A])
    var out = Data()
    for (i, line) in lines.enumerated() {
      out += line + newline
      switch i % every {
      case 2: out += Data(#"{"time": "2026-01-01T00:00:00Z", "kind": "access", "user": broken"#.utf8) + newline
      case 4: out += Data(#"{"time":"2026-01-29T01:00:00Z","kind":"access","user":""#.utf8) + Data([0xFF, 0xFE]) + Data(#""}"#.utf8) + newline
      case 6: out += Data(#"{"time":"2026-01-29T01:00:00Z","kind":"access","user":""#.utf8) + Data(repeating: 0x61, count: 5000) + Data(#""}"#.utf8) + newline
      case 8: out += Data(#"{"hello":"world"}"#.utf8) + newline
      case 10: out += Data([0x0A, 0x20, 0x09, 0x0D, 0x0A])
      case 12: out += Data(#"{"time":"2020-01-28T00:00:00.000Z","kind":"access","outcome":"success","user":"late-user","ip":"192.0.2.7"}"#.utf8) + newline
      case 14: out += Data(#"{"records":[{"hello":1},"#.utf8) + line + Data(#",{"time":"x","kind":"access"},[3]]}"#.utf8) + newline
      case 16: out += Data(#"{"time":"2026-03-02T09:00:00Z","category":"AuditLogs","operationName":"Add member","properties":{"id":"x"}}"#.utf8) + newline
      case 18: out += line + Data([0x0D, 0x0A])
      case 20: out += Data("[1,2]\n".utf8)
      case 22: out += Data(#"{"time":"2020-01-28T00:00:00.000Z","kind":"access","user":"late-user","lat":"north"}"#.utf8) + newline
      default: break
      }
    }
    return out + Data(#"{"time":"2026-01-29T23:00:00Z","kind":"access""#.utf8)
  }

  @Test func demoDay() throws {
    try Self.expectSameOnEveryPath(["replay", "datasets/demo/events.ndjson"], threads: [1, 3])
    try Self.expectSameOnEveryPath(["replay", "--output", "text", "--color", "never", "datasets/demo/events.ndjson"], batches: [7])
  }

  @Test(arguments: scenarios)
  func scenario(_ path: String) throws {
    try Self.expectSameOnEveryPath(["replay", path])
  }

  @Test func severalFilesTogether() throws {
    try Self.expectSameOnEveryPath(
      ["replay", "datasets/scenarios/travel-same-token/events.ndjson", "datasets/scenarios/post-revoke/events.ndjson", "datasets/demo/events.ndjson"],
      threads: [1, 2])
  }

  @Test func badLinesEverywhere() throws {
    let url = try CLI.temporaryFile("messy-\(UUID().uuidString).ndjson", try Self.messyInput())
    defer { try? FileManager.default.removeItem(at: url) }
    let inline = try CLI.run(["replay", "--max-line-bytes", "4096", url.path], environment: ["TOKENWATCH_DECODE_THREADS": "0"])
    for code in ["TW201", "TW202", "TW203", "TW204", "TW205", "TW206", "TW207"] {
      #expect(inline.stderr.contains("[\(code)]"), "the input should provoke \(code)")
    }
    try Self.expectSameOnEveryPath(["replay", "--max-line-bytes", "4096", url.path], threads: [1, 2, 3])
    // With a small limit most lines are oversized; with a zero delay many events are late.
    try Self.expectSameOnEveryPath(["replay", "--max-line-bytes", "1024", "--max-delay", "0s", url.path], threads: [1, 3], batches: [1, 7])
  }

  @Test func badLinesInSeveralFilesAndStdin() throws {
    let messy = try CLI.temporaryFile("messy-\(UUID().uuidString).ndjson", try Self.messyInput())
    let other = try CLI.temporaryFile("messy-\(UUID().uuidString).ndjson", try Self.messyInput("datasets/scenarios/replay-okta-session-hijack/events.ndjson", every: 5))
    defer {
      try? FileManager.default.removeItem(at: messy)
      try? FileManager.default.removeItem(at: other)
    }
    try Self.expectSameOnEveryPath(["replay", "--max-line-bytes", "4096", messy.path, other.path, messy.path], threads: [1, 2], batches: [1, 7, 1000])
    try Self.expectSameOnEveryPath(["replay", "--max-line-bytes", "4096", "-", other.path], input: try Self.messyInput(), batches: [7, 1000])
  }

  @Test func aJSONArrayDocumentAmongLineFiles() throws {
    let lines = try String(contentsOf: CLI.root.appendingPathComponent("datasets/scenarios/travel-same-user/events.ndjson"), encoding: .utf8).split(separator: "\n")
    let array = try CLI.temporaryFile("export-\(UUID().uuidString).json", Data(("[\n" + lines.joined(separator: ",\n") + ",\n{\"hello\":1}\n]\n").utf8))
    let messy = try CLI.temporaryFile("messy-\(UUID().uuidString).ndjson", try Self.messyInput())
    defer {
      try? FileManager.default.removeItem(at: array)
      try? FileManager.default.removeItem(at: messy)
    }
    try Self.expectSameOnEveryPath(["replay", "--max-line-bytes", "4096", messy.path, array.path], batches: [1, 1000])
  }

  @Test func strictInputStopsAtTheSameLine() throws {
    // The first bad line comes after a few hundred good ones, in the second of two files.
    let clean = try Data(contentsOf: CLI.root.appendingPathComponent("datasets/demo/events.ndjson"))
    let lines = clean.split(separator: 0x0A).map { Data($0) }
    let broken = lines[..<700].reduce(Data()) { $0 + $1 + Data([0x0A]) } + Data("{\"oops\n".utf8) + lines[700...].reduce(Data()) { $0 + $1 + Data([0x0A]) }
    let url = try CLI.temporaryFile("strict-\(UUID().uuidString).ndjson", broken)
    let messy = try CLI.temporaryFile("messy-\(UUID().uuidString).ndjson", try Self.messyInput())
    defer {
      try? FileManager.default.removeItem(at: url)
      try? FileManager.default.removeItem(at: messy)
    }
    let inline = try CLI.run(["replay", "--strict-input", "datasets/scenarios/post-revoke/events.ndjson", url.path], environment: ["TOKENWATCH_DECODE_THREADS": "0"])
    #expect(inline.status == 65)
    #expect(inline.stderr.contains(":701:"))
    try Self.expectSameOnEveryPath(["replay", "--strict-input", "datasets/scenarios/post-revoke/events.ndjson", url.path], threads: [1, 3])
    try Self.expectSameOnEveryPath(["replay", "--strict-input", "--max-line-bytes", "4096", messy.path], threads: [1, 3])
    try Self.expectSameOnEveryPath(["replay", "--strict-input", "-"], input: broken, batches: [7, 1000])
  }
}
