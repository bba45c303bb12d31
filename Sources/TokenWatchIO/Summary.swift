import TokenWatchCore

/// The end-of-run summary on stderr: what was read, what was wrong with it, what fired.
public enum Summary {
  public static func lines(pipeline: Pipeline, seconds: Double) -> [String] {
    let stats = pipeline.stats
    let counters = pipeline.engine.counters
    let events = counters.events.values.reduce(0, +)
    var lines = ["tokenwatch: summary"]
    lines.append("  events: \(events)" + breakdown(counters.events))
    lines.append("  bad lines: \(stats.badLines) (invalid JSON \(stats.invalidJSON), invalid UTF-8 \(stats.invalidUTF8), oversized \(stats.oversizedLines), invalid records \(stats.invalidRecords)" + (stats.truncatedLines + stats.invalidFrames > 0 ? ", cut short \(stats.truncatedLines), bad frames \(stats.invalidFrames)" : "") + ")")
    lines.append("  unknown format: \(stats.unknownFormat); unknown category: \(stats.unknownCategory); late events: \(stats.lateEvents)" + (stats.earlyReleases > 0 ? " (released early from a full reorder window: \(stats.earlyReleases))" : "") + "; blank lines: \(stats.blankLines)")
    let alerts = counters.alerts.values.reduce(0, +)
    lines.append("  alerts: \(alerts)" + breakdown(counters.alerts) + "; repeats suppressed: \(counters.suppressed)")
    if let time = pipeline.lastEventTime {
      let levels = pipeline.engine.usersByRiskLevel(at: time)
      lines.append("  users by risk level: high \(levels[.high] ?? 0), medium \(levels[.medium] ?? 0), low \(levels[.low] ?? 0)")
    }
    let sizes = pipeline.engine.stateSizes.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
    lines.append("  state: \(sizes); evicted \(pipeline.engine.evictions), expired \(pipeline.engine.expirations)")
    let rate = seconds > 0 ? Int(Double(events) / seconds) : events
    lines.append("  time: \(formatSeconds(seconds)) s, \(rate) events/s, \(stats.bytes / 1_000_000) MB, peak memory \(Posix.peakResidentBytes() / 1_048_576) MiB")
    return lines
  }

  private static func breakdown(_ counts: [String: Int]) -> String {
    guard !counts.isEmpty else { return "" }
    return " (" + counts.keys.sorted().map { "\($0) \(counts[$0]!)" }.joined(separator: ", ") + ")"
  }

  private static func formatSeconds(_ s: Double) -> String {
    let hundredths = Int((s * 100).rounded())
    let fraction = hundredths % 100
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
  }
}
