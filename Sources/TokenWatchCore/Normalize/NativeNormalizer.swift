import TokenWatchJSON

/// tokenwatch's own event schema, version 1: one flat JSON object per line, for sources without a
/// normalizer of their own and for tests and simulations.
///
/// ```json
/// {"time":"2026-02-01T14:00:00Z","kind":"access","user":"u1","upn":"ann@example.com","token":"t1",
///  "ip":"203.0.113.7","asn":"AS64500","country":"DE","outcome":"success"}
/// ```
///
/// Because we define it, it is read strictly: a field of the wrong type is an error naming the field,
/// not a silent nil. JSON null and "" mean "absent". Unknown keys are ignored, for forward compatibility.
public enum NativeNormalizer: EventNormalizer {
  public static let format = InputFormat.native

  public static func claims(_ keys: RoutingKeys) -> Bool {
    guard let kind = keys.kind, keys.category == nil, keys.eventType == nil, keys.properties == nil else { return false }
    // A record whose kind is one of ours is claimed even without a time, so that it fails with
    // "missing "time"" rather than as an unknown format.
    if keys.time != nil { return true }
    return allowedKinds.contains { keys.names(kind, $0.rawValue) }
  }

  /// The kinds a native event may have: every `EventKind` but `other`.
  static let allowedKinds = EventKind.allCases.filter { $0 != .other }

  public static func normalize(_ document: JSONDocument, _ record: JSONRef) throws(NormalizeFailure) -> NormalizedEvent {
    guard document.kind(record) == .object else {
      throw NormalizeFailure(.invalid, "a native event must be a JSON object")
    }
    let fields = Fields(document: document, object: record)

    guard let time = try fields.time(.time) else { throw NormalizeFailure(.invalid, "missing \"time\"") }
    guard let kindText = try fields.string(.kind) else { throw NormalizeFailure(.invalid, "missing \"kind\"") }
    guard let kind = EventKind(rawValue: kindText), kind != .other else {
      let allowed = allowedKinds.map(\.rawValue).joined(separator: ", ")
      throw NormalizeFailure(.invalid, "unknown kind \"\(kindText)\" (expected one of: \(allowed))")
    }

    var event = NormalizedEvent(time: time, format: .native, sourceDetail: "native:" + kind.rawValue, kind: kind)
    try readFields(fields, into: &event)
    return event
  }

  /// Out of line and in place, like `EntraSignInNormalizer.readFields`: built up field by field
  /// in the function returning it, the event was copied whole into the result.
  @inline(never)
  private static func readFields(_ fields: Fields, into event: inout NormalizedEvent) throws(NormalizeFailure) {
    event.outcome = .success
    if let outcome = try fields.string(.outcome) {
      switch outcome {
      case "success": event.outcome = .success
      case "failure": event.outcome = .failure
      default: throw NormalizeFailure(.invalid, "\"outcome\" must be success or failure, not \"\(outcome)\"")
      }
    }
    if let actor = try fields.string(.actor) {
      switch actor {
      case "human": event.actor = .human
      case "agent": event.actor = .agent
      case "service": event.actor = .service
      default: throw NormalizeFailure(.invalid, "\"actor\" must be human, agent or service, not \"\(actor)\"")
      }
    }

    event.user = try fields.string(.user)
    event.upn = try fields.string(.upn).map(lowercasedLogin)
    event.packedToken = try fields.token(.token)
    event.session = try fields.string(.session)
    event.task = try fields.string(.task)
    event.app = try fields.string(.app)
    event.issuer = try fields.string(.issuer)
    event.issuerType = try fields.string(.issuerType)
    event.ip = try fields.string(.ip)
    event.asn = try fields.asn(.asn)
    event.country = try fields.string(.country).map(CountryCodes.isoCode(for:))
    event.city = try fields.string(.city)
    event.latitude = try fields.number(.lat)
    event.longitude = try fields.number(.lon)
    event.userAgent = try fields.string(.userAgent)
    event.device = try fields.string(.device)
    event.bound = try fields.bool(.bound)
    event.trustedNetwork = try fields.bool(.trusted) ?? false
    event.packedEventID = try fields.eventID(.id)
    if let issuedAt = try fields.time(.tokenIssuedAt) { event.tokenIssuedAt = issuedAt }
  }

  /// The fields read, found in one pass over the event (`JSONKeyTable`): a scan of the object
  /// per field cost more than everything else done with a small event.
  enum Field: Int, CaseIterable {
    case time, kind, outcome, actor, user, upn, token, session, task, app, issuer, issuerType
    case ip, asn, country, city, lat, lon, userAgent, device, bound, trusted, id, tokenIssuedAt

    /// The key in the event: the case name in snake_case.
    var key: String {
      switch self {
      case .issuerType: "issuer_type"
      case .userAgent: "user_agent"
      case .tokenIssuedAt: "token_issued_at"
      default: "\(self)"
      }
    }

    static let table = JSONKeyTable(allCases.map(\.key))
  }

  /// Strict typed access: absent, null and "" give nil; a present value of the wrong type throws.
  struct Fields {
    let document: JSONDocument
    private let members: JSONMembers

    /// `object` must be an object.
    init(document: JSONDocument, object: JSONRef) {
      self.document = document
      members = document.members(object, Field.table) ?? JSONMembers()
    }

    private func present(_ field: Field) -> JSONRef? {
      guard let value = members[field.rawValue], !document.isNull(value) else { return nil }
      return value
    }

    func string(_ field: Field) throws(NormalizeFailure) -> String? {
      guard let value = present(field) else { return nil }
      guard let text = document.string(value) else {
        throw NormalizeFailure(.invalid, "\"\(field.key)\" must be a string")
      }
      return text.isEmpty ? nil : text
    }

    /// `string(field)` as a token id, packed from the line's bytes when they spell one.
    func token(_ field: Field) throws(NormalizeFailure) -> TokenKey? { try id(field, TokenKey.packed(utf8:), TokenKey.init) }

    /// `string(field)` as a record id, packed from the line's bytes when they spell a UUID.
    func eventID(_ field: Field) throws(NormalizeFailure) -> PackedEventID? { try id(field, PackedEventID.uuid(utf8:), PackedEventID.init) }

    /// An id `packed` reads from a string's raw bytes when it can (nothing escaped), else `text`
    /// makes from `string(field)`, which refuses anything but a string.
    private func id<ID>(_ field: Field, _ packed: (UnsafeBufferPointer<UInt8>) -> ID?, _ text: (String) -> ID) throws(NormalizeFailure) -> ID? {
      if let value = present(field), let id = document.packedID(value, packed) { return id }
      return try string(field).map(text)
    }

    /// An RFC 3339 time (`JSONDocument.eventTime`); nil when absent.
    func time(_ field: Field) throws(NormalizeFailure) -> EventTime? {
      guard let value = present(field) else { return nil }
      if let parsed = document.eventTime(value) { return parsed }
      guard let text = try string(field) else { return nil }
      guard let parsed = EventTime(rfc3339: text) else {
        throw NormalizeFailure(.invalid, "\"\(field.key)\" is not an RFC 3339 date-time: \"\(text)\"")
      }
      return parsed
    }

    func number(_ field: Field) throws(NormalizeFailure) -> Double? {
      guard let value = present(field) else { return nil }
      guard let number = document.double(value), number.isFinite else {
        throw NormalizeFailure(.invalid, "\"\(field.key)\" must be a number")
      }
      return number
    }

    func bool(_ field: Field) throws(NormalizeFailure) -> Bool? {
      guard let value = present(field) else { return nil }
      guard let flag = document.bool(value) else {
        throw NormalizeFailure(.invalid, "\"\(field.key)\" must be true or false")
      }
      return flag
    }

    /// `64500`, `"64500"` or `"AS64500"`.
    func asn(_ field: Field) throws(NormalizeFailure) -> UInt32? {
      guard let value = present(field) else { return nil }
      if document.kind(value) == .string, document.rawBytes(value).isEmpty { return nil }
      let isInteger = document.kind(value) == .number ? document.int64(value) != nil : document.kind(value) == .string
      guard isInteger, let asn = document.lenientASN(value) else {
        throw NormalizeFailure(.invalid, "\"\(field.key)\" must be an AS number such as 64500 or \"AS64500\"")
      }
      return asn
    }
  }
}
