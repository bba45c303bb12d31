/// An alert as written to the output: everything an analyst or a SIEM needs, deterministic.
public struct Alert: Sendable {
  public var id: String
  public var time: EventTime
  public var rule: String
  public var title: String
  public var summary: String
  public var severity: Severity
  public var user: String?
  public var upn: String?
  public var token: String?
  public var session: String?
  public var subject: FindingSubject
  public var source: String
  public var eventID: String?
  public var evidence: [(String, EvidenceValue)]
  public var riskPoints: Double
  public var riskScore: Double
  public var riskLevel: RiskLevel
  public var mitre: [String]
  /// The triggering event arrived later than the allowed delay.
  public var late: Bool
}

/// Emitted when a user's risk level rises: what a revocation hook needs to act.
public struct RiskRecord: Sendable, Equatable {
  public var id: String
  public var time: EventTime
  public var user: String
  public var upn: String?
  public var actor: ActorType
  public var level: RiskLevel
  public var previousLevel: RiskLevel
  public var score: Double
  public var alerts: [String]
  public var rules: [String]
  public var tokens: [String]
  public var sessions: [String]
}

/// Emitted when a suppression window closes with repeats folded into its first alert.
public struct SuppressionRecord: Sendable {
  public var alertID: String
  public var rule: String
  public var subject: FindingSubject
  public var user: String?
  /// Occurrences in the window, the first alert included.
  public var count: Int
  public var firstTime: EventTime
  public var lastTime: EventTime
}

public enum EngineRecord: Sendable {
  case alert(Alert)
  case risk(RiskRecord)
  case suppressed(SuppressionRecord)
}
