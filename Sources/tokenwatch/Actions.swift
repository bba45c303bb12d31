import TokenWatchCore
import TokenWatchIO

/// `tokenwatch actions list|discard`: what an operator uses after the circuit breaker tripped
/// (or a receiver was down): see what is still pending in the journal, and drop what must not go.
func runActions(_ raw: [String]) -> Int32 {
  let args = parse(raw, options: ["--journal"], flags: ["--all"], usage: Usage.actions)
  guard let verb = args.positionals.first else { usageFailure("missing action (list or discard)", Usage.actions) }
  let path = args.value("--journal") ?? "tokenwatch-actions.journal"
  let loaded = ActionJournal.load(path: path)
  for line in loaded.unreadableLines {
    StandardError.write("\(path):\(line): warning: [TW301] unreadable journal line (a write cut short by a crash?); skipped")
  }
  switch verb {
  case "list":
    let sink = OutputSink(fd: 1)
    for action in loaded.pending { sink.writeLine(ActionEncoder.requestJSON(action)) }
    StandardError.write("tokenwatch: \(loaded.pending.count) pending, \(loaded.done) done in \(path)")
    return ExitCode.ok
  case "discard":
    let ids = Set(args.positionals.dropFirst())
    guard args.has("--all") != !ids.isEmpty else { usageFailure("give the action ids to discard, or --all", Usage.actions) }
    let targets = loaded.pending.filter { args.has("--all") || ids.contains($0.id) }
    let unknown = ids.subtracting(targets.map(\.id))
    for id in unknown.sorted() { StandardError.write("tokenwatch: warning: \(id) is not pending in \(path)") }
    let journal: ActionJournal
    do {
      journal = try ActionJournal(path: path)
    } catch {
      StandardError.write("tokenwatch: error: cannot open the action journal \(error)")
      return ExitCode.failure
    }
    for action in targets { journal.recordDone(action.id, result: "discarded") }
    StandardError.write("tokenwatch: discarded \(targets.count) pending action(s); they will not be delivered")
    return unknown.isEmpty ? ExitCode.ok : ExitCode.failure
  default:
    usageFailure("unknown actions verb '\(verb)'\(closestMatch(to: verb, in: ["list", "discard"]).map { "; did you mean '\($0)'?" } ?? "")", Usage.actions)
  }
}
