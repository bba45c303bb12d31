/// The networks and countries a token or session is known to belong to. Networks are kept both
/// as ASNs and as address prefixes, so a use that arrives without an ASN (Graph activity logs
/// carry none) is still compared with the prefixes it was seen from.
///
/// Every token has one, so it is stored compactly: the first two networks (one use teaches an
/// ASN and a prefix) and the first country inline, anything learned after that in one spill
/// array that almost no token needs, and strings as numbers in the engine's `StringInterner`.
public struct NetworkBaseline: Sendable {
  private var network0 = PackedNetworkKey.none
  private var network1 = PackedNetworkKey.none
  /// Networks after the first two (`PackedNetworkKey.bits`, never 0 in the top two bits) and
  /// countries after the first (their interned number, 0 in the top two bits), each in the
  /// order learned.
  private var spill: [UInt64] = []
  /// The last successful use from inside the baseline (for interleaving).
  @CompactEventTime public var lastInsideUse: EventTime? = nil
  /// The last use from outside it.
  @CompactEventTime public var lastOutsideUse: EventTime? = nil
  /// The first use; its time is `.none` until there is one.
  private(set) var firstUse = InternedUse()
  private var country0 = InternedString.none

  public init() {}

  public var isEmpty: Bool { firstUse.time.isNone }

  /// In the order learned (for evidence; builds an array).
  public var networks: [NetworkKey] {
    var keys: [NetworkKey] = []
    for packed in [network0, network1] where !packed.isNone { keys.append(packed.key) }
    for bits in spill { if let packed = PackedNetworkKey(stored: bits) { keys.append(packed.key) } }
    return keys
  }

  /// In the order learned.
  public func countries(in strings: StringInterner) -> [String] { countryIDs.compactMap { strings[$0] } }

  /// The first use, with its strings; nil before it.
  public func first(in strings: StringInterner) -> UseSnapshot? { firstUse.snapshot(in: strings) }

  /// The first use's device, compared without resolving it to a string.
  func firstDeviceIs(_ device: String, in strings: StringInterner) -> Bool {
    !firstUse.device.isNone && strings[firstUse.device] == device
  }

  /// Records `event` as the first use, taking each string's number from `hint` (another
  /// baseline's first use, such as the token's session's) where it is the same string.
  mutating func setFirst(_ event: NormalizedEvent, strings: inout StringInterner, like hint: InternedUse = InternedUse()) {
    // Field by field: an initializer taking the event would copy all of it.
    firstUse = InternedUse(
      time: OptionalEventTime(event.time), ip: strings.intern(event.ip, like: hint.ip), country: strings.intern(event.country, like: hint.country),
      city: strings.intern(event.city, like: hint.city), userAgent: strings.intern(event.userAgent, like: hint.userAgent),
      device: strings.intern(event.device, like: hint.device), asn: event.asn ?? 0, hasASN: event.asn != nil)
  }

  public func contains(address: IPAddress?, asn: UInt32?, country: String?, strings: StringInterner) -> Bool {
    var networkKnown = true
    if let asn, asn != 0 {
      networkKnown = containsNetwork(PackedNetworkKey(asn: asn))
    } else if let address {
      networkKnown = containsNetwork(PackedNetworkKey(prefixOf: address))
    }
    let countryKnown = country.map { country0.isNone || containsCountry($0, strings) } ?? true
    return networkKnown && countryKnown
  }

  public mutating func add(address: IPAddress?, asn: UInt32?, country: String?, limit: Int, strings: inout StringInterner) {
    func insert(_ key: PackedNetworkKey) {
      if !containsNetwork(key), networkCount < limit * 2 { append(key) }
    }
    if let asn, asn != 0 { insert(PackedNetworkKey(asn: asn)) }
    if let address { insert(PackedNetworkKey(prefixOf: address)) }
    // A new baseline's first country is its first use's, interned just before: its number.
    if let country, !containsCountry(country, strings), countryCount < limit { append(country: strings.intern(country, like: firstUse.country)) }
  }

  /// Every string number the baseline holds (for `StringInterner.sweep`).
  func markStrings(_ marks: inout InternedStringMarks) {
    firstUse.markStrings(&marks)
    if !country0.isNone { marks.insert(country0) }
    for bits in spill where PackedNetworkKey(stored: bits) == nil { marks.insert(InternedString(raw: UInt32(bits))) }
  }

  // MARK: Storage

  private var networkCount: Int {
    var n = (network0.isNone ? 0 : 1) + (network1.isNone ? 0 : 1)
    for bits in spill where PackedNetworkKey(stored: bits) != nil { n += 1 }
    return n
  }

  private var countryCount: Int {
    guard !country0.isNone else { return 0 }
    var n = 1
    for bits in spill where PackedNetworkKey(stored: bits) == nil { n += 1 }
    return n
  }

  private var countryIDs: [InternedString] {
    guard !country0.isNone else { return [] }
    var ids = [country0]
    for bits in spill where PackedNetworkKey(stored: bits) == nil { ids.append(InternedString(raw: UInt32(bits))) }
    return ids
  }

  private func containsNetwork(_ key: PackedNetworkKey) -> Bool {
    network0 == key || network1 == key || (!spill.isEmpty && spill.contains(key.bits))
  }

  private func containsCountry(_ country: String, _ strings: StringInterner) -> Bool {
    guard !country0.isNone else { return false }
    if strings[country0] == country { return true }
    return spill.contains { PackedNetworkKey(stored: $0) == nil && strings[InternedString(raw: UInt32($0))] == country }
  }

  private mutating func append(_ key: PackedNetworkKey) {
    if network0.isNone {
      network0 = key
    } else if network1.isNone {
      network1 = key
    } else {
      spill.append(key.bits)
    }
  }

  private mutating func append(country id: InternedString) {
    if country0.isNone { country0 = id } else { spill.append(UInt64(id.raw)) }
  }
}

// MARK: - Checkpoint form

extension NetworkBaseline {
  /// Rebuilds the networks read from a checkpoint, in order and as they were (repeats too).
  /// False if one is a prefix no baseline learns (see `PackedNetworkKey`).
  mutating func restoreNetworks(_ keys: [NetworkKey]) -> Bool {
    for key in keys {
      guard let packed = PackedNetworkKey(key) else { return false }
      append(packed)
    }
    return true
  }

  mutating func restoreCountries(_ countries: [String], strings: inout StringInterner) -> Bool {
    for country in countries { append(country: strings.intern(country)) }
    return true
  }

  /// False for a first use at the one time `OptionalEventTime` cannot hold.
  mutating func restoreFirst(_ snapshot: UseSnapshot?, strings: inout StringInterner) -> Bool {
    guard let snapshot else { return true }
    guard snapshot.time.millis != OptionalEventTime.absentMillis else { return false }
    firstUse = InternedUse(snapshot, strings: &strings)
    return true
  }
}

/// `UseSnapshot` with its strings interned: 33 bytes instead of 96.
struct InternedUse: Sendable {
  var time = OptionalEventTime.none
  var ip = InternedString.none
  var country = InternedString.none
  var city = InternedString.none
  var userAgent = InternedString.none
  var device = InternedString.none
  var asn: UInt32 = 0
  var hasASN = false

  init() {}

  init(
    time: OptionalEventTime, ip: InternedString, country: InternedString, city: InternedString,
    userAgent: InternedString, device: InternedString, asn: UInt32, hasASN: Bool
  ) {
    (self.time, self.ip, self.country, self.city) = (time, ip, country, city)
    (self.userAgent, self.device, self.asn, self.hasASN) = (userAgent, device, asn, hasASN)
  }

  init(_ snapshot: UseSnapshot, strings: inout StringInterner) {
    time = OptionalEventTime(snapshot.time)
    ip = strings.intern(snapshot.ip)
    country = strings.intern(snapshot.country)
    city = strings.intern(snapshot.city)
    userAgent = strings.intern(snapshot.userAgent)
    device = strings.intern(snapshot.device)
    (asn, hasASN) = (snapshot.asn ?? 0, snapshot.asn != nil)
  }

  func snapshot(in strings: StringInterner) -> UseSnapshot? {
    guard let time = time.value else { return nil }
    return UseSnapshot(
      time: time, ip: strings[ip], asn: hasASN ? asn : nil, country: strings[country], city: strings[city],
      userAgent: strings[userAgent], device: strings[device])
  }

  func markStrings(_ marks: inout InternedStringMarks) {
    marks.insert(ip)
    marks.insert(country)
    marks.insert(city)
    marks.insert(userAgent)
    marks.insert(device)
  }
}
