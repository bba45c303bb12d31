// Scenarios with attacks. Each labels what must fire on whom and keeps some look-alikes that
// must not (their reasons are in comments where they are built).

enum AttackScenarios {
  // MARK: TW-001 replay

  @Sendable static func replayOktaSessionHijack(_ b: inout ScenarioBuilder) {
    let victim = b.oktaPerson("Dana", "Whitfield")
    let victimBrowser = b.laptop(DeviceModels.macChrome)
    let home = b.endpoint(Operators.comcast, Places.chicago, victimBrowser)
    // The attacker imports the stolen cookie into its own Chrome profile and copies the victim's
    // user agent string: same UA, but Okta sees another device token (dtHash).
    let attackerBrowser = b.laptop(DeviceModels.macChrome, managed: false)
    let droplet = b.endpoint(Operators.digitalOcean, Places.amsterdam, attackerBrowser)

    let session = b.oktaSessionStart(victim, at: at("2026-03-03T14:02:11.204Z"), from: home)
    b.oktaSSO(victim, session: session, at: at("2026-03-03T14:02:48.512Z"), from: home, app: OktaApps.salesforce)
    b.oktaSSO(victim, session: session, at: at("2026-03-03T14:10:05.090Z"), from: home, app: OktaApps.slack)
    b.oktaSSO(victim, session: session, at: at("2026-03-03T14:26:40.771Z"), from: home, app: OktaApps.googleWorkspace)
    // Replay, interleaved with the victim's own use of the same session.
    b.oktaSSO(victim, session: session, at: at("2026-03-03T14:41:09.338Z"), from: droplet, app: OktaApps.salesforce)
    b.oktaSSO(victim, session: session, at: at("2026-03-03T14:44:30.015Z"), from: home, app: OktaApps.zoom)
    b.oktaSSO(victim, session: session, at: at("2026-03-03T14:47:52.466Z"), from: droplet, app: OktaApps.box)
    b.oktaSSO(victim, session: session, at: at("2026-03-03T14:48:20.903Z"), from: droplet, app: OktaApps.googleWorkspace)
    b.oktaSSO(victim, session: session, at: at("2026-03-03T14:53:02.127Z"), from: home, app: OktaApps.slack)
    b.oktaSSO(victim, session: session, at: at("2026-03-03T14:58:41.650Z"), from: droplet, app: OktaApps.awsIdentityCenter)
    b.oktaSSO(victim, session: session, at: at("2026-03-03T15:12:10.482Z"), from: home, app: OktaApps.salesforce)

    b.attack(
      "TW-001", victim, session: session,
      "externalSessionId replayed from DigitalOcean AS14061 (NL) with the victim's exact user agent and another dtHash; the victim keeps using it from Comcast AS7922")
    b.attack(
      "TW-002", victim,
      "Chicago (14:26) to Amsterdam (14:41): about 6,600 km in 15 minutes")

    b.benign(b.backgroundUsers(.okta, count: 4, from: at("2026-03-03T13:00:00Z"), until: at("2026-03-03T22:30:00Z")))
  }

  @Sendable static func replayEntraRefreshToken(_ b: inout ScenarioBuilder) {
    let victim = b.entraPerson("Priya", "Raman")
    let laptop = b.laptop(DeviceModels.windowsEdge)
    let home = b.endpoint(Operators.comcast, Places.seattle, laptop)
    let office = b.office(laptop)
    // Tokens copied off the laptop by an infostealer, replayed from a Hetzner server. The replay
    // tooling presents a browser user agent but no registered device.
    let attackerClient = b.client(DeviceModels.windowsEdge)
    let hetzner = b.endpoint(Operators.hetzner, Places.nuremberg, attackerClient)
    let script = b.endpoint(Operators.hetzner, Places.nuremberg, b.client(DeviceModels.pythonRequests))

    // Morning at home: an interactive sign-in and a few Graph calls with its access token.
    let homeGrant = b.entraSignIn(victim, at: at("2026-03-04T14:40:12Z"), from: home, app: EntraApps.officeHome)
    b.graphCall(victim, homeGrant, at: at("2026-03-04T14:41:30Z"), from: home, GraphRequests.me)
    b.graphCall(victim, homeGrant, at: at("2026-03-04T14:47:05Z"), from: home, GraphRequests.messages)
    b.graphCall(victim, homeGrant, at: at("2026-03-04T14:58:44Z"), from: home, GraphRequests.events)

    // The stolen access token is used from the attacker's server within its lifetime.
    b.graphCall(victim, homeGrant, at: at("2026-03-04T15:06:18Z"), from: script, GraphRequests.me)
    b.graphCall(victim, homeGrant, at: at("2026-03-04T15:06:51Z"), from: script, GraphRequests.enumerateUsers)
    b.graphCall(victim, homeGrant, at: at("2026-03-04T15:07:40Z"), from: script, GraphRequests.readAllMail)
    b.graphCall(victim, homeGrant, at: at("2026-03-04T15:09:02Z"), from: script, GraphRequests.searchFiles)
    b.attack(
      "TW-001", victim, token: homeGrant.token, session: homeGrant.session,
      "access token issued at home (Comcast AS7922) used for Graph calls from a Hetzner address; Graph records carry no ASN, so the /24 differs")

    // At the office (trusted egress): a new interactive session, refreshed hourly.
    var officeGrant = b.entraSignIn(victim, at: at("2026-03-04T16:25:33Z"), from: office, app: EntraApps.teams)
    b.graphCall(victim, officeGrant, at: at("2026-03-04T16:31:02Z"), from: office, GraphRequests.joinedTeams)
    b.graphCall(victim, officeGrant, at: at("2026-03-04T16:58:19Z"), from: office, GraphRequests.presence)
    officeGrant = b.entraRefresh(victim, officeGrant, at: at("2026-03-04T17:24:47Z"), from: office)
    b.graphCall(victim, officeGrant, at: at("2026-03-04T17:40:11Z"), from: office, GraphRequests.messages)
    officeGrant = b.entraRefresh(victim, officeGrant, at: at("2026-03-04T18:22:05Z"), from: office)
    b.graphCall(victim, officeGrant, at: at("2026-03-04T18:30:40Z"), from: office, GraphRequests.drive)

    // The office session's refresh token is redeemed from the attacker's server.
    let stolen = b.entraRefresh(victim, officeGrant, at: at("2026-03-04T18:40:05Z"), from: hetzner, app: EntraApps.microsoftOffice)
    b.graphCall(victim, stolen, at: at("2026-03-04T18:41:12Z"), from: script, GraphRequests.enumerateUsers)
    b.graphCall(victim, stolen, at: at("2026-03-04T18:43:27Z"), from: script, GraphRequests.readAllMail)
    b.graphCall(victim, stolen, at: at("2026-03-04T18:46:03Z"), from: script, GraphRequests.inboxRule)
    b.attack(
      "TW-001", victim, token: stolen.token, session: stolen.session,
      "refresh token of the office session redeemed non-interactively from Hetzner AS24940 (DE), then used for Graph calls")
    b.attack(
      "TW-002", victim,
      "home in Seattle (14:40) to Hetzner in Nuremberg (18:40): about 8,300 km in 4 hours (office sign-ins are trusted and not compared)")

    // The victim carries on at the office, interleaved with the attacker.
    b.graphCall(victim, officeGrant, at: at("2026-03-04T18:52:36Z"), from: office, GraphRequests.presence)
    officeGrant = b.entraRefresh(victim, officeGrant, at: at("2026-03-04T19:20:58Z"), from: office)
    b.graphCall(victim, officeGrant, at: at("2026-03-04T19:33:14Z"), from: office, GraphRequests.messages)

    b.benign(b.backgroundUsers(.entraGraph, count: 3, from: at("2026-03-04T14:00:00Z"), until: at("2026-03-04T23:30:00Z")))
  }

  // MARK: TW-002 impossible travel

  @Sendable static func travelSameToken(_ b: inout ScenarioBuilder) {
    let victim = b.nativePerson("Oliver", "Bennett")
    let laptop = b.laptop(DeviceModels.macSafari)
    let london = b.endpoint(Operators.bt, Places.london, laptop)
    // The copied token turns up on a home broadband line in Sydney: not a VPN, not hosting.
    let sydney = b.endpoint(Operators.telstra, Places.sydney, b.laptop(DeviceModels.windowsChrome, managed: false))

    let (token, session) = b.nativeSignIn(victim, at: at("2026-03-11T08:55:20Z"), from: london, app: "crm-web")
    for time in ["09:02:11", "09:15:47", "09:31:05"] {
      b.native(victim, .access, at: at("2026-03-11T\(time)Z"), from: london, token: token, session: session, app: "crm-web")
    }
    for time in ["10:11:02", "10:14:39", "10:20:18"] {
      b.native(victim, .access, at: at("2026-03-11T\(time)Z"), from: sydney, token: token, session: session, app: "crm-web")
    }
    b.native(victim, .access, at: at("2026-03-11T10:25:51Z"), from: london, token: token, session: session, app: "crm-web")

    b.attack(
      "TW-002", victim, token: token,
      "the same token in London (09:31) and Sydney (10:11): about 17,000 km in 40 minutes")
    b.attack(
      "TW-001", victim, token: token, session: session,
      "token first used from BT AS2856 (GB) is used from Telstra AS1221 (AU)")

    b.benign(b.backgroundUsers(.native, count: 3, from: at("2026-03-11T08:00:00Z"), until: at("2026-03-11T17:30:00Z")))
  }

  @Sendable static func travelSameUser(_ b: inout ScenarioBuilder) {
    let victim = b.entraPerson("Sophia", "Martinez")
    let laptop = b.laptop(DeviceModels.windowsEdge)
    let home = b.endpoint(Operators.verizonFios, Places.newYork, laptop)
    // A separate sign-in with the user's credentials and an AiTM-relayed MFA, from Moscow.
    let moscow = b.endpoint(Operators.rostelecom, Places.moscow, b.laptop(DeviceModels.windowsChrome, managed: false))

    var grant = b.entraSignIn(victim, at: at("2026-03-12T13:02:37Z"), from: home, app: EntraApps.officeHome)
    grant = b.entraRefresh(victim, grant, at: at("2026-03-12T13:31:14Z"), from: home)
    var foreign = b.entraSignIn(victim, at: at("2026-03-12T14:02:51Z"), from: moscow, app: EntraApps.officeHome)
    foreign = b.entraRefresh(victim, foreign, at: at("2026-03-12T14:49:30Z"), from: moscow, app: EntraApps.microsoftOffice)
    grant = b.entraRefresh(victim, grant, at: at("2026-03-12T15:10:02Z"), from: home)

    b.attack(
      "TW-002", victim,
      "New York sign-in at 13:02 (refresh 13:31) and a new Moscow session at 14:02: about 7,500 km in 31 minutes after the last New York event")

    b.benign(b.backgroundUsers(.entra, count: 3, from: at("2026-03-12T12:00:00Z"), until: at("2026-03-12T22:00:00Z")))
  }

  // MARK: TW-003 issuer anomaly

  @Sendable static func issuerUnexpectedFederation(_ b: inout ScenarioBuilder) {
    let victim = b.entraPerson("Liam", "Murphy", domain: Domains.cloudOnly)
    let home = b.endpoint(Operators.verizonFios, Places.newYork, b.laptop(DeviceModels.macChrome))
    b.entraDay(victim, [Stay(from: at("2026-03-17T13:05:10Z"), until: at("2026-03-17T21:00:00Z"), endpoint: home)], graph: false)

    // A federation trust added by the attacker lets it mint tokens for any cloudonly.example
    // user (the Golden-SAML route); the sign-in arrives from a Linode host near New York.
    let linode = b.endpoint(Operators.linode, Places.newark, b.client(DeviceModels.windowsChrome))
    let forged = b.entraSignIn(
      victim, at: at("2026-03-17T15:42:26Z"), from: linode, app: EntraApps.azurePortal, resource: EntraApps.azureManagement,
      issuerType: "ADFederationServices", issuerName: "adfs.attacker.example")
    b.entraRefresh(victim, forged, at: at("2026-03-17T16:20:48Z"), from: linode, app: EntraApps.azurePortal)
    b.attack(
      "TW-003", victim, token: forged.token, session: forged.session,
      "cloudonly.example expects only AzureAD; this token was issued by ADFederationServices adfs.attacker.example")

    // Look-alikes: contoso.example is hybrid, so both AzureAD and its own AD FS
    // (sts.contoso.example) are expected issuers there.
    let azureUser = b.entraPerson("Naomi", "Fischer")
    let federatedUser = b.entraPerson("Ravi", "Mehta")
    let otherCloudUser = b.entraPerson("Zoe", "Walsh", domain: Domains.cloudOnly)
    b.entraDay(azureUser, [Stay(from: at("2026-03-17T12:30:00Z"), until: at("2026-03-17T20:30:00Z"), endpoint: b.endpoint(Operators.comcast, Places.boston, b.laptop()))], graph: false)
    b.entraDay(federatedUser, [Stay(from: at("2026-03-17T14:10:00Z"), until: at("2026-03-17T22:40:00Z"), endpoint: b.endpoint(Operators.att, Places.austin, b.laptop()))], graph: false, federated: true)
    b.entraDay(otherCloudUser, [Stay(from: at("2026-03-17T13:20:00Z"), until: at("2026-03-17T21:45:00Z"), endpoint: b.endpoint(Operators.spectrum, Places.austin, b.laptop()))], graph: false)
    b.benign(azureUser, federatedUser, otherCloudUser)
  }

  @Sendable static func issuerNewAfterLearning(_ b: inout ScenarioBuilder) {
    let people: [(String, String, Residence)] = [
      ("Tariq", "Haddad", Residence(place: Places.stockholm, home: Operators.telia, mobile: Operators.telia)),
      ("Mei", "Wong", Residence(place: Places.amsterdam, home: Operators.kpn, mobile: Operators.kpn)),
      ("Jonas", "Larsen", Residence(place: Places.berlin, home: Operators.telekom, mobile: Operators.telekom)),
      ("Rosa", "Ortiz", Residence(place: Places.madrid, home: Operators.movistar, mobile: Operators.movistar)),
    ]
    var users: [(Person, Endpoint)] = []
    for (first, last, residence) in people {
      let person = b.nativePerson(first, last, domain: Domains.fabrikam)
      users.append((person, b.endpoint(residence.home, residence.place, b.laptop())))
    }
    // Two working days of AzureAD sign-ins: fabrikam.example's issuers are learned from its first
    // event (2026-03-18 07:00) for 24 hours.
    for day in ["2026-03-18", "2026-03-19", "2026-03-20"] {
      for (index, (person, home)) in users.enumerated() {
        let start = at("\(day)T07:00:00Z") + .minutes(Int64(index * 17))
        b.nativeDay(person, [Stay(from: start, until: start + .hours(8), endpoint: home)], issuerType: "AzureAD")
      }
    }
    // Look-alike: Rosa signs in once through fabrikam's own AD FS during the learning period, so
    // the same issuer on the third day is known, not new.
    let (rosa, rosaHome) = users[3]
    for day in ["2026-03-18T15:40:00Z", "2026-03-20T11:05:00Z"] {
      let (token, session) = b.nativeSignIn(
        rosa, at: at(day), from: rosaHome, app: "hr-portal", issuerType: "ADFederationServices", issuer: "adfs.fabrikam.example")
      b.native(rosa, .access, at: at(day) + .minutes(3), from: rosaHome, token: token, session: session, app: "hr-portal")
    }

    // After learning: a token from an identity provider fabrikam.example never used, presented
    // from a Vultr host in Frankfurt (close enough to Berlin that travel is not impossible).
    let (jonas, _) = users[2]
    let vultr = b.endpoint(Operators.vultr, Places.frankfurt, b.client(DeviceModels.pythonRequests))
    let (token, session) = b.nativeSignIn(
      jonas, at: at("2026-03-20T10:14:33Z"), from: vultr, app: "file-share", issuerType: "SAML2", issuer: "idp.unknown.example")
    for minute in [2, 3, 5, 9] {
      b.native(jonas, .access, at: at("2026-03-20T10:14:33Z") + .minutes(Int64(minute)), from: vultr, token: token, session: session, app: "file-share")
    }
    b.attack(
      "TW-003", jonas, token: token, session: session,
      "fabrikam.example learned only AzureAD and adfs.fabrikam.example over its first 24 hours; SAML2 idp.unknown.example is new")
    b.benign(users.map(\.0).filter { $0.key != jonas.key })
  }

  // MARK: TW-004 forged token

  @Sendable static func forgedToken(_ b: inout ScenarioBuilder) {
    let victim = b.entraPerson("Noah", "Williams")
    let laptop = b.laptop(DeviceModels.windowsEdge)
    let home = b.endpoint(Operators.comcast, Places.denver, laptop)

    // The user's own activity: every Graph call uses a token a sign-in issued.
    var grant = b.entraSignIn(victim, at: at("2026-03-19T14:58:03Z"), from: home, app: EntraApps.officeHome)
    b.graphCall(victim, grant, at: at("2026-03-19T15:00:41Z"), from: home, GraphRequests.me)
    b.graphCall(victim, grant, at: at("2026-03-19T15:12:09Z"), from: home, GraphRequests.messages)
    b.graphCall(victim, grant, at: at("2026-03-19T15:30:55Z"), from: home, GraphRequests.events)
    grant = b.entraRefresh(victim, grant, at: at("2026-03-19T15:55:20Z"), from: home)
    b.graphCall(victim, grant, at: at("2026-03-19T16:02:37Z"), from: home, GraphRequests.drive)
    b.graphCall(victim, grant, at: at("2026-03-19T16:20:14Z"), from: home, GraphRequests.messages)

    // A token minted with a stolen signing key: its uti matches no sign-in, its iat is recent.
    let forgedUTI = uniqueTokenIdentifier(requestID: b.rng.guid())
    let forgedIssuedAt = at("2026-03-19T16:25:00Z")
    let vultr = b.endpoint(Operators.vultr, Places.newark, b.client(DeviceModels.pythonRequests))
    for (time, request) in [("16:31:07", GraphRequests.readAllMail), ("16:31:40", GraphRequests.enumerateUsers), ("16:33:12", GraphRequests.searchFiles)] {
      b.graphCall(
        victim, token: forgedUTI, issuedAt: forgedIssuedAt, session: nil, appID: EntraApps.microsoftOffice.id,
        at: at("2026-03-19T\(time)Z"), from: vultr, request)
    }
    b.attack(
      "TW-004", victim, token: forgedUTI,
      "Graph calls with a signInActivityId no ingested sign-in issued, tokenIssuedAt 16:25 after the user's first ingested sign-in (14:58)")

    grant = b.entraRefresh(victim, grant, at: at("2026-03-19T16:51:44Z"), from: home)
    b.graphCall(victim, grant, at: at("2026-03-19T16:58:30Z"), from: home, GraphRequests.presence)

    // Look-alike: an app-only daemon. Its Graph calls carry a servicePrincipalId and no user,
    // and its own sign-ins (ServicePrincipalSignInLogs) are not in this feed, so nothing
    // is being ingested for it: unknown tokens prove nothing.
    let daemonID = b.rng.guid()
    let daemon = Person(key: daemonID, upn: "", displayName: "Contoso HR Sync", actor: .service)
    let azure = b.endpoint(Operators.amazon, Places.ashburn, b.client(DeviceModels.goHTTP))
    let daemonToken = uniqueTokenIdentifier(requestID: b.rng.guid())
    for minute in stride(from: 0, to: 120, by: 15) {
      let time = at("2026-03-19T15:00:00Z") + .minutes(Int64(minute)) + b.rng.seconds(0...50)
      let record = GraphActivityRecord(
        time: time, ticks: b.rng.below(10_000), tenantID: Tenants.contoso, requestID: b.rng.guid(),
        clientRequestID: b.rng.guid(), userID: nil, servicePrincipalID: daemonID, appID: "8f2b1c7e-55a0-4c3b-9e7d-2a6f0d4b9c11",
        ip: azure.ip, userAgent: azure.device.userAgent,
        request: GraphRequest(method: "GET", path: "/v1.0/users/delta", responseBytes: 2_000...30_000, scopes: ""),
        responseBytes: b.rng.int(in: 2_000...30_000), durationMs: b.rng.int(in: 80...600),
        signInActivityID: daemonToken, sessionID: nil, tokenIssuedAt: at("2026-03-19T14:51:10Z"), azureRegion: "East US")
      b.emit(time, EventFactory.graphActivity(record))
    }
    b.benign(daemon)
    b.benign(b.backgroundUsers(.entraGraph, count: 2, from: at("2026-03-19T14:00:00Z"), until: at("2026-03-19T22:00:00Z")))
  }

  // MARK: TW-005 use after the end

  @Sendable static func postTaskAgentToken(_ b: inout ScenarioBuilder) {
    let reconciler = b.machine("invoice-reconciler", .agent, displayName: "Invoice reconciliation agent")
    let reporter = b.machine("report-builder", .agent, displayName: "Weekly report agent")
    // Both agents run on the company's agent runtime in AWS (one NAT address each).
    let runtimeA = b.endpoint(Operators.amazon, Places.ashburn, b.client(DeviceModels.agentRuntime))
    let runtimeB = b.endpoint(Operators.amazon, Places.ashburn, b.client(DeviceModels.agentRuntime))

    let t1 = b.agentTask(reconciler, at: at("2026-03-23T09:00:12Z"), from: runtimeA, app: NativeApps.erp, calls: 12)
    // Two hours after T1 ended its token is presented again, from the same runtime (a leaked
    // token in a log, or a stuck retry loop): the network is familiar, only the lifecycle is wrong.
    let reuse = t1.ended + .hours(2)
    for offset in [0, 41, 95] {
      b.native(reconciler, .access, at: reuse + .seconds(Int64(offset)), from: runtimeA, token: t1.token, app: NativeApps.erp)
    }
    b.attack(
      "TW-005", reconciler, token: t1.token,
      "token of task \(t1.task) used two hours after task_end")

    // Look-alike: after T1 ended, another agent starts a new task with a new token.
    b.agentTask(reporter, at: t1.ended + .minutes(15), from: runtimeB, app: NativeApps.warehouse, calls: 9)
    // The reconciler's next task also gets its own token.
    b.agentTask(reconciler, at: reuse + .minutes(30), from: runtimeA, app: NativeApps.erp, calls: 8)

    b.benign(reporter)
    b.benign(b.backgroundUsers(.native, count: 2, from: at("2026-03-23T08:00:00Z"), until: at("2026-03-23T17:00:00Z")))
  }

  @Sendable static func postDisableOffboardedUser(_ b: inout ScenarioBuilder) {
    let leaver = b.nativePerson("Ryan", "Quinn")
    let home = b.endpoint(Operators.spectrum, Places.austin, b.laptop(DeviceModels.windowsEdge))

    let (first, session) = b.nativeSignIn(leaver, at: at("2026-03-27T14:02:40Z"), from: home, app: "crm-web")
    for time in ["14:10:05", "14:31:48", "14:55:20"] {
      b.native(leaver, .access, at: at("2026-03-27T\(time)Z"), from: home, token: first, session: session, app: "crm-web")
    }
    let token = b.nativeSignIn(leaver, at: at("2026-03-27T15:04:11Z"), from: home, session: session, app: "crm-web", kind: .tokenIssued).token
    for time in ["15:20:37", "16:02:55", "16:48:09", "17:06:30"] {
      b.native(leaver, .access, at: at("2026-03-27T\(time)Z"), from: home, token: token, session: session, app: "file-share")
    }
    // HR offboarding at the end of the last day.
    b.native(leaver, .userDisabled, at: at("2026-03-27T17:30:00Z"))
    // A fresh sign-in is refused: a failure is not a use.
    b.native(leaver, .signIn, at: at("2026-03-27T21:05:12Z"), from: home, app: "file-share", outcome: .failure, interactive: true)
    // ...but the old token is still accepted by the file share.
    for time in ["21:12:44", "21:14:02", "21:19:58"] {
      b.native(leaver, .access, at: at("2026-03-27T\(time)Z"), from: home, token: token, session: session, app: "file-share")
    }
    b.attack(
      "TW-005", leaver, token: token, session: session,
      "successful access with the user's token after user_disabled at 17:30")

    // Look-alikes: a disabled user who does nothing afterwards, and one who is re-enabled after
    // leave and signs in anew (the new token postdates the re-enable).
    let quiet = b.nativePerson("Hannah", "Walsh")
    let quietHome = b.endpoint(Operators.comcast, Places.chicago, b.laptop())
    b.nativeDay(quiet, [Stay(from: at("2026-03-27T13:30:00Z"), until: at("2026-03-27T17:45:00Z"), endpoint: quietHome)])
    b.native(quiet, .userDisabled, at: at("2026-03-27T18:00:00Z"))

    let returner = b.nativePerson("Omar", "Rahman")
    let returnerHome = b.endpoint(Operators.att, Places.atlanta, b.laptop())
    b.native(returner, .userDisabled, at: at("2026-03-27T09:00:00Z"))
    b.native(returner, .userEnabled, at: at("2026-03-27T13:00:00Z"))
    b.nativeDay(returner, [Stay(from: at("2026-03-27T13:20:00Z"), until: at("2026-03-27T20:30:00Z"), endpoint: returnerHome)])

    b.benign(quiet, returner)
    b.benign(b.backgroundUsers(.native, count: 2, from: at("2026-03-27T13:00:00Z"), until: at("2026-03-27T22:00:00Z")))
  }

  @Sendable static func postRevoke(_ b: inout ScenarioBuilder) {
    let victim = b.nativePerson("Grace", "Kim")
    let laptop = b.laptop(DeviceModels.macChrome)
    let home = b.endpoint(Operators.comcast, Places.boston, laptop)

    let (old, oldSession) = b.nativeSignIn(victim, at: at("2026-03-25T08:30:14Z"), from: home, app: "ticketing")
    for time in ["08:41:02", "09:07:36", "09:33:51", "09:50:20"] {
      b.native(victim, .access, at: at("2026-03-25T\(time)Z"), from: home, token: old, session: oldSession, app: "ticketing")
    }
    // The help desk revokes every token of the user after she reports a phishing page.
    b.native(victim, .tokenRevoked, at: at("2026-03-25T10:00:00Z"))
    // The old token is presented again (the copy the phishing kit kept).
    for time in ["10:18:27", "10:19:05"] {
      b.native(victim, .access, at: at("2026-03-25T\(time)Z"), from: home, token: old, session: oldSession, app: "ticketing")
    }
    b.attack(
      "TW-005", victim, token: old, session: oldSession,
      "token first seen at 08:30 used after the user-wide token_revoked at 10:00")
    // Look-alike on the same user: she signs in again and uses the new token.
    let (fresh, freshSession) = b.nativeSignIn(victim, at: at("2026-03-25T10:25:40Z"), from: home, app: "ticketing")
    for time in ["10:31:12", "10:58:44", "11:26:03", "11:59:37"] {
      b.native(victim, .access, at: at("2026-03-25T\(time)Z"), from: home, token: fresh, session: freshSession, app: "ticketing")
    }

    // Look-alike: one token of another user is revoked; his other, older token stays valid.
    let felix = b.nativePerson("Felix", "Weber")
    let felixHome = b.endpoint(Operators.verizonFios, Places.newYork, b.laptop())
    let (f1, f1Session) = b.nativeSignIn(felix, at: at("2026-03-25T09:10:00Z"), from: felixHome, app: "code-review")
    b.native(felix, .access, at: at("2026-03-25T09:16:31Z"), from: felixHome, token: f1, session: f1Session, app: "code-review")
    let (f2, f2Session) = b.nativeSignIn(felix, at: at("2026-03-25T10:40:00Z"), from: felixHome, app: "wiki")
    b.native(felix, .tokenRevoked, at: at("2026-03-25T11:00:00Z"), token: f1)
    for time in ["11:05:18", "11:22:40", "11:47:09"] {
      b.native(felix, .access, at: at("2026-03-25T\(time)Z"), from: felixHome, token: f2, session: f2Session, app: "wiki")
    }

    // Look-alike: a session is revoked and the user starts a new one.
    let yara = b.nativePerson("Yara", "Costa")
    let yaraHome = b.endpoint(Operators.att, Places.atlanta, b.laptop())
    let (y1, y1Session) = b.nativeSignIn(yara, at: at("2026-03-25T12:00:00Z"), from: yaraHome, app: "expenses")
    b.native(yara, .access, at: at("2026-03-25T12:06:44Z"), from: yaraHome, token: y1, session: y1Session, app: "expenses")
    b.native(yara, .tokenRevoked, at: at("2026-03-25T12:30:00Z"), session: y1Session)
    let (y2, y2Session) = b.nativeSignIn(yara, at: at("2026-03-25T12:41:09Z"), from: yaraHome, app: "expenses")
    for time in ["12:45:30", "13:10:02"] {
      b.native(yara, .access, at: at("2026-03-25T\(time)Z"), from: yaraHome, token: y2, session: y2Session, app: "expenses")
    }

    b.benign(felix, yara)
    b.benign(b.backgroundUsers(.native, count: 2, from: at("2026-03-25T08:00:00Z"), until: at("2026-03-25T17:00:00Z")))
  }

  @Sendable static func postSessionEndOkta(_ b: inout ScenarioBuilder) {
    let victim = b.oktaPerson("Mateo", "Alvarez")
    let home = b.endpoint(Operators.comcast, Places.denver, b.laptop(DeviceModels.windowsChrome))

    let session = b.oktaSessionStart(victim, at: at("2026-03-26T15:00:22.481Z"), from: home)
    b.oktaSSO(victim, session: session, at: at("2026-03-26T15:02:09.115Z"), from: home, app: OktaApps.github)
    b.oktaSSO(victim, session: session, at: at("2026-03-26T15:30:44.902Z"), from: home, app: OktaApps.atlassian)
    b.oktaSSO(victim, session: session, at: at("2026-03-26T16:05:13.360Z"), from: home, app: OktaApps.slack)
    b.oktaSessionEnd(victim, session: session, at: at("2026-03-26T16:30:02.774Z"), from: home)
    // The signed-out session's cookie is replayed from the same home network (malware on the
    // machine), so only the session lifecycle gives it away.
    b.oktaSSO(victim, session: session, at: at("2026-03-26T18:10:37.209Z"), from: home, app: OktaApps.github)
    b.oktaSSO(victim, session: session, at: at("2026-03-26T18:12:55.648Z"), from: home, app: OktaApps.awsIdentityCenter)
    b.attack(
      "TW-005", victim, session: session,
      "externalSessionId used for SSO at 18:10 after user.session.end at 16:30")

    // Look-alike: a user signs out, then signs in again later; the new session is fine.
    let nadia = b.oktaPerson("Nadia", "Rahman")
    let nadiaHome = b.endpoint(Operators.att, Places.austin, b.laptop())
    let first = b.oktaSessionStart(nadia, at: at("2026-03-26T14:10:00.332Z"), from: nadiaHome)
    b.oktaSSO(nadia, session: first, at: at("2026-03-26T14:12:31.018Z"), from: nadiaHome, app: OktaApps.workday)
    b.oktaSessionEnd(nadia, session: first, at: at("2026-03-26T17:00:04.540Z"), from: nadiaHome)
    let second = b.oktaSessionStart(nadia, at: at("2026-03-26T19:00:47.805Z"), from: nadiaHome)
    b.oktaSSO(nadia, session: second, at: at("2026-03-26T19:01:30.291Z"), from: nadiaHome, app: OktaApps.workday)
    b.oktaSSO(nadia, session: second, at: at("2026-03-26T19:26:12.664Z"), from: nadiaHome, app: OktaApps.box)

    b.benign(nadia)
    b.benign(b.backgroundUsers(.okta, count: 2, from: at("2026-03-26T14:00:00Z"), until: at("2026-03-26T23:00:00Z")))
  }

  // MARK: TW-006 dormant token

  @Sendable static func dormantIntegrationToken(_ b: inout ScenarioBuilder) {
    let drift = b.machine("drift-salesforce-sync", .service, displayName: "Drift Salesforce integration")
    let backup = b.machine("m365-backup-sync", .service, displayName: "Veeam Microsoft 365 backup")
    let driftHost = b.endpoint(Operators.amazon, Places.ashburn, b.client(DeviceModels.driftIntegration))
    let backupHost = b.endpoint(Operators.amazon, Places.ashburn, b.client(DeviceModels.backupIntegration))

    // The integration's OAuth token: issued once, used by a nightly sync for a week.
    let token = b.nativeSignIn(drift, at: at("2026-01-05T01:00:00Z"), from: driftHost, app: NativeApps.crm, kind: .tokenIssued).token
    _ = b.integrationBatch(drift, token: token, at: at("2026-01-05T01:02:00Z"), from: driftHost, app: NativeApps.crm, calls: 8)
    for day in 6...11 {
      let start = at("2026-01-\(day < 10 ? "0" : "")\(day)T03:00:00Z") + b.rng.minutes(0...20)
      _ = b.integrationBatch(drift, token: token, at: start, from: driftHost, app: NativeApps.crm, calls: 8)
    }
    // 45 days of silence, then bulk reads from a DigitalOcean host in Frankfurt.
    let attacker = b.endpoint(Operators.digitalOcean, Places.frankfurt, b.client(DeviceModels.salesforceDataLoader))
    _ = b.integrationBatch(drift, token: token, at: at("2026-02-25T03:10:00Z"), from: attacker, app: NativeApps.crm, calls: 40)
    b.attack(
      "TW-006", drift, token: token,
      "integration token idle since 2026-01-11 (45 days) used again on 2026-02-25")
    b.attack(
      "TW-001", drift, token: token,
      "token always used from Amazon AS16509 (US) now used from DigitalOcean AS14061 (DE)")

    // Look-alike: a backup integration that runs every ten days is never idle for 30.
    let backupToken = b.nativeSignIn(backup, at: at("2026-01-05T00:30:00Z"), from: backupHost, app: NativeApps.backup, kind: .tokenIssued).token
    for date in ["2026-01-05T00:35:00Z", "2026-01-15T00:35:00Z", "2026-01-25T00:35:00Z", "2026-02-04T00:35:00Z", "2026-02-14T00:35:00Z", "2026-02-24T00:35:00Z"] {
      _ = b.integrationBatch(backup, token: backupToken, at: at(date), from: backupHost, app: NativeApps.backup, calls: 6)
    }

    b.benign(backup)
    b.benign(b.backgroundUsers(.native, count: 2, from: at("2026-02-25T08:00:00Z"), until: at("2026-02-25T16:00:00Z")))
  }
}
