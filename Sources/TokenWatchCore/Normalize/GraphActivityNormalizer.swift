import TokenWatchJSON

/// Microsoft Graph activity logs: one record per Graph API call, naming the token that made it
/// (`signInActivityId` = the sign-in's `uniqueTokenIdentifier`). Read in two shapes:
///
/// - Event Hub / diagnostic: `{time, category:"MicrosoftGraphActivityLogs", callerIpAddress, properties:{camelCase}}`.
///   Session and device may arrive under the token-claim names `c_Sid` and `C_DeviceId`.
/// - Log Analytics: PascalCase columns (`TimeGenerated`, `SignInActivityId`, `SessionId`, `DeviceId`),
///   `Type: "MicrosoftGraphActivityLogs"` (a row projected without `Type` is recognised by
///   `SignInActivityId` with `RequestUri`).
///
/// `location` is the Azure region that served the call, not the caller's, so no geography is read.
public enum GraphActivityNormalizer: EventNormalizer {
  public static let format = InputFormat.graph
  static let category = "MicrosoftGraphActivityLogs"

  public static func claims(_ keys: RoutingKeys) -> Bool { shape(keys) != nil }

  public static func normalize(_ document: JSONDocument, _ record: JSONRef) throws(NormalizeFailure) -> NormalizedEvent {
    guard let keys = RoutingKeys(document, record), let shape = shape(keys) else {
      throw NormalizeFailure(.invalid, "not a Graph activity record: expected \"category\" or \"Type\" \"\(category)\"")
    }
    return try normalize(keys, shape)
  }

  /// The shape is found once for both questions, from the registry's look at the record.
  public static func normalizeIfMatching(_ keys: RoutingKeys) throws(NormalizeFailure) -> NormalizedEvent? {
    guard let shape = shape(keys) else { return nil }
    return try normalize(keys, shape)
  }

  private static func normalize(_ keys: RoutingKeys, _ shape: Shape) throws(NormalizeFailure) -> NormalizedEvent {
    switch shape {
    case .diagnostic(let properties):
      let envelope = keys.makeView()
      guard let call = envelope.container(properties), call.isObject else {
        throw NormalizeFailure(.invalid, "\(category) record has no \"properties\" object")
      }
      return try read(call, keys: .camelCase, envelope: envelope)
    case .logAnalytics:
      return try read(keys.makeView(), keys: .pascalCase, envelope: nil)
    }
  }

  enum Shape {
    case diagnostic(properties: JSONRef)
    case logAnalytics
  }

  static func shape(_ keys: RoutingKeys) -> Shape? {
    if keys.names(keys.category, category), let properties = keys.properties {
      return .diagnostic(properties: properties)
    }
    if keys.rowNamesGraphActivity {
      return .logAnalytics
    }
    if keys.table == nil, keys.category == nil, keys.has("SignInActivityId"), keys.has("RequestUri") {
      return .logAnalytics
    }
    return nil
  }

  /// The fields read, found in one pass over the record (`JSONKeyTable`).
  enum Field: Int, CaseIterable {
    case timeGenerated, signInActivityId, userId, servicePrincipalId, appId, ipAddress, userAgent
    case tokenIssuedAt, responseStatusCode, identityProvider, requestId
  }

  struct Keys {
    /// One name per `Field`, in order, then the session and device names.
    let table: JSONKeyTable
    /// Tried in order: the documented column first, then the claim-style name seen in Event Hub data.
    let sessionIds: Range<Int>
    let deviceIds: Range<Int>

    init(_ fields: [String], sessionId: [String], deviceId: [String]) {
      precondition(fields.count == Field.allCases.count)
      table = JSONKeyTable(fields + sessionId + deviceId)
      sessionIds = fields.count..<(fields.count + sessionId.count)
      deviceIds = sessionIds.upperBound..<(sessionIds.upperBound + deviceId.count)
    }

    var timeGenerated: String { table.keyName(Field.timeGenerated.rawValue) }

    static let camelCase = Keys(
      ["timeGenerated", "signInActivityId", "userId", "servicePrincipalId", "appId", "ipAddress", "userAgent",
       "tokenIssuedAt", "responseStatusCode", "identityProvider", "requestId"],
      sessionId: ["sessionId", "c_Sid", "SessionId"], deviceId: ["deviceId", "C_DeviceId", "c_DeviceId", "DeviceId"])

    static let pascalCase = Keys(
      ["TimeGenerated", "SignInActivityId", "UserId", "ServicePrincipalId", "AppId", "IPAddress", "UserAgent",
       "TokenIssuedAt", "ResponseStatusCode", "IdentityProvider", "RequestId"],
      sessionId: ["SessionId", "c_Sid"], deviceId: ["DeviceId", "C_DeviceId"])
  }

  static func read(_ record: LenientView, keys: Keys, envelope: LenientView?) throws(NormalizeFailure) -> NormalizedEvent {
    guard let call = FieldView<Field>(record, keys.table) else {
      throw NormalizeFailure(.invalid, "the Graph activity record is not a JSON object")
    }
    guard let time = call.time(.timeGenerated) ?? envelope?.time("time") else {
      throw NormalizeFailure(.invalid, "missing or invalid \(keys.timeGenerated)")
    }
    var event = NormalizedEvent(time: time, format: .graph, sourceDetail: "graph:MicrosoftGraphActivityLogs", kind: .access)
    readFields(call, keys: keys, envelope: envelope, into: &event)
    return event
  }

  /// Out of line and in place, like `EntraSignInNormalizer.readFields`: built up field by field
  /// in the function returning it, the event was copied whole into the result.
  @inline(never)
  private static func readFields(_ call: FieldView<Field>, keys: Keys, envelope: LenientView?, into event: inout NormalizedEvent) {
    if let user = call.string(.userId) {
      event.user = user
      event.actor = .human
    } else if let servicePrincipal = call.string(.servicePrincipalId) {
      event.user = servicePrincipal
      event.actor = .service
    }
    event.packedToken = call.token(.signInActivityId)
    event.session = keys.sessionIds.lazy.compactMap { call.string(at: $0) }.first
    event.device = keys.deviceIds.lazy.compactMap { call.string(at: $0) }.first
    event.app = call.string(.appId)
    event.ip = call.string(.ipAddress) ?? envelope?.string("callerIpAddress")
    event.userAgent = call.string(.userAgent)
    event.tokenIssuedAt = call.time(.tokenIssuedAt)
    event.issuer = call.string(.identityProvider)
    event.packedEventID = call.eventID(.requestId)  // one per request: not through the string cache
    if let status = call.int64(.responseStatusCode) {
      event.outcome = status < 400 ? .success : .failure
    }
  }
}
