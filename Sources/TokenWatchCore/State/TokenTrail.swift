/// A token's located uses, for impossible travel (`TravelDetector`), kept compact: most tokens
/// are used once, from one place, so the first point lives in the token's record (an array of
/// one `GeoPoint` was a heap block of 112 bytes a token) and its place names are numbers in the
/// engine's `StringInterner`, as the rest of the record's strings are.
public struct TokenTrail: Sendable {
  /// A located use, its place names interned.
  struct Point: Sendable, Equatable {
    var time: OptionalEventTime
    var latitude: Double
    var longitude: Double
    var city = InternedString.none
    var country = InternedString.none
    var ip = InternedString.none

    /// `point`, its strings interned, each taking the number in `hint` when it is the same string.
    init(_ point: borrowing GeoPoint, strings: inout StringInterner, like hint: Places) {
      time = OptionalEventTime(point.time)
      (latitude, longitude) = (point.latitude, point.longitude)
      city = strings.intern(point.city, like: hint.city)
      country = strings.intern(point.country, like: hint.country)
      ip = strings.intern(point.ip, like: hint.ip)
    }

    var places: Places { Places(city: city, country: country, ip: ip) }

    init(time: OptionalEventTime, latitude: Double, longitude: Double) {
      (self.time, self.latitude, self.longitude) = (time, latitude, longitude)
    }

    func geoPoint(in strings: StringInterner) -> GeoPoint {
      GeoPoint(time: time.value ?? .distantPast, latitude: latitude, longitude: longitude, city: strings[city], country: strings[country], ip: strings[ip])
    }
  }

  /// Interned place names a new point probably shares (the newest point's, or the token's first
  /// use's), so that interning it is a comparison of addresses.
  struct Places {
    var city = InternedString.none
    var country = InternedString.none
    var ip = InternedString.none
  }

  /// The oldest point; its time is `.none` in an empty trail.
  private var first = Point(time: .none, latitude: 0, longitude: 0)
  /// The points after the first, oldest first.
  private var more: [Point] = []

  public init() {}

  public var count: Int { first.time.isNone ? 0 : 1 + more.count }

  /// The `index`th point, oldest first.
  subscript(index: Int) -> Point { index == 0 ? first : more[index - 1] }

  /// The trail as `GeoPoint`s, oldest first (for evidence and checkpoints).
  public func geoPoints(in strings: StringInterner) -> [GeoPoint] {
    (0..<count).map { self[$0].geoPoint(in: strings) }
  }

  /// A trail of `points`, oldest first (a checkpoint's), their strings interned.
  init(restoring points: [GeoPoint], strings: inout StringInterner) {
    for point in points { append(point, strings: &strings) }
  }

  /// Adds `point` as the newest; `hint` is used when the trail is empty (else the newest point's
  /// places are).
  mutating func append(_ point: borrowing GeoPoint, strings: inout StringInterner, like hint: Places = Places()) {
    let compact = Point(point, strings: &strings, like: count == 0 ? hint : self[count - 1].places)
    if first.time.isNone {
      first = compact
    } else {
      more.append(compact)
    }
  }

  /// Replaces the newest point (the trail is not empty) with `point`.
  mutating func replaceNewest(with point: borrowing GeoPoint, strings: inout StringInterner) {
    let compact = Point(point, strings: &strings, like: self[count - 1].places)
    if more.isEmpty {
      first = compact
    } else {
      more[more.count - 1] = compact
    }
  }

  /// Drops the `n` oldest points (fewer than `count`).
  mutating func removeOldest(_ n: Int) {
    guard n > 0 else { return }
    first = more[n - 1]
    more.removeFirst(n)
  }

  /// Every string number the trail holds (for `StringInterner.sweep`).
  func markStrings(_ marks: inout InternedStringMarks) {
    for i in 0..<count {
      let point = self[i]
      marks.insert(point.city)
      marks.insert(point.country)
      marks.insert(point.ip)
    }
  }
}
