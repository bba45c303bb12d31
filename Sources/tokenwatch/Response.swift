import TokenWatchCore
import TokenWatchIO

/// Wires the response policy into a run. Replay only prints what it would do unless
/// `--live-actions`; watch acts whenever a policy is configured, unless `--dry-run-actions`.
func configureResponse(_ ruleSet: RuleSet, pipeline: Pipeline, args: Arguments, live: Bool, usage: String, outputFormat: OutputFormat, color: Bool, defaultJournal: String) -> ActionDispatcher? {
  let wantsLive = live ? !args.has("--dry-run-actions") : args.has("--live-actions")
  guard let policy = ruleSet.response else {
    if args.has("--live-actions") { StandardError.write("tokenwatch: warning: --live-actions has no effect: the rules directory has no response policy") }
    return nil
  }
  guard wantsLive else {
    pipeline.response = ResponseStage(policy: policy, mode: .dryRun) { pipeline.writeAction($0) }
    return nil
  }

  // Webhooks and Shared Signals pushes go out through libcurl, loaded now rather than at the
  // first alert: a machine without it should fail here, before anything happens.
  let posts = policy.hooks.values.contains { hook in
    switch hook.kind {
    case .webhook, .ssf: true
    default: false
    }
  }
  if posts, let reason = HTTPClient.unavailableReason() {
    StandardError.write("tokenwatch: error: webhook and SSF hooks cannot be delivered: \(reason); no action was taken")
    Posix.exit(ExitCode.failure)
  }
  let secrets: [String: [UInt8]]
  do {
    secrets = try SecretStore.resolve(policy)
  } catch {
    StandardError.write("tokenwatch: error: \(error.description); no action was taken")
    Posix.exit(ExitCode.failure)
  }
  let journalPath = args.value("--journal") ?? defaultJournal
  let loaded = ActionJournal.load(path: journalPath)
  for line in loaded.unreadableLines {
    StandardError.write("\(journalPath):\(line): warning: [TW301] unreadable journal line (a write cut short by a crash?); skipped")
  }
  let journal: ActionJournal
  do {
    journal = try ActionJournal(path: journalPath)
  } catch {
    StandardError.write("tokenwatch: error: cannot open the action journal \(error)")
    Posix.exit(ExitCode.failure)
  }

  // Action records go to stdout with the alerts, or to their own log.
  var actionSink = OutputSink(fd: 1)
  if let logPath = args.value("--actions-log") {
    guard case .success(let fd) = Posix.openForAppending(logPath) else {
      StandardError.write("tokenwatch: error: cannot open the actions log \(logPath)")
      Posix.exit(ExitCode.failure)
    }
    actionSink = OutputSink(fd: fd)
  }
  let sink = actionSink
  let formatter = TextFormatter(color: color)
  let dispatcher = ActionDispatcher(policy: policy, secrets: secrets, journal: journal) { outcome in
    switch outputFormat {
    case .ndjson: sink.writeLine(ActionEncoder.outcome(outcome))
    case .text: sink.writeLine(Array(formatter.format(outcome).utf8))
    }
  }
  dispatcher.start(recovered: loaded.pending)
  pipeline.response = ResponseStage(policy: policy, mode: .live(dispatcher)) { outcome in
    switch outputFormat {
    case .ndjson: sink.writeLine(ActionEncoder.outcome(outcome))
    case .text: sink.writeLine(Array(formatter.format(outcome).utf8))
    }
  }
  return dispatcher
}
