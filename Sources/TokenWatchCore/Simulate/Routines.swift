// Benign day-in-the-life routines for background users. They follow the habits that keep real
// users quiet for every detector, so a detector that fires on them has a false positive:
//   - a session is refreshed only from the network it started on or from trusted corporate
//     egress; moving to any other network starts a new interactive sign-in (a new session);
//   - each token is used from the address it was issued to, and every network change is
//     followed by a refresh, so no token crosses networks;
//   - resource accesses use a token issued less than an hour earlier;
//   - a user stays within one metro area except through trusted egress or VPN exits.

/// A stretch of time spent on one network.
struct Stay: Sendable {
  var from: EventTime
  var until: EventTime
  var endpoint: Endpoint
}

/// How a routine continues its session when the user moves.
private enum Move {
  case sameSession  // same network as the session started on, or trusted egress
  case newSession
}

private func move(to endpoint: Endpoint, sessionNetwork: UInt32) -> Move {
  endpoint.network.kind == .corporate || endpoint.asn == sessionNetwork ? .sameSession : .newSession
}

extension ScenarioBuilder {
  /// An Entra day: an interactive sign-in, the session refreshed every 50–75 minutes, and Graph
  /// calls (every 6–28 minutes) with the newest token from the address it was issued to.
  /// `churn` re-addresses the device at every refresh (mobile carriers, within one ASN).
  mutating func entraDay(
    _ person: Person, _ stays: [Stay], app: EntraApp = EntraApps.officeHome, graph: Bool = true,
    federated: Bool = false, churn: Bool = false
  ) {
    guard let first = stays.first else { return }
    let issuerType = federated ? "ADFederationServices" : "AzureAD"
    let issuerName = federated ? Domains.contosoSTS : ""
    var endpoint = first.endpoint
    var grant = entraSignIn(person, at: first.from, from: endpoint, app: app, issuerType: issuerType, issuerName: issuerName)
    var sessionNetwork = endpoint.asn
    var nextRefresh = first.from + rng.minutes(50...75)
    var time = first.from
    for (index, stay) in stays.enumerated() {
      if index > 0 {
        time = stay.from
        endpoint = stay.endpoint
        switch move(to: endpoint, sessionNetwork: sessionNetwork) {
        case .sameSession:
          grant = entraRefresh(person, grant, at: time, from: endpoint)
        case .newSession:
          grant = entraSignIn(person, at: time, from: endpoint, app: app, issuerType: issuerType, issuerName: issuerName)
          sessionNetwork = endpoint.asn
        }
        nextRefresh = time + rng.minutes(50...75)
      }
      while true {
        time = time + (graph ? rng.minutes(6...28) : rng.minutes(50...75))
        guard time < stay.until else { break }
        if time >= nextRefresh || !graph {
          if churn { endpoint = endpoint.readdressed(using: &rng) }
          grant = entraRefresh(person, grant, at: time, from: endpoint)
          nextRefresh = time + rng.minutes(50...75)
        } else {
          graphCall(person, grant, at: time, from: endpoint)
        }
      }
    }
  }

  /// An Okta day: `user.session.start`, then SSO into apps every 15–70 minutes.
  mutating func oktaDay(_ person: Person, _ stays: [Stay], churn: Bool = false) {
    guard let first = stays.first else { return }
    var endpoint = first.endpoint
    var session = oktaSessionStart(person, at: first.from, from: endpoint)
    var sessionNetwork = endpoint.asn
    var time = first.from
    for (index, stay) in stays.enumerated() {
      if index > 0 {
        time = stay.from
        endpoint = stay.endpoint
        if move(to: endpoint, sessionNetwork: sessionNetwork) == .newSession {
          session = oktaSessionStart(person, at: time, from: endpoint)
          sessionNetwork = endpoint.asn
        }
      }
      while true {
        time = time + rng.minutes(15...70)
        guard time < stay.until else { break }
        if churn { endpoint = endpoint.readdressed(using: &rng) }
        oktaSSO(person, session: session, at: time, from: endpoint)
      }
    }
  }

  /// A native day: a sign-in, accesses every 8–35 minutes, a `token_issued` refresh (new token,
  /// same session) every 50–70 minutes.
  mutating func nativeDay(_ person: Person, _ stays: [Stay], issuerType: String? = nil) {
    guard let first = stays.first else { return }
    var endpoint = first.endpoint
    var (token, session) = nativeSignIn(person, at: first.from, from: endpoint, issuerType: issuerType)
    var sessionNetwork = endpoint.asn
    var nextRefresh = first.from + rng.minutes(50...70)
    var time = first.from
    for (index, stay) in stays.enumerated() {
      if index > 0 {
        time = stay.from
        endpoint = stay.endpoint
        if move(to: endpoint, sessionNetwork: sessionNetwork) == .sameSession {
          token = nativeSignIn(person, at: time, from: endpoint, session: session, kind: .tokenIssued, issuerType: issuerType).token
        } else {
          (token, session) = nativeSignIn(person, at: time, from: endpoint, issuerType: issuerType)
          sessionNetwork = endpoint.asn
        }
        nextRefresh = time + rng.minutes(50...70)
      }
      while true {
        time = time + rng.minutes(8...35)
        guard time < stay.until else { break }
        if time >= nextRefresh {
          token = nativeSignIn(person, at: time, from: endpoint, session: session, kind: .tokenIssued, issuerType: issuerType).token
          nextRefresh = time + rng.minutes(50...70)
        } else {
          native(person, .access, at: time, from: endpoint, token: token, session: session, app: rng.pick(NativeApps.everyday))
        }
      }
    }
  }

  /// One agent task: a token issued for the task, calls made with it, then `task_end`.
  /// Returns the task's token, its id, and when it ended.
  @discardableResult
  mutating func agentTask(
    _ agent: Person, at start: EventTime, from endpoint: Endpoint, app: String, calls: Int,
    spacing: ClosedRange<Int> = 20...240
  ) -> (token: String, task: String, ended: EventTime) {
    let task = rng.taskID()
    let token = nativeSignIn(agent, at: start, from: endpoint, app: app, kind: .tokenIssued, task: task).token
    var time = start
    for _ in 0..<calls {
      time = time + rng.seconds(spacing)
      native(agent, .access, at: time, from: endpoint, token: token, task: task, app: app)
    }
    time = time + rng.seconds(5...40)
    native(agent, .taskEnd, at: time, task: task)
    return (token, task, time)
  }

  /// A batch of calls an integration makes with its long-lived token; returns the last call's time.
  @discardableResult
  mutating func integrationBatch(_ service: Person, token: String, at start: EventTime, from endpoint: Endpoint, app: String, calls: Int) -> EventTime {
    var time = start
    for _ in 0..<calls {
      time = time + rng.seconds(3...90)
      native(service, .access, at: time, from: endpoint, token: token, app: app)
    }
    return time
  }
}

/// Which log a background user shows up in.
enum Feed: Sendable {
  /// Entra sign-ins only.
  case entra
  /// Entra sign-ins and the Graph calls made with their tokens.
  case entraGraph
  case okta
  case native
}

extension ScenarioBuilder {
  /// `count` ordinary people working between `start` and `end` (UTC): from home all day, or
  /// home with a few hours at the office or on the corporate VPN (trusted egress). Nothing they do
  /// may raise an alert.
  mutating func backgroundUsers(_ feed: Feed, count: Int, from start: EventTime, until end: EventTime, residences: [Residence] = Residences.all) -> [Person] {
    var people: [Person] = []
    for _ in 0..<count {
      let (first, last) = freshName()
      let residence = rng.pick(residences)
      let cloudOnly = rng.chance(0.2)
      let person: Person =
        switch feed {
        case .entra, .entraGraph: entraPerson(first, last, domain: cloudOnly ? Domains.cloudOnly : Domains.contoso)
        case .okta: oktaPerson(first, last)
        case .native: nativePerson(first, last)
        }
      let device = laptop()
      let home = endpoint(residence.home, residence.place, device)
      let begin = start + rng.minutes(0...60)
      let finish = end - rng.minutes(0...60)
      var stays = [Stay(from: begin, until: finish, endpoint: home)]
      if rng.chance(0.4) {
        // A few hours on trusted egress in the middle of the day.
        let span = finish.millis - begin.millis
        let leave = EventTime(millis: begin.millis + span / 4 + Int64(rng.below(Int(span / 8))))
        let back = EventTime(millis: begin.millis + span * 5 / 8 + Int64(rng.below(Int(span / 8))))
        let trusted = rng.chance(0.5) ? office(device) : corporateVPN(device)
        stays = [
          Stay(from: begin, until: leave, endpoint: home),
          Stay(from: leave, until: back, endpoint: trusted),
          Stay(from: back, until: finish, endpoint: home),
        ]
      }
      switch feed {
      case .entra: entraDay(person, stays, graph: false, federated: !cloudOnly && rng.chance(0.25))
      case .entraGraph: entraDay(person, stays, graph: true, federated: !cloudOnly && rng.chance(0.25))
      case .okta: oktaDay(person, stays)
      case .native: nativeDay(person, stays)
      }
      people.append(person)
    }
    return people
  }
}
