import Foundation
import TokenWatchCore

// Figure 2: memory per tracked token. Native events where every event carries a token never seen
// before, from a fixed population of users and sessions (one session per user, one /24 per user),
// so that the token store is what grows; replayed by the real binary, peak RSS from wait4.

/// The user population: small next to a million tokens, so per-token state dominates the growth.
let memoryUsers = 10_000

/// What the tokens of a memory run look like.
enum TokenShape: String {
  /// `tok-0` … `tok-(count-1)`, short enough to be stored inline, and no location.
  case plain
  /// As Entra sign-ins carry them: 22-character base64url ids (`uniqueTokenIdentifier`) and
  /// each use located (coordinates and a city), so every token also keeps a travel trail.
  case entra
}

/// Native access events with distinct tokens, one millisecond apart. Returns the file's size
/// in bytes.
func generateDistinctTokenFile(count: Int, path: String, shape: TokenShape = .plain) throws -> Int {
  let writer = try FileWriter(path: path)
  for i in 0..<count {
    let k = i % memoryUsers
    let token = shape == .entra ? entraTokenID(i) : "tok-\(i)"
    // One place per user, so that its tokens' trails never make a travel alert.
    let place = shape == .entra ? ",\"lat\":\(40 + k % 20).25,\"lon\":-\(70 + k / 20 % 40).5,\"city\":\"City \(k % 50)\"" : ""
    let line = "{\"time\":\"\(eventTime(millis: i))\",\"kind\":\"access\",\"user\":\"u\(k)\",\"token\":\"\(token)\",\"session\":\"s\(k)\","
      + "\"ip\":\"10.\(k >> 8 & 255).\(k & 255).\(i % 250 + 1)\",\"asn\":7922,\"country\":\"US\"\(place)}"
    try writer.writeLine(line)
  }
  try writer.close()
  return writer.bytesWritten
}

/// A distinct Entra-style token id: 16 bytes (a fixed half and `i`) in unpadded base64url, as
/// `TokenKey` spells them.
private func entraTokenID(_ i: Int) -> String {
  TokenKey.packed(high: 0x3692_91E8_0DE0_5B43, low: UInt64(i)).string
}

/// RFC 3339 time `millis` after 2026-04-01T00:00:00Z (within one month, which 5M ms is).
func eventTime(millis: Int) -> String {
  let ms = millis % 1000
  let totalSeconds = millis / 1000
  let day = 1 + totalSeconds / 86_400
  let h = totalSeconds / 3600 % 24, m = totalSeconds / 60 % 60, s = totalSeconds % 60
  return "2026-04-\(two(day))T\(two(h)):\(two(m)):\(two(s)).\(ms < 10 ? "00" : ms < 100 ? "0" : "")\(ms)Z"
}

private func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

struct MemoryRun {
  var tokens: Int
  var bytes: Int
  var seconds: Double
  var peakRSSBytes: Int
  /// The launcher's RSS when it started the child: its ru_maxrss cannot be below this.
  var floorBytes: Int
  /// From the run's summary ("state: tokens N"); nil if the summary could not be read.
  var trackedTokens: Int?
  var evictions: Int?
  var alerts: Int?
}

struct MemoryResult {
  var baseline: MemoryRun
  /// Runs with `--max-delay 0s`: the reorder window holds nothing, so the growth is state.
  var runs: [MemoryRun]
  /// The first token count again with the default 10m window, which at one event per
  /// millisecond holds `windowEvents` events at its fullest.
  var window: MemoryRun?
  var windowEvents: Int
  /// The first token count again with Entra-shaped tokens (`TokenShape.entra`), no window.
  var entra: MemoryRun?

  func bytesPerToken(_ run: MemoryRun) -> Double {
    Double(run.peakRSSBytes - baseline.peakRSSBytes) / Double(run.trackedTokens ?? run.tokens)
  }

  /// What one event waiting in the reorder window costs.
  var bytesPerBufferedEvent: Double? {
    guard let window, let stateOnly = runs.first, windowEvents > 0 else { return nil }
    return Double(window.peakRSSBytes - stateOnly.peakRSSBytes) / Double(windowEvents)
  }
}

/// Replays the tiny baseline file and one file per token count (1M, and 5M with --big), with
/// no reorder window so that the growth is the per-token state; then the first count again with
/// the default window, to price a buffered event separately.
func measureMemory(_ setup: Setup, tokenCounts: [Int], progress: (String) -> Void) throws -> MemoryResult {
  let baseline = try memoryRun(setup, tokens: 100, maxDelay: "0s", keep: false, progress: progress)
  var runs: [MemoryRun] = []
  var window: MemoryRun?
  var entra: MemoryRun?
  for (i, count) in tokenCounts.enumerated() {
    runs.append(try memoryRun(setup, tokens: count, maxDelay: "0s", keep: i == 0, progress: progress))
    if i == 0 {
      window = try memoryRun(setup, tokens: count, maxDelay: "10m", keep: false, progress: progress)
      entra = try memoryRun(setup, tokens: count, shape: .entra, maxDelay: "0s", keep: false, progress: progress)
    }
  }
  let windowEvents = min(tokenCounts.first ?? 0, 600_000)  // 10 minutes of events 1 ms apart
  return MemoryResult(baseline: baseline, runs: runs, window: window, windowEvents: windowEvents, entra: entra)
}

private func memoryRun(_ setup: Setup, tokens: Int, shape: TokenShape = .plain, maxDelay: String, keep: Bool, progress: (String) -> Void) throws -> MemoryRun {
  let file = setup.scratch + "/native-\(shape.rawValue)-\(tokens).ndjson"
  var bytes = fileSize(file)
  if bytes == nil {
    progress("generating \(grouped(tokens)) native events with distinct \(shape == .entra ? "Entra-shaped " : "")tokens")
    bytes = try generateDistinctTokenFile(count: tokens, path: file, shape: shape)
  }
  let summary = setup.scratch + "/memory.stderr"
  // Not --quiet: the summary on stderr tells how many tokens the engine holds at the end.
  let measured = try runMeasured(
    [setup.tokenwatch, "replay", "--output", "ndjson", "--max-delay", maxDelay, "--rules", setup.rules, file],
    scratch: setup.scratch, stdout: .devNull, stderr: .file(summary))
  let child = measured.result, seconds = measured.seconds
  try requireSuccess(child, "tokenwatch replay", stderrFile: summary)
  let text = readWholeFile(summary).map { String(decoding: $0, as: UTF8.self) } ?? ""
  if !keep { unlink(file) }
  progress("replayed \(grouped(tokens)) \(shape == .entra ? "Entra-shaped " : "")tokens (max delay \(maxDelay)) in \(fixed(seconds, 2)) s, peak \(mebibytes(child.peakRSSBytes))")
  return MemoryRun(
    tokens: tokens, bytes: bytes ?? 0, seconds: seconds, peakRSSBytes: child.peakRSSBytes, floorBytes: measured.floorBytes,
    trackedTokens: summaryNumber(text, after: "state: tokens "), evictions: summaryNumber(text, after: "; evicted "),
    alerts: summaryNumber(text, after: "alerts: "))
}

private func fileSize(_ path: String) -> Int? {
  var info = stat()
  return stat(path, &info) == 0 ? Int(info.st_size) : nil
}

/// The whole number right after `marker` in the summary, if any.
func summaryNumber(_ text: String, after marker: String) -> Int? {
  guard let range = text.range(of: marker) else { return nil }
  return Int(text[range.upperBound...].prefix { $0.isNumber })
}
