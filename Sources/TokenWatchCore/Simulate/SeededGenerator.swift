/// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators", 2014).
///
/// Every value the simulator writes comes from one of these, so a dataset depends only on the
/// scenario name and the seed. Bounded integers and doubles are derived here rather than through
/// `Int.random(in:using:)`, whose algorithm the standard library does not promise to keep:
/// committed datasets must not change when the toolchain does.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
  public private(set) var state: UInt64

  public init(seed: UInt64) {
    self.state = seed
  }

  /// An independent stream for one named part of a scenario, so adding events to one part does
  /// not shift the random values of another.
  public init(seed: UInt64, stream: String) {
    self.state = splitMix64(seed ^ fnv1a64(stream))
  }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    return splitMix64Finalize(state)
  }

  /// Uniform in `0..<bound` (Lemire's multiply-high; the bias is below 2^-32 for our bounds).
  mutating func below(_ bound: Int) -> Int {
    precondition(bound > 0, "below(0)")
    return Int(next().multipliedFullWidth(by: UInt64(bound)).high)
  }

  mutating func int(in range: ClosedRange<Int>) -> Int {
    range.lowerBound + below(range.upperBound - range.lowerBound + 1)
  }

  mutating func int64(in range: ClosedRange<Int64>) -> Int64 {
    range.lowerBound + Int64(below(Int(range.upperBound - range.lowerBound + 1)))
  }

  /// Uniform in [0, 1) with 53 random bits.
  mutating func unit() -> Double {
    Double(next() >> 11) * 0x1p-53
  }

  mutating func double(in range: ClosedRange<Double>) -> Double {
    range.lowerBound + unit() * (range.upperBound - range.lowerBound)
  }

  mutating func chance(_ probability: Double) -> Bool {
    unit() < probability
  }

  mutating func pick<Element>(_ items: [Element]) -> Element {
    items[below(items.count)]
  }

  /// Picks by integer weight: `weighted([("a", 3), ("b", 1)])` returns "a" three times in four.
  mutating func weighted<Element>(_ items: [(Element, Int)]) -> Element {
    let total = items.reduce(0) { $0 + $1.1 }
    var roll = below(total)
    for (item, weight) in items {
      if roll < weight { return item }
      roll -= weight
    }
    return items[items.count - 1].0
  }

  /// A random span in whole seconds.
  mutating func seconds(_ range: ClosedRange<Int>) -> Duration {
    .seconds(Int64(int(in: range)))
  }

  /// A random span between whole-minute bounds, to the millisecond.
  mutating func minutes(_ range: ClosedRange<Int>) -> Duration {
    Duration(millis: int64(in: Int64(range.lowerBound) * 60_000...Int64(range.upperBound) * 60_000))
  }
}

@inline(__always)
func splitMix64Finalize(_ value: UInt64) -> UInt64 {
  var z = value
  z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
  z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
  return z ^ (z >> 31)
}

func splitMix64(_ value: UInt64) -> UInt64 {
  splitMix64Finalize(value &+ 0x9E37_79B9_7F4A_7C15)
}

/// FNV-1a over UTF-8: a fixed hash for deriving streams (Swift's `Hasher` is seeded per process).
func fnv1a64(_ text: String) -> UInt64 {
  var hash: UInt64 = 0xCBF2_9CE4_8422_2325
  for byte in text.utf8 {
    hash ^= UInt64(byte)
    hash &*= 0x0000_0100_0000_01B3
  }
  return hash
}
