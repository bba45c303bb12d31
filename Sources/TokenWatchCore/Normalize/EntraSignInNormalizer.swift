import TokenWatchJSON

/// Microsoft Entra ID sign-in logs, in the three shapes they are exported in:
///
/// 1. Graph `signIn` objects (`/auditLogs/signIns`): camelCase, at the top level.
/// 2. Azure Monitor diagnostic records (Event Hub, storage blobs): `{time, category, properties:{…signIn…}}`.
/// 3. Log Analytics rows (`SigninLogs`, `AADNonInteractiveUserSignInLogs`, …): PascalCase, with
///    nested objects (`Status`, `DeviceDetail`, `LocationDetails`, …) stored as JSON text.
///
/// Any other Azure diagnostic record (say `AuditLogs`) is claimed too, and rejected with
/// `.unknownCategory`, so a misrouted feed shows up in the counters instead of vanishing.
/// Graph activity records are left to `GraphActivityNormalizer`.
public enum EntraSignInNormalizer: EventNormalizer {
  public static let format = InputFormat.entra

  public static func claims(_ keys: RoutingKeys) -> Bool {
    guard let shape = shape(keys) else { return false }
    return claims(keys, shape)
  }

  public static func normalize(_ document: JSONDocument, _ record: JSONRef) throws(NormalizeFailure) -> NormalizedEvent {
    guard let keys = RoutingKeys(document, record), let shape = shape(keys) else {
      throw NormalizeFailure(
        .invalid,
        "not an Entra sign-in record: expected a Graph signIn object, a diagnostic record with \"category\" and \"properties\", or a Log Analytics row with \"Type\"")
    }
    return try normalize(keys, shape)
  }

  /// The shape is found once for both questions, from the registry's look at the record.
  public static func normalizeIfMatching(_ keys: RoutingKeys) throws(NormalizeFailure) -> NormalizedEvent? {
    guard let shape = shape(keys), claims(keys, shape) else { return nil }
    return try normalize(keys, shape)
  }

  /// Graph activity in the same envelope is left to `GraphActivityNormalizer`.
  private static func claims(_ keys: RoutingKeys, _ shape: Shape) -> Bool {
    switch shape {
    case .diagnostic(let category, _): !keys.names(category, GraphActivityNormalizer.category)
    case .logAnalytics: !keys.rowNamesGraphActivity
    case .graphObject: true
    }
  }

  private static func normalize(_ keys: RoutingKeys, _ shape: Shape) throws(NormalizeFailure) -> NormalizedEvent {
    let document = keys.document
    switch shape {
    case .graphObject:
      let signIn = keys.makeView()
      return try read(signIn, keys: Field.camelCaseTable, kind: graphObjectKind(signIn), sourceDetail: "entra:signIn", envelope: nil)
    case .diagnostic(let categoryRef, let properties):
      guard let category = SignInCategory.named(document, categoryRef) else {
        throw unknownCategory(document, categoryRef)
      }
      let envelope = keys.makeView()
      guard let properties = envelope.container(properties), properties.isObject else {
        throw NormalizeFailure(.invalid, "\(category.name) record has no \"properties\" object")
      }
      return try read(properties, keys: Field.camelCaseTable, kind: category.kind, sourceDetail: category.sourceDetail, envelope: (envelope, .diagnostic))
    case .logAnalytics:
      let row = keys.makeView()
      // `Type` names the table ("SigninLogs"); `Category` the diagnostic category ("SignInLogs").
      // Projections and other tables reuse either column, so try the table first.
      let names = [keys.table, keys.logCategory].compactMap { $0 }.filter { document.kind($0) == .string }
      guard let category = names.lazy.compactMap({ SignInCategory.named(document, $0) }).first else {
        throw unknownCategory(document, names.first)
      }
      return try read(row, keys: Field.pascalCaseTable, kind: category.kind, sourceDetail: category.sourceDetail, envelope: (row, .logAnalytics))
    }
  }

  // MARK: - Shapes and categories

  enum Shape {
    case graphObject
    /// `category` is a string; `properties` any value (an object, or JSON text of one).
    case diagnostic(category: JSONRef, properties: JSONRef)
    case logAnalytics
  }

  static func shape(_ keys: RoutingKeys) -> Shape? {
    if let category = keys.category, keys.isString(category) {
      guard let properties = keys.properties else { return nil }
      return .diagnostic(category: category, properties: properties)
    }
    // A Log Analytics row names its table or category and always carries some workspace column;
    // the second test keeps a native event with a stray "Type" key out.
    if keys.isString(keys.table) || keys.isString(keys.logCategory),
      keys.has("TimeGenerated") || keys.has("CreatedDateTime") || keys.has("TenantId")
    {
      return .logAnalytics
    }
    if keys.has("createdDateTime"), keys.properties == nil, looksLikeSignIn(keys) {
      return .graphObject
    }
    return nil
  }

  /// `createdDateTime` alone is on many Graph resources (users, groups); a sign-in also names a token,
  /// its interactivity, or an app being signed in to.
  private static func looksLikeSignIn(_ object: RoutingKeys) -> Bool {
    object.has("uniqueTokenIdentifier") || object.has("isInteractive") || object.has("signInEventTypes")
      || (object.has("appId") && (object.has("userPrincipalName") || object.has("servicePrincipalId")))
  }

  /// What a sign-in category means to the detectors.
  struct CategoryKind {
    var kind: EventKind
    var actor: ActorType
    /// `isInteractive` when the record does not say.
    var interactive: Bool
    /// Read `servicePrincipalId`/`servicePrincipalName` as the subject instead of the user.
    var servicePrincipal: Bool

    static let interactiveUser = CategoryKind(kind: .signIn, actor: .human, interactive: true, servicePrincipal: false)
    /// A refresh-token or PRT redemption: a token issued without the user present.
    static let nonInteractiveUser = CategoryKind(kind: .tokenIssued, actor: .human, interactive: false, servicePrincipal: false)
    static let workload = CategoryKind(kind: .tokenIssued, actor: .service, interactive: false, servicePrincipal: true)
  }

  struct SignInCategory {
    var name: String
    var kind: CategoryKind
    var sourceDetail: String

    /// Diagnostic category names and Log Analytics table names (`Type`, note "Signin" with a small i).
    static let all: [SignInCategory] = [
      .init(name: "SignInLogs", kind: .interactiveUser, sourceDetail: "entra:SignInLogs"),
      .init(name: "NonInteractiveUserSignInLogs", kind: .nonInteractiveUser, sourceDetail: "entra:NonInteractiveUserSignInLogs"),
      .init(name: "ServicePrincipalSignInLogs", kind: .workload, sourceDetail: "entra:ServicePrincipalSignInLogs"),
      .init(name: "ManagedIdentitySignInLogs", kind: .workload, sourceDetail: "entra:ManagedIdentitySignInLogs"),
      .init(name: "MicrosoftServicePrincipalSignInLogs", kind: .workload, sourceDetail: "entra:MicrosoftServicePrincipalSignInLogs"),
      .init(name: "SigninLogs", kind: .interactiveUser, sourceDetail: "entra:SigninLogs"),
      .init(name: "AADNonInteractiveUserSignInLogs", kind: .nonInteractiveUser, sourceDetail: "entra:AADNonInteractiveUserSignInLogs"),
      .init(name: "AADServicePrincipalSignInLogs", kind: .workload, sourceDetail: "entra:AADServicePrincipalSignInLogs"),
      .init(name: "AADManagedIdentitySignInLogs", kind: .workload, sourceDetail: "entra:AADManagedIdentitySignInLogs"),
    ]

    static func named(_ document: JSONDocument, _ ref: JSONRef) -> SignInCategory? {
      all.first { document.stringEquals(ref, $0.name) }
    }
  }

  static let readCategories = "SignInLogs, NonInteractiveUserSignInLogs, ServicePrincipalSignInLogs, ManagedIdentitySignInLogs, MicrosoftServicePrincipalSignInLogs"

  private static func unknownCategory(_ document: JSONDocument, _ name: JSONRef?) -> NormalizeFailure {
    let shown = name.flatMap(document.string).map { "category \"\($0)\"" } ?? "no category"
    return NormalizeFailure(
      .unknownCategory,
      "Azure diagnostic record of \(shown) is not a sign-in log (read here: \(readCategories); Graph activity: \(GraphActivityNormalizer.category))")
  }

  /// A Graph signIn object carries no category: `signInEventTypes` (beta) says which log it
  /// belongs to, else `isInteractive`. `/auditLogs/signIns` returns interactive sign-ins unless
  /// filtered, so a record that says neither is taken as interactive.
  static func graphObjectKind(_ signIn: LenientView) -> CategoryKind {
    if let types = signIn.nested("signInEventTypes") {
      let document = types.document
      let elements = document.elements(types.ref)
      func has(_ type: String) -> Bool { elements.contains { document.stringEquals($0, type) } }
      if has("interactiveUser") { return .interactiveUser }
      if has("nonInteractiveUser") { return .nonInteractiveUser }
      if has("servicePrincipal") || has("managedIdentity") { return .workload }
    }
    switch signIn.bool("isInteractive") {
    case true?: return .interactiveUser
    case false?:
      if signIn.string("userId") == nil, signIn.string("servicePrincipalId") != nil { return .workload }
      return .nonInteractiveUser
    case nil:
      return .interactiveUser
    }
  }

  // MARK: - Fields

  /// The sign-in fields read, found in one pass over the record (`JSONKeyTable`). Names are
  /// camelCase in Graph and diagnostic records and PascalCase in Log Analytics; keys inside the
  /// nested objects (`status.errorCode`, `deviceDetail.deviceId`) are camelCase in all three.
  enum Field: Int, CaseIterable {
    case createdDateTime, id, userId, userPrincipalName, servicePrincipalId, servicePrincipalName
    case appId, uniqueTokenIdentifier, sessionId, tokenIssuerType, tokenIssuerName
    case ipAddress, autonomousSystemNumber, location, userAgent, deviceDetail, status
    case tokenProtectionStatusDetails, isThroughGlobalSecureAccess, networkLocationDetails, isInteractive

    var camelCase: String {
      switch self {
      case .createdDateTime: "createdDateTime"
      case .id: "id"
      case .userId: "userId"
      case .userPrincipalName: "userPrincipalName"
      case .servicePrincipalId: "servicePrincipalId"
      case .servicePrincipalName: "servicePrincipalName"
      case .appId: "appId"
      case .uniqueTokenIdentifier: "uniqueTokenIdentifier"
      case .sessionId: "sessionId"
      case .tokenIssuerType: "tokenIssuerType"
      case .tokenIssuerName: "tokenIssuerName"
      case .ipAddress: "ipAddress"
      case .autonomousSystemNumber: "autonomousSystemNumber"
      case .location: "location"
      case .userAgent: "userAgent"
      case .deviceDetail: "deviceDetail"
      case .status: "status"
      case .tokenProtectionStatusDetails: "tokenProtectionStatusDetails"
      case .isThroughGlobalSecureAccess: "isThroughGlobalSecureAccess"
      case .networkLocationDetails: "networkLocationDetails"
      case .isInteractive: "isInteractive"
      }
    }

    /// Log Analytics capitalizes the first letter, except for two columns named otherwise.
    var pascalCase: String {
      switch self {
      case .ipAddress: "IPAddress"
      case .location: "LocationDetails"
      default: camelCase.prefix(1).uppercased() + camelCase.dropFirst()
      }
    }

    static let camelCaseTable = JSONKeyTable(allCases.map(\.camelCase))
    static let pascalCaseTable = JSONKeyTable(allCases.map(\.pascalCase))
  }

  /// Inside `location` and its `geoCoordinates` (camelCase in all three shapes), found in one pass.
  static let locationKeys = JSONKeyTable(["countryOrRegion", "city", "geoCoordinates"])
  static let coordinateKeys = JSONKeyTable(["latitude", "longitude"])

  /// Where the fallbacks live when the sign-in object lacks a field.
  enum EnvelopeKind {
    /// `time`, `resultType` (string), `callerIpAddress`, `location` (country code).
    case diagnostic
    /// `TimeGenerated` (ingestion time, last resort), `ResultType`, `Location` (country code).
    case logAnalytics
  }

  static func read(
    _ record: LenientView, keys: JSONKeyTable, kind category: CategoryKind, sourceDetail: String,
    envelope: (view: LenientView, kind: EnvelopeKind)?
  ) throws(NormalizeFailure) -> NormalizedEvent {
    guard let signIn = FieldView<Field>(record, keys) else {
      throw NormalizeFailure(.invalid, "the sign-in record is not a JSON object")
    }
    // Event time is when the sign-in happened; `TimeGenerated` can trail it by half an hour.
    var time = signIn.time(.createdDateTime)
    if time == nil, let envelope {
      time = envelope.view.time(envelope.kind == .diagnostic ? "time" : "TimeGenerated")
    }
    guard let time else {
      if let bad = signIn.member(.createdDateTime).flatMap(signIn.document.string) {
        throw NormalizeFailure(.invalid, "missing or invalid \(keys.keyName(Field.createdDateTime.rawValue)): \"\(bad)\"")
      }
      throw NormalizeFailure(.invalid, "missing or invalid \(keys.keyName(Field.createdDateTime.rawValue))")
    }

    var event = NormalizedEvent(time: time, format: .entra, sourceDetail: sourceDetail, kind: category.kind)
    readFields(signIn, category: category, envelope: envelope, into: &event)
    return event
  }

  /// Out of line and in place: an event built up field by field in the function that returns
  /// it was copied whole (retaining every string) into the result and the original destroyed.
  @inline(never)
  private static func readFields(
    _ signIn: FieldView<Field>, category: CategoryKind, envelope: (view: LenientView, kind: EnvelopeKind)?,
    into event: inout NormalizedEvent
  ) {
    event.actor = category.actor
    event.interactive = signIn.bool(.isInteractive) ?? category.interactive

    // Outcome: the signIn status, else the envelope's string result code.
    var code = signIn.nested(.status)?.int64("errorCode")
    if code == nil, let envelope {
      code = envelope.view.int64(envelope.kind == .diagnostic ? "resultType" : "ResultType")
    }
    if let code {
      event.outcome = code == 0 ? .success : .failure
      if code != 0 { event.errorCode = code }
    }

    if category.servicePrincipal {
      event.user = signIn.string(.servicePrincipalId)
      event.upn = signIn.string(.servicePrincipalName).map(lowercasedLogin)
    } else {
      event.user = signIn.string(.userId)
      event.upn = signIn.string(.userPrincipalName).map(lowercasedLogin)
    }
    event.app = signIn.string(.appId)
    // Each sign-in has its own id and token: made afresh, not through the string cache.
    event.packedEventID = signIn.eventID(.id)
    // The UTI is the request id re-encoded, so it can be rebuilt when an export dropped it.
    event.packedToken = signIn.token(.uniqueTokenIdentifier)
    if event.packedToken == nil, let eventID = event.eventID { event.token = uniqueTokenIdentifier(fromSignInID: eventID) }
    event.session = signIn.string(.sessionId)
    event.issuerType = signIn.string(.tokenIssuerType)
    event.issuer = signIn.string(.tokenIssuerName)

    event.ip = signIn.string(.ipAddress)
    if event.ip == nil, let envelope, envelope.kind == .diagnostic {
      event.ip = envelope.view.string("callerIpAddress")
    }
    event.asn = signIn.asn(.autonomousSystemNumber)
    if let location = signIn.nested(.location), location.isObject {
      var (country, city, coordinates): (JSONRef?, JSONRef?, JSONRef?)
      location.document.scanMembers(location.ref, Self.locationKeys) { key, value in
        switch key {
        case 0: country = value
        case 1: city = value
        default: coordinates = value
        }
      }
      event.country = location.string(country).map(CountryCodes.isoCode(for:))
      event.city = location.string(city)
      if let coordinates = location.nested(coordinates) {
        var (latitude, longitude): (JSONRef?, JSONRef?)
        coordinates.document.scanMembers(coordinates.ref, Self.coordinateKeys) { key, value in
          if key == 0 { latitude = value } else { longitude = value }
        }
        event.latitude = coordinates.double(latitude)
        event.longitude = coordinates.double(longitude)
      }
    }
    if event.country == nil, let envelope {
      // The envelope's `location` is the country code for sign-ins (for Graph activity it is a region).
      event.country = envelope.view.string(envelope.kind == .diagnostic ? "location" : "Location").map(CountryCodes.isoCode(for:))
    }

    event.userAgent = signIn.string(.userAgent)
    event.device = signIn.nested(.deviceDetail)?.string("deviceId")  // "" for unregistered devices
    if let protection = signIn.nested(.tokenProtectionStatusDetails), let status = protection.member("signInSessionStatus") {
      if protection.equals(status, "bound") {
        event.bound = true
      } else if protection.equals(status, "unbound") {
        event.bound = false
      }
    }
    event.trustedNetwork = signIn.bool(.isThroughGlobalSecureAccess) == true
      || hasTrustedNetwork(signIn.nested(.networkLocationDetails))
  }

  /// A named location the tenant marked trusted. `namedNetwork` alone is not trust: any tenant
  /// can name a network it merely wants to block.
  private static func hasTrustedNetwork(_ details: LenientView?) -> Bool {
    guard let details else { return false }
    return details.containsElement { entry in
      entry.equals("networkType", "trusted") || entry.equals("networkType", "trustedNamedLocation")
    }
  }
}
