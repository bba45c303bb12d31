import TokenWatchCore
import TokenWatchIO
import TokenWatchJSON

func runSimulate(_ raw: [String]) -> Int32 {
  let args = parse(raw, options: ["--seed", "--scenario", "--out", "--bulk", "--format"], flags: ["--demo", "--all", "--list"], usage: Usage.simulate)
  if args.has("--list") {
    _ = Posix.writeAll(1, ScenarioLibrary.names.joined(separator: "\n") + "\n")
    return ExitCode.ok
  }
  var seed: UInt64?
  if let text = args.value("--seed") {
    guard let parsed = UInt64(text) else { usageFailure("--seed must be a non-negative whole number", Usage.simulate) }
    seed = parsed
  }
  if let countText = args.value("--bulk") {
    guard let count = Int(countText), count > 0 else { usageFailure("--bulk needs a positive count", Usage.simulate) }
    let format: BulkFormat
    switch args.value("--format") ?? "mixed" {
    case "native": format = .native
    case "entra": format = .entra
    case "okta": format = .okta
    case "graph": format = .graph
    case "mixed": format = .mixed
    case let other: usageFailure("unknown --format '\(other)' (use native, entra, okta, graph or mixed)", Usage.simulate)
    }
    let sink = OutputSink(fd: 1)
    for line in ScenarioLibrary.bulk(count: count, seed: seed ?? 1, format: format) {
      sink.write(line + "\n")
      if sink.isBroken { break }
    }
    sink.flush()
    return ExitCode.ok
  }

  var scenarios: [GeneratedScenario] = []
  if args.has("--all") {
    scenarios = ScenarioLibrary.names.compactMap { ScenarioLibrary.generate($0, seed: seed ?? ScenarioLibrary.defaultSeed) }
    scenarios.append(ScenarioLibrary.demo(seed: seed ?? ScenarioLibrary.demoSeed))
  } else if args.has("--demo") {
    scenarios = [ScenarioLibrary.demo(seed: seed ?? ScenarioLibrary.demoSeed)]
  } else if let name = args.value("--scenario") {
    guard let scenario = ScenarioLibrary.generate(name, seed: seed ?? ScenarioLibrary.defaultSeed) else {
      usageFailure("unknown scenario '\(name)'\(closestMatch(to: name, in: ScenarioLibrary.names).map { "; did you mean '\($0)'?" } ?? "") (see --list)", Usage.simulate)
    }
    scenarios = [scenario]
  } else {
    usageFailure("choose --scenario NAME, --demo, --all or --bulk N", Usage.simulate)
  }

  guard let out = args.value("--out") else {
    let sink = OutputSink(fd: 1)
    for scenario in scenarios { for line in scenario.lines { sink.write(line + "\n") } }
    sink.flush()
    return ExitCode.ok
  }
  for scenario in scenarios {
    let directory = scenario.name == "demo" ? out + "/demo" : out + "/scenarios/" + scenario.name
    Posix.makeDirectory(directory)
    let events = Array(scenario.lines.joined(separator: "\n").utf8) + [0x0A]
    for (file, bytes) in [("events.ndjson", events), ("scenario.json", Array(scenario.manifestJSON.utf8) + [0x0A])] {
      if case .failure(let error) = Posix.writeFile(directory + "/" + file, bytes) {
        StandardError.write("tokenwatch: error: cannot write \(error)")
        return ExitCode.failure
      }
    }
    StandardError.write("wrote \(directory) (\(scenario.lines.count) events, \(scenario.attacks.count) labelled attacks)")
  }
  return ExitCode.ok
}

/// `trail ID FILE...` (filter) and `normalize FILE...` (no filter): events in native schema, in
/// event-time order (ties broken by the raw record, so the output is deterministic).
func runTrail(_ raw: [String], filter: Bool) -> Int32 {
  let usage = filter ? Usage.trail : Usage.normalize
  let args = parse(raw, options: ["--input-format", "--max-line-bytes"], flags: ["--strict-input"], usage: usage)
  var paths = args.positionals
  var id: String?
  if filter {
    guard !paths.isEmpty else { usageFailure("missing the token, session or user ID", usage) }
    id = paths.removeFirst()
  }
  guard !paths.isEmpty else { usageFailure("no input files (use - for stdin)", usage) }
  let registry = NormalizerRegistry(forcing: inputFormat(args.value("--input-format"), usage: usage))
  let reporter = InputReporter(strict: args.has("--strict-input"))
  var events: [(NormalizedEvent, UInt64)] = []
  let strings = JSONStringCache.forThread()
  for path in paths {
    let source: EventSource
    do {
      source = try EventSource(path: path, registry: registry, reporter: reporter, strings: strings, maxLineBytes: 1 << 20, maxDocumentBytes: 1 << 30)
    } catch {
      StandardError.write("tokenwatch: error: cannot open \(error)")
      return ExitCode.failure
    }
    while source.readNext({ event, tieBreak, _ in
      if let id, ![event.token, event.session, event.user, event.upn].contains(id) { return }
      events.append((event, tieBreak))
    }) != .end {
      if reporter.strictFailure { return ExitCode.badInput }
    }
  }
  events.sort { ($0.0.time, $0.1) < ($1.0.time, $1.1) }
  let sink = OutputSink(fd: 1)
  var encoder = NativeEventEncoder()
  for (event, _) in events { sink.write(encoder.encode(event) + [0x0A]) }
  sink.flush()
  return reporter.strictFailure ? ExitCode.badInput : ExitCode.ok
}
