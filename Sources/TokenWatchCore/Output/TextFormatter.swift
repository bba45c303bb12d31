import TokenWatchJSON

/// One aligned, human line per record for analysts tailing alerts. Every string that came from
/// an event goes through `TerminalText.escape`, so nothing in a log can drive the terminal.
public struct TextFormatter: Sendable {
  public var color: Bool

  public init(color: Bool) { self.color = color }

  public func format(_ record: EngineRecord) -> String {
    switch record {
    case .alert(let alert):
      let who = TerminalText.escape(alert.upn ?? alert.user ?? "-")
      let late = alert.late ? " [late]" : ""
      return "\(alert.time.rfc3339)  \(badge(alert.severity.name.uppercased(), alert.severity))  \(pad(alert.rule, 7)) \(pad(who, 28)) "
        + "\(TerminalText.escape(alert.summary))  [\(alert.id)]\(late)"
    case .risk(let risk):
      let who = TerminalText.escape(risk.upn ?? risk.user)
      let severity: Severity = risk.level == .high ? .critical : risk.level == .medium ? .high : .medium
      return "\(risk.time.rfc3339)  \(badge("RISK", severity))  \(pad(risk.level.name, 7)) \(pad(who, 28)) "
        + "score \(formatFixed(risk.score, decimals: 1)) (\(risk.previousLevel.name) -> \(risk.level.name)); rules \(risk.rules.joined(separator: ","))"
    case .suppressed(let summary):
      let who = TerminalText.escape(summary.user ?? "-")
      return "\(summary.lastTime.rfc3339)  \(badge("REPEAT", .info))  \(pad(summary.rule, 7)) \(pad(who, 28)) "
        + "\(summary.count) occurrences on \(summary.subject.kind) \(TerminalText.escape(summary.subject.id)) since \(summary.firstTime.rfc3339)  [\(summary.alertID)]"
    }
  }

  public func format(_ action: ActionOutcome) -> String {
    let severity: Severity
    switch action.result {
    case .success, .recovered: severity = .low
    case .dryRun, .neverAct, .coolingDown, .journaled: severity = .info
    case .retry: severity = .medium
    case .failed, .circuitOpen: severity = .critical
    }
    return "ACTION                    \(badge(action.result.rawValue.uppercased(), severity))  \(pad(action.hook, 7)) \(pad(TerminalText.escape(action.user ?? "-"), 28)) "
      + "\(TerminalText.escape(action.detail))  [\(action.actionID)]"
  }

  private func badge(_ label: String, _ severity: Severity) -> String {
    let text = pad(label, 8)
    guard color else { return text }
    let code: String
    switch severity {
    case .critical: code = "1;97;41"
    case .high: code = "1;31"
    case .medium: code = "33"
    case .low: code = "36"
    case .info: code = "2"
    }
    return "\u{1B}[\(code)m\(text)\u{1B}[0m"
  }

  private func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
  }
}

public enum TerminalText {
  /// Replaces control characters (C0, DEL, C1), bidirectional overrides and invisible format
  /// characters with visible escapes (`\x1B`, `\u{202E}`), and backslashes with `\\` so an
  /// escape in a log can't pass for ours.
  public static func escape(_ text: String) -> String {
    var needs = false
    for scalar in text.unicodeScalars where isUnsafe(scalar) || scalar == "\\" {
      needs = true
      break
    }
    guard needs else { return text }
    var result = ""
    result.reserveCapacity(text.utf8.count + 8)
    for scalar in text.unicodeScalars {
      if scalar == "\\" {
        result += "\\\\"
      } else if isUnsafe(scalar) {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        result += scalar.value < 0x100 ? "\\x" + (hex.count < 2 ? "0" + hex : hex) : "\\u{" + hex + "}"
      } else {
        result.unicodeScalars.append(scalar)
      }
    }
    return result
  }

  static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0..<0x20, 0x7F...0x9F: true
    case 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x2069, 0xFEFF, 0xFFF9...0xFFFB: true
    default: false
    }
  }
}
