// The demo: one mixed day (2026-03-10 UTC) of about two hundred people, agents and
// integrations across Entra, Graph, Okta and native logs, with at least one labelled attack for
// every rule. Integration history starts 40 days earlier so that dormancy can be seen.

extension ScenarioLibrary {
  public static func demo(seed: UInt64) -> GeneratedScenario {
    var b = ScenarioBuilder(
      name: "demo",
      description: "One mixed day (2026-03-10) of about 200 users, agents and integrations across Entra sign-ins, Graph activity, Okta and native logs, with labelled attacks for TW-001 to TW-006 and the usual benign look-alikes (trusted egress, VPN exits, flights, carrier and proxy churn, re-authentication, task hand-overs).",
      seed: seed, format: "mixed")
    // Named people first: random names never collide with them.
    Demo.attacks(&b)
    Demo.population(&b)
    return b.finish()
  }
}

enum Demo {
  static let day = at("2026-03-10T00:00:00Z")
  static let dayEnd = at("2026-03-11T00:00:00Z")

  /// Where the workforce lives: mostly North America and Europe, some Asia-Pacific.
  static let residenceWeights: [(Residence, Int)] = Residences.all.map { residence in
    switch residence.place.countryCode {
    case "US": (residence, 6)
    case "GB", "DE", "FR", "NL", "IE", "ES", "SE", "CA": (residence, 3)
    default: (residence, 1)
    }
  }

  /// A local working day (start 07:30–09:30, 7.5–10 hours) in UTC, clipped to the demo day.
  static func workWindow(_ place: Place, _ rng: inout SeededGenerator) -> (EventTime, EventTime) {
    let localStart = Int64(rng.int(in: 450...570)) * 60_000
    let length = Int64(rng.int(in: 450...600)) * 60_000
    var start = day.millis + localStart - Int64(place.utcOffsetMinutes) * 60_000
    if start < day.millis { start += 86_400_000 }
    if start >= dayEnd.millis { start -= 86_400_000 }
    let end = min(start + length, dayEnd.millis - 60_000)
    return (EventTime(millis: start), EventTime(millis: end))
  }

  static func population(_ b: inout ScenarioBuilder) {
    var people = lookAlikes(&b)
    // Entra users, about half of them with Graph activity; a quarter also carry a phone.
    for index in 0..<80 {
      let residence = b.rng.weighted(residenceWeights)
      let (first, last) = b.freshName()
      let cloudOnly = b.rng.chance(0.2)
      let person = b.entraPerson(first, last, domain: cloudOnly ? Domains.cloudOnly : Domains.contoso)
      let device = b.laptop()
      let (start, end) = workWindow(residence.place, &b.rng)
      let stays = dayStays(&b, residence, device, start, end)
      b.entraDay(person, stays, app: b.rng.pick(EntraApps.browserApps), graph: index % 2 == 0, federated: !cloudOnly && b.rng.chance(0.25))
      if b.rng.chance(0.25) {
        // The phone lives on the carrier network all day; its address churns within the ASN.
        let phone = b.endpoint(residence.mobile, residence.place, b.phone())
        b.entraDay(person, [Stay(from: start + b.rng.minutes(10...90), until: end, endpoint: phone)], app: EntraApps.outlookMobile, graph: false, churn: true)
      }
      people.append(person)
    }
    // Okta users, a few of them behind the Chicago branch's Zscaler gateway.
    for index in 0..<64 {
      let residence = b.rng.weighted(residenceWeights)
      let (first, last) = b.freshName()
      let person = b.oktaPerson(first, last)
      let device = b.laptop()
      let (start, end) = workWindow(residence.place, &b.rng)
      if index < 5 {
        let gateway = b.endpoint(Operators.zscaler, Places.chicago, device)
        let (branchStart, branchEnd) = workWindow(Places.chicago, &b.rng)
        b.oktaDay(person, [Stay(from: branchStart, until: branchEnd, endpoint: gateway)], churn: true)
      } else {
        b.oktaDay(person, dayStays(&b, residence, device, start, end))
        if b.rng.chance(0.2) {
          let phone = b.endpoint(residence.mobile, residence.place, b.phone())
          b.oktaDay(person, [Stay(from: start + b.rng.minutes(30...120), until: end, endpoint: phone)], churn: true)
        }
      }
      people.append(person)
    }
    // Native-schema humans.
    for _ in 0..<36 {
      let residence = b.rng.weighted(residenceWeights)
      let (first, last) = b.freshName()
      let person = b.nativePerson(first, last)
      let device = b.laptop()
      let (start, end) = workWindow(residence.place, &b.rng)
      b.nativeDay(person, dayStays(&b, residence, device, start, end))
      people.append(person)
    }
    people += agents(&b)
    people += integrations(&b)
    b.benign(people)
  }

  /// Home all day, or home with a few hours at the office or on the corporate VPN.
  static func dayStays(_ b: inout ScenarioBuilder, _ residence: Residence, _ device: Device, _ start: EventTime, _ end: EventTime) -> [Stay] {
    let home = b.endpoint(residence.home, residence.place, device)
    guard b.rng.chance(0.45), end.millis - start.millis > 4 * 3_600_000 else {
      return [Stay(from: start, until: end, endpoint: home)]
    }
    let span = end.millis - start.millis
    let leave = EventTime(millis: start.millis + span / 4 + Int64(b.rng.below(Int(span / 8))))
    let back = EventTime(millis: start.millis + span * 5 / 8 + Int64(b.rng.below(Int(span / 8))))
    let trusted = b.rng.chance(0.55) ? b.office(device) : b.corporateVPN(device)
    return [
      Stay(from: start, until: leave, endpoint: home),
      Stay(from: leave, until: back, endpoint: trusted),
      Stay(from: back, until: end, endpoint: home),
    ]
  }

  static let agentSpecs: [(String, String, String)] = [
    ("ticket-triage", "Support ticket triage agent", "ticketing"),
    ("release-notes", "Release notes agent", NativeApps.deploy),
    ("report-builder", "Weekly report agent", NativeApps.warehouse),
    ("code-reviewer", "Pull request review agent", "code-review"),
    ("expense-auditor", "Expense audit agent", "expenses"),
    ("onboarding-helper", "Onboarding assistant agent", "hr-portal"),
    ("kb-curator", "Knowledge base curator agent", "wiki"),
    ("deploy-verifier", "Deployment verification agent", NativeApps.deploy),
    ("crm-enricher", "CRM enrichment agent", NativeApps.crm),
  ]

  /// Agents run tasks back to back, each task with its own token, ended with `task_end`.
  static func agents(_ b: inout ScenarioBuilder) -> [Person] {
    var people: [Person] = []
    for (name, display, app) in agentSpecs {
      let agent = b.machine(name, .agent, displayName: display)
      let runtime = b.endpoint(b.rng.chance(0.5) ? Operators.amazon : Operators.googleCloud, Places.ashburn, b.client(DeviceModels.agentRuntime))
      var time = day + .hours(Int64(b.rng.int(in: 6...14))) + b.rng.minutes(0...59)
      for _ in 0..<b.rng.int(in: 2...4) {
        let task = b.agentTask(agent, at: time, from: runtime, app: app, calls: b.rng.int(in: 4...12))
        time = task.ended + b.rng.minutes(20...120)
      }
      people.append(agent)
    }
    return people
  }

  /// Integrations that run on the demo day only: a token issued in the morning, batches later.
  static func integrations(_ b: inout ScenarioBuilder) -> [Person] {
    let specs: [(String, String, DeviceModel, String)] = [
      ("hr-directory-sync", "HR directory sync", DeviceModels.goHTTP, "hr-portal"),
      ("expense-export", "Expense export job", DeviceModels.goHTTP, "expenses"),
      ("warehouse-loader", "Warehouse loader", DeviceModels.goHTTP, NativeApps.warehouse),
    ]
    var people: [Person] = []
    for (name, display, model, app) in specs {
      let service = b.machine(name, .service, displayName: display)
      let host = b.endpoint(Operators.amazon, Places.ashburn, b.client(model))
      let issued = day + .hours(Int64(b.rng.int(in: 1...4)))
      let token = b.nativeSignIn(service, at: issued, from: host, app: app, kind: .tokenIssued).token
      var time = issued
      for _ in 0..<4 {
        time = b.integrationBatch(service, token: token, at: time + b.rng.minutes(30...180), from: host, app: app, calls: b.rng.int(in: 3...6))
      }
      people.append(service)
    }
    return people
  }

  /// Benign look-alikes of the attacks, each for its own user.
  static func lookAlikes(_ b: inout ScenarioBuilder) -> [Person] {
    var people: [Person] = []

    // A real flight: New York, then a new session in London more than eight hours later.
    let flyer = b.oktaPerson("Gabriel", "Silva")
    let flyerLaptop = b.laptop(DeviceModels.macChrome)
    b.oktaDay(flyer, [Stay(from: at("2026-03-10T11:40:00Z"), until: at("2026-03-10T13:20:00Z"), endpoint: b.endpoint(Operators.verizonFios, Places.newYork, flyerLaptop))])
    b.oktaDay(flyer, [Stay(from: at("2026-03-10T21:45:00Z"), until: at("2026-03-10T23:30:00Z"), endpoint: b.endpoint(Operators.bt, Places.london, flyerLaptop))])
    people.append(flyer)

    // A consumer VPN exit in the US ten minutes after a Paris sign-in: a new session, and VPN
    // locations are never compared for travel.
    let vpnUser = b.entraPerson("Valentina", "Rossi")
    let vpnLaptop = b.laptop(DeviceModels.windowsEdge)
    let paris = b.endpoint(Operators.orange, Places.paris, vpnLaptop)
    let exit = b.endpoint(Operators.datacamp, Places.newYork, vpnLaptop)
    var parisGrant = b.entraSignIn(vpnUser, at: at("2026-03-10T08:05:11Z"), from: paris)
    var exitGrant = b.entraSignIn(vpnUser, at: at("2026-03-10T08:15:40Z"), from: exit, app: EntraApps.teams)
    exitGrant = b.entraRefresh(vpnUser, exitGrant, at: at("2026-03-10T09:12:03Z"), from: exit)
    parisGrant = b.entraRefresh(vpnUser, parisGrant, at: at("2026-03-10T10:40:27Z"), from: paris)
    people.append(vpnUser)

    // Re-authentication from a new network: a new session there, the old one abandoned.
    let mover = b.entraPerson("Isaac", "Andersson")
    let moverLaptop = b.laptop(DeviceModels.macSafari)
    b.entraDay(mover, [
      Stay(from: at("2026-03-10T13:00:00Z"), until: at("2026-03-10T16:10:00Z"), endpoint: b.endpoint(Operators.att, Places.atlanta, moverLaptop)),
      Stay(from: at("2026-03-10T16:30:00Z"), until: at("2026-03-10T21:00:00Z"), endpoint: b.endpoint(Operators.googleFiber, Places.atlanta, moverLaptop)),
    ], graph: true)
    people.append(mover)

    // Sign out of Okta and back in later: the ended session is never used again.
    let leaver = b.oktaPerson("Chloe", "Nguyen")
    let leaverHome = b.endpoint(Operators.comcast, Places.boston, b.laptop())
    let ended = b.oktaSessionStart(leaver, at: at("2026-03-10T13:10:00Z"), from: leaverHome)
    b.oktaSSO(leaver, session: ended, at: at("2026-03-10T13:12:44Z"), from: leaverHome)
    b.oktaSessionEnd(leaver, session: ended, at: at("2026-03-10T16:01:30Z"), from: leaverHome)
    let again = b.oktaSessionStart(leaver, at: at("2026-03-10T18:20:05Z"), from: leaverHome)
    b.oktaSSO(leaver, session: again, at: at("2026-03-10T18:22:51Z"), from: leaverHome)
    people.append(leaver)

    // An Okta admin deactivates a contractor whose last activity was the day before.
    let admin = b.oktaPerson("Tariq", "Eriksen")
    let contractor = b.oktaPerson("Kenji", "Ito")
    let adminDesk = b.office(b.laptop())
    let adminSession = b.oktaSessionStart(admin, at: at("2026-03-10T16:02:00Z"), from: adminDesk)
    b.oktaLifecycle("user.lifecycle.deactivate", target: contractor, by: admin, adminSession: adminSession, at: at("2026-03-10T16:05:27Z"), from: adminDesk)
    people.append(contentsOf: [admin, contractor])
    return people
  }

  // MARK: Attacks

  static func attacks(_ b: inout ScenarioBuilder) {
    oktaSessionHijack(&b)
    entraRefreshReplay(&b)
    impossibleTravel(&b)
    unexpectedIssuer(&b)
    forgedGraphToken(&b)
    agentTokenAfterTask(&b)
    tokenAfterRevoke(&b)
    dormantIntegration(&b)
  }

  /// TW-001 and TW-002: an Okta session cookie replayed from DigitalOcean in Amsterdam with
  /// the victim's exact user agent.
  static func oktaSessionHijack(_ b: inout ScenarioBuilder) {
    let victim = b.oktaPerson("Andre", "Kowalski")
    let home = b.endpoint(Operators.comcast, Places.chicago, b.laptop(DeviceModels.macChrome))
    let droplet = b.endpoint(Operators.digitalOcean, Places.amsterdam, b.laptop(DeviceModels.macChrome, managed: false))
    let session = b.oktaSessionStart(victim, at: at("2026-03-10T14:31:02.118Z"), from: home)
    b.oktaSSO(victim, session: session, at: at("2026-03-10T14:33:40.560Z"), from: home, app: OktaApps.salesforce)
    b.oktaSSO(victim, session: session, at: at("2026-03-10T14:52:17.003Z"), from: home, app: OktaApps.slack)
    b.oktaSSO(victim, session: session, at: at("2026-03-10T15:08:45.871Z"), from: droplet, app: OktaApps.salesforce)
    b.oktaSSO(victim, session: session, at: at("2026-03-10T15:11:09.244Z"), from: home, app: OktaApps.github)
    b.oktaSSO(victim, session: session, at: at("2026-03-10T15:13:30.917Z"), from: droplet, app: OktaApps.box)
    b.oktaSSO(victim, session: session, at: at("2026-03-10T15:40:02.385Z"), from: home, app: OktaApps.zoom)
    b.attack("TW-001", victim, session: session, "Okta session replayed from DigitalOcean AS14061 (NL) with the victim's exact user agent and another dtHash, interleaved with the victim")
    b.attack("TW-002", victim, "Chicago (14:52) to Amsterdam (15:08): about 6,600 km in 16 minutes")
  }

  /// TW-001: an Entra refresh token redeemed from Hetzner (close enough to Berlin that travel
  /// alone would not flag it).
  static func entraRefreshReplay(_ b: inout ScenarioBuilder) {
    let victim = b.entraPerson("Jonas", "Zimmermann")
    let laptop = b.laptop(DeviceModels.windowsEdge)
    let home = b.endpoint(Operators.telekom, Places.berlin, laptop)
    let hetzner = b.endpoint(Operators.hetzner, Places.nuremberg, b.client(DeviceModels.windowsEdge))
    var grant = b.entraSignIn(victim, at: at("2026-03-10T07:48:19Z"), from: home, app: EntraApps.officeHome)
    b.graphCall(victim, grant, at: at("2026-03-10T07:55:02Z"), from: home, GraphRequests.messages)
    grant = b.entraRefresh(victim, grant, at: at("2026-03-10T08:51:40Z"), from: home)
    b.graphCall(victim, grant, at: at("2026-03-10T09:03:27Z"), from: home, GraphRequests.events)
    let stolen = b.entraRefresh(victim, grant, at: at("2026-03-10T13:20:11Z"), from: hetzner, app: EntraApps.microsoftOffice)
    b.graphCall(victim, stolen, at: at("2026-03-10T13:21:30Z"), from: hetzner, GraphRequests.enumerateUsers)
    b.graphCall(victim, stolen, at: at("2026-03-10T13:24:08Z"), from: hetzner, GraphRequests.readAllMail)
    grant = b.entraRefresh(victim, grant, at: at("2026-03-10T13:35:55Z"), from: home)
    b.graphCall(victim, grant, at: at("2026-03-10T13:41:19Z"), from: home, GraphRequests.presence)
    b.attack("TW-001", victim, token: stolen.token, session: stolen.session, "refresh token of a Berlin session redeemed from Hetzner AS24940; the victim keeps refreshing from Deutsche Telekom AS3320")
  }

  /// TW-002: New York, then a separate Moscow session an hour later.
  static func impossibleTravel(_ b: inout ScenarioBuilder) {
    let victim = b.entraPerson("Sofia", "Haddad")
    let home = b.endpoint(Operators.verizonFios, Places.newYork, b.laptop(DeviceModels.windowsEdge))
    let moscow = b.endpoint(Operators.rostelecom, Places.moscow, b.laptop(DeviceModels.windowsChrome, managed: false))
    var grant = b.entraSignIn(victim, at: at("2026-03-10T13:05:44Z"), from: home)
    grant = b.entraRefresh(victim, grant, at: at("2026-03-10T13:52:08Z"), from: home)
    let foreign = b.entraSignIn(victim, at: at("2026-03-10T14:05:31Z"), from: moscow)
    b.entraRefresh(victim, foreign, at: at("2026-03-10T14:58:12Z"), from: moscow)
    grant = b.entraRefresh(victim, grant, at: at("2026-03-10T15:01:49Z"), from: home)
    b.attack("TW-002", victim, "New York (13:52) and a new Moscow session (14:05): about 7,500 km in 13 minutes")
  }

  /// TW-003: a cloudonly.example token from an AD FS server the domain never federates with.
  static func unexpectedIssuer(_ b: inout ScenarioBuilder) {
    let victim = b.entraPerson("Leah", "Novak", domain: Domains.cloudOnly)
    let home = b.endpoint(Operators.comcast, Places.boston, b.laptop())
    b.entraDay(victim, [Stay(from: at("2026-03-10T12:40:00Z"), until: at("2026-03-10T21:10:00Z"), endpoint: home)], graph: false)
    let linode = b.endpoint(Operators.linode, Places.newark, b.client(DeviceModels.windowsChrome))
    let forged = b.entraSignIn(
      victim, at: at("2026-03-10T17:12:09Z"), from: linode, app: EntraApps.azurePortal, resource: EntraApps.azureManagement,
      issuerType: "ADFederationServices", issuerName: "adfs.attacker.example")
    b.attack("TW-003", victim, token: forged.token, session: forged.session, "cloudonly.example expects only AzureAD; token issued by ADFederationServices adfs.attacker.example")
  }

  /// TW-004: Graph calls with a token id no ingested sign-in issued.
  static func forgedGraphToken(_ b: inout ScenarioBuilder) {
    let victim = b.entraPerson("Rafael", "Castillo")
    let home = b.endpoint(Operators.comcast, Places.denver, b.laptop(DeviceModels.windowsEdge))
    b.entraDay(victim, [Stay(from: at("2026-03-10T14:20:00Z"), until: at("2026-03-10T23:00:00Z"), endpoint: home)], graph: true)
    let forged = uniqueTokenIdentifier(requestID: b.rng.guid())
    let vultr = b.endpoint(Operators.vultr, Places.newark, b.client(DeviceModels.pythonRequests))
    for (time, request) in [("17:31:07", GraphRequests.readAllMail), ("17:31:52", GraphRequests.enumerateUsers)] {
      b.graphCall(
        victim, token: forged, issuedAt: at("2026-03-10T17:25:00Z"), session: nil, appID: EntraApps.microsoftOffice.id,
        at: at("2026-03-10T\(time)Z"), from: vultr, request)
    }
    b.attack("TW-004", victim, token: forged, "Graph calls with a signInActivityId no ingested sign-in issued (tokenIssuedAt after the user's first sign-in of the day)")
  }

  /// TW-005: an agent's task token used two hours after the task ended.
  static func agentTokenAfterTask(_ b: inout ScenarioBuilder) {
    let agent = b.machine("invoice-reconciler", .agent, displayName: "Invoice reconciliation agent")
    let runtime = b.endpoint(Operators.amazon, Places.ashburn, b.client(DeviceModels.agentRuntime))
    let task = b.agentTask(agent, at: at("2026-03-10T09:00:12Z"), from: runtime, app: NativeApps.erp, calls: 10)
    for offset in [0, 37, 88] {
      b.native(agent, .access, at: task.ended + .hours(2) + .seconds(Int64(offset)), from: runtime, token: task.token, app: NativeApps.erp)
    }
    b.agentTask(agent, at: task.ended + .hours(3), from: runtime, app: NativeApps.erp, calls: 6)
    b.attack("TW-005", agent, token: task.token, "token of task \(task.task) used two hours after task_end")
  }

  /// TW-005: a token used after the user's tokens were revoked.
  static func tokenAfterRevoke(_ b: inout ScenarioBuilder) {
    let victim = b.nativePerson("Mohammed", "Hansen")
    let home = b.endpoint(Operators.virginMedia, Places.manchester, b.laptop(DeviceModels.macChrome))
    let (old, session) = b.nativeSignIn(victim, at: at("2026-03-10T08:31:15Z"), from: home, app: "ticketing")
    for time in ["08:40:22", "09:12:05", "09:47:51"] {
      b.native(victim, .access, at: at("2026-03-10T\(time)Z"), from: home, token: old, session: session, app: "ticketing")
    }
    b.native(victim, .tokenRevoked, at: at("2026-03-10T10:00:00Z"))
    b.native(victim, .access, at: at("2026-03-10T10:22:48Z"), from: home, token: old, session: session, app: "ticketing")
    let (fresh, freshSession) = b.nativeSignIn(victim, at: at("2026-03-10T10:30:02Z"), from: home, app: "ticketing")
    for time in ["10:36:40", "11:15:09", "12:02:33"] {
      b.native(victim, .access, at: at("2026-03-10T\(time)Z"), from: home, token: fresh, session: freshSession, app: "ticketing")
    }
    b.attack("TW-005", victim, token: old, session: session, "token first seen at 08:31 used after the user-wide token_revoked at 10:00 (the new token from 10:30 is fine)")
  }

  /// TW-006 and TW-001: an integration token idle for 34 days, then used from DigitalOcean.
  /// The backup integration that runs every ten days is the look-alike.
  static func dormantIntegration(_ b: inout ScenarioBuilder) {
    let drift = b.machine("drift-salesforce-sync", .service, displayName: "Drift Salesforce integration")
    let backup = b.machine("m365-backup-sync", .service, displayName: "Veeam Microsoft 365 backup")
    let driftHost = b.endpoint(Operators.amazon, Places.ashburn, b.client(DeviceModels.driftIntegration))
    let backupHost = b.endpoint(Operators.amazon, Places.ashburn, b.client(DeviceModels.backupIntegration))

    let token = b.nativeSignIn(drift, at: at("2026-01-29T01:00:00Z"), from: driftHost, app: NativeApps.crm, kind: .tokenIssued).token
    b.integrationBatch(drift, token: token, at: at("2026-01-29T01:02:00Z"), from: driftHost, app: NativeApps.crm, calls: 5)
    for date in ["2026-01-30", "2026-01-31", "2026-02-01", "2026-02-02", "2026-02-03", "2026-02-04"] {
      b.integrationBatch(drift, token: token, at: at("\(date)T03:00:00Z") + b.rng.minutes(0...20), from: driftHost, app: NativeApps.crm, calls: 5)
    }
    let attacker = b.endpoint(Operators.digitalOcean, Places.frankfurt, b.client(DeviceModels.salesforceDataLoader))
    b.integrationBatch(drift, token: token, at: at("2026-03-10T03:10:00Z"), from: attacker, app: NativeApps.crm, calls: 30)
    b.attack("TW-006", drift, token: token, "integration token idle since 2026-02-04 (34 days) used again")
    b.attack("TW-001", drift, token: token, "token always used from Amazon AS16509 (US) now used from DigitalOcean AS14061 (DE)")

    let backupToken = b.nativeSignIn(backup, at: at("2026-01-29T00:30:00Z"), from: backupHost, app: NativeApps.backup, kind: .tokenIssued).token
    for date in ["2026-01-29", "2026-02-08", "2026-02-18", "2026-02-28", "2026-03-10"] {
      b.integrationBatch(backup, token: backupToken, at: at("\(date)T00:35:00Z"), from: backupHost, app: NativeApps.backup, calls: 4)
    }
    b.benign(backup)
  }
}
