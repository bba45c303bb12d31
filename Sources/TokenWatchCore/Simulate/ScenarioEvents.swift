// One method per kind of event a scenario writes. Each draws its ids from the builder's
// generator, writes the line, and returns the ids later events need (session, token).

/// A token Entra issued: the sign-in's UTI and the session it belongs to.
struct EntraGrant: Sendable {
  var session: String
  var token: String
  var issuedAt: EventTime
  var app: EntraApp
}

extension ScenarioBuilder {
  // MARK: Entra sign-ins and Graph activity

  /// An Entra sign-in. Interactive sign-ins open a new session unless `session` is given;
  /// non-interactive ones (refresh-token redemptions) continue one.
  @discardableResult
  mutating func entraSignIn(
    _ person: Person, at time: EventTime, from endpoint: Endpoint, interactive: Bool = true,
    session: String? = nil, app: EntraApp = EntraApps.officeHome, resource: EntraApp = EntraApps.graph,
    issuerType: String = "AzureAD", issuerName: String = "", errorCode: Int = 0, failureReason: String = "Other."
  ) -> EntraGrant {
    let (line, grant) = rng.entraSignInLine(
      person, at: time, from: endpoint, interactive: interactive, session: session, app: app, resource: resource,
      issuerType: issuerType, issuerName: issuerName, errorCode: errorCode, failureReason: failureReason)
    emit(time, line)
    return grant
  }

  /// A refresh-token redemption in the grant's session: a new token, the same session.
  @discardableResult
  mutating func entraRefresh(_ person: Person, _ grant: EntraGrant, at time: EventTime, from endpoint: Endpoint, app: EntraApp? = nil) -> EntraGrant {
    entraSignIn(person, at: time, from: endpoint, interactive: false, session: grant.session, app: app ?? grant.app,
                resource: rng.pick(EntraApps.resources))
  }

  /// A Graph call made with the grant's access token.
  mutating func graphCall(_ person: Person, _ grant: EntraGrant, at time: EventTime, from endpoint: Endpoint, _ request: GraphRequest? = nil, status: Int = 200) {
    graphCall(person, token: grant.token, issuedAt: grant.issuedAt, session: grant.session, appID: grant.app.id,
              at: time, from: endpoint, request, status: status)
  }

  mutating func graphCall(
    _ person: Person, token: String, issuedAt: EventTime, session: String?, appID: String,
    at time: EventTime, from endpoint: Endpoint, _ request: GraphRequest? = nil, status: Int = 200
  ) {
    emit(time, rng.graphLine(person, token: token, issuedAt: issuedAt, session: session, appID: appID, at: time, from: endpoint, request, status: status))
  }

  // MARK: Okta System Log

  /// `user.session.start`: a new `externalSessionId`.
  mutating func oktaSessionStart(_ person: Person, at time: EventTime, from endpoint: Endpoint) -> String {
    let session = rng.oktaSessionID()
    emit(time, rng.oktaSessionStartLine(person, session: session, at: time, from: endpoint))
    return session
  }

  /// `user.authentication.sso` to an app within an existing session.
  mutating func oktaSSO(_ person: Person, session: String, at time: EventTime, from endpoint: Endpoint, app: OktaApp? = nil) {
    let app = app ?? rng.pick(OktaApps.all)
    emit(time, rng.oktaSSOLine(person, session: session, at: time, from: endpoint, app: app))
  }

  /// `user.session.end`: the user signed out.
  mutating func oktaSessionEnd(_ person: Person, session: String, at time: EventTime, from endpoint: Endpoint) {
    okta(
      person, "user.session.end", "User logout from Okta", legacy: "core.user_auth.logout_success",
      at: time, from: endpoint, session: session, uri: "/login/signout")
  }

  /// An administrator deactivates or suspends `target` (the disabled user is the target).
  mutating func oktaLifecycle(
    _ eventType: String, target: Person, by admin: Person, adminSession: String, at time: EventTime, from endpoint: Endpoint
  ) {
    let verb = eventType == "user.lifecycle.suspend" ? "suspend" : "deactivate"
    okta(
      admin, eventType, verb == "suspend" ? "Suspend Okta user" : "Deactivate Okta user", legacy: "core.user.config.user_deactivated",
      at: time, from: endpoint, session: adminSession, uri: "/api/v1/users/\(target.key)/lifecycle/\(verb)",
      targets: [.user(target)])
  }

  private mutating func okta(
    _ actor: Person, _ eventType: String, _ message: String, legacy: String?, at time: EventTime,
    from endpoint: Endpoint, session: String?, uri: String, targets: [OktaPrincipal] = []
  ) {
    emit(time, rng.oktaLine(actor, eventType, message, legacy: legacy, at: time, from: endpoint, session: session, uri: uri, targets: targets))
  }

  // MARK: Native schema

  mutating func native(
    _ person: Person, _ kind: EventKind, at time: EventTime, from endpoint: Endpoint? = nil,
    token: String? = nil, session: String? = nil, task: String? = nil, app: String? = nil,
    outcome: Outcome = .success, interactive: Bool? = nil, issuerType: String? = nil, issuer: String? = nil,
    tokenIssuedAt: EventTime? = nil
  ) {
    emit(time, rng.nativeLine(
      person, kind, at: time, from: endpoint, token: token, session: session, task: task, app: app, outcome: outcome,
      interactive: interactive, issuerType: issuerType, issuer: issuer, tokenIssuedAt: tokenIssuedAt))
  }

  /// A native sign-in that issues a new token (and a new session unless given); returns both.
  mutating func nativeSignIn(
    _ person: Person, at time: EventTime, from endpoint: Endpoint, session: String? = nil, app: String? = nil,
    kind: EventKind = .signIn, task: String? = nil, issuerType: String? = nil, issuer: String? = nil
  ) -> (token: String, session: String) {
    let token = rng.nativeTokenID()
    let session = session ?? rng.nativeSessionID()
    native(
      person, kind, at: time, from: endpoint, token: token, session: session, task: task, app: app,
      interactive: kind == .signIn, issuerType: issuerType, issuer: issuer)
    return (token, session)
  }
}

// MARK: - Lines

/// The line makers behind the builder methods, shared with the bulk generator.
extension SeededGenerator {
  mutating func entraSignInLine(
    _ person: Person, at time: EventTime, from endpoint: Endpoint, interactive: Bool, session: String?,
    app: EntraApp, resource: EntraApp, issuerType: String = "AzureAD", issuerName: String = "",
    errorCode: Int = 0, failureReason: String = "Other."
  ) -> (line: String, grant: EntraGrant) {
    let requestID = guid()
    let sessionID = session ?? guid()
    let record = EntraSignInRecord(
      time: time, ticks: below(10_000), interactive: interactive, tenantID: Tenants.contoso,
      requestID: requestID, correlationID: guid(), sessionID: sessionID, person: person,
      app: app, resource: resource, endpoint: endpoint, errorCode: errorCode, failureReason: failureReason,
      issuerType: issuerType, issuerName: issuerName,
      incomingTokenType: interactive ? "none" : "refreshToken",
      authenticationRequirement: interactive ? "multiFactorAuthentication" : "singleFactorAuthentication")
    return (EventFactory.entraSignIn(record), EntraGrant(session: sessionID, token: record.uniqueTokenIdentifier, issuedAt: time, app: app))
  }

  mutating func graphLine(
    _ person: Person, token: String, issuedAt: EventTime, session: String?, appID: String,
    at time: EventTime, from endpoint: Endpoint, _ request: GraphRequest? = nil, status: Int = 200
  ) -> String {
    let request = request ?? pick(GraphRequests.everyday)
    let record = GraphActivityRecord(
      time: time, ticks: below(10_000), tenantID: Tenants.contoso, requestID: guid(),
      clientRequestID: guid(), userID: person.key, appID: appID, ip: endpoint.ip,
      userAgent: endpoint.device.userAgent, request: request, responseStatus: status,
      responseBytes: int(in: request.responseBytes), durationMs: int(in: 40...900),
      signInActivityID: token, sessionID: session, tokenIssuedAt: issuedAt, deviceID: endpoint.device.entraDeviceID,
      azureRegion: azureRegion(for: endpoint.place))
    return EventFactory.graphActivity(record)
  }

  mutating func oktaLine(
    _ actor: Person, _ eventType: String, _ message: String, legacy: String?, at time: EventTime,
    from endpoint: Endpoint, session: String?, uri: String, targets: [OktaPrincipal] = []
  ) -> String {
    let record = OktaRecord(
      time: time, uuid: oktaUUID(at: time), eventType: eventType, displayMessage: message,
      legacyEventType: legacy, actor: .user(actor), endpoint: endpoint, externalSessionID: session,
      requestID: oktaRequestID(), requestURI: uri, dtHash: endpoint.device.dtHash,
      targets: targets, transactionID: oktaRequestID())
    return EventFactory.okta(record)
  }

  mutating func oktaSSOLine(_ person: Person, session: String, at time: EventTime, from endpoint: Endpoint, app: OktaApp) -> String {
    oktaLine(
      person, "user.authentication.sso", "User single sign on to app", legacy: "app.auth.sso",
      at: time, from: endpoint, session: session, uri: app.ssoPath, targets: [.app(app)])
  }

  mutating func oktaSessionStartLine(_ person: Person, session: String, at time: EventTime, from endpoint: Endpoint) -> String {
    oktaLine(
      person, "user.session.start", "User login to Okta", legacy: "core.user_auth.login_success",
      at: time, from: endpoint, session: session, uri: "/idp/idx/authenticators/poll")
  }

  mutating func nativeLine(
    _ person: Person, _ kind: EventKind, at time: EventTime, from endpoint: Endpoint? = nil,
    token: String? = nil, session: String? = nil, task: String? = nil, app: String? = nil,
    outcome: Outcome = .success, interactive: Bool? = nil, issuerType: String? = nil, issuer: String? = nil,
    tokenIssuedAt: EventTime? = nil
  ) -> String {
    let record = NativeRecord(
      time: time, eventID: guid(), kind: kind, outcome: outcome, user: person.key, upn: person.upn,
      actor: person.actor, task: task, token: token, session: session, app: app, issuerType: issuerType,
      issuer: issuer, interactive: interactive, endpoint: endpoint, tokenIssuedAt: tokenIssuedAt)
    return EventFactory.native(record)
  }
}

/// The Azure region that serves a caller (Graph's `location`; not where the caller is).
func azureRegion(for place: Place) -> String {
  switch place.countryCode {
  case "US", "CA": place.longitude < -100 ? "West US 2" : "East US"
  case "GB", "IE": "UK South"
  case "AU", "JP", "SG", "IN": "Southeast Asia"
  default: "West Europe"
  }
}
