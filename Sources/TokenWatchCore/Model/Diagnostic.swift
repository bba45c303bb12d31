/// A problem found in a rule, list or policy file, rendered compiler-style:
/// `rules/replay.yaml:12:3: error: [TW104] unknown key "treshold"; did you mean "threshold"? (rule TW-001)`
public struct Diagnostic: Sendable, Equatable, CustomStringConvertible {
  public enum Severity: String, Sendable { case error, warning }

  public var severity: Severity
  public var code: String
  public var message: String
  public var file: String
  public var position: SourcePosition
  public var ruleID: String?

  public init(_ severity: Severity, _ code: String, _ message: String, file: String, at position: SourcePosition, rule: String? = nil) {
    self.severity = severity
    self.code = code
    self.message = message
    self.file = file
    self.position = position
    self.ruleID = rule
  }

  public var description: String {
    var text = "\(file):\(position.line):\(position.column): \(severity.rawValue): [\(code)] \(message)"
    if let ruleID { text += " (rule \(ruleID))" }
    return text
  }
}
