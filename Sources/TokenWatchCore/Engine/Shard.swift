/// `--shard i/n`: this instance owns the users whose stable hash falls in shard `i` of `n`, so n
/// instances reading the same stream split its users between them.
///
/// Every instance still reads every event: the address enricher (prefix → ASN) and the issuer
/// baseline of each domain learn from all users, so they evolve identically in every shard and
/// the union of the n shards' alerts equals one instance's alerts.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
  public let index: Int
  public let count: Int

  public init?(index: Int, count: Int) {
    guard count >= 1, index >= 0, index < count else { return nil }
    self.index = index
    self.count = count
  }

  /// Parses `i/n` with 0 ≤ i < n.
  public init?(parsing text: String) {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else { return nil }
    self.init(index: i, count: n)
  }

  public var description: String { "\(index)/\(count)" }

  /// The key an event is sharded by: its user id, else its login name, else its session or token.
  /// Every vendor format we read carries the user id, so a user's events stay together.
  public static func key(of event: NormalizedEvent) -> String? {
    event.user ?? event.upn ?? event.session ?? event.token
  }

  public static func index(of key: String, count: Int) -> Int {
    Int(StableHash.of(key) % UInt64(count))
  }

  public func owns(_ event: NormalizedEvent) -> Bool {
    // An event with no key at all carries nothing per user; shard 0 takes it.
    guard let key = Shard.key(of: event) else { return index == 0 }
    return Shard.index(of: key, count: count) == index
  }
}
