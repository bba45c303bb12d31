import TokenWatchJSON

/// The top-level keys that tell the formats apart, found in one pass: a diagnostic record's
/// `category` and `properties`, a Log Analytics row's `Type` (its table) and `Category`, an Okta
/// event's `eventType`, `published`, `uuid` and `actor`, a native event's `kind` and `time`.
/// The registry takes this look once per record and every format test reads it, where each used
/// to look keys up one by one (a scan of the object per key).
public struct RoutingKeys {
  public let document: JSONDocument
  public let record: JSONRef
  private(set) var category: JSONRef?
  private(set) var properties: JSONRef?
  private(set) var table: JSONRef?
  private(set) var logCategory: JSONRef?
  private(set) var eventType: JSONRef?
  private(set) var published: JSONRef?
  private(set) var uuid: JSONRef?
  private(set) var actor: JSONRef?
  private(set) var kind: JSONRef?
  private(set) var time: JSONRef?

  private static let keys = JSONKeyTable([
    "category", "properties", "Type", "Category", "eventType", "published", "uuid", "actor", "kind", "time",
  ])

  /// Nil when `record` is not an object.
  public init?(_ document: JSONDocument, _ record: JSONRef) {
    self.document = document
    self.record = record
    // Later duplicates overwrite earlier ones: the last key wins, as with `member`.
    guard let found = document.members(record, Self.keys) else { return nil }
    category = found[0]
    properties = found[1]
    table = found[2]
    logCategory = found[3]
    eventType = found[4]
    published = found[5]
    uuid = found[6]
    actor = found[7]
    kind = found[8]
    time = found[9]
  }

  /// A view of the record for reading its fields. Made when a format reads them, not with the
  /// keys: a view holds the document in a box of its own, an allocation a record read without
  /// views (a native event) need not pay.
  func makeView() -> LenientView { LenientView(document, record) }

  /// Whether the record has `key` (a lookup of its own: for keys only some shapes ask about).
  func has(_ key: String) -> Bool { document.member(record, key) != nil }

  func isString(_ value: JSONRef?) -> Bool { value.map { document.kind($0) == .string } ?? false }

  /// A string equal to `literal` (no allocation).
  func names(_ value: JSONRef?, _ literal: String) -> Bool { value.map { document.stringEquals($0, literal) } ?? false }

  /// `Type` or `Category` says the row is Graph activity.
  var rowNamesGraphActivity: Bool {
    names(table, GraphActivityNormalizer.category) || names(logCategory, GraphActivityNormalizer.category)
  }
}
