/// Impossible travel (rule TW-002 by default), per token and per user.
///
/// Each sighting is compared with the last few located sightings in the lookback, not only the
/// latest, so A→B→A ping-pong is caught. Geolocation error is allowed for by subtracting an
/// error radius per point before computing speed. Sightings from trusted or VPN networks are
/// neither anchors nor compared: their location says nothing about the person.
public final class TravelDetector: Detector {
  public let rule: CompiledRule
  let checksTokens: Bool
  let checksUsers: Bool
  let maxSpeed: Double
  let minDistance: Double
  let geoError: Double
  let history: Int
  let lookback: Duration
  let trusted: NetworkSet
  let vpn: NetworkSet

  public init(rule: CompiledRule, ruleSet: RuleSet) {
    self.rule = rule
    let scope = rule.choices("scope")
    checksTokens = scope.contains("token")
    checksUsers = scope.contains("user")
    maxSpeed = rule.number("max_speed_kmh")
    minDistance = rule.number("min_distance_km")
    geoError = rule.number("geo_error_km")
    history = rule.count("history")
    lookback = rule.duration("lookback")
    trusted = ruleSet.networks(rule.lists("trusted"))
    vpn = ruleSet.networks(rule.lists("vpn"))
  }

  public func evaluate(_ context: inout DetectionContext) -> Finding? {
    let event = context.event
    guard context.isUse, let latitude = event.latitude, let longitude = event.longitude,
      abs(latitude) <= 90, abs(longitude) <= 180, !(latitude == 0 && longitude == 0)
    else { return nil }
    if event.trustedNetwork || trusted.contains(address: context.address, asn: event.asn) { return nil }
    if let asn = event.asn, vpn.contains(asn: asn) { return nil }
    let point = GeoPoint(time: event.time, latitude: latitude, longitude: longitude, city: event.city, country: event.country, ip: event.ip)

    // Trails are updated in place: a copy of the record would make each update copy the trail.
    var finding: Finding?
    // Ids are read for a finding only: binding one for every event copied it (a token's is
    // spelled out).
    if checksTokens, event.packedToken != nil, context.token != nil {
      if let worst = worstSighting(in: context.token!.record.trail, point) {
        let anchor = context.token!.record.trail[worst.index].geoPoint(in: context.strings)
        finding = makeFinding(from: anchor, to: point, worst, subject: .token(event.token!), severity: rule.severity.raised)
      }
      // A new token's first point nearly always shares its first use's places: their numbers.
      let firstUse = context.token!.record.baseline.firstUse
      record(point, in: &context.token!.record.trail, strings: &context.strings, like: .init(city: firstUse.city, country: firstUse.country, ip: firstUse.ip))
    }
    if checksUsers, event.user != nil, context.user != nil {
      if let worst = worstSighting(in: context.user!.record.trail, point) {
        let userFinding = makeFinding(from: context.user!.record.trail[worst.index], to: point, worst, subject: .user(event.user!), severity: rule.severity)
        finding = finding ?? userFinding  // the same token in both places is the stronger alert
      }
      record(point, in: &context.user!.record.trail)
    }
    return finding
  }

  /// The fastest implausible move from a point of `trail` to `point`, if any.
  private struct Worst {
    var index: Int
    var km: Double
    var hours: Double
    var speed: Double
  }

  private func worstSighting<Trail: TravelTrail>(in trail: Trail, _ point: GeoPoint) -> Worst? {
    var worst: Worst?
    // Newest first, reading only the numbers: copying each point would retain its strings.
    var index = trail.count
    while index > 0 {
      index -= 1
      let (time, latitude, longitude) = trail.sighting(index)
      guard point.time - time <= lookback && time <= point.time else { continue }
      // Most sightings are near the last ones: no need for the trigonometry to know they are.
      guard kilometreBounds(latitude, longitude, point.latitude, point.longitude).upper - 2 * geoError >= minDistance else { continue }
      let km = haversineKilometres(latitude, longitude, point.latitude, point.longitude)
      let feasibleKm = km - 2 * geoError
      guard feasibleKm >= minDistance else { continue }
      let hours = Double((point.time - time).millis) / 3_600_000
      let speed = hours > 0 ? feasibleKm / hours : Double.infinity
      if speed > maxSpeed, speed > (worst?.speed ?? 0) { worst = Worst(index: index, km: km, hours: hours, speed: speed) }
    }
    return worst
  }

  /// Spelled out only if it becomes an alert (see `Finding.details`): a traveller's every
  /// sighting far from the last ones is a finding, and most are repeats within the rule's
  /// suppression window.
  private func makeFinding(from anchor: GeoPoint, to point: GeoPoint, _ worst: Worst, subject: FindingSubject, severity: Severity) -> Finding {
    let geoError = geoError
    return Finding(severity: severity, subject: subject) {
      var evidence = EvidenceBuilder()
      evidence.add("scope", subject.kind)
      evidence.add("from", anchor.evidence)
      evidence.add("to", point.evidence)
      evidence.add("km", worst.km, decimals: 0)
      evidence.add("minutes", worst.hours * 60, decimals: 1)
      evidence.add("kmh", worst.speed.isFinite ? worst.speed : nil, decimals: 0)
      evidence.add("geo_error_km", geoError, decimals: 0)
      let place = { (p: GeoPoint) in p.city ?? p.country ?? "\(formatFixedCoordinate(p.latitude)),\(formatFixedCoordinate(p.longitude))" }
      let speedText = worst.speed.isFinite ? "\(Int(worst.speed)) km/h" : "at the same instant"
      let summary = "same \(subject.kind) in \(place(anchor)) and \(place(point)), \(Int(worst.km)) km apart in \(Int((worst.hours * 60).rounded())) min (\(speedText))"
      return (summary, evidence.fields)
    }
  }

  /// How a sighting joins a trail, the same for a token's and a user's: near the newest point it
  /// refreshes it; else it is added, and the oldest points beyond `history` drop.
  private enum TrailUpdate {
    case replaceNewest
    case append(droppingOldest: Int)
  }

  private func update(for point: GeoPoint, in trail: some TravelTrail) -> TrailUpdate {
    let count = trail.count
    if count > 0 {
      let newest = trail.sighting(count - 1)
      if isNear(newest.latitude, newest.longitude, point.latitude, point.longitude) { return .replaceNewest }
    }
    return .append(droppingOldest: max(0, count + 1 - history))
  }

  /// A token's compact trail (`TokenTrail`): its places interned, a first point's taking the
  /// numbers of `firstUse` when they are the same strings.
  private func record(_ point: GeoPoint, in trail: inout TokenTrail, strings: inout StringInterner, like firstUse: TokenTrail.Places) {
    switch update(for: point, in: trail) {
    case .replaceNewest:
      trail.replaceNewest(with: point, strings: &strings)
    case .append(let dropping):
      trail.append(point, strings: &strings, like: firstUse)
      trail.removeOldest(dropping)
    }
  }

  /// A user's trail of `GeoPoint`s.
  private func record(_ point: consuming GeoPoint, in trail: inout [GeoPoint]) {
    switch update(for: point, in: trail) {
    case .replaceNewest:
      trail[trail.count - 1] = point
    case .append(let dropping):
      // A first point: an array made with its one element, where `append` to the empty array
      // took the generic growth path (about 110 instructions more).
      if trail.isEmpty {
        trail = [point]
        return
      }
      trail.append(point)
      if dropping > 0 { trail.removeFirst(dropping) }
    }
  }

  /// Within the geolocation error of each other; the haversine only when the bounds cannot tell.
  private func isNear(_ latitudeA: Double, _ longitudeA: Double, _ latitudeB: Double, _ longitudeB: Double) -> Bool {
    let bounds = kilometreBounds(latitudeA, longitudeA, latitudeB, longitudeB)
    if bounds.upper <= geoError { return true }
    if bounds.lower > geoError { return false }
    return haversineKilometres(latitudeA, longitudeA, latitudeB, longitudeB) <= geoError
  }
}

private func formatFixedCoordinate(_ value: Double) -> String {
  let scaled = (value * 100).rounded() / 100
  return String(scaled)
}

extension GeoPoint {
  var evidence: EvidenceBuilder {
    var e = EvidenceBuilder()
    e.add("time", time: time)
    e.add("lat", latitude, decimals: 4)
    e.add("lon", longitude, decimals: 4)
    e.add("city", city)
    e.add("country", country)
    e.add("ip", ip)
    return e
  }
}

/// What `TravelDetector` reads of a trail of sightings, oldest first: a user's (`[GeoPoint]`) or a
/// token's (`TokenTrail`).
protocol TravelTrail {
  var count: Int { get }
  /// The time and coordinates of the `index`th sighting.
  func sighting(_ index: Int) -> (time: EventTime, latitude: Double, longitude: Double)
}

extension Array: TravelTrail where Element == GeoPoint {
  func sighting(_ index: Int) -> (time: EventTime, latitude: Double, longitude: Double) {
    (self[index].time, self[index].latitude, self[index].longitude)
  }
}

extension TokenTrail: TravelTrail {
  func sighting(_ index: Int) -> (time: EventTime, latitude: Double, longitude: Double) {
    let point = self[index]
    return (point.time.value ?? .distantPast, point.latitude, point.longitude)
  }
}
