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

  public static func matches(_ document: JSONDocument, _ record: JSONRef) -> Bool {
    shape(document, record) != nil
  }

  public static func normalize(_ document: JSONDocument, _ record: JSONRef) throws(NormalizeFailure) -> NormalizedEvent {
    switch shape(document, record) {
    case .diagnostic(let properties)?:
      let envelope = LenientView(document, record)
      guard let call = LenientView.container(document, properties), call.isObject else {
        throw NormalizeFailure(.invalid, "\(category) record has no \"properties\" object")
      }
      return try read(call, keys: .camelCase, envelope: envelope)
    case .logAnalytics?:
      return try read(LenientView(document, record), keys: .pascalCase, envelope: nil)
    case nil:
      throw NormalizeFailure(.invalid, "not a Graph activity record: expected \"category\" or \"Type\" \"\(category)\"")
    }
  }

  enum Shape {
    case diagnostic(properties: JSONRef)
    case logAnalytics
  }

  static func shape(_ document: JSONDocument, _ record: JSONRef) -> Shape? {
    guard document.kind(record) == .object else { return nil }
    let object = LenientView(document, record)
    if object.equals("category", category), let properties = object.member("properties") {
      return .diagnostic(properties: properties)
    }
    if object.equals("Type", category) || object.equals("Category", category) {
      return .logAnalytics
    }
    if !object.has("Type"), !object.has("category"), object.has("SignInActivityId"), object.has("RequestUri") {
      return .logAnalytics
    }
    return nil
  }

  struct Keys {
    var timeGenerated, signInActivityId, userId, servicePrincipalId, appId, ipAddress, userAgent: String
    var tokenIssuedAt, responseStatusCode, identityProvider, requestId: String
    /// Tried in order: the documented column first, then the claim-style name seen in Event Hub data.
    var sessionId, deviceId: [String]

    static let camelCase = Keys(
      timeGenerated: "timeGenerated", signInActivityId: "signInActivityId", userId: "userId",
      servicePrincipalId: "servicePrincipalId", appId: "appId", ipAddress: "ipAddress", userAgent: "userAgent",
      tokenIssuedAt: "tokenIssuedAt", responseStatusCode: "responseStatusCode", identityProvider: "identityProvider",
      requestId: "requestId", sessionId: ["sessionId", "c_Sid", "SessionId"], deviceId: ["deviceId", "C_DeviceId", "c_DeviceId", "DeviceId"])

    static let pascalCase = Keys(
      timeGenerated: "TimeGenerated", signInActivityId: "SignInActivityId", userId: "UserId",
      servicePrincipalId: "ServicePrincipalId", appId: "AppId", ipAddress: "IPAddress", userAgent: "UserAgent",
      tokenIssuedAt: "TokenIssuedAt", responseStatusCode: "ResponseStatusCode", identityProvider: "IdentityProvider",
      requestId: "RequestId", sessionId: ["SessionId", "c_Sid"], deviceId: ["DeviceId", "C_DeviceId"])
  }

  static func read(_ call: LenientView, keys: Keys, envelope: LenientView?) throws(NormalizeFailure) -> NormalizedEvent {
    guard let time = call.time(keys.timeGenerated) ?? envelope?.time("time") else {
      throw NormalizeFailure(.invalid, "missing or invalid \(keys.timeGenerated)")
    }
    var event = NormalizedEvent(time: time, format: .graph, sourceDetail: "graph:MicrosoftGraphActivityLogs", kind: .access)
    if let user = call.string(keys.userId) {
      event.user = user
      event.actor = .human
    } else if let servicePrincipal = call.string(keys.servicePrincipalId) {
      event.user = servicePrincipal
      event.actor = .service
    }
    event.token = call.string(keys.signInActivityId)
    event.session = first(keys.sessionId, in: call)
    event.device = first(keys.deviceId, in: call)
    event.app = call.string(keys.appId)
    event.ip = call.string(keys.ipAddress) ?? envelope?.string("callerIpAddress")
    event.userAgent = call.string(keys.userAgent)
    event.tokenIssuedAt = call.time(keys.tokenIssuedAt)
    event.issuer = call.string(keys.identityProvider)
    event.eventID = call.string(keys.requestId)
    if let status = call.int64(keys.responseStatusCode) {
      event.outcome = status < 400 ? .success : .failure
    }
    return event
  }

  private static func first(_ keys: [String], in call: LenientView) -> String? {
    for key in keys {
      if let value = call.string(key) { return value }
    }
    return nil
  }
}
