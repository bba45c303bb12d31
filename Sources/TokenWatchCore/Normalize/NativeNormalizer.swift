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

  public static func matches(_ document: JSONDocument, _ record: JSONRef) -> Bool {
    guard document.kind(record) == .object else { return false }
    let object = LenientView(document, record)
    guard object.has("kind"), !object.has("category"), !object.has("eventType"), !object.has("properties") else { return false }
    // A record whose kind is one of ours is claimed even without a time, so that it fails with
    // "missing "time"" rather than as an unknown format.
    if object.has("time") { return true }
    guard let kind = document.member(record, "kind") else { return false }
    return allowedKinds.contains { document.stringEquals(kind, $0.rawValue) }
  }

  /// The kinds a native event may have: every `EventKind` but `other`.
  static let allowedKinds = EventKind.allCases.filter { $0 != .other }

  public static func normalize(_ document: JSONDocument, _ record: JSONRef) throws(NormalizeFailure) -> NormalizedEvent {
    guard document.kind(record) == .object else {
      throw NormalizeFailure(.invalid, "a native event must be a JSON object")
    }
    let fields = Fields(document: document, object: record)

    guard let timeText = try fields.string("time") else { throw NormalizeFailure(.invalid, "missing \"time\"") }
    guard let time = EventTime(rfc3339: timeText) else {
      throw NormalizeFailure(.invalid, "\"time\" is not an RFC 3339 date-time: \"\(timeText)\"")
    }
    guard let kindText = try fields.string("kind") else { throw NormalizeFailure(.invalid, "missing \"kind\"") }
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
    if let outcome = try fields.string("outcome") {
      switch outcome {
      case "success": event.outcome = .success
      case "failure": event.outcome = .failure
      default: throw NormalizeFailure(.invalid, "\"outcome\" must be success or failure, not \"\(outcome)\"")
      }
    }
    if let actor = try fields.string("actor") {
      switch actor {
      case "human": event.actor = .human
      case "agent": event.actor = .agent
      case "service": event.actor = .service
      default: throw NormalizeFailure(.invalid, "\"actor\" must be human, agent or service, not \"\(actor)\"")
      }
    }

    event.user = try fields.string("user")
    event.upn = try fields.string("upn").map(lowercasedLogin)
    event.token = try fields.string("token")
    event.session = try fields.string("session")
    event.task = try fields.string("task")
    event.app = try fields.string("app")
    event.issuer = try fields.string("issuer")
    event.issuerType = try fields.string("issuer_type")
    event.ip = try fields.string("ip")
    event.asn = try fields.asn("asn")
    event.country = try fields.string("country").map(CountryCodes.isoCode(for:))
    event.city = try fields.string("city")
    event.latitude = try fields.number("lat")
    event.longitude = try fields.number("lon")
    event.userAgent = try fields.string("user_agent")
    event.device = try fields.string("device")
    event.bound = try fields.bool("bound")
    event.trustedNetwork = try fields.bool("trusted") ?? false
    event.eventID = try fields.string("id")
    if let issuedAt = try fields.string("token_issued_at") {
      guard let parsed = EventTime(rfc3339: issuedAt) else {
        throw NormalizeFailure(.invalid, "\"token_issued_at\" is not an RFC 3339 date-time: \"\(issuedAt)\"")
      }
      event.tokenIssuedAt = parsed
    }
  }

  /// Strict typed access: absent, null and "" give nil; a present value of the wrong type throws.
  struct Fields {
    let document: JSONDocument
    let object: JSONRef

    private func present(_ key: String) -> JSONRef? {
      guard let value = document.member(object, key), !document.isNull(value) else { return nil }
      return value
    }

    func string(_ key: String) throws(NormalizeFailure) -> String? {
      guard let value = present(key) else { return nil }
      guard let text = document.string(value) else {
        throw NormalizeFailure(.invalid, "\"\(key)\" must be a string")
      }
      return text.isEmpty ? nil : text
    }

    func number(_ key: String) throws(NormalizeFailure) -> Double? {
      guard let value = present(key) else { return nil }
      guard let number = document.double(value), number.isFinite else {
        throw NormalizeFailure(.invalid, "\"\(key)\" must be a number")
      }
      return number
    }

    func bool(_ key: String) throws(NormalizeFailure) -> Bool? {
      guard let value = present(key) else { return nil }
      guard let flag = document.bool(value) else {
        throw NormalizeFailure(.invalid, "\"\(key)\" must be true or false")
      }
      return flag
    }

    /// `64500`, `"64500"` or `"AS64500"`.
    func asn(_ key: String) throws(NormalizeFailure) -> UInt32? {
      guard let value = present(key) else { return nil }
      if document.kind(value) == .string, document.rawBytes(value).isEmpty { return nil }
      let isInteger = document.kind(value) == .number ? document.int64(value) != nil : document.kind(value) == .string
      guard isInteger, let asn = document.lenientASN(value) else {
        throw NormalizeFailure(.invalid, "\"\(key)\" must be an AS number such as 64500 or \"AS64500\"")
      }
      return asn
    }
  }
}
