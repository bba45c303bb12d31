/// Collects diagnostics for one file while its nodes are decoded.
public struct DiagnosticSink: Sendable {
  public private(set) var diagnostics: [Diagnostic] = []
  public let file: String
  public var rule: String?

  public init(file: String) { self.file = file }

  public mutating func error(_ code: DiagnosticCode, _ message: String, at position: SourcePosition) {
    diagnostics.append(Diagnostic(.error, code.rawValue, message, file: file, at: position, rule: rule))
  }

  public mutating func warning(_ code: DiagnosticCode, _ message: String, at position: SourcePosition) {
    diagnostics.append(Diagnostic(.warning, code.rawValue, message, file: file, at: position, rule: rule))
  }

  public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
}

/// Strict, typed reads from one mapping. Every key read is remembered, so `finish` can report the
/// keys nobody asked for as unknown, with a did-you-mean.
struct MappingReader {
  let node: ConfigNode
  let context: String
  private(set) var entries: [ConfigEntry] = []
  private var allowed: [String] = []

  init?(_ node: ConfigNode, context: String, sink: inout DiagnosticSink) {
    self.node = node
    self.context = context
    guard case .mapping(let entries) = node.value else {
      sink.error(.wrongType, "\(context) must be a mapping", at: node.position)
      return nil
    }
    self.entries = entries
  }

  mutating func node(_ key: String) -> ConfigNode? {
    allowed.append(key)
    return entries.last(where: { $0.key == key })?.value
  }

  mutating func requireNode(_ key: String, sink: inout DiagnosticSink) -> ConfigNode? {
    guard let value = node(key), value.value != .null else {
      sink.error(.missingKey, "missing required key \"\(key)\" in \(context)", at: node.position)
      return nil
    }
    return value
  }

  mutating func string(_ key: String, required: Bool = false, sink: inout DiagnosticSink) -> String? {
    guard let value = required ? requireNode(key, sink: &sink) : node(key) else { return nil }
    return value.stringValue(key, sink: &sink)
  }

  mutating func bool(_ key: String, sink: inout DiagnosticSink) -> Bool? {
    guard let value = node(key) else { return nil }
    return value.boolValue(key, sink: &sink)
  }

  mutating func number(_ key: String, required: Bool = false, sink: inout DiagnosticSink) -> Double? {
    guard let value = required ? requireNode(key, sink: &sink) : node(key) else { return nil }
    return value.numberValue(key, sink: &sink)
  }

  mutating func duration(_ key: String, sink: inout DiagnosticSink) -> Duration? {
    guard let value = node(key) else { return nil }
    return value.durationValue(key, sink: &sink)
  }

  mutating func strings(_ key: String, sink: inout DiagnosticSink) -> [(String, SourcePosition)]? {
    guard let value = node(key) else { return nil }
    return value.stringList(key, sink: &sink)
  }

  /// Reports every key that was never read as unknown.
  func finish(sink: inout DiagnosticSink) {
    for entry in entries where !allowed.contains(entry.key) {
      sink.error(.unknownKey, "unknown key \"\(entry.key)\" in \(context)\(didYouMean(entry.key, allowed))", at: entry.keyPosition)
    }
  }
}

extension ConfigNode {
  func stringValue(_ key: String, sink: inout DiagnosticSink) -> String? {
    guard case .scalar(let text, _) = value else {
      sink.error(.wrongType, "\"\(key)\" must be a string", at: position)
      return nil
    }
    return text
  }

  func boolValue(_ key: String, sink: inout DiagnosticSink) -> Bool? {
    if case .scalar(let text, quoted: false) = value {
      if text == "true" { return true }
      if text == "false" { return false }
    }
    sink.error(.wrongType, "\"\(key)\" must be true or false", at: position)
    return nil
  }

  func numberValue(_ key: String, sink: inout DiagnosticSink) -> Double? {
    if case .scalar(let text, quoted: false) = value, let number = Double(text), number.isFinite { return number }
    sink.error(.wrongType, "\"\(key)\" must be a number", at: position)
    return nil
  }

  func durationValue(_ key: String, sink: inout DiagnosticSink) -> Duration? {
    if case .scalar(let text, _) = value {
      if let duration = Duration(parsing: text) { return duration }
      if text == "0" { return .zero }
      sink.error(.badDuration, "\"\(key)\": invalid duration \"\(text)\" (use a number and a unit: 90s, 10m, 24h, 30d)", at: position)
      return nil
    }
    sink.error(.wrongType, "\"\(key)\" must be a duration such as 10m", at: position)
    return nil
  }

  /// A sequence of scalars; a single scalar is accepted as a one-element list.
  func stringList(_ key: String, sink: inout DiagnosticSink) -> [(String, SourcePosition)]? {
    switch value {
    case .scalar(let text, _): return [(text, position)]
    case .sequence(let items):
      var result: [(String, SourcePosition)] = []
      for item in items {
        guard case .scalar(let text, _) = item.value else {
          sink.error(.wrongType, "items of \"\(key)\" must be scalars", at: item.position)
          continue
        }
        result.append((text, item.position))
      }
      return result
    case .null: return []
    case .mapping:
      sink.error(.wrongType, "\"\(key)\" must be a list", at: position)
      return nil
    }
  }
}
