/// 1-based line and column (columns count bytes) in a rule, list or policy file.
public struct SourcePosition: Hashable, Comparable, Sendable, CustomStringConvertible {
  public var line: Int
  public var column: Int
  public init(line: Int, column: Int) {
    self.line = line
    self.column = column
  }
  public static func < (a: SourcePosition, b: SourcePosition) -> Bool {
    (a.line, a.column) < (b.line, b.column)
  }
  public var description: String { "\(line):\(column)" }
}

/// A configuration value read from YAML or JSON, with the position of every node and key so
/// validation can point at the exact spot. Scalars stay text: the validator decides their type.
public struct ConfigNode: Sendable, Equatable {
  public enum Value: Sendable, Equatable {
    /// `quoted` is true for '…' and "…" scalars, which are always strings.
    case scalar(String, quoted: Bool)
    /// An explicit `null`, `~`, or a key with no value.
    case null
    case sequence([ConfigNode])
    /// Entries in file order; duplicate keys are rejected by the readers.
    case mapping([ConfigEntry])
  }

  public var value: Value
  public var position: SourcePosition

  public init(_ value: Value, at position: SourcePosition) {
    self.value = value
    self.position = position
  }
}

public struct ConfigEntry: Sendable, Equatable {
  public var key: String
  public var keyPosition: SourcePosition
  public var value: ConfigNode
  public init(key: String, keyPosition: SourcePosition, value: ConfigNode) {
    self.key = key
    self.keyPosition = keyPosition
    self.value = value
  }
}

/// A file could not be read as YAML/JSON at all; validation never starts.
public struct ConfigSyntaxError: Error, Equatable, Sendable {
  public var position: SourcePosition
  public var message: String
  public init(position: SourcePosition, message: String) {
    self.position = position
    self.message = message
  }
}
