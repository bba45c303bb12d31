/// Per-user risk: each alert adds its rule's points, every contribution decays exponentially
/// with the policy's half-life, and one rule can contribute at most its cap (so a noisy rule
/// cannot push a user to high on its own repeats).
public struct RiskScorer: Sendable {
  public let policy: RiskPolicy

  public init(policy: RiskPolicy) { self.policy = policy }

  public struct Outcome: Sendable, Equatable {
    public var points: Double
    public var score: Double
    public var level: RiskLevel
    public var previousLevel: RiskLevel
    public var rose: Bool { level > previousLevel }
  }

  /// The score at `time` after decay, without changing anything.
  public func score(_ state: RiskState, at time: EventTime) -> Double {
    let factor = decayFactor(from: state.updatedAt, to: time)
    return state.contributions.values.reduce(0) { $0 + $1 * factor }
  }

  public func add(points: Double, cap: Double, rule: String, at time: EventTime, to state: inout RiskState) -> Outcome {
    let factor = decayFactor(from: state.updatedAt, to: time)
    if factor != 1 {
      for key in state.contributions.keys { state.contributions[key]! *= factor }
      // Forget contributions that have decayed to nothing, so the map stays small.
      state.contributions = state.contributions.filter { $0.value >= 0.01 }
    }
    if let updatedAt = state.updatedAt, time < updatedAt {
      // A late event: keep the clock where it is rather than decaying backwards.
    } else {
      state.updatedAt = time
    }
    let before = sum(state.contributions)
    let current = state.contributions[rule] ?? 0
    let added = max(0, min(points, cap - current))
    state.contributions[rule] = current + added
    let after = before + added
    return Outcome(points: added, score: after, level: policy.level(for: after), previousLevel: policy.level(for: before))
  }

  private func sum(_ contributions: [String: Double]) -> Double {
    // Sorted so that the floating-point sum is the same in every process.
    contributions.keys.sorted().reduce(0) { $0 + contributions[$1]! }
  }

  private func decayFactor(from: EventTime?, to: EventTime) -> Double {
    guard let from, to > from else { return 1 }
    let halfLives = Double((to - from).millis) / Double(policy.halfLife.millis)
    return exp2(-halfLives)
  }
}

/// 2^x for x ≤ 0 without Foundation: split into integer and fractional parts.
func exp2(_ x: Double) -> Double {
  if x < -1000 { return 0 }
  let whole = x.rounded(.down)
  let fraction = x - whole  // in [0, 1)
  // 2^f = e^(f ln 2), Taylor series; f·ln2 < 0.7 so 20 terms are plenty.
  let y = fraction * 0.693_147_180_559_945_3
  var term = 1.0
  var sum = 1.0
  for n in 1...20 {
    term *= y / Double(n)
    sum += term
  }
  var result = sum
  var k = Int(whole)
  while k < 0 {
    result *= 0.5
    k += 1
  }
  while k > 0 {
    result *= 2
    k -= 1
  }
  return result
}
