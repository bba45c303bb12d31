import TokenWatchCore

// Figure 1: end-to-end replay throughput of the real `tokenwatch` binary over Entra Event Hub
// sign-ins, all default rules, output discarded.

/// What `simulate --bulk N --format entra` writes (same generator, same default seed).
let bulkSeed: UInt64 = 1

/// Writes `count` Entra sign-in records, one per line; returns the file's size in bytes.
func generateEntraFile(count: Int, path: String) throws -> Int {
  let writer = try FileWriter(path: path)
  for line in ScenarioLibrary.bulk(count: count, seed: bulkSeed, format: .entra) {
    try writer.writeLine(line)
  }
  try writer.close()
  return writer.bytesWritten
}

struct ReplayResult {
  var events: Int
  var bytes: Int
  var seconds: [Double]
  var peakRSSBytes: [Int]

  var medianSeconds: Double { median(seconds) }
  var eventsPerSecond: Double { Double(events) / medianSeconds }
  var megabytesPerSecond: Double { Double(bytes) / 1e6 / medianSeconds }
  var maxPeakRSSBytes: Int { peakRSSBytes.max() ?? 0 }
}

/// `tokenwatch replay --quiet --output ndjson FILE > /dev/null`, `runs` times.
func measureReplay(_ setup: Setup, file: String, events: Int, bytes: Int, runs: Int, progress: (String) -> Void) throws -> ReplayResult {
  var result = ReplayResult(events: events, bytes: bytes, seconds: [], peakRSSBytes: [])
  for run in 1...runs {
    let errors = setup.scratch + "/replay.stderr"
    let measured = try runMeasured(
      [setup.tokenwatch, "replay", "--quiet", "--output", "ndjson", "--rules", setup.rules, file],
      scratch: setup.scratch, stdout: .devNull, stderr: .file(errors))
    try requireSuccess(measured.result, "tokenwatch replay", stderrFile: errors)
    result.seconds.append(measured.seconds)
    result.peakRSSBytes.append(measured.result.peakRSSBytes)
    progress("replay run \(run)/\(runs): \(fixed(measured.seconds, 2)) s, \(grouped(Int(Double(events) / measured.seconds))) events/s, peak \(mebibytes(measured.result.peakRSSBytes))")
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

func median(_ values: [Double]) -> Double {
  guard !values.isEmpty else { return .nan }
  let sorted = values.sorted()
  let mid = sorted.count / 2
  return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
