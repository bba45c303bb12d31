import TokenWatchJSON

/// The top-level keys that tell Azure's record shapes apart, found in one pass: a diagnostic
/// record's `category` and `properties`, a Log Analytics row's `Type` (its table) and `Category`.
/// The registry takes this look once per record and every format test reads it: Graph activity
/// and Entra sign-ins decide their shape from it, where each used to look keys up one by one.
public struct RoutingKeys {
  let view: LenientView
  private(set) var category: JSONRef?
  private(set) var properties: JSONRef?
  private(set) var table: JSONRef?
  private(set) var logCategory: JSONRef?

  private static let keys = JSONKeyTable(["category", "properties", "Type", "Category"])

  /// Nil when `record` is not an object.
  public init?(_ document: JSONDocument, _ record: JSONRef) {
    view = LenientView(document, record)
    var found: (JSONRef?, JSONRef?, JSONRef?, JSONRef?)
    // Later duplicates overwrite earlier ones: the last key wins, as with `member`.
    let isObject = document.scanMembers(record, Self.keys) { key, value in
      switch key {
      case 0: found.0 = value
      case 1: found.1 = value
      case 2: found.2 = value
      default: found.3 = value
      }
    }
    guard isObject else { return nil }
    (category, properties, table, logCategory) = found
  }

  public var document: JSONDocument { view.document }
  public var record: JSONRef { view.ref }

  func isString(_ value: JSONRef?) -> Bool { value.map { document.kind($0) == .string } ?? false }

  /// A string equal to `literal` (no allocation).
  func names(_ value: JSONRef?, _ literal: String) -> Bool { view.equals(value, literal) }

  /// `Type` or `Category` says the row is Graph activity.
  var rowNamesGraphActivity: Bool {
    names(table, GraphActivityNormalizer.category) || names(logCategory, GraphActivityNormalizer.category)
  }
}
