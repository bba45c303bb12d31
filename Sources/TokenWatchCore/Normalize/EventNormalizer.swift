import TokenWatchJSON

/// Turns one vendor record into a `NormalizedEvent`. Normalizers are stateless types with static
/// requirements so the registry dispatches through a metatype, with no boxing per event.
public protocol EventNormalizer {
  static var format: InputFormat { get }
  /// Does this record belong to this format? Decided from the registry's one look at the
  /// record's routing keys (`RoutingKeys`), not by looking keys up again.
  static func claims(_ keys: RoutingKeys) -> Bool
  /// Normalizes a record this format claimed. Throws for records it recognises but cannot use.
  static func normalize(_ document: JSONDocument, _ record: JSONRef) throws(NormalizeFailure) -> NormalizedEvent
  /// `claims`, then `normalize` if it does, in one step (the registry asks this; formats that
  /// work out a shape for both questions find it once).
  static func normalizeIfMatching(_ keys: RoutingKeys) throws(NormalizeFailure) -> NormalizedEvent?
}

extension EventNormalizer {
  /// Whether this format claims `record` (`claims` on its routing keys).
  public static func matches(_ document: JSONDocument, _ record: JSONRef) -> Bool {
    RoutingKeys(document, record).map(claims) ?? false
  }

  public static func normalizeIfMatching(_ keys: RoutingKeys) throws(NormalizeFailure) -> NormalizedEvent? {
    guard claims(keys) else { return nil }
    return try normalize(keys.document, keys.record)
  }
}

public struct NormalizeFailure: Error, Equatable, Sendable, CustomStringConvertible {
  public enum Kind: String, Sendable {
    /// No normalizer claimed the record.
    case unknownFormat = "unknown_format"
    /// A known envelope (e.g. an Entra diagnostic record) of a category we do not read.
    case unknownCategory = "unknown_category"
    /// A record of a known format that is unusable: no time, a wrong type, an unknown kind.
    case invalid = "invalid_record"
  }

  public var kind: Kind
  public var reason: String

  public init(_ kind: Kind, _ reason: String) {
    self.kind = kind
    self.reason = reason
  }

  public var description: String { reason }
}
