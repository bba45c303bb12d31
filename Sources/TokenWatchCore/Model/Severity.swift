public enum Severity: Int, Comparable, CaseIterable, Sendable {
  case info, low, medium, high, critical

  public static func < (a: Severity, b: Severity) -> Bool { a.rawValue < b.rawValue }

  public var name: String {
    switch self {
    case .info: "info"
    case .low: "low"
    case .medium: "medium"
    case .high: "high"
    case .critical: "critical"
    }
  }

  public init?(name: String) {
    guard let match = Severity.allCases.first(where: { $0.name == name }) else { return nil }
    self = match
  }

  /// One step up, capped at critical.
  public var raised: Severity { Severity(rawValue: min(rawValue + 1, Severity.critical.rawValue))! }
}

public enum RiskLevel: Int, Comparable, CaseIterable, Sendable {
  case none, low, medium, high

  public static func < (a: RiskLevel, b: RiskLevel) -> Bool { a.rawValue < b.rawValue }

  public var name: String {
    switch self {
    case .none: "none"
    case .low: "low"
    case .medium: "medium"
    case .high: "high"
    }
  }
}
