import TokenWatchJSON

// Builders that write one event line in each input shape: the native schema, an Entra sign-in
// Event Hub record, a Graph activity Event Hub record, and an Okta System Log event. Each takes a
// plain record struct and writes keys in the order the vendor writes them.

// MARK: - Who and where

/// A person, agent or integration, keyed as its log source keys it.
struct Person: Sendable {
  /// The stable user key the detectors see: Entra object id, Okta `00u…` id, or the native `user`.
  var key: String
  var upn: String
  var displayName: String
  var actor: ActorType = .human
  var domain: String {
    guard let at = upn.firstIndex(of: "@") else { return "" }
    return String(upn[upn.index(after: at)...])
  }
}

/// One browser or app on one machine.
struct Device: Sendable {
  var model: DeviceModel
  /// Entra device object id; "" for unregistered devices, as Entra writes it.
  var entraDeviceID: String
  var displayName: String
  var isCompliant: Bool
  var isManaged: Bool
  var trustType: String
  /// The Okta device-token hash of this browser profile.
  var dtHash: String

  var userAgent: String { model.userAgent }
}

/// A device on a network at a moment: where a request comes from.
struct Endpoint: Sendable {
  var network: Operator
  var place: Place
  var ip: String
  var latitude: Double
  var longitude: Double
  var device: Device

  var asn: UInt32 { network.asn }
}

extension SeededGenerator {
  /// An address in one of the operator's blocks (a /24 host, or an IPv6 address in a /48).
  mutating func address(in network: Operator, block: String? = nil) -> String {
    let block = block ?? pick(network.blocks)
    if block.contains(":") {
      return block + ":" + String(below(0xFFFF) + 1, radix: 16) + "::" + String(below(0xFFF) + 1, radix: 16)
    }
    return block + "." + String(int(in: 2...253))
  }

  mutating func device(_ model: DeviceModel, managed: Bool) -> Device {
    let registered = managed && !model.displayNamePrefix.isEmpty
    return Device(
      model: model,
      entraDeviceID: registered ? guid() : "",
      displayName: registered ? model.displayNamePrefix + base62(7).uppercased() : "",
      isCompliant: registered,
      isManaged: registered,
      trustType: registered ? (model.isMobile ? "Azure AD registered" : "Azure AD joined") : "",
      dtHash: dtHash())
  }

  /// An endpoint at `place` on `network`. Geolocation of residential and mobile addresses lands
  /// a few kilometres from the city centre, as commercial databases place them.
  mutating func endpoint(_ network: Operator, _ place: Place, _ device: Device, block: String? = nil) -> Endpoint {
    let spread = network.kind == .residential || network.kind == .mobile ? 0.04 : 0.0
    return Endpoint(
      network: network, place: place, ip: address(in: network, block: block),
      latitude: place.latitude + double(in: -spread...spread),
      longitude: place.longitude + double(in: -spread...spread),
      device: device)
  }
}

extension Endpoint {
  /// The same device after its address changed within the same network (DHCP, carrier NAT).
  func readdressed(using rng: inout SeededGenerator) -> Endpoint {
    var copy = self
    copy.ip = rng.address(in: network)
    return copy
  }
}

// MARK: - Native schema

/// One record in tokenwatch's own schema (read by `NativeNormalizer`): the snake_case twin of
/// `NormalizedEvent`, with `id`, `lat` and `lon` as that normalizer names them.
struct NativeRecord: Sendable {
  var time: EventTime
  var eventID: String
  var kind: EventKind
  var outcome: Outcome = .success
  var user: String
  var upn: String? = nil
  var actor: ActorType = .human
  var task: String? = nil
  var token: String? = nil
  var session: String? = nil
  var app: String? = nil
  var issuerType: String? = nil
  var issuer: String? = nil
  var interactive: Bool? = nil
  var endpoint: Endpoint? = nil
  var bound: Bool? = nil
  var tokenIssuedAt: EventTime? = nil
}

enum EventFactory {
  static func native(_ r: NativeRecord) -> String {
    var w = JSONWriter()
    w.beginObject()
    w.field("time", r.time.rfc3339)
    w.field("id", r.eventID)
    w.field("kind", r.kind.rawValue)
    w.field("outcome", r.outcome.rawValue)
    w.field("user", r.user)
    w.field("upn", r.upn)
    w.field("actor", r.actor.rawValue)
    w.field("task", r.task)
    w.field("token", r.token)
    w.field("session", r.session)
    w.field("app", r.app)
    w.field("issuer_type", r.issuerType)
    w.field("issuer", r.issuer)
    if let interactive = r.interactive { w.field("interactive", interactive) }
    if let e = r.endpoint {
      w.field("ip", e.ip)
      w.field("asn", Int(e.asn))
      w.field("country", e.place.countryCode)
      w.field("city", e.place.city)
      w.key("lat")
      w.fixed(e.latitude, decimals: 4)
      w.key("lon")
      w.fixed(e.longitude, decimals: 4)
      w.field("user_agent", e.device.userAgent)
      if !e.device.entraDeviceID.isEmpty { w.field("device", e.device.entraDeviceID) }
    }
    if let bound = r.bound { w.field("bound", bound) }
    if let issuedAt = r.tokenIssuedAt { w.field("token_issued_at", issuedAt.rfc3339) }
    w.endObject()
    return String(decoding: w.bytes, as: UTF8.self)
  }
}

// MARK: - Entra sign-in (Azure Monitor diagnostic / Event Hub record)

struct EntraSignInRecord: Sendable {
  var time: EventTime
  /// Sub-millisecond digits of the 7-digit timestamps.
  var ticks: Int
  var interactive: Bool
  var tenantID: String
  /// `properties.id`; the UTI is derived from it.
  var requestID: String
  var correlationID: String
  var sessionID: String
  var person: Person
  var app: EntraApp
  var resource: EntraApp
  var endpoint: Endpoint
  var errorCode: Int = 0
  var failureReason: String = "Other."
  var issuerType: String = "AzureAD"
  /// Empty for AzureAD, as Entra writes it.
  var issuerName: String = ""
  /// `none` for a first sign-in, `refreshToken` / `primaryRefreshToken` for redemptions.
  var incomingTokenType: String = "none"
  var authenticationRequirement: String = "multiFactorAuthentication"
  var tokenProtection: String = "unbound"

  var uniqueTokenIdentifier: String { TokenWatchCore.uniqueTokenIdentifier(requestID: requestID) }
  var category: String { interactive ? "SignInLogs" : "NonInteractiveUserSignInLogs" }
}

extension EventFactory {
  /// The fields detectors and analysts use, in Entra's order. Real records carry more
  /// (conditional-access policy arrays, risk and processing details); this keeps the ones a
  /// token-theft detector and its analyst read, about 1.5 KB per record.
  static func entraSignIn(_ r: EntraSignInRecord) -> String {
    let e = r.endpoint
    let success = r.errorCode == 0
    var w = JSONWriter()
    w.beginObject()
    w.field("time", r.time.entraEnvelope(ticks: r.ticks))
    w.field("operationName", "Sign-in activity")
    w.field("category", r.category)
    w.field("tenantId", r.tenantID)
    w.field("resultType", String(r.errorCode))
    if !success { w.field("resultDescription", r.failureReason) }
    w.field("callerIpAddress", e.ip)
    w.field("correlationId", r.correlationID)
    w.field("identity", r.person.displayName)
    w.field("Level", 4)
    w.field("location", e.place.countryCode)

    w.key("properties")
    w.beginObject()
    w.field("id", r.requestID)
    w.field("createdDateTime", r.time.entraCreated(ticks: r.ticks))
    w.field("userDisplayName", r.person.displayName)
    w.field("userPrincipalName", r.person.upn)
    w.field("userId", r.person.key)
    w.field("appId", r.app.id)
    w.field("appDisplayName", r.app.name)
    w.field("ipAddress", e.ip)
    w.key("status")
    w.beginObject()
    w.field("errorCode", r.errorCode)
    if !success { w.field("failureReason", r.failureReason) }
    w.endObject()
    w.field("userAgent", e.device.userAgent)
    w.key("deviceDetail")
    w.beginObject()
    w.field("deviceId", e.device.entraDeviceID)
    w.field("operatingSystem", e.device.model.entraOS)
    w.field("browser", e.device.model.entraBrowser)
    w.field("isCompliant", e.device.isCompliant)
    w.field("isManaged", e.device.isManaged)
    if !e.device.trustType.isEmpty { w.field("trustType", e.device.trustType) }
    w.endObject()
    w.key("location")
    w.beginObject()
    w.field("city", e.place.city)
    w.field("countryOrRegion", e.place.countryCode)
    w.key("geoCoordinates")
    w.beginObject()
    w.key("latitude")
    w.fixed(e.latitude, decimals: 4)
    w.key("longitude")
    w.fixed(e.longitude, decimals: 4)
    w.endObject()
    w.endObject()
    w.field("isInteractive", r.interactive)
    w.field("tokenIssuerName", r.issuerName)
    w.field("tokenIssuerType", r.issuerType)
    w.key("networkLocationDetails")
    w.beginArray()
    if e.network.kind == .corporate {
      w.beginObject()
      w.field("networkType", "trustedNamedLocation")
      w.key("networkNames")
      w.beginArray()
      w.string(e.network.blocks[0] == "203.0.113" ? "Corporate VPN egress" : "HQ office egress")
      w.endArray()
      w.endObject()
    }
    w.endArray()
    w.field("resourceDisplayName", r.resource.name)
    w.field("resourceId", r.resource.id)
    w.field("authenticationRequirement", r.authenticationRequirement)
    w.field("autonomousSystemNumber", Int(e.asn))
    w.field("uniqueTokenIdentifier", r.uniqueTokenIdentifier)
    w.field("incomingTokenType", r.incomingTokenType)
    w.field("sessionId", r.sessionID)
    w.key("tokenProtectionStatusDetails")
    w.beginObject()
    w.field("signInSessionStatus", r.tokenProtection)
    w.endObject()
    w.endObject()

    w.endObject()
    return String(decoding: w.bytes, as: UTF8.self)
  }
}

// MARK: - Graph activity (Event Hub record)

struct GraphActivityRecord: Sendable {
  var time: EventTime
  var ticks: Int
  var tenantID: String
  var requestID: String
  var clientRequestID: String
  var userID: String?
  var servicePrincipalID: String? = nil
  var appID: String
  var ip: String
  var userAgent: String
  var request: GraphRequest
  var responseStatus: Int = 200
  var responseBytes: Int
  var durationMs: Int
  /// The `uti` of the access token that made the call.
  var signInActivityID: String
  var sessionID: String?
  var tokenIssuedAt: EventTime
  var deviceID: String? = nil
  /// Azure region that served the request (not the caller's location).
  var azureRegion: String = "West US 2"
}

extension EventFactory {
  static func graphActivity(_ r: GraphActivityRecord) -> String {
    let apiVersion = r.request.path.hasPrefix("/beta") ? "beta" : "v1.0"
    var w = JSONWriter()
    w.beginObject()
    w.field("time", r.time.entraEnvelope(ticks: r.ticks))
    w.field("resourceId", "/TENANTS/\(r.tenantID.uppercased())/PROVIDERS/MICROSOFT.AADIAM")
    w.field("operationName", "Microsoft Graph Activity")
    w.field("operationVersion", apiVersion)
    w.field("category", "MicrosoftGraphActivityLogs")
    w.field("tenantId", r.tenantID)
    w.field("resultSignature", String(r.responseStatus))
    w.field("durationMs", r.durationMs)
    w.field("callerIpAddress", r.ip)
    w.field("correlationId", r.requestID)
    w.field("Level", 4)
    w.field("location", r.azureRegion)
    w.key("properties")
    w.beginObject()
    w.field("timeGenerated", r.time.entraEnvelope(ticks: r.ticks))
    w.field("apiVersion", apiVersion)
    w.field("requestId", r.requestID)
    w.field("operationId", r.requestID)
    w.field("clientRequestId", r.clientRequestID)
    w.field("requestMethod", r.request.method)
    w.field("requestUri", "https://graph.microsoft.com" + r.request.path)
    w.field("responseStatusCode", r.responseStatus)
    w.field("responseSizeBytes", r.responseBytes)
    w.field("durationMs", r.durationMs)
    if let userID = r.userID { w.field("userId", userID) } else { w.key("userId"); w.null() }
    if let sp = r.servicePrincipalID { w.field("servicePrincipalId", sp) } else { w.key("servicePrincipalId"); w.null() }
    w.field("appId", r.appID)
    w.field("ipAddress", r.ip)
    w.field("userAgent", r.userAgent)
    w.field("location", r.azureRegion)
    w.field("scopes", r.request.scopes)
    w.key("roles")
    w.null()
    w.field("wids", "b79fbf4d-3ef9-4689-8143-76b194e85509")
    w.field("clientAuthMethod", "0")
    w.field("identityProvider", "https://sts.windows.net/\(r.tenantID)/")
    w.field("signInActivityId", r.signInActivityID)
    w.field("tokenIssuedAt", r.tokenIssuedAt.wholeSeconds)
    if let session = r.sessionID { w.field("sessionId", session) }
    if let device = r.deviceID, !device.isEmpty { w.field("deviceId", device) }
    w.field("atContent", "")
    w.field("tenantId", r.tenantID)
    w.endObject()
    w.endObject()
    return String(decoding: w.bytes, as: UTF8.self)
  }
}

// MARK: - Okta System Log

struct OktaPrincipal: Sendable {
  var id: String
  var type: String
  var alternateId: String
  var displayName: String
  var detail: [(String, String)] = []

  static func user(_ p: Person) -> OktaPrincipal {
    OktaPrincipal(id: p.key, type: "User", alternateId: p.upn, displayName: p.displayName)
  }

  static func app(_ a: OktaApp) -> OktaPrincipal {
    OktaPrincipal(id: a.id, type: "AppInstance", alternateId: a.name, displayName: a.name, detail: [("signOnModeType", a.signOnMode)])
  }
}

struct OktaRecord: Sendable {
  var time: EventTime
  var uuid: String
  var eventType: String
  var displayMessage: String
  var legacyEventType: String? = nil
  var severity: String = "INFO"
  var actor: OktaPrincipal
  var endpoint: Endpoint
  var externalSessionID: String? = nil
  var requestID: String
  var requestURI: String
  /// The device-token hash the request carried (nil for API calls and admin actions).
  var dtHash: String? = nil
  var outcome: String = "SUCCESS"
  var reason: String? = nil
  var targets: [OktaPrincipal] = []
  var transactionID: String
}

extension EventFactory {
  static func okta(_ r: OktaRecord) -> String {
    let e = r.endpoint
    var w = JSONWriter()
    w.beginObject()
    w.key("actor")
    principal(&w, r.actor)
    w.key("client")
    w.beginObject()
    w.key("userAgent")
    w.beginObject()
    w.field("rawUserAgent", e.device.userAgent)
    w.field("os", e.device.model.oktaOS)
    w.field("browser", e.device.model.oktaBrowser)
    w.endObject()
    w.field("zone", "null")
    w.field("device", e.device.model.oktaDevice)
    w.key("id")
    w.null()
    w.field("ipAddress", e.ip)
    w.key("geographicalContext")
    geography(&w, e)
    w.endObject()
    w.key("authenticationContext")
    w.beginObject()
    w.key("authenticationProvider")
    w.null()
    w.key("credentialProvider")
    w.null()
    w.key("credentialType")
    w.null()
    w.key("issuer")
    w.null()
    w.key("interface")
    w.null()
    w.field("authenticationStep", 0)
    if let session = r.externalSessionID {
      w.field("rootSessionId", session)
      w.field("externalSessionId", session)
    } else {
      w.key("externalSessionId")
      w.null()
    }
    w.endObject()
    w.field("displayMessage", r.displayMessage)
    w.field("eventType", r.eventType)
    w.key("outcome")
    w.beginObject()
    w.field("result", r.outcome)
    if let reason = r.reason { w.field("reason", reason) } else { w.key("reason"); w.null() }
    w.endObject()
    w.field("published", r.time.rfc3339)
    w.key("securityContext")
    w.beginObject()
    w.field("asNumber", Int(e.asn))
    w.field("asOrg", e.network.asOrg.lowercased())
    w.field("isp", e.network.isp.lowercased())
    w.field("domain", e.network.domain)
    w.field("isProxy", e.network.kind == .consumerVPN)
    w.endObject()
    w.field("severity", r.severity)
    w.key("debugContext")
    w.beginObject()
    w.key("debugData")
    w.beginObject()
    w.field("requestId", r.requestID)
    w.field("requestUri", r.requestURI)
    w.field("url", r.requestURI + "?")
    if let dtHash = r.dtHash { w.field("dtHash", dtHash) }
    w.field("threatSuspected", "false")
    w.endObject()
    w.endObject()
    if let legacy = r.legacyEventType { w.field("legacyEventType", legacy) } else { w.key("legacyEventType"); w.null() }
    w.key("transaction")
    w.beginObject()
    w.field("type", "WEB")
    w.field("id", r.transactionID)
    w.key("detail")
    w.beginObject()
    w.endObject()
    w.endObject()
    w.field("uuid", r.uuid)
    w.field("version", "0")
    w.key("request")
    w.beginObject()
    w.key("ipChain")
    w.beginArray()
    w.beginObject()
    w.field("ip", e.ip)
    w.key("geographicalContext")
    geography(&w, e)
    w.field("version", e.ip.contains(":") ? "V6" : "V4")
    w.key("source")
    w.null()
    w.endObject()
    w.endArray()
    w.endObject()
    w.key("target")
    if r.targets.isEmpty {
      w.null()
    } else {
      w.beginArray()
      for target in r.targets { principal(&w, target) }
      w.endArray()
    }
    w.endObject()
    return String(decoding: w.bytes, as: UTF8.self)
  }

  private static func principal(_ w: inout JSONWriter, _ p: OktaPrincipal) {
    w.beginObject()
    w.field("id", p.id)
    w.field("type", p.type)
    w.field("alternateId", p.alternateId)
    w.field("displayName", p.displayName)
    w.key("detailEntry")
    if p.detail.isEmpty {
      w.null()
    } else {
      w.beginObject()
      for (key, value) in p.detail { w.field(key, value) }
      w.endObject()
    }
    w.endObject()
  }

  private static func geography(_ w: inout JSONWriter, _ e: Endpoint) {
    w.beginObject()
    w.field("city", e.place.city)
    w.field("state", e.place.state)
    w.field("country", e.place.countryName)
    w.field("postalCode", e.place.postalCode)
    w.key("geolocation")
    w.beginObject()
    w.key("lat")
    w.fixed(e.latitude, decimals: 4)
    w.key("lon")
    w.fixed(e.longitude, decimals: 4)
    w.endObject()
    w.endObject()
  }
}
