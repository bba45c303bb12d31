/// Which records `ScenarioLibrary.bulk` writes.
public enum BulkFormat: String, CaseIterable, Sendable {
  case native
  /// Entra sign-in Event Hub records (about 1.4 KB each, like real ones).
  case entra
  case okta
  /// Graph activity only (no sign-ins, so no forged-token findings are possible).
  case graph
  /// Every user in one of: Entra sign-ins with their Graph calls, Okta, native.
  case mixed
}

extension ScenarioLibrary {
  /// `count` lines for performance runs, generated one at a time as the sequence is iterated:
  /// a large population working normally (each session on its own network, tokens refreshed
  /// hourly) with about 0.1% of lines replaying a user's session or token from hosting networks.
  /// Times only move forward, about 25 events per second of event time.
  public static func bulk(count: Int, seed: UInt64, format: BulkFormat) -> some Sequence<String> {
    BulkEvents(count: max(0, count), seed: seed, format: format)
  }
}

struct BulkEvents: Sequence, Sendable {
  let count: Int
  let seed: UInt64
  let format: BulkFormat

  func makeIterator() -> BulkIterator {
    BulkIterator(count: count, seed: seed, format: format)
  }
}

/// The feed one bulk user appears in.
private enum BulkFeed {
  case entra, entraGraph, graph, okta, native
}

private struct BulkUser {
  var person: Person
  var feed: BulkFeed
  var endpoint: Endpoint
  /// Mobile users change address (within their carrier ASN) at every token refresh.
  var churns: Bool
  var session: String?
  var sessionStart = EventTime(millis: 0)
  var token: String?
  var tokenIssued = EventTime(millis: 0)
  var app: EntraApp
}

struct BulkIterator: IteratorProtocol {
  private let count: Int
  private let seed: UInt64
  private let format: BulkFormat
  private var produced = 0
  private var rng: SeededGenerator
  private var clock = at("2026-04-01T00:00:00Z")
  /// Users are created on first use from their index, so the population costs nothing upfront.
  private var users: [BulkUser?]
  /// Further lines of an attack burst, already generated.
  private var pending: [String] = []
  private var recent: [Int] = []

  static let sessionLifetime = Duration.hours(9)
  static let tokenLifetime = Duration.minutes(60)
  static let attackProbability = 0.0005  // bursts average two lines: about 0.1% of lines
  /// Where replays come from: hosting providers in cities where they run data centres.
  static let replaySites: [(Operator, Place)] = [
    (Operators.digitalOcean, Places.amsterdam), (Operators.digitalOcean, Places.frankfurt),
    (Operators.hetzner, Places.nuremberg), (Operators.vultr, Places.frankfurt), (Operators.linode, Places.newark),
    (Operators.colocrossing, Places.buffalo),
  ]

  init(count: Int, seed: UInt64, format: BulkFormat) {
    self.count = count
    self.seed = seed
    self.format = format
    self.rng = SeededGenerator(seed: seed, stream: "bulk/" + format.rawValue)
    let population = max(64, min(20_000, count / 100))
    self.users = Array(repeating: nil, count: population)
  }

  mutating func next() -> String? {
    guard produced < count else { return nil }
    produced += 1
    if !pending.isEmpty { return pending.removeFirst() }
    clock = clock + Duration(millis: Int64(rng.int(in: 1...79)))
    if rng.chance(Self.attackProbability), let burst = attack(), !burst.isEmpty {
      pending = Array(burst.dropFirst())
      return burst[0]
    }
    let index = rng.below(users.count)
    var user = users[index] ?? makeUser(index)
    let line = event(&user)
    users[index] = user
    if recent.count < 256 { recent.append(index) } else { recent[rng.below(256)] = index }
    return line
  }

  private func makeUser(_ index: Int) -> BulkUser {
    var local = SeededGenerator(seed: seed, stream: "bulk-user/\(format.rawValue)/\(index)")
    let feed: BulkFeed =
      switch format {
      case .native: .native
      case .entra: .entra
      case .okta: .okta
      case .graph: .graph
      case .mixed: local.weighted([(.entraGraph, 5), (.okta, 3), (.native, 2)])
      }
    let first = local.pick(Names.first)
    let last = local.pick(Names.last)
    let login = (first + "." + last).lowercased() + String(index)
    let key: String
    let upn: String
    switch feed {
    case .okta:
      key = local.oktaID()
      upn = login + "@" + Domains.northwind
    case .native:
      upn = login + "@" + Domains.contoso
      key = upn
    case .entra, .entraGraph, .graph:
      key = local.guid()
      upn = login + "@" + Domains.contoso
    }
    let residence = local.pick(Residences.all)
    let mobile = local.chance(0.15)
    let device = mobile ? local.device(local.pick(DeviceModels.phones), managed: false) : local.device(local.pick(DeviceModels.desktops), managed: local.chance(0.7))
    let network = mobile ? residence.mobile : (local.chance(0.2) ? Operators.contosoOffice : residence.home)
    let place = network.kind == .corporate ? Places.seattle : residence.place
    return BulkUser(
      person: Person(key: key, upn: upn, displayName: first + " " + last),
      feed: feed, endpoint: local.endpoint(network, place, device),
      churns: mobile, app: local.pick(EntraApps.browserApps))
  }

  /// The user's next ordinary event: a new session when none is live, a refresh when the
  /// token is an hour old, otherwise a use of the current token.
  private mutating func event(_ user: inout BulkUser) -> String {
    let needsSession = user.session == nil || clock - user.sessionStart > Self.sessionLifetime
    let needsToken = needsSession || user.token == nil || clock - user.tokenIssued > Self.tokenLifetime
    if needsToken, user.churns, !needsSession { user.endpoint = user.endpoint.readdressed(using: &rng) }
    switch user.feed {
    case .entra, .entraGraph:
      if needsToken || user.feed == .entra {
        let (line, grant) = rng.entraSignInLine(
          user.person, at: clock, from: user.endpoint, interactive: needsSession,
          session: needsSession ? nil : user.session, app: user.app,
          resource: needsSession ? EntraApps.graph : rng.pick(EntraApps.resources))
        if needsSession { user.sessionStart = clock }
        user.session = grant.session
        user.token = grant.token
        user.tokenIssued = clock
        return line
      }
      return rng.graphLine(user.person, token: user.token!, issuedAt: user.tokenIssued, session: user.session, appID: user.app.id, at: clock, from: user.endpoint)
    case .graph:
      if needsToken {
        // The sign-ins are in another feed: only the token changes here.
        if needsSession {
          user.session = rng.guid()
          user.sessionStart = clock
        }
        user.token = uniqueTokenIdentifier(requestID: rng.guid())
        user.tokenIssued = clock
      }
      return rng.graphLine(user.person, token: user.token!, issuedAt: user.tokenIssued, session: user.session, appID: user.app.id, at: clock, from: user.endpoint)
    case .okta:
      if needsSession {
        let session = rng.oktaSessionID()
        user.session = session
        user.sessionStart = clock
        user.tokenIssued = clock
        return rng.oktaSessionStartLine(user.person, session: session, at: clock, from: user.endpoint)
      }
      if needsToken { user.tokenIssued = clock }
      return rng.oktaSSOLine(user.person, session: user.session!, at: clock, from: user.endpoint, app: rng.pick(OktaApps.all))
    case .native:
      if needsToken {
        let token = rng.nativeTokenID()
        if needsSession {
          user.session = rng.nativeSessionID()
          user.sessionStart = clock
        }
        user.token = token
        user.tokenIssued = clock
        return rng.nativeLine(
          user.person, needsSession ? .signIn : .tokenIssued, at: clock, from: user.endpoint, token: token,
          session: user.session, app: rng.pick(NativeApps.everyday), interactive: needsSession)
      }
      return rng.nativeLine(user.person, .access, at: clock, from: user.endpoint, token: user.token, session: user.session, app: rng.pick(NativeApps.everyday))
    }
  }

  /// A replay of a recently active user's session or token from a hosting network: one to
  /// three lines a few seconds apart.
  private mutating func attack() -> [String]? {
    guard !recent.isEmpty, let victim = users[recent[rng.below(recent.count)]], victim.session != nil else { return nil }
    let (hosting, place) = rng.pick(Self.replaySites)
    // Same user agent string as the victim, but another browser profile (another dtHash).
    let device = rng.device(victim.endpoint.device.model, managed: false)
    let attacker = rng.endpoint(hosting, place, device)
    var lines: [String] = []
    for _ in 0..<rng.int(in: 1...3) {
      clock = clock + rng.seconds(1...20)
      switch victim.feed {
      case .entra:
        lines.append(rng.entraSignInLine(victim.person, at: clock, from: attacker, interactive: false, session: victim.session, app: EntraApps.microsoftOffice, resource: EntraApps.graph).line)
      case .entraGraph, .graph:
        lines.append(rng.graphLine(
          victim.person, token: victim.token!, issuedAt: victim.tokenIssued, session: victim.session, appID: victim.app.id,
          at: clock, from: attacker, rng.pick(GraphRequests.attacker)))
      case .okta:
        lines.append(rng.oktaSSOLine(victim.person, session: victim.session!, at: clock, from: attacker, app: rng.pick(OktaApps.all)))
      case .native:
        lines.append(rng.nativeLine(victim.person, .access, at: clock, from: attacker, token: victim.token, session: victim.session, app: NativeApps.crm))
      }
    }
    return lines
  }
}
