import TokenWatchCore

// Figures 1 and 1b: end-to-end replay throughput of the real `tokenwatch` binary over generated
// inputs (Entra Event Hub sign-ins, then Okta, Graph activity, a mix, Event Hub batches), all
// default rules, output discarded.

/// What `simulate --bulk N --format F` writes (same generator, same default seed).
let bulkSeed: UInt64 = 1

/// A generated input: the records of one bulk format, one per line or packed into Event Hub
/// batches of `recordsPerLine` (`{"records":[…]}`, as a diagnostic setting delivers them).
struct GeneratedInput: Sendable, Equatable {
  var name: String
  var format: BulkFormat
  var recordsPerLine = 1

  static let entra = GeneratedInput(name: "entra", format: .entra)
  static let entraEventHub = GeneratedInput(name: "entra-eventhub", format: .entra, recordsPerLine: 100)
  /// Every name --formats takes: the bulk formats as `simulate` spells them, and the batches.
  static let all = BulkFormat.allCases.map { GeneratedInput(name: $0.rawValue, format: $0) } + [entraEventHub]
  static let defaultNames = ["okta", "graph", "mixed", "entra-eventhub"]

  static func named(_ name: String) -> GeneratedInput? { all.first { $0.name == name } }
}

/// Writes `events` records of `input` (the last batch may be short); returns the file's size in bytes.
func generateFile(_ input: GeneratedInput, events: Int, path: String) throws -> Int {
  let writer = try FileWriter(path: path)
  let lines = ScenarioLibrary.bulk(count: events, seed: bulkSeed, format: input.format)
  if input.recordsPerLine == 1 {
    for line in lines { try writer.writeLine(line) }
  } else {
    // Each bulk line is one record object on one line, so a batch is those lines joined by commas.
    var batch: [String] = []
    batch.reserveCapacity(input.recordsPerLine)
    for line in lines {
      batch.append(line)
      if batch.count == input.recordsPerLine {
        try writer.writeLine("{\"records\":[" + batch.joined(separator: ",") + "]}")
        batch.removeAll(keepingCapacity: true)
      }
    }
    if !batch.isEmpty { try writer.writeLine("{\"records\":[" + batch.joined(separator: ",") + "]}") }
  }
  try writer.close()
  return writer.bytesWritten
}

struct ReplayResult {
  var events: Int
  var bytes: Int
  var seconds: [Double]
  var peakRSSBytes: [Int]
  /// Each run's CPU time, all threads (see `ChildResult.cpuSeconds`).
  var cpuSeconds: [Double] = []

  var medianSeconds: Double { median(seconds) }
  var medianCPUSeconds: Double { median(cpuSeconds) }
  /// How many cores were busy on average: CPU time over wall time, each run's, median.
  var coresBusy: Double { median(zip(cpuSeconds, seconds).map { $0 / $1 }) }
  /// CPU time per event, in microseconds (median run).
  var cpuMicrosPerEvent: Double { medianCPUSeconds * 1e6 / Double(events) }
  var eventsPerSecond: Double { Double(events) / medianSeconds }
  var megabytesPerSecond: Double { Double(bytes) / 1e6 / medianSeconds }
  var maxPeakRSSBytes: Int { peakRSSBytes.max() ?? 0 }

  /// The JSON report's entry: section 1's "replay", and each input's under "replay_formats".
  var report: JSON {
    .object([
      ("events", .int(events)), ("bytes", .int(bytes)), ("seconds", .array(seconds.map { .double($0, 3) })),
      ("median_seconds", .double(medianSeconds, 3)), ("events_per_s", .double(eventsPerSecond, 0)),
      ("mb_per_s", .double(megabytesPerSecond, 1)), ("peak_rss_bytes", .int(maxPeakRSSBytes)),
      ("cpu_seconds", .array(cpuSeconds.map { .double($0, 3) })), ("cores_busy", .double(coresBusy, 2)),
      ("cpu_us_per_event", .double(cpuMicrosPerEvent, 2)),
    ])
  }
}

/// `tokenwatch replay --quiet --output ndjson FILE > /dev/null`, `runs` times; every run must
/// read the whole file cleanly.
func measureReplay(_ setup: Setup, file: String, events: Int, bytes: Int, runs: Int, progress: (String) -> Void) throws -> ReplayResult {
  var result = ReplayResult(events: events, bytes: bytes, seconds: [], peakRSSBytes: [])
  for run in 1...runs {
    let errors = setup.scratch + "/replay.stderr"
    let measured = try runMeasured(
      [setup.tokenwatch, "replay", "--quiet", "--output", "ndjson", "--rules", setup.rules, file],
      scratch: setup.scratch, stdout: .devNull, stderr: .file(errors))
    try requireSuccess(measured.result, "tokenwatch replay", stderrFile: errors)
    try requireCleanInput(file: file, stderrFile: errors)
    result.seconds.append(measured.seconds)
    result.peakRSSBytes.append(measured.result.peakRSSBytes)
    result.cpuSeconds.append(measured.result.cpuSeconds)
    progress("replay run \(run)/\(runs): \(fixed(measured.seconds, 2)) s, \(grouped(Int(Double(events) / measured.seconds))) events/s, CPU \(fixed(measured.result.cpuSeconds, 2)) s, peak \(mebibytes(measured.result.peakRSSBytes))")
  }
  return result
}

/// Throws with the child's stderr when it did not exit with status 0.
func requireSuccess(_ result: ChildResult, _ what: String, stderrFile: String?) throws {
  guard !(result.exitedNormally && result.exitCode == 0) else { return }
  var message = "\(what) failed (\(result.describeStatus))"
  if let stderrFile, let text = readWholeFile(stderrFile), !text.isEmpty {
    message += ":\n" + String(decoding: text.suffix(4000), as: UTF8.self)
  }
  throw BenchError(message)
}

/// Throws when the run reported problems with lines of `file` (`FILE:LINE: error|warning: [TWnnn]`
/// on stderr: lines that did not parse, records of unknown format or category, late events):
/// the generator and the normalizers disagree, and the figures would not be over the events claimed.
func requireCleanInput(file: String, stderrFile: String) throws {
  let text = readWholeFile(stderrFile).map { String(decoding: $0, as: UTF8.self) } ?? ""
  let problems = text.split(separator: "\n").filter { $0.hasPrefix(file + ":") }
  guard !problems.isEmpty else { return }
  let errors = problems.filter { $0.contains(": error: [") }.count
  throw BenchError(
    "tokenwatch replay reported \(problems.count) problem(s) with the generated \(file) (\(errors) error(s), \(problems.count - errors) warning(s)), so it was not read cleanly; first ones:\n"
      + problems.prefix(5).joined(separator: "\n"))
}

func median(_ values: [Double]) -> Double {
  guard !values.isEmpty else { return .nan }
  let sorted = values.sorted()
  let mid = sorted.count / 2
  return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
