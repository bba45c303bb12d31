import Foundation

// tokenwatch-bench: every performance figure of the README in one run, measured against the real
// `tokenwatch` binary built next to this one. Prints what it measured; asserts nothing.
//
//   1. end-to-end replay throughput over Entra sign-ins (median of --runs), peak RSS
//   1b. the same over other generated inputs (--formats): Okta, Graph activity, a mix with
//       attacks, Entra sign-ins in Event Hub batches of 100
//   2. memory per tracked token (distinct-token native events, peak RSS less a tiny run's)
//   3. decode-only baselines over the Entra file: Foundation JSONDecoder, Python msgspec/orjson
//   4. watch latency over TCP and through a pipe at a fixed offered rate: p50, p99, max
//   5. watch throughput with the default reorder window

if CommandLine.arguments.count > 1 && CommandLine.arguments[1] == launcherFlag {
  launcherMain(Array(CommandLine.arguments.dropFirst()))
}

let usage = """
  USAGE: tokenwatch-bench [options]

  Measures the tokenwatch binary found next to this executable (build both with
  swift build -c release --static-swift-stdlib --experimental-lto-mode=full
  --product tokenwatch-bench and --product tokenwatch).

  OPTIONS:
    --events N       Events per generated input: the replays (sections 1 and 1b) and the
                     decode baselines (default 300000).
    --formats LIST   Inputs of section 1b, comma separated (default okta,graph,mixed,entra-eventhub;
                     none to skip): native, entra, okta, graph, mixed (simulate --bulk's formats,
                     mixed with about 0.1% attack lines) and entra-eventhub (Entra sign-ins,
                     100 records per line in {"records":[…]}).
    --runs N         Runs of each throughput measurement; the median is reported (default 3).
    --rules DIR      Rules directory (default ./rules).
    --big            Also measure memory with 5,000,000 distinct tokens (default 1,000,000 only).
    --rate N         watch latency: offered events per second (default 50000).
    --seconds S      watch latency: how long to offer them (default 5).
    --latency-runs N watch latency: runs per transport; each is printed with the CPU time the
                     host took from this machine during it (steal), and the run with the
                     median p99 is the one reported (default 3).
    --skip-python    No Python baseline.
    --latency-only   Measure only watch (sections 4 and 5).
    --json           Print only the JSON report line (progress and tables are left out).
    -h, --help       Show this help.

  Temporary inputs go to $TMPDIR (default /tmp) and are removed at the end.
  """

struct Options {
  var events = 300_000
  var runs = 3
  var formats = GeneratedInput.defaultNames.map { GeneratedInput.named($0)! }
  var rules: String?
  var big = false
  var rate = 50_000
  var seconds = 5.0
  var latencyRuns = 3
  var skipPython = false
  var json = false
  var latencyOnly = false

  static func parse(_ arguments: [String]) -> Options {
    var options = Options()
    var i = 0
    func value(_ name: String) -> String {
      i += 1
      guard i < arguments.count else { fail("\(name) needs a value") }
      return arguments[i]
    }
    func positive(_ name: String) -> Int {
      let text = value(name)
      guard let n = Int(text), n > 0 else { fail("\(name) must be a positive whole number, not '\(text)'") }
      return n
    }
    while i < arguments.count {
      switch arguments[i] {
      case "--events": options.events = positive("--events")
      case "--runs": options.runs = positive("--runs")
      case "--formats":
        let text = value("--formats")
        options.formats = []
        guard text != "none" else { break }
        for name in text.split(separator: ",", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces) }) {
          guard let input = GeneratedInput.named(name) else {
            fail("unknown format '\(name)' in --formats (use \(GeneratedInput.all.map(\.name).joined(separator: ", ")) or none)")
          }
          // Once each: they are keys of the JSON report.
          if !options.formats.contains(input) { options.formats.append(input) }
        }
      case "--rules": options.rules = value("--rules")
      case "--big": options.big = true
      case "--rate": options.rate = positive("--rate")
      case "--seconds":
        let text = value("--seconds")
        guard let s = Double(text), s > 0, s.isFinite else { fail("--seconds must be a positive number, not '\(text)'") }
        options.seconds = s
      case "--latency-runs": options.latencyRuns = positive("--latency-runs")
      case "--skip-python": options.skipPython = true
      case "--json": options.json = true
      case "--latency-only": options.latencyOnly = true
      case "-h", "--help":
        print(usage)
        exit(0)
      case let other: fail("unknown option '\(other)'")
      }
      i += 1
    }
    return options
  }

  static func fail(_ message: String) -> Never {
    writeStderr("tokenwatch-bench: error: \(message)\n\n\(usage)\n")
    exit(64)
  }
}

/// Where things are: the binary under test, the rules it runs, the scratch directory.
struct Setup: Sendable {
  var tokenwatch: String
  var rules: String
  var scratch: String
}

struct Machine {
  var cpus: Int
  var model: String
  var memoryBytes: Int
  var kernel: String

  static func current() -> Machine {
    let cpuinfo = readWholeFile("/proc/cpuinfo").map { String(decoding: $0, as: UTF8.self) } ?? ""
    let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
      .flatMap { $0.split(separator: ":", maxSplits: 1).last }
      .map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
    var name = utsname()
    uname(&name)
    let release = withUnsafeBytes(of: name.release) { String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self)) }
    let memory = readWholeFile("/proc/meminfo").map { String(decoding: $0, as: UTF8.self) }.flatMap { summaryNumber($0.replacingOccurrences(of: " ", with: ""), after: "MemTotal:") } ?? 0
    return Machine(cpus: Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), model: model, memoryBytes: memory * 1024, kernel: "Linux " + release)
  }
}

// MARK: - Run

signal(SIGPIPE, SIG_IGN)
let options = Options.parse(Array(CommandLine.arguments.dropFirst()))
let human = !options.json

func say(_ line: String = "") {
  guard human else { return }
  print(line)
  fflush(nil)
}

func progress(_ line: String) {
  guard human else { return }
  writeStderr("  … \(line)\n")
}

func fatal(_ message: String) -> Never {
  writeStderr("tokenwatch-bench: error: \(message)\n")
  exit(1)
}

#if DEBUG
  let buildKind = "debug build (figures are not meaningful: use swift build -c release)"
#else
  let buildKind = "release build"
#endif

guard let selfPath = executablePath() else { fatal("cannot find this executable (/proc/self/exe)") }
let tokenwatchPath = directoryName(selfPath) + "/tokenwatch"
guard fileExists(tokenwatchPath, executable: true) else {
  fatal("no tokenwatch binary next to this one (\(tokenwatchPath)); build it into the same products directory with --product tokenwatch")
}
let rulesPath = absolutePath(options.rules ?? "rules")
var isDirectory: ObjCBool = false
guard FileManager.default.fileExists(atPath: rulesPath, isDirectory: &isDirectory), isDirectory.boolValue else {
  fatal("no rules directory at \(rulesPath) (run from the repository root or pass --rules DIR)")
}
let scratch: String
do { scratch = try makeTemporaryDirectory() } catch { fatal("\(error)") }
let setup = Setup(tokenwatch: tokenwatchPath, rules: rulesPath, scratch: scratch)
// Ctrl-C or kill: remove the scratch files (hundreds of MB) before going. The children started
// with default dispositions (Child.spawn) and, in the foreground, get the Ctrl-C themselves.
let stopSources = [SIGINT, SIGTERM].map { number in
  signal(number, SIG_IGN)
  let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
  source.setEventHandler {
    removeTree(scratch)
    _exit(128 + number)
  }
  source.resume()
  return source
}

let machine = Machine.current()
let date = ISO8601DateFormatter().string(from: Date())
var report: [(String, JSON)] = [
  ("date", .string(date)), ("build", .string(buildKind)),
  ("machine", .object([("nproc", .int(machine.cpus)), ("model", .string(machine.model)), ("memory_bytes", .int(machine.memoryBytes)), ("kernel", .string(machine.kernel))])),
]

say("tokenwatch-bench  \(date)  \(buildKind)")
say("machine     \(machine.cpus) CPUs (nproc), \(machine.model), \(fixed(Double(machine.memoryBytes) / 1_073_741_824, 1)) GiB, \(machine.kernel)")
let runtimeLinkage = swiftRuntimeLinkage(tokenwatchPath) ?? "unknown"
report.append(("swift_runtime", .string(runtimeLinkage)))
say("tokenwatch  \(tokenwatchPath) (Swift runtime \(runtimeLinkage)\(runtimeLinkage == "shared" ? ": build with --static-swift-stdlib --experimental-lto-mode=full for the figures of the README" : ""))")
say("rules       \(rulesPath)")
if !resetPeakRSS() {
  say("note: /proc/self/clear_refs refused; child peak RSS is at least this process's peak (\(mebibytes(procStatusBytes("VmHWM") ?? 0)))")
}
say()

@MainActor func run() throws {
  if !options.latencyOnly { try measureThroughputMemoryAndBaselines() }
  try measureWatchLatency()
}

@MainActor func measureThroughputMemoryAndBaselines() throws {
  // 1. End-to-end replay.
  let entraFile = scratch + "/entra.ndjson"
  progress("generating \(grouped(options.events)) Entra sign-in records (seed \(bulkSeed))")
  let entraBytes = try generateFile(.entra, events: options.events, path: entraFile)
  // Rounds of one replay, one JSONDecoder run and one Python run over the same file: this VM's
  // host takes the CPU away for seconds at a time (steal), so measuring the replays first and the
  // baselines minutes later compared different machines. Each round's ratios compare runs made
  // back to back, under the steal printed with them; the ratios reported are their medians.
  var replay = ReplayResult(events: options.events, bytes: entraBytes, seconds: [], peakRSSBytes: [])
  var decodeRuns: [DecodeRun] = []
  var python: PythonOutcome = .skipped("--skip-python")
  var pythonSeconds: [Double] = []
  var rounds: [(steal: Double?, overJSONDecoder: Double, overPython: Double?)] = []
  for round in 1...options.runs {
    let before = CPUTimes.read()
    let run = try measureReplay(setup, file: entraFile, events: options.events, bytes: entraBytes, runs: 1) { progress("round \(round)/\(options.runs): " + $0) }
    replay.seconds += run.seconds
    replay.peakRSSBytes += run.peakRSSBytes
    replay.cpuSeconds += run.cpuSeconds
    let decoded = try decodeWithJSONDecoder(path: entraFile)
    decodeRuns.append(decoded)
    progress("round \(round)/\(options.runs): JSONDecoder \(fixed(decoded.seconds, 2)) s")
    var pythonRate: Double?
    // Python is given up on at its first failure (a missing module, say), not retried each round.
    if !options.skipPython, pythonSeconds.count == round - 1 {
      python = measurePython(scratch: scratch, file: entraFile, runs: 1, progress: progress)
      if case .measured(let p) = python {
        pythonSeconds += p.seconds
        pythonRate = Double(p.events) / p.seconds[0]
        progress("round \(round)/\(options.runs): Python \(p.module) \(fixed(p.seconds[0], 2)) s")
      }
    }
    let steal = before.flatMap { before in CPUTimes.read().map { $0.stealShare(since: before) } }
    let replayRate = Double(options.events) / run.seconds[0]
    rounds.append((steal, replayRate / (Double(decoded.events) / decoded.seconds), pythonRate.map { replayRate / $0 }))
  }
  if case .measured(var p) = python {
    p.seconds = pythonSeconds
    python = .measured(p)
  }
  say("1. replay, end to end: Entra Event Hub sign-ins, all rules, tokenwatch replay --quiet --output ndjson FILE > /dev/null")
  say("   input       \(grouped(options.events)) events, \(fixed(Double(entraBytes) / 1e6, 1)) MB (\(entraBytes / max(1, options.events)) B/event)")
  say("   runs        " + replay.seconds.map { fixed($0, 2) + " s" }.joined(separator: ", ") + "  (median \(fixed(replay.medianSeconds, 2)) s; each in a round with the baselines of section 3)")
  say("   throughput  \(grouped(Int(replay.eventsPerSecond))) events/s, \(fixed(replay.megabytesPerSecond, 1)) MB/s")
  say("   CPU         " + replay.cpuSeconds.map { fixed($0, 2) + " s" }.joined(separator: ", ") + " user and system, all threads: \(fixed(replay.coresBusy, 2)) of \(machine.cpus) cores busy, \(fixed(replay.cpuMicrosPerEvent, 1)) µs of CPU an event (medians)")
  say("   peak RSS    \(mebibytes(replay.maxPeakRSSBytes))")
  say()
  report.append(("replay", replay.report))

  // 1b. The same over the other inputs, one scratch file at a time (the Entra file stays for 3).
  if !options.formats.isEmpty {
    say("1b. replay, end to end, other inputs: the same command, \(grouped(options.events)) records each (median of \(options.runs))")
    var formats: [(String, JSON)] = []
    for input in options.formats {
      let file = scratch + "/\(input.name).ndjson"
      progress("generating \(grouped(options.events)) \(input.name) records (seed \(bulkSeed))")
      let bytes = try generateFile(input, events: options.events, path: file)
      // Events are records: an Event Hub line holds up to 100 of them.
      let result = try measureReplay(setup, file: file, events: options.events, bytes: bytes, runs: options.runs) { progress(input.name + ": " + $0) }
      unlink(file)
      say("   " + input.name.padding(toLength: 15, withPad: " ", startingAt: 0)
        + "\(grouped(options.events)) events, \(fixed(Double(bytes) / 1e6, 1)) MB (\(bytes / max(1, options.events)) B/event): "
        + "\(grouped(Int(result.eventsPerSecond))) events/s, \(fixed(result.megabytesPerSecond, 1)) MB/s, peak RSS \(mebibytes(result.maxPeakRSSBytes)); "
        + "runs " + result.seconds.map { fixed($0, 2) }.joined(separator: ", ") + " s; \(fixed(result.coresBusy, 2)) cores busy, \(fixed(result.cpuMicrosPerEvent, 1)) µs of CPU an event")
      formats.append((input.name, result.report))
    }
    say()
    report.append(("replay_formats", .object(formats)))
  }

  // 2. Memory per tracked token.
  let memory = try measureMemory(setup, tokenCounts: options.big ? [1_000_000, 5_000_000] : [1_000_000], progress: progress)
  say("2. memory per tracked token: native events, a new token on every line, \(grouped(memoryUsers)) users and sessions, --max-delay 0s")
  say("   baseline    \(mebibytes(memory.baseline.peakRSSBytes)) peak replaying \(memory.baseline.tokens) events (RSS floor from the launcher: \(mebibytes(memory.baseline.floorBytes)))")
  var memoryRuns: [JSON] = []
  for run in memory.runs {
    let tracked = run.trackedTokens.map { grouped($0) + " tracked" } ?? "tracked count unknown (summary unreadable)"
    let evicted = (run.evictions ?? 0) > 0 ? ", \(grouped(run.evictions!)) evicted (state.yaml max_entries)" : ""
    say("   \(grouped(run.tokens).padding(toLength: 11, withPad: " ", startingAt: 0)) peak \(mebibytes(run.peakRSSBytes)), \(tracked)\(evicted) → \(grouped(Int(memory.bytesPerToken(run).rounded()))) bytes/token  (replay \(fixed(run.seconds, 1)) s, \(grouped(Int(Double(run.tokens) / run.seconds))) events/s)")
    memoryRuns.append(.object([
      ("tokens", .int(run.tokens)), ("tracked_tokens", run.trackedTokens.map(JSON.int) ?? .null), ("evictions", run.evictions.map(JSON.int) ?? .null),
      ("peak_rss_bytes", .int(run.peakRSSBytes)), ("bytes_per_token", .double(memory.bytesPerToken(run), 0)),
      ("alerts", run.alerts.map(JSON.int) ?? .null), ("seconds", .double(run.seconds, 3)),
    ]))
  }
  if let entra = memory.entra {
    say("   \(grouped(entra.tokens)) Entra-shaped tokens (22-character ids, every use located, so each token keeps a travel point): peak \(mebibytes(entra.peakRSSBytes)) → \(grouped(Int(memory.bytesPerToken(entra).rounded()))) bytes/token")
  }
  if let window = memory.window, let perEvent = memory.bytesPerBufferedEvent {
    say("   reorder window: the \(grouped(window.tokens)) run with the default --max-delay 10m peaks at \(mebibytes(window.peakRSSBytes)), holding up to \(grouped(memory.windowEvents)) events → \(grouped(Int(perEvent.rounded()))) bytes per buffered event")
  }
  if let floor = ([memory.baseline] + memory.runs).map(\.floorBytes).max(), floor >= memory.baseline.peakRSSBytes {
    say("   note: the launcher had \(mebibytes(floor)) resident when it started a child, at least the baseline's peak: the baseline may be overstated")
  }
  say()
  report.append(("memory", .object([
    ("users", .int(memoryUsers)), ("baseline_peak_rss_bytes", .int(memory.baseline.peakRSSBytes)),
    ("launcher_floor_bytes", .int(memory.baseline.floorBytes)), ("max_delay", .string("0s")), ("runs", .array(memoryRuns)),
    ("entra_shaped", memory.entra.map { run in
      .object([
        ("tokens", .int(run.tokens)), ("tracked_tokens", run.trackedTokens.map(JSON.int) ?? .null),
        ("peak_rss_bytes", .int(run.peakRSSBytes)), ("bytes_per_token", .double(memory.bytesPerToken(run), 0)),
      ])
    } ?? .null),
    ("window", .object([
      ("max_delay", .string("10m")), ("peak_rss_bytes", memory.window.map { .int($0.peakRSSBytes) } ?? .null),
      ("buffered_events", .int(memory.windowEvents)), ("bytes_per_buffered_event", memory.bytesPerBufferedEvent.map { .double($0, 0) } ?? .null),
    ])),
  ])))

  // 3. Decode-only baselines over the same Entra file, measured in section 1's rounds.
  let decodeSeconds = median(decodeRuns.map(\.seconds))
  let decodeRate = Double(decodeRuns[0].events) / decodeSeconds
  unlink(entraFile)

  say("3. decode-only baselines over the same Entra file (median of \(options.runs); reading the file included)")
  say("   Foundation JSONDecoder, Decodable struct of the detectors' fields: \(grouped(Int(decodeRate))) events/s, \(fixed(Double(entraBytes) / 1e6 / decodeSeconds, 1)) MB/s"
    + (decodeRuns[0].failures > 0 ? " (\(decodeRuns[0].failures) lines failed to decode)" : ""))
  var baselines: [(String, JSON)] = [
    ("jsondecoder", .object([("events", .int(decodeRuns[0].events)), ("failures", .int(decodeRuns[0].failures)), ("seconds", .array(decodeRuns.map { .double($0.seconds, 3) })), ("events_per_s", .double(decodeRate, 0))]))
  ]
  let ratioJSONDecoder = median(rounds.map(\.overJSONDecoder))
  let pythonRatios = rounds.compactMap(\.overPython)
  let ratioPython = pythonRatios.count == rounds.count ? median(pythonRatios) : nil
  var ratios: [(String, JSON)] = [("replay_over_jsondecoder", .double(ratioJSONDecoder, 2))]
  switch python {
  case .measured(let p):
    let how = p.module == "msgspec" ? "typed msgspec.Struct decode" : "orjson.loads + dict access"
    say("   Python \(p.pythonVersion), \(p.module) \(p.moduleVersion), \(how): \(grouped(Int(p.eventsPerSecond))) events/s, \(fixed(Double(entraBytes) / 1e6 / median(p.seconds), 1)) MB/s")
    say("   ratios      tokenwatch end to end ÷ JSONDecoder decode-only = \(fixed(ratioJSONDecoder, 2))×; ÷ Python \(p.module) decode-only = \(ratioPython.map { fixed($0, 2) + "×" } ?? "unknown") (medians of the rounds)")
    baselines.append(("python", .object([
      ("python", .string(p.pythonVersion)), ("module", .string(p.module)), ("module_version", .string(p.moduleVersion)), ("events", .int(p.events)),
      ("seconds", .array(p.seconds.map { .double($0, 3) })), ("events_per_s", .double(p.eventsPerSecond, 0)),
    ])))
    ratios.append(("replay_over_python", ratioPython.map { .double($0, 2) } ?? .null))
  case .skipped(let reason):
    say("   python baseline: skipped (\(reason))")
    say("   ratios      tokenwatch end to end ÷ JSONDecoder decode-only = \(fixed(ratioJSONDecoder, 2))× (median of the rounds)")
    baselines.append(("python", .object([("skipped", .string(reason))])))
    ratios.append(("replay_over_python", .null))
  }
  say("   rounds      " + rounds.enumerated().map { i, r in
    "\(i + 1): \(fixed(r.overJSONDecoder, 2))× JSONDecoder" + (r.overPython.map { ", \(fixed($0, 2))× Python" } ?? "") + (r.steal.map { " (steal \(fixed($0 * 100, 1))%)" } ?? "")
  }.joined(separator: "; "))
  ratios.append(("rounds", .array(rounds.map { r in
    .object([("steal", r.steal.map { .double($0, 4) } ?? .null), ("replay_over_jsondecoder", .double(r.overJSONDecoder, 2)), ("replay_over_python", r.overPython.map { .double($0, 2) } ?? .null)])
  })))
  say()
  report.append(("baselines", .object(baselines)))
  report.append(("ratios", .object(ratios)))

}

@MainActor func measureWatchLatency() throws {
  // 4. watch latency, over a TCP connection (how a shipper feeds the service) and a stdin pipe.
  var latencies: [(String, JSON)] = []
  for transport in [LatencyTransport.tcp, .pipe] {
    // Several runs, each with the host's steal over it: this VM's host takes the CPU away for
    // tens of milliseconds now and then, and a run that caught such a stall says so.
    var runs: [(result: LatencyResult, steal: Double?)] = []
    for run in 1...options.latencyRuns {
      progress("watch latency over \(transport.rawValue), run \(run)/\(options.latencyRuns): \(grouped(options.rate)) events/s for \(fixed(options.seconds, 1)) s")
      let before = CPUTimes.read()
      let result = try measureLatency(setup, rate: options.rate, seconds: options.seconds, transport: transport)
      let steal = before.flatMap { before in CPUTimes.read().map { $0.stealShare(since: before) } }
      progress("  p50 \(fixed(result.percentile(50), 3)) ms, p99 \(fixed(result.percentile(99), 3)) ms, max \(fixed(result.maxMillis, 3)) ms, host steal \(steal.map { fixed($0 * 100, 1) + "%" } ?? "unknown")")
      runs.append((result, steal))
    }
    let ranked = runs.sorted { $0.result.percentile(99) < $1.result.percentile(99) }
    let latency = ranked[(ranked.count - 1) / 2].result
    let how = transport == .tcp ? "--listen tcp://127.0.0.1:0, one TCP connection" : "stdin pipe"
    say("4. watch latency (\(transport.rawValue)): tokenwatch watch --max-delay 0s --idle-flush 0s --output ndjson, \(how)")
    say("   offered     \(grouped(latency.events)) events at \(grouped(options.rate))/s (written in \(fixed(latency.writeSeconds, 2)) s), 1 alert per \(triggerEvery) events")
    say("   alerts      \(latency.latencies.count) of \(latency.triggers) triggers matched (\(latency.alertLines) alert lines)")
    say("   latency     p50 \(fixed(latency.percentile(50), 3)) ms, p99 \(fixed(latency.percentile(99), 3)) ms, max \(fixed(latency.maxMillis, 3)) ms  (write of the line → read of its alert; the run with the median p99 of \(runs.count))")
    say("   runs        p99 " + runs.map { run in fixed(run.result.percentile(99), 3) + " ms" + (run.steal.map { " (steal " + fixed($0 * 100, 1) + "%)" } ?? "") }.joined(separator: ", "))
    say()
    latencies.append((transport.rawValue, .object([
      ("rate", .int(options.rate)), ("seconds", .double(options.seconds, 1)), ("events", .int(latency.events)),
      ("write_seconds", .double(latency.writeSeconds, 3)), ("triggers", .int(latency.triggers)), ("matched", .int(latency.latencies.count)),
      ("alert_lines", .int(latency.alertLines)), ("p50_ms", .double(latency.percentile(50), 3)), ("p99_ms", .double(latency.percentile(99), 3)),
      ("max_ms", .double(latency.maxMillis, 3)),
      ("runs", .array(runs.map { run in .object([
        ("p50_ms", .double(run.result.percentile(50), 3)), ("p99_ms", .double(run.result.percentile(99), 3)),
        ("max_ms", .double(run.result.maxMillis, 3)), ("steal", run.steal.map { .double($0, 4) } ?? .null),
      ]) })),
    ])))
  }
  report.append(("latency", .object(latencies)))

  // 5. watch throughput with the default reorder window.
  let watchEvents = 500_000
  progress("watch throughput: \(grouped(watchEvents)) events on stdin, default --max-delay 10m")
  let watch = try measureWatchThroughput(setup, events: watchEvents)
  say("5. watch throughput: tokenwatch watch --idle-flush 0s, default 10m reorder window, \(grouped(watchEvents)) native events (1 ms apart) from a file on stdin")
  say("   throughput  \(grouped(Int(Double(watchEvents) / watch.seconds))) events/s (\(fixed(watch.seconds, 2)) s), peak RSS \(mebibytes(watch.peakRSSBytes))")
  say()
  report.append(("watch_throughput", .object([
    ("events", .int(watchEvents)), ("seconds", .double(watch.seconds, 3)), ("events_per_second", .int(Int(Double(watchEvents) / watch.seconds))),
    ("peak_rss_bytes", .int(watch.peakRSSBytes)),
  ])))
}

do {
  try run()
} catch {
  removeTree(scratch)
  fatal("\(error)")
}
removeTree(scratch)
print(JSON.object(report).rendered)
