import TokenWatchJSON

/// Routes each record to the normalizer of its format, after unwrapping transport envelopes.
public struct NormalizerRegistry: Sendable {
  /// Tried in order, most specific first: Graph activity before Entra (whose Log Analytics test,
  /// "has a `Type` or `Category`", would also fit Graph rows), native last (its test is the loosest).
  // Metatypes of stateless enums: immutable and safe to share, but not declared Sendable.
  nonisolated(unsafe) public static let builtIn: [any EventNormalizer.Type] = [
    GraphActivityNormalizer.self,
    EntraSignInNormalizer.self,
    OktaNormalizer.self,
    NativeNormalizer.self,
  ]

  /// The format every record is read as, or nil to detect each record's format.
  public let forcedFormat: InputFormat?

  public init(forcing format: InputFormat? = nil) {
    self.forcedFormat = format
  }

  /// Expands envelopes into records: Event Hub `{"records":[…]}`, Okta event-hook `{"data":{"events":[…]}}`
  /// (eventType com.okta.event_hook), a top-level JSON array (Log Analytics export) → its elements;
  /// anything else → the value itself.
  public func records(in document: JSONDocument, _ value: JSONRef) -> RecordRefs {
    switch document.kind(value) {
    case .array:
      // An export is an array of records, but a batch of Event Hub messages is an array of envelopes.
      var records: [JSONRef] = []
      for element in document.elements(value) {
        if let inner = envelopeContents(document, element) {
          records.append(contentsOf: inner)
        } else {
          records.append(element)
        }
      }
      return .many(records)
    case .object:
      return envelopeContents(document, value).map(RecordRefs.many) ?? .one(value)
    default:
      return .one(value)
    }
  }

  /// The records inside an Event Hub or Okta event-hook envelope, or nil when `value` is not one.
  private func envelopeContents(_ document: JSONDocument, _ value: JSONRef) -> [JSONRef]? {
    // One pass over the object for the three keys: asked of every line, and a lookup per key
    // scanned a small event's members twice.
    guard let found = document.members(value, Self.envelopeKeys) else { return nil }
    if let records = found[0], document.kind(records) == .array {
      return document.elements(records)
    }
    if let data = found[1], let events = document.member(data, "events"), document.kind(events) == .array {
      // Hooks say `eventType: com.okta.event_hook`; accept a body that omits it, but never an
      // event that merely has a `data` member.
      let type = found[2]
      if type == nil || document.stringEquals(type!, "com.okta.event_hook") {
        return document.elements(events)
      }
    }
    return nil
  }

  private static let envelopeKeys = JSONKeyTable(["records", "data", "eventType"])

  /// Finds the normalizer that matches (or uses the forced one) and normalizes. A top-level value that
  /// is not an object, or that nobody matches, throws `.unknownFormat` with a reason naming what was seen
  /// (e.g. `no known format has keys "foo", "bar"` — list at most the first 5 keys).
  public func normalize(_ document: JSONDocument, _ record: JSONRef) throws(NormalizeFailure) -> NormalizedEvent {
    guard let keys = RoutingKeys(document, record) else {
      throw NormalizeFailure(.unknownFormat, "expected a JSON object per record, got \(Self.describe(document.kind(record)))")
    }
    if let forcedFormat {
      guard let normalizer = Self.builtIn.first(where: { $0.format == forcedFormat }) else {
        throw NormalizeFailure(.unknownFormat, "no normalizer for format \"\(forcedFormat.rawValue)\"")
      }
      return try normalizer.normalize(document, record)
    }
    for normalizer in Self.builtIn {
      if let event = try normalizer.normalizeIfMatching(keys) { return event }
    }
    throw NormalizeFailure(.unknownFormat, Self.unmatchedReason(document, record))
  }

  static func unmatchedReason(_ document: JSONDocument, _ record: JSONRef) -> String {
    var shown: [String] = []
    var total = 0
    document.forEachMember(record) { key, _ in
      total += 1
      if shown.count < 5 { shown.append("\"" + key + "\"") }
    }
    if total == 0 { return "no known format matches an empty object" }
    var reason = "no known format has keys " + shown.joined(separator: ", ")
    if total > shown.count { reason += " (and \(total - shown.count) more)" }
    return reason
  }

  private static func describe(_ kind: JSONDocument.Kind) -> String {
    switch kind {
    case .null: return "null"
    case .bool: return "a boolean"
    case .number: return "a number"
    case .string: return "a string"
    case .array: return "an array"
    case .object: return "an object"
    }
  }
}

/// The records in one JSON value (`NormalizerRegistry.records(in:_:)`). Nearly every line holds
/// one record, kept without an array: an array was an allocation and a free on every line.
public enum RecordRefs: RandomAccessCollection, Sendable {
  case one(JSONRef)
  case many([JSONRef])

  public var startIndex: Int { 0 }
  public var endIndex: Int {
    switch self {
    case .one: 1
    case .many(let refs): refs.count
    }
  }

  public subscript(position: Int) -> JSONRef {
    switch self {
    case .one(let ref):
      precondition(position == 0, "record index out of range")
      return ref
    case .many(let refs):
      return refs[position]
    }
  }
}
