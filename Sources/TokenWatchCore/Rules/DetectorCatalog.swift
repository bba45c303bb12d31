/// The detectors tokenwatch has, and the parameters each accepts. A rule file picks one with
/// `detector:` and tunes it under `params:`; anything else is reported as unknown.
public enum DetectorKind: String, CaseIterable, Sendable {
  case replay
  case travel
  case issuer
  case forged
  case postTaskUse = "post_task_use"
  case dormant

  public var parameters: [ParameterSpec] {
    switch self {
    case .replay:
      [
        .init("scope", .choices(["token", "session"]), .choices(["token", "session"])),
        .init("trusted", .lists([.cidr, .asn]), .lists([])),
        .init("hosting", .lists([.asn]), .lists([])),
        .init("vpn", .lists([.asn]), .lists([])),
        .init("interleave_window", .duration, .duration(.minutes(30))),
        .init("max_baseline", .count, .count(4)),
      ]
    case .travel:
      [
        .init("scope", .choices(["token", "user"]), .choices(["token", "user"])),
        .init("max_speed_kmh", .number, .number(900)),
        .init("min_distance_km", .number, .number(500)),
        .init("geo_error_km", .number, .number(100)),
        .init("history", .count, .count(4)),
        .init("lookback", .duration, .duration(.hours(24))),
        .init("trusted", .lists([.cidr, .asn]), .lists([])),
        .init("vpn", .lists([.asn]), .lists([])),
      ]
    case .issuer:
      [
        .init("learning", .duration, .duration(.hours(24))),
        .init("expected", .lists([.issuers]), .lists([])),
      ]
    case .forged:
      [
        .init("lookback", .duration, .duration(.hours(24))),
        .init("token_lifetime", .duration, .duration(.hours(1))),
      ]
    case .postTaskUse:
      [
        .init(
          "checks", .choices(["task_end", "user_disabled", "revoked", "session_end"]),
          .choices(["task_end", "user_disabled", "revoked", "session_end"]))
      ]
    case .dormant:
      [
        .init("idle", .duration, .duration(.days(30))),
        .init("scope", .choices(["token", "session"]), .choices(["token", "session"])),
      ]
    }
  }
}

public enum ListKind: String, CaseIterable, Sendable {
  case cidr, asn, issuers
}

public struct ParameterSpec: Sendable {
  public enum ValueType: Sendable, Equatable {
    case duration, number, count
    /// A subset of the given words.
    case choices([String])
    /// Names of lists of these kinds.
    case lists([ListKind])
  }

  public var name: String
  public var type: ValueType
  public var defaultValue: ParameterValue

  init(_ name: String, _ type: ValueType, _ defaultValue: ParameterValue) {
    self.name = name
    self.type = type
    self.defaultValue = defaultValue
  }
}

public enum ParameterValue: Sendable, Equatable, CustomStringConvertible {
  case duration(Duration)
  case number(Double)
  case count(Int)
  case choices([String])
  case lists([String])

  public var description: String {
    switch self {
    case .duration(let d): d.description
    case .number(let n): formatNumber(n)
    case .count(let n): String(n)
    case .choices(let words), .lists(let words): "[" + words.joined(separator: ", ") + "]"
    }
  }
}

func formatNumber(_ n: Double) -> String {
  n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
}
