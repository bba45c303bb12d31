// Benign-only scenarios: look-alikes of attacks that must raise nothing. Every user is listed
// in `benign_users` and `attacks` is empty.

enum BenignScenarios {
  /// Laptop and phone at once: two sessions, each on its own network, never crossing. Distinct
  /// networks for distinct sessions are normal; only one session seen on two networks is replay.
  @Sendable static func multiDevice(_ b: inout ScenarioBuilder) {
    let user = b.entraPerson("Marcus", "Chen")
    let laptop = b.endpoint(Operators.comcast, Places.seattle, b.laptop(DeviceModels.windowsEdge))
    let phone = b.endpoint(Operators.tmobile, Places.seattle, b.phone(DeviceModels.outlookIOS))
    b.entraDay(user, [Stay(from: at("2026-03-05T15:00:31Z"), until: at("2026-03-05T23:40:00Z"), endpoint: laptop)], app: EntraApps.teams, graph: false)
    b.entraDay(user, [Stay(from: at("2026-03-05T15:21:07Z"), until: at("2026-03-05T23:10:00Z"), endpoint: phone)], app: EntraApps.outlookMobile, graph: false)
    b.benign(user)
    b.benign(b.backgroundUsers(.entra, count: 2, from: at("2026-03-05T14:30:00Z"), until: at("2026-03-05T23:30:00Z")))
  }

  /// The same token and session used at home, then through the corporate VPN egress: the VPN
  /// egress is a trusted CIDR and ASN 64500 is trusted, so neither TW-001 nor TW-002 applies.
  @Sendable static func vpnEgress(_ b: inout ScenarioBuilder) {
    let user = b.entraPerson("Elena", "Petrova")
    let device = b.laptop(DeviceModels.windowsEdge)
    let home = b.endpoint(Operators.comcast, Places.boston, device)
    let vpn = b.corporateVPN(device)

    var grant = b.entraSignIn(user, at: at("2026-03-06T12:30:18Z"), from: home, app: EntraApps.officeHome)
    for time in ["12:31:40", "12:45:22", "13:02:57"] {
      b.graphCall(user, grant, at: at("2026-03-06T\(time)Z"), from: home)
    }
    // VPN connects: the very same access token keeps working through the trusted egress.
    for time in ["13:21:09", "13:35:48"] {
      b.graphCall(user, grant, at: at("2026-03-06T\(time)Z"), from: vpn)
    }
    var time = at("2026-03-06T13:40:30Z")
    while time < at("2026-03-06T17:00:00Z") {
      grant = b.entraRefresh(user, grant, at: time, from: vpn)
      for _ in 0..<3 {
        time = time + b.rng.minutes(8...20)
        b.graphCall(user, grant, at: time, from: vpn)
      }
      time = time + b.rng.minutes(10...25)
    }
    // VPN off: back on the home network the session started on.
    grant = b.entraRefresh(user, grant, at: at("2026-03-06T17:05:12Z"), from: home)
    for time in ["17:12:40", "17:31:05", "17:58:26"] {
      b.graphCall(user, grant, at: at("2026-03-06T\(time)Z"), from: home)
    }
    b.benign(user)
    b.benign(b.backgroundUsers(.entraGraph, count: 2, from: at("2026-03-06T12:00:00Z"), until: at("2026-03-06T21:00:00Z")))
  }

  /// A cloud web gateway spreads one session's requests over many /24s, but they all belong to
  /// one ASN in one city: the network key is the ASN, so nothing is new.
  @Sendable static func proxyChurn(_ b: inout ScenarioBuilder) {
    var people: [Person] = []
    for index in 0..<3 {
      let (first, last) = b.freshName()
      let person = b.oktaPerson(first, last)
      let gateway = b.endpoint(Operators.zscaler, Places.chicago, b.laptop(DeviceModels.windowsEdge))
      let start = at("2026-03-09T13:30:00Z") + .minutes(Int64(index * 23))
      b.oktaDay(person, [Stay(from: start, until: start + .hours(9), endpoint: gateway)], churn: true)
      people.append(person)
    }
    b.benign(people)
  }

  /// A phone's carrier-grade NAT address changes every few minutes across /24s of one carrier
  /// ASN while the session refreshes: same ASN, same metro area.
  @Sendable static func mobileChurn(_ b: inout ScenarioBuilder) {
    let carriers: [(String, String, Operator, Place)] = [
      ("Kai", "Nakamura", Operators.tmobile, Places.denver),
      ("Jasmine", "Reyes", Operators.verizonWireless, Places.newYork),
    ]
    for (first, last, carrier, place) in carriers {
      let user = b.entraPerson(first, last)
      var phone = b.endpoint(carrier, place, b.phone(DeviceModels.outlookIOS))
      var grant = b.entraSignIn(user, at: at("2026-03-10T14:00:00Z") + b.rng.minutes(0...20), from: phone, app: EntraApps.outlookMobile)
      var time = grant.issuedAt
      while time < at("2026-03-10T17:30:00Z") {
        time = time + b.rng.minutes(3...7)
        phone = phone.readdressed(using: &b.rng)
        grant = b.entraRefresh(user, grant, at: time, from: phone)
      }
      b.benign(user)
    }
    b.benign(b.backgroundUsers(.entra, count: 1, from: at("2026-03-10T13:00:00Z"), until: at("2026-03-10T21:00:00Z")))
  }

  /// New York, then London eight hours later in a new session: 5,570 km in 8 hours is 670 km/h
  /// even before the geolocation allowance, below the 900 km/h a flight allows.
  @Sendable static func realFlight(_ b: inout ScenarioBuilder) {
    let user = b.oktaPerson("Lucas", "Moreau")
    let device = b.laptop(DeviceModels.macChrome)
    let newYork = b.endpoint(Operators.verizonFios, Places.newYork, device)
    let london = b.endpoint(Operators.bt, Places.london, device)
    b.oktaDay(user, [Stay(from: at("2026-03-13T12:10:05Z"), until: at("2026-03-13T13:30:00Z"), endpoint: newYork)])
    // Lands at Heathrow; the hotel's BT line, a new Okta session.
    b.oktaDay(user, [Stay(from: at("2026-03-13T21:30:00Z"), until: at("2026-03-13T23:50:00Z"), endpoint: london)])
    b.benign(user)
    b.benign(b.backgroundUsers(.okta, count: 2, from: at("2026-03-13T12:00:00Z"), until: at("2026-03-13T22:00:00Z")))
  }

  /// Paris, then a consumer VPN exit in New York ten minutes later. VPN ASN locations are never
  /// travel anchors, the VPN use is a new session (not a replay of the Paris one), and the Paris
  /// session later refreshes from its own network.
  @Sendable static func vpnTravel(_ b: inout ScenarioBuilder) {
    let user = b.entraPerson("Ines", "Dubois")
    let device = b.laptop(DeviceModels.windowsEdge)
    let paris = b.endpoint(Operators.orange, Places.paris, device)
    let vpnExit = b.endpoint(Operators.m247, Places.newYork, device)

    var parisGrant = b.entraSignIn(user, at: at("2026-03-16T08:00:14Z"), from: paris, app: EntraApps.officeHome)
    var vpnGrant = b.entraSignIn(user, at: at("2026-03-16T08:10:02Z"), from: vpnExit, app: EntraApps.teams)
    vpnGrant = b.entraRefresh(user, vpnGrant, at: at("2026-03-16T09:05:40Z"), from: vpnExit)
    vpnGrant = b.entraRefresh(user, vpnGrant, at: at("2026-03-16T10:02:19Z"), from: vpnExit)
    // VPN off again: the Paris session refreshes from Paris.
    parisGrant = b.entraRefresh(user, parisGrant, at: at("2026-03-16T10:31:55Z"), from: paris)
    parisGrant = b.entraRefresh(user, parisGrant, at: at("2026-03-16T11:29:08Z"), from: paris)
    b.benign(user)
    b.benign(b.backgroundUsers(.entra, count: 2, from: at("2026-03-16T07:30:00Z"), until: at("2026-03-16T16:30:00Z"), residences: europe))
  }

  /// A move to a new network followed by an interactive re-authentication there: a new session
  /// and a new token whose baseline is the new network. The old session is never used again.
  @Sendable static func refreshAfterReauth(_ b: inout ScenarioBuilder) {
    let user = b.entraPerson("Amara", "Okafor")
    let device = b.laptop(DeviceModels.macChrome)
    let home = b.endpoint(Operators.att, Places.atlanta, device)
    let cowork = b.endpoint(Operators.googleFiber, Places.atlanta, device)
    b.entraDay(user, [
      Stay(from: at("2026-03-30T12:30:09Z"), until: at("2026-03-30T15:50:00Z"), endpoint: home),
      Stay(from: at("2026-03-30T16:05:41Z"), until: at("2026-03-30T21:00:00Z"), endpoint: cowork),
    ], graph: false)
    b.benign(user)
    b.benign(b.backgroundUsers(.entra, count: 2, from: at("2026-03-30T12:00:00Z"), until: at("2026-03-30T21:00:00Z")))
  }

  /// Agents on Google Cloud run tasks back to back, each with its own token, and end each task.
  @Sendable static func agentNewTasks(_ b: inout ScenarioBuilder) {
    let agents = [
      b.machine("ticket-triage", .agent, displayName: "Support ticket triage agent"),
      b.machine("release-notes", .agent, displayName: "Release notes agent"),
      b.machine("invoice-reconciler", .agent, displayName: "Invoice reconciliation agent"),
    ]
    let apps = ["ticketing", NativeApps.deploy, NativeApps.erp]
    for (index, agent) in agents.enumerated() {
      let runtime = b.endpoint(Operators.googleCloud, Places.ashburn, b.client(DeviceModels.agentRuntime))
      var time = at("2026-03-31T08:00:00Z") + .minutes(Int64(index * 11))
      for _ in 0..<4 {
        let task = b.agentTask(agent, at: time, from: runtime, app: apps[index], calls: b.rng.int(in: 5...14))
        time = task.ended + b.rng.minutes(5...30)
      }
    }
    b.benign(agents)
    b.benign(b.backgroundUsers(.native, count: 1, from: at("2026-03-31T08:00:00Z"), until: at("2026-03-31T16:00:00Z")))
  }

  static let europe = Residences.all.filter { ["GB", "IE", "FR", "NL", "DE", "ES", "SE"].contains($0.place.countryCode) }
}
