import TokenWatchCore
import TokenWatchJSON
import TokenWatchIO

// The command line only: parse, wire the pieces from TokenWatchIO, map outcomes to exit codes.

enum ExitCode {
  static let ok: Int32 = 0
  static let failure: Int32 = 1
  static let usage: Int32 = 64
  static let badInput: Int32 = 65
}

Posix.ignoreSIGPIPE()
let arguments = Array(CommandLine.arguments.dropFirst())

func usageFailure(_ message: String, _ usage: String) -> Never {
  StandardError.write("tokenwatch: error: \(message)\n\n\(usage)")
  Posix.exit(ExitCode.usage)
}

func parse(_ raw: [String], options: [String], flags: [String], usage: String) -> Arguments {
  do {
    let parsed = try Arguments(raw, options: options, flags: flags + ["--help"])
    if parsed.has("--help") {
      _ = Posix.writeAll(1, usage + "\n")
      Posix.exit(ExitCode.ok)
    }
    return parsed
  } catch {
    usageFailure(error.message, usage)
  }
}

func loadRules(_ directory: String?) -> RuleSet {
  let path = RulesDirectory.resolve(directory)
  let result = RulesDirectory.load(path)
  for diagnostic in result.diagnostics { StandardError.write(diagnostic.description) }
  guard let ruleSet = result.ruleSet else {
    StandardError.write("tokenwatch: \(result.errorCount) error(s) in \(path); nothing was run")
    Posix.exit(ExitCode.failure)
  }
  return ruleSet
}

func inputFormat(_ name: String?, usage: String) -> InputFormat? {
  guard let name else { return nil }
  guard let format = InputFormat(rawValue: name) else {
    usageFailure("unknown input format '\(name)' (use \(InputFormat.allCases.map(\.rawValue).joined(separator: ", ")))", usage)
  }
  return format
}

let detectionOptionNames = ["--rules", "--input-format", "--max-delay", "--max-buffered", "--output", "--color", "--max-line-bytes", "--idle-flush", "--journal", "--actions-log", "--drain-timeout", "--shard"]
let detectionFlagNames = ["--strict-input", "--quiet", "--live-actions", "--dry-run-actions", "--progress", "--no-progress"]

func runDetection(_ raw: [String], live: Bool) -> Int32 {
  let usage = live ? Usage.watch : Usage.replay
  let args = parse(raw, options: detectionOptionNames + (live ? watchOptionNames : []), flags: detectionFlagNames + (live ? watchFlagNames : []), usage: usage)
  var options = PipelineOptions()
  options.forcedFormat = inputFormat(args.value("--input-format"), usage: usage)
  if let delay = args.value("--max-delay") {
    guard let parsed = Duration(parsing: delay) ?? (delay == "0" ? .zero : nil) else { usageFailure("invalid --max-delay '\(delay)' (e.g. 10m, 30s, 0s)", usage) }
    options.maxDelay = parsed
  }
  if let text = args.value("--max-buffered") {
    guard let n = Int(text), n >= 1 else { usageFailure("--max-buffered must be a whole number of at least 1", usage) }
    options.maxBufferedEvents = n
  }
  if let limit = args.value("--max-line-bytes") {
    guard let n = Int(limit), n >= 1024 else { usageFailure("--max-line-bytes must be a number of at least 1024", usage) }
    options.maxLineBytes = n
  }
  let stdoutIsTerminal = Posix.isTerminal(1)
  switch args.value("--output") {
  case nil: options.output = stdoutIsTerminal ? .text : .ndjson
  case let name?:
    guard let format = OutputFormat(rawValue: name) else { usageFailure("unknown --output '\(name)' (use ndjson or text)", usage) }
    options.output = format
  }
  let noColor = !(Posix.environment("NO_COLOR") ?? "").isEmpty || Posix.environment("TERM") == "dumb"
  switch args.value("--color") ?? "auto" {
  case "auto": options.color = stdoutIsTerminal && !noColor
  case "always": options.color = true
  case "never": options.color = false
  case let other: usageFailure("unknown --color '\(other)' (use auto, always or never)", usage)
  }
  if let text = args.value("--shard") {
    guard let shard = Shard(parsing: text) else { usageFailure("invalid --shard '\(text)' (i/n with 0 <= i < n, e.g. 0/4)", usage) }
    options.shard = shard
  }
  options.strictInput = args.has("--strict-input")
  // Progress for responders replaying big files: on when stderr is a terminal, or asked for.
  if !live, args.has("--progress") || (Posix.isTerminal(2) && !args.has("--quiet") && !args.has("--no-progress")) {
    options.progressSeconds = 5
  }
  if live {
    let text = args.value("--idle-flush") ?? "2s"
    guard let idle = Duration(parsing: text) ?? (text == "0" ? .zero : nil) else { usageFailure("invalid --idle-flush '\(text)' (e.g. 2s, 500ms, 0s to disable)", usage) }
    options.idleFlushMillis = idle.millis > 0 ? Int32(clamping: idle.millis) : nil
  } else if args.value("--idle-flush") != nil {
    usageFailure("--idle-flush applies to watch only; replay orders by event time alone", usage)
  }

  let paths = args.positionals
  var service: ServiceOptions?
  if live {
    guard paths.isEmpty || paths == ["-"] else { usageFailure("watch reads stdin (-) and --listen sockets; use 'tokenwatch replay' for files", usage) }
    service = serviceOptions(args, maxLineBytes: options.maxLineBytes, usage: usage)
    Signals.installStopHandlers()
    Signals.installReloadHandler()
  } else if paths.isEmpty {
    usageFailure("no input files (use - for stdin)", usage)
  }

  let ruleSet = loadRules(args.value("--rules"))
  let sink = OutputSink(fd: 1)
  let pipeline = Pipeline(ruleSet: ruleSet, options: options, sink: sink)
  // Never torn down: freeing millions of state records one by one at exit takes seconds, and
  // the process is about to end anyway.
  _ = Unmanaged.passRetained(pipeline)
  let dispatcher = configureResponse(
    ruleSet, pipeline: pipeline, args: args, live: live, usage: usage, outputFormat: options.output, color: options.color,
    defaultJournal: service?.state?.file("actions.journal") ?? "tokenwatch-actions.journal")
  let started = Posix.monotonicSeconds()
  let outcome: Pipeline.Outcome
  if let service {
    let watch = WatchService(pipeline: pipeline, options: service, idleFlushMillis: options.idleFlushMillis.map(Int.init))
    restoreCheckpoint(watch, service, discard: args.has("--discard-state"))
    if let dispatcher { watch.pendingActions = { dispatcher.backlog } }
    guard watch.open() else { return ExitCode.failure }
    outcome = watch.run()
  } else {
    outcome = pipeline.run(paths: paths)
  }
  if let dispatcher {
    let text = args.value("--drain-timeout") ?? "30s"
    guard let drain = Duration(parsing: text) ?? (text == "0" ? .zero : nil) else { usageFailure("invalid --drain-timeout '\(text)'", usage) }
    dispatcher.finish(deadline: Posix.deadline(afterMillis: drain.millis))
  }
  if !args.has("--quiet") && !sink.isBroken {
    for line in Summary.lines(pipeline: pipeline, seconds: Posix.monotonicSeconds() - started) { StandardError.write(line) }
  }
  switch outcome {
  case .finished: return ExitCode.ok
  case .strictInputFailure: return ExitCode.badInput
  case .inputFailure: return ExitCode.failure
  }
}

func runRules(_ raw: [String]) -> Int32 {
  let args = parse(raw, options: ["--rules"], flags: [], usage: Usage.rules)
  guard let action = args.positionals.first else { usageFailure("missing action (check, list or explain)", Usage.rules) }
  switch action {
  case "check", "list":
    let directory = RulesDirectory.resolve(args.positionals.dropFirst().first ?? args.value("--rules"))
    let result = RulesDirectory.load(directory)
    for diagnostic in result.diagnostics { StandardError.write(diagnostic.description) }
    guard let ruleSet = result.ruleSet else {
      StandardError.write("tokenwatch: \(result.errorCount) error(s), \(result.warningCount) warning(s) in \(directory)")
      return ExitCode.failure
    }
    if action == "check" {
      StandardError.write("tokenwatch: \(ruleSet.rules.count) rules, \(ruleSet.lists.count) lists: ok (\(result.warningCount) warning(s))")
      return ExitCode.ok
    }
    var out = "RULE    DETECTOR        SEVERITY  POINTS  STATE     TITLE\n"
    for rule in ruleSet.rules {
      out += pad(rule.id, 8) + pad(rule.detector.rawValue, 16) + pad(rule.severity.name, 10) + pad(formatFixed(rule.points, decimals: 1), 8)
        + pad(rule.enabled ? "enabled" : "disabled", 10) + rule.title + "\n"
      out += "        " + rule.canonicalDescription + "\n"
    }
    out += "\nLIST                 KIND     ITEMS  FILE\n"
    for name in ruleSet.lists.keys.sorted() {
      let list = ruleSet.lists[name]!
      out += pad(name, 21) + pad(list.kind.rawValue, 9) + pad(String(list.itemCount), 7) + list.file + "\n"
    }
    out += "\nRISK  half-life \(ruleSet.risk.halfLife); levels low \(formatFixed(ruleSet.risk.low, decimals: 1)), medium \(formatFixed(ruleSet.risk.medium, decimals: 1)), high \(formatFixed(ruleSet.risk.high, decimals: 1))\n"
    _ = Posix.writeAll(1, out)
    return ExitCode.ok
  case "explain":
    guard let code = args.positionals.dropFirst().first, let known = DiagnosticCode(rawValue: code.uppercased()) else {
      usageFailure("explain needs a code such as TW103 (known: \(DiagnosticCode.allCases.map(\.rawValue).joined(separator: ", ")))", Usage.rules)
    }
    _ = Posix.writeAll(1, "\(known.rawValue): \(known.explanation)\n")
    return ExitCode.ok
  default:
    usageFailure("unknown rules action '\(action)'\(closestMatch(to: action, in: ["check", "list", "explain"]).map { "; did you mean '\($0)'?" } ?? "")", Usage.rules)
  }
}

func pad(_ text: String, _ width: Int) -> String {
  text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
}

let command = arguments.first ?? "--help"
let rest = Array(arguments.dropFirst())
let status: Int32
switch command {
case "replay": status = runDetection(rest, live: false)
case "watch": status = runDetection(rest, live: true)
case "rules": status = runRules(rest)
case "simulate": status = runSimulate(rest)
case "trail": status = runTrail(rest, filter: true)
case "normalize": status = runTrail(rest, filter: false)
case "actions": status = runActions(rest)
case "--version", "version": _ = Posix.writeAll(1, Usage.version + "\n"); status = ExitCode.ok
case "--help", "-h", "help":
  if let topic = rest.first, let text = ["replay": Usage.replay, "watch": Usage.watch, "rules": Usage.rules, "simulate": Usage.simulate, "trail": Usage.trail, "normalize": Usage.normalize, "actions": Usage.actions][topic] {
    _ = Posix.writeAll(1, text + "\n")
  } else {
    _ = Posix.writeAll(1, Usage.main + "\n")
  }
  status = ExitCode.ok
default:
  let known = ["replay", "watch", "rules", "simulate", "trail", "normalize", "actions", "help"]
  usageFailure("unknown command '\(command)'\(closestMatch(to: command, in: known).map { "; did you mean '\($0)'?" } ?? "")", Usage.main)
}
Posix.exit(status)
