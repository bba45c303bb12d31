import TokenWatchCore
import TokenWatchIO

let watchOptionNames = ["--listen", "--max-connections", "--connection-idle-timeout", "--queue-bytes", "--stats-interval", "--metrics", "--state", "--checkpoint-interval"]
let watchFlagNames = ["--allow-remote", "--discard-state"]

/// The service side of `watch`: listeners, stdin, state directory, stats and metrics.
func serviceOptions(_ args: Arguments, maxLineBytes: Int, usage: String) -> ServiceOptions {
  var service = ServiceOptions()
  service.limits.maxLineBytes = maxLineBytes
  for text in args.values("--listen") {
    do {
      service.listeners.append(try ListenAddress(parsing: text))
    } catch {
      usageFailure("invalid --listen '\(text)': \(error)", usage)
    }
  }
  service.allowRemote = args.has("--allow-remote")
  // stdin is read when nothing else is, or when asked for with '-'.
  service.readStdin = service.listeners.isEmpty || args.positionals == ["-"]
  if let text = args.value("--max-connections") {
    guard let n = Int(text), n >= 1 else { usageFailure("--max-connections must be a positive number", usage) }
    service.limits.maxConnections = n
  }
  if let text = args.value("--connection-idle-timeout") {
    guard let idle = Duration(parsing: text) ?? (text == "0" ? .zero : nil) else { usageFailure("invalid --connection-idle-timeout '\(text)' (e.g. 10m, 0 for never)", usage) }
    service.limits.idleTimeoutSeconds = Double(idle.millis) / 1000
  }
  if let text = args.value("--queue-bytes") {
    guard let n = Int(text), n >= 65536 else { usageFailure("--queue-bytes must be a number of at least 65536", usage) }
    service.queueBytes = n
  }
  if let text = args.value("--stats-interval") {
    guard let interval = Duration(parsing: text), interval.millis > 0 else { usageFailure("invalid --stats-interval '\(text)' (e.g. 10s, 1m)", usage) }
    service.statsIntervalSeconds = Double(interval.millis) / 1000
  }
  if let text = args.value("--metrics") {
    do {
      let address = try ListenAddress(parsing: text)
      guard case .tcp = address else { usageFailure("--metrics needs a tcp:// address (Prometheus scrapes over HTTP)", usage) }
      service.metrics = address
    } catch {
      usageFailure("invalid --metrics '\(text)': \(error)", usage)
    }
  }
  if let text = args.value("--checkpoint-interval") {
    guard let interval = Duration(parsing: text), interval.millis > 0 else { usageFailure("invalid --checkpoint-interval '\(text)' (e.g. 30s, 5m)", usage) }
    service.checkpointIntervalSeconds = Double(interval.millis) / 1000
  }
  if let directory = args.value("--state") {
    do {
      service.state = try StateDirectory(path: directory)
    } catch {
      StandardError.write("tokenwatch: error: \(error)")
      Posix.exit(ExitCode.failure)
    }
  } else if args.has("--discard-state") || args.value("--checkpoint-interval") != nil {
    usageFailure("--discard-state and --checkpoint-interval need --state DIR", usage)
  }
  service.rulesDirectory = RulesDirectory.resolve(args.value("--rules"))
  return service
}

/// Loads the checkpoint; an unreadable one stops the start unless `--discard-state` sets it aside.
func restoreCheckpoint(_ service: WatchService, _ options: ServiceOptions, discard: Bool) {
  guard let state = options.state else { return }
  do {
    if let metadata = try service.restoreState() {
      StandardError.write("tokenwatch: state restored from \(state.path) (\(metadata.events) events, event time \(metadata.createdAt?.rfc3339 ?? "-"))")
    }
  } catch {
    let file = state.file("checkpoint")
    guard discard else {
      StandardError.write("tokenwatch: error: \(file): \(error)\ntokenwatch: nothing was loaded; fix or remove the file, or start with --discard-state to set it aside and start with empty state")
      Posix.exit(ExitCode.failure)
    }
    do {
      let moved = try state.quarantine()
      StandardError.write("tokenwatch: warning: \(file): \(error); moved to \(moved), starting with empty state (--discard-state)")
    } catch {
      StandardError.write("tokenwatch: error: cannot set aside \(file): \(error)")
      Posix.exit(ExitCode.failure)
    }
  }
}
