import Foundation
import Testing
import TokenWatchJSON

@testable import TokenWatchCore

// MARK: - Helpers

/// Writes, reads back, writes again: the two encodings must be identical and the reader must
/// have consumed everything.
private func roundTrip<T: CheckpointCodable>(_ value: T) throws -> T {
  var writer = CheckpointWriter()
  value.write(to: &writer)
  var reader = CheckpointReader(writer.bytes)
  let decoded = try T(from: &reader)
  #expect(reader.isAtEnd)
  var again = CheckpointWriter()
  decoded.write(to: &again)
  #expect(again.bytes == writer.bytes)
  return decoded
}

/// The same for records that hold interned strings: written with `strings`, read back into a
/// fresh interner (as a restarted engine does), written again from that one.
private func roundTrip<T: InternedCheckpointCodable>(_ value: T, strings: StringInterner) throws -> (T, StringInterner) {
  var writer = CheckpointWriter()
  value.write(to: &writer, strings: strings)
  var reader = CheckpointReader(writer.bytes)
  var restored = StringInterner()
  let decoded = try T(from: &reader, strings: &restored)
  #expect(reader.isAtEnd)
  var again = CheckpointWriter()
  decoded.write(to: &again, strings: restored)
  #expect(again.bytes == writer.bytes)
  return (decoded, restored)
}

private func encoded<T: CheckpointCodable>(_ value: T) -> [UInt8] {
  var writer = CheckpointWriter()
  value.write(to: &writer)
  return writer.bytes
}

private func decodeFails<T: CheckpointCodable>(_ type: T.Type, _ bytes: [UInt8]) -> CheckpointError? {
  var reader = CheckpointReader(bytes)
  do {
    _ = try T(from: &reader)
    return nil
  } catch {
    return error
  }
}

private let t0 = EventTime(rfc3339: "2026-03-10T08:00:00.123Z")!

private func fullEvent() -> NormalizedEvent {
  var e = NormalizedEvent(time: t0, format: .graph, sourceDetail: "graph:MicrosoftGraphActivityLogs", kind: .tokenRevoked)
  e.outcome = .failure
  e.errorCode = -50_126
  e.user = "00u-ünïcødé-用户"
  e.upn = "zoë@contoso.example"
  e.actor = .agent
  e.token = "tok-1"
  e.session = "sess-1"
  e.task = "task-1"
  e.app = "Outlook 📧"
  e.issuer = "https://sts.windows.net/x/"
  e.issuerType = "AzureAD"
  e.ip = "2001:db8:abcd:12::1"
  e.asn = UInt32.max
  e.country = "DE"
  e.city = "München"
  e.latitude = -0.0
  e.longitude = -179.999_999_999
  e.userAgent = ""
  e.device = "dev"
  e.bound = false
  e.trustedNetwork = true
  e.interactive = true
  e.tokenIssuedAt = EventTime(millis: Int64.min)
  e.eventID = "evt-\u{0}-nul"
  return e
}

private func snapshot(_ time: EventTime, ip: String?) -> UseSnapshot {
  UseSnapshot(time: time, ip: ip, asn: 7922, country: "US", city: nil, userAgent: "Mozilla/5.0", device: nil)
}

/// The plain form of `baseline(_:)`'s networks, as a checkpoint holds them.
private let baselineNetworks: [NetworkKey] = [
  .asn(7922), .prefix(IPAddress("2001:db8:abcd:12::1")!.networkPrefix), .prefix(IPAddress("81.2.3.4")!.networkPrefix), .asn(0),
]

/// Three networks more than a baseline keeps inline, and a second country, so that the spill
/// array is written and read too.
private func baseline(_ strings: inout StringInterner) -> NetworkBaseline {
  var b = NetworkBaseline()
  let restored = (
    b.restoreNetworks(baselineNetworks), b.restoreCountries(["US", "DE"], strings: &strings),
    b.restoreFirst(snapshot(t0, ip: "81.2.3.4"), strings: &strings)
  )
  #expect(restored == (true, true, true))
  b.lastInsideUse = t0 + .minutes(5)
  b.lastOutsideUse = nil
  return b
}

/// A token of user "u1" for "task", first seen at `t0` and last used an hour later, with the
/// test baseline and `trail`.
private func sampleToken(_ strings: inout StringInterner, trail: [GeoPoint]) -> TokenRecord {
  var token = TokenRecord()
  token.user = strings.intern("u1")
  token.firstSeen = t0
  token.lastUse = t0 + .hours(1)
  token.task = strings.intern("task")
  token.baseline = baseline(&strings)
  token.trail = TokenTrail(restoring: trail, strings: &strings)
  return token
}

private func geo(_ minutes: Int64) -> GeoPoint {
  GeoPoint(time: t0 + .minutes(minutes), latitude: 90, longitude: -1e308, city: "Zürich", country: nil, ip: "10.0.0.1")
}

// MARK: - Rules and scenario

/// The repository's default rules, so that every detector is on.
private let defaultRules: RuleSet = {
  let root = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  let directory = root.appendingPathComponent("rules")
  var files: [RuleFile] = []
  let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)!
  for case let url as URL in enumerator where ["yaml", "yml", "json"].contains(url.pathExtension) {
    files.append(RuleFile(path: url.path, text: try! String(contentsOf: url, encoding: .utf8)))
  }
  files.sort { $0.path < $1.path }
  let result = RuleLoader.load(files)
  guard let ruleSet = result.ruleSet else { fatalError("default rules do not load: \(result.diagnostics)") }
  return ruleSet
}()

/// The demo day displaced by up to 5 minutes of event time (within the 10-minute max delay).
private let shuffledArrivals: [DemoArrival] = {
  var rng = SeededGenerator(seed: 7)
  return demoDayArrivals.enumerated()
    .map { (key: $0.element.event.time.millis + Int64(rng.next() % 300_000), index: $0.offset, arrival: $0.element) }
    .sorted { ($0.key, $0.index) < ($1.key, $1.index) }
    .map(\.arrival)
}()

/// Reorder buffer + engine, as the pipeline runs them.
private struct Runner {
  var buffer = ReorderBuffer<NormalizedEvent>(maxDelay: .minutes(10))
  var engine: Engine
  var records: [EngineRecord] = []
  var released: [ReorderBuffer<NormalizedEvent>.Entry] = []

  init(engine: Engine) { self.engine = engine }

  mutating func feed(_ arrivals: ArraySlice<DemoArrival>) {
    for arrival in arrivals {
      released.removeAll(keepingCapacity: true)
      buffer.push(arrival.event, time: arrival.event.time, tieBreak: arrival.tieBreak, into: &released)
      for entry in released { engine.process(entry.item, late: entry.late, into: &records) }
    }
  }

  mutating func finish() {
    released.removeAll()
    buffer.drain(into: &released)
    for entry in released { engine.process(entry.item, late: entry.late, into: &records) }
    engine.finish(into: &records)
  }

  func checkpoint(events: Int) -> [UInt8] {
    EngineCheckpoint.encode(
      engine: engine, reorder: buffer.snapshot { $0 },
      metadata: CheckpointMetadata(createdAt: buffer.newest, events: events, note: "test"))
  }

  static func restored(from bytes: [UInt8], ruleSet: RuleSet) throws -> Runner {
    let (engine, reorder, _) = try EngineCheckpoint.decode(bytes, ruleSet: ruleSet)
    var runner = Runner(engine: engine)
    runner.buffer.restore(reorder) { $0 }
    return runner
  }
}

/// Equal record streams; on a difference, reports only the first differing record.
private func expectSameRecords(_ actual: [String], _ expected: [String], _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
  #expect(actual.count == expected.count, "\(label): record count", sourceLocation: sourceLocation)
  if let i = (0..<min(actual.count, expected.count)).first(where: { actual[$0] != expected[$0] }) {
    Issue.record("\(label): record \(i) differs:\n  restarted:     \(actual[i])\n  uninterrupted: \(expected[i])", sourceLocation: sourceLocation)
  }
}

private func uninterrupted(_ arrivals: [DemoArrival]) -> [EngineRecord] {
  var runner = Runner(engine: Engine(ruleSet: defaultRules))
  runner.feed(arrivals[...])
  runner.finish()
  return runner.records
}

/// Runs the first `cut` arrivals, checkpoints, restores into fresh values, runs the rest.
private func interrupted(_ arrivals: [DemoArrival], at cut: Int) throws -> (records: [EngineRecord], checkpoint: [UInt8], pending: Int) {
  var first = Runner(engine: Engine(ruleSet: defaultRules))
  first.feed(arrivals[..<cut])
  let bytes = first.checkpoint(events: cut)
  var second = try Runner.restored(from: bytes, ruleSet: defaultRules)
  second.feed(arrivals[cut...])
  second.finish()
  return (first.records + second.records, bytes, first.buffer.count)
}

/// A payload that starts like a real one (empty metadata) and then claims `count` token entries.
private func payloadClaiming(count: UInt64) -> [UInt8] {
  var w = CheckpointWriter()
  CheckpointMetadata().write(to: &w)
  w.varint(count)
  w.raw([1, 2, 3, 4])
  return w.bytes
}

// MARK: - Tests

@Suite struct CheckpointTests {
  @Test func integersRoundTripAtTheirExtremes() throws {
    for value: Int64 in [0, 1, -1, 63, -64, 64, 300, -300, Int64.max, Int64.min, Int64.min / 4] {
      #expect(try roundTrip(value) == value)
    }
    for value: UInt64 in [0, 127, 128, 16_383, 16_384, UInt64.max] { #expect(try roundTrip(value) == value) }
    for value: UInt32 in [0, 1, UInt32.max] { #expect(try roundTrip(value) == value) }
    #expect(encoded(UInt64(0)) == [0])
    #expect(encoded(UInt64(300)) == [0xAC, 0x02])
    #expect(encoded(Int64(-1)) == [1])
    #expect(encoded(UInt64.max).count == 10)
  }

  @Test func doublesKeepTheirExactBits() throws {
    for value in [0.0, -0.0, 1.5, -Double.leastNormalMagnitude / 3, Double.greatestFiniteMagnitude, -Double.infinity, Double.leastNonzeroMagnitude] {
      #expect(try roundTrip(value).bitPattern == value.bitPattern)
    }
    let nan = Double(nan: 0x1234, signaling: false)
    #expect(try roundTrip(nan).bitPattern == nan.bitPattern)
    #expect(try roundTrip(-0.0).sign == .minus)
  }

  @Test func stringsAndOptionals() throws {
    for text in ["", "plain", "ünïcødé 用户 🧪", "a\u{0}b", String(repeating: "x", count: 1000)] {
      #expect(try roundTrip(text) == text)
    }
    #expect(try roundTrip(String?.none) == nil)
    #expect(try roundTrip(String?.some("")) == "")
    #expect(try roundTrip(EventTime?.none) == nil)
    #expect(try roundTrip([String?]([nil, "a", nil])) == [nil, "a", nil])
  }

  @Test func repeatedStringsAreWrittenOnce() throws {
    var w = CheckpointWriter()
    for text in ["alice", "ab", "alice", "bob@x", "ab", "bob@x", "alice"] { w.string(text) }
    w.uniqueString("key-1")
    w.uniqueString("key-1")
    w.uniqueString("alice")
    func literal(_ text: String, shared: Bool) -> [UInt8] { [UInt8(text.utf8.count << 2 | (shared ? 1 : 0))] + Array(text.utf8) }
    func reference(_ n: UInt8) -> [UInt8] { [n << 2 | 2] }
    var expected: [UInt8] = literal("alice", shared: true)
    expected += literal("ab", shared: false)
    expected += reference(0)
    expected += literal("bob@x", shared: true)
    expected += literal("ab", shared: false)
    expected += reference(1)
    expected += reference(0)
    expected += literal("key-1", shared: false)
    expected += literal("key-1", shared: false)
    expected += reference(0)
    #expect(w.bytes == expected)
    var r = CheckpointReader(w.bytes)
    var read: [String] = []
    while !r.isAtEnd { read.append(try r.string()) }
    #expect(read == ["alice", "ab", "alice", "bob@x", "ab", "bob@x", "alice", "key-1", "key-1", "alice"])
  }

  @Test func everyEnumHasAStableCode() throws {
    // The codes are part of the file format: changing one breaks every checkpoint written before.
    #expect(InputFormat.allCases.map { encoded($0) } == [[1], [2], [3], [4]])
    #expect(EventKind.allCases.map { encoded($0) } == (1...9).map { [UInt8($0)] })
    #expect([Outcome.success, .failure, .unknown].map { encoded($0) } == [[1], [2], [3]])
    #expect([ActorType.human, .agent, .service, .unknown].map { encoded($0) } == [[1], [2], [3], [4]])
    #expect(encoded(FindingSubject.session("s")) == [2, 1 << 2, UInt8(ascii: "s")])
    #expect(encoded(NetworkKey.asn(5)) == [1, 5])
    for kind in EventKind.allCases { #expect(try roundTrip(kind) == kind) }
  }

  @Test func normalizedEventRoundTripsWithEveryField() throws {
    let event = fullEvent()
    let decoded = try roundTrip(event)
    #expect(decoded == event)
    #expect(decoded.latitude!.sign == .minus)
    var sparse = NormalizedEvent(time: EventTime(millis: 0), format: .native, sourceDetail: "", kind: .other)
    sparse.trustedNetwork = false
    #expect(try roundTrip(sparse) == sparse)
  }

  @Test func stateRecordsRoundTripWithNonDefaultValues() throws {
    var strings = StringInterner()
    var token = sampleToken(&strings, trail: [geo(0), geo(7)])
    token.issued = true
    token.session = .none
    token.revokedAt = EventTime(millis: -1)
    let (t, tokenStrings) = try roundTrip(token, strings: strings)
    #expect(tokenStrings[t.user] == "u1" && t.firstSeen == t0 && t.lastUse == t0 + .hours(1) && t.issued)
    #expect(tokenStrings[t.task] == "task" && t.session == .none)
    #expect(t.revokedAt == EventTime(millis: -1))
    #expect(t.baseline.networks == token.baseline.networks)
    #expect(t.baseline.networks == baselineNetworks)
    #expect(t.baseline.networks[1] == .prefix(IPAddress("2001:db8:abcd::")!))
    #expect(t.baseline.countries(in: tokenStrings) == ["US", "DE"])
    #expect(t.baseline.first(in: tokenStrings) == token.baseline.first(in: strings))
    #expect(t.baseline.first(in: tokenStrings) == snapshot(t0, ip: "81.2.3.4"))
    #expect(t.baseline.lastInsideUse == t0 + .minutes(5) && t.baseline.lastOutsideUse == nil)
    #expect(t.trail.geoPoints(in: tokenStrings) == token.trail.geoPoints(in: strings))
    #expect(t.trail.geoPoints(in: tokenStrings) == [geo(0), geo(7)])
    #expect(t.trail[0].longitude == -1e308)

    var session = SessionRecord()
    session.user = strings.intern("u2")
    session.firstSeen = t0
    session.lastUse = t0
    session.endedAt = t0 + .days(1)
    session.revokedAt = t0 + .days(2)
    session.baseline = baseline(&strings)
    let (s, sessionStrings) = try roundTrip(session, strings: strings)
    #expect(sessionStrings[s.user] == "u2" && s.endedAt == t0 + .days(1) && s.revokedAt == t0 + .days(2))
    #expect(s.baseline.networks == session.baseline.networks)

    var user = UserRecord()
    user.upn = "ådmin@contoso.example"
    user.actor = .service
    user.disabledAt = t0
    user.revokedBefore = t0
    user.firstSignIn = t0 - .days(40)
    user.lastSignIn = t0
    user.trail = [geo(1)]
    user.risk.contributions = ["TW-002": 30.000_000_000_000_004, "TW-001": -0.0, "TW-006": 1e300]
    user.risk.updatedAt = t0
    user.risk.recentAlerts = ["tw-1", "tw-2"]
    user.risk.recentRules = ["TW-001"]
    user.risk.tokens = ["t1"]
    user.risk.sessions = ["s1", "s2"]
    let u = try roundTrip(user)
    #expect(u.upn == user.upn && u.actor == .service && u.disabledAt == t0 && u.revokedBefore == t0)
    #expect(u.firstSignIn == t0 - .days(40) && u.lastSignIn == t0 && u.trail == user.trail)
    #expect(u.risk.contributions == user.risk.contributions)
    #expect(u.risk.contributions["TW-001"]!.sign == .minus)
    #expect(u.risk.updatedAt == t0 && u.risk.recentAlerts == ["tw-1", "tw-2"] && u.risk.recentRules == ["TW-001"])
    #expect(u.risk.tokens == ["t1"] && u.risk.sessions == ["s1", "s2"])

    var task = TaskRecord()
    task.user = "agent-7"
    task.endedAt = t0
    let k = try roundTrip(task)
    #expect(k.user == "agent-7" && k.endedAt == t0)

    var domain = DomainRecord()
    domain.firstSeen = t0
    domain.issuers = ["AzureAD/", "ADFederationServices/sts.contoso.example"]
    let d = try roundTrip(domain)
    #expect(d.firstSeen == t0 && d.issuers == domain.issuers)

    var info = AddressEnricher.Info()
    info.asn = 64_500
    info.country = "NZ"
    let i = try roundTrip(info)
    #expect(i.asn == 64_500 && i.country == "NZ")

    let window = SuppressionWindow(alertID: "tw-abc", rule: "TW-001", subject: .token("t1"), user: nil, count: 3, first: t0, last: t0 + .minutes(3), end: t0 + .hours(1))
    let w = try roundTrip(window)
    #expect(w.alertID == "tw-abc" && w.rule == "TW-001" && w.subject == .token("t1") && w.user == nil && w.count == 3)
    #expect(w.first == t0 && w.last == t0 + .minutes(3) && w.end == t0 + .hours(1))

    let metadata = CheckpointMetadata(createdAt: t0, events: 4242, note: "nöte")
    #expect(try roundTrip(metadata) == metadata)

    let reorder = ReorderSnapshot(newest: t0, releasedUpTo: EventTime.distantPast, lateCount: 3, pending: [
      .init(time: t0, tieBreak: UInt64.max, event: fullEvent()),
      .init(time: t0 + .seconds(1), tieBreak: 0, event: NormalizedEvent(time: t0 + .seconds(1), format: .okta, sourceDetail: "okta:x", kind: .signIn)),
    ])
    #expect(try roundTrip(reorder) == reorder)
  }

  /// The compact records (interned strings, packed networks, 8-byte optional times) write
  /// exactly the bytes of the plain fields they replaced, so the format version did not change.
  @Test func compactRecordsWriteTheBytesOfThePlainForm() throws {
    var strings = StringInterner()
    let token = sampleToken(&strings, trail: [geo(3)])
    var compact = CheckpointWriter()
    token.write(to: &compact, strings: strings)

    var plain = CheckpointWriter()
    plain.write(String?("u1"))
    plain.write(t0)
    plain.write(EventTime?(t0 + .hours(1)))
    plain.write(false)
    plain.write(String?("task"))
    plain.write(String?.none)
    plain.write(EventTime?.none)
    plain.write(baselineNetworks)
    plain.write(["US", "DE"])
    plain.write(UseSnapshot?(snapshot(t0, ip: "81.2.3.4")))
    plain.write(EventTime?(t0 + .minutes(5)))
    plain.write(EventTime?.none)
    plain.write([geo(3)])
    #expect(compact.bytes == plain.bytes)

    var session = SessionRecord()
    var sessionBytes = CheckpointWriter()
    session.endedAt = t0
    session.write(to: &sessionBytes, strings: strings)
    var sessionPlain = CheckpointWriter()
    sessionPlain.write(String?.none)
    sessionPlain.write(EventTime.distantPast)
    sessionPlain.write(EventTime?.none)
    sessionPlain.write(EventTime?(t0))
    sessionPlain.write(EventTime?.none)
    sessionPlain.write([NetworkKey]())
    sessionPlain.write([String]())
    sessionPlain.write(UseSnapshot?.none)
    sessionPlain.write(EventTime?.none)
    sessionPlain.write(EventTime?.none)
    #expect(sessionBytes.bytes == sessionPlain.bytes)
  }

  /// What the plain form could hold and the compact one cannot (only a hand-made file has it)
  /// is refused as corrupt, never silently changed.
  @Test func valuesTheCompactFormCannotHoldAreRefused() throws {
    func decodeToken(_ w: CheckpointWriter) -> CheckpointError? {
      var reader = CheckpointReader(w.bytes)
      var strings = StringInterner()
      do {
        _ = try TokenRecord(from: &reader, strings: &strings)
        return nil
      } catch {
        return error
      }
    }
    func token(lastUse: EventTime?, networks: [NetworkKey], first: UseSnapshot?) -> CheckpointWriter {
      var w = CheckpointWriter()
      w.write(String?.none)
      w.write(t0)
      w.write(lastUse)
      w.write(false)
      w.write(String?.none)
      w.write(String?.none)
      w.write(EventTime?.none)
      w.write(networks)
      w.write([String]())
      w.write(first)
      w.write(EventTime?.none)
      w.write(EventTime?.none)
      w.write([GeoPoint]())
      return w
    }
    #expect(decodeToken(token(lastUse: t0, networks: baselineNetworks, first: snapshot(t0, ip: nil))) == nil)
    // A prefix that is not a /24 or /48 (a baseline only learns those).
    let host = token(lastUse: nil, networks: [.asn(1), .prefix(IPAddress("10.1.2.3")!)], first: nil)
    #expect(decodeToken(host)?.reason.hasPrefix("checkpoint is corrupt: network prefix out of range at byte") == true)
    #expect(decodeToken(token(lastUse: nil, networks: [.prefix(IPAddress("2001:db8:1:2::")!)], first: nil))?.kind == .corrupt)
    // The one time `OptionalEventTime` keeps for "none".
    let never = EventTime(millis: Int64.min)
    let lastUse = try #require(decodeToken(token(lastUse: never, networks: [], first: nil)))
    #expect(lastUse.reason.hasPrefix("checkpoint is corrupt: time out of range at byte"))
    #expect(decodeToken(token(lastUse: nil, networks: [], first: snapshot(never, ip: nil)))?.reason.contains("first use time out of range") == true)
  }

  /// A new stored property must be added to the codec (and this count), or it would silently be
  /// lost across a restart.
  @Test func theCodecCoversEveryStoredProperty() {
    // On a failure here: write the new property in CheckpointCodec.swift / EngineCheckpoint.swift
    // (a new payload field needs EngineCheckpoint.formatVersion + 1), then update the count.
    func fields(_ value: Any) -> [String] { Mirror(reflecting: value).children.compactMap(\.label) }
    // 28 written; `keyHashes` is not (a restored event's keys are hashed by the stores).
    #expect(fields(NormalizedEvent(time: t0, format: .native, sourceDetail: "", kind: .access)).count == 29)
    #expect(fields(TokenRecord()).count == 9)
    // Six and eight written; their own interned `id` is not (set again by the next event), nor
    // a user's `domainMemo` (looked up again on its next sign-in).
    #expect(fields(SessionRecord()).count == 7)
    #expect(fields(UserRecord()).count == 10)
    #expect(fields(TaskRecord()).count == 2)
    #expect(fields(DomainRecord()).count == 2)
    #expect(fields(RiskState()).count == 6)
    // Seven stored, five written: the inline networks, the spill array and the first country
    // are written together as the network and country lists.
    #expect(fields(NetworkBaseline()).count == 7)
    #expect(fields(InternedUse()).count == 8)  // `UseSnapshot`'s 7, its `asn?` stored as two
    #expect(fields(geo(0)).count == 6)
    #expect(fields(snapshot(t0, ip: nil)).count == 7)
    #expect(fields(AddressEnricher.Info()).count == 2)
    #expect(fields(SuppressionWindow(alertID: "", rule: "", subject: .user(""), user: nil, count: 0, first: t0, last: t0, end: t0)).count == 8)
    #expect(fields(EngineCounters()).count == 4)
    #expect(fields(ReorderSnapshot()).count == 4)
    // The engine's state: the five stores, suppression, addresses, stream start, housekeeping,
    // counters and shard, besides the rule set, detectors (and the unretained calls to them) and
    // scorer rebuilt from the rules, the string table rebuilt from the records, the parsed-address
    // memo (a cache, started empty), and the latest run of per-source event counts (written
    // merged into the counters).
    #expect(fields(Engine(ruleSet: RuleSet(rules: [], lists: [:]))).count == 18)
  }

  @Test func readerRejectsNonsenseWithoutTrapping() {
    // Truncated number, bad boolean, bad optional presence, unknown enum code, invalid UTF-8.
    #expect(decodeFails(UInt64.self, [0x80, 0x80])?.reason.contains("middle of a number") == true)
    #expect(decodeFails(UInt64.self, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F])?.reason.contains("too large") == true)
    #expect(decodeFails(Bool.self, [2])?.reason.contains("invalid boolean 2") == true)
    #expect(decodeFails(String?.self, [7])?.reason.contains("unknown optional presence code 7") == true)
    #expect(decodeFails(EventKind.self, [0])?.reason == "checkpoint is corrupt: unknown event kind code 0 at byte 0")
    #expect(decodeFails(InputFormat.self, [200])?.reason.contains("unknown input format code 200") == true)
    #expect(decodeFails(String.self, [2 << 2, 0xC3, 0x28])?.reason.contains("invalid UTF-8") == true)
    #expect(decodeFails(String.self, [5 << 2, 0x61])?.reason.contains("string of 5 bytes exceeds the 1 bytes left") == true)
    #expect(decodeFails(String.self, [0 << 2 | 2])?.reason.contains("reference to shared string 0 of 0") == true)
    #expect(decodeFails(String.self, [3])?.reason.contains("invalid string tag 3") == true)
    #expect(decodeFails([String].self, [0xFF, 0xFF, 0xFF, 0xFF, 0x0F])?.reason.contains("exceeds") == true)
    #expect(decodeFails(Double.self, [1, 2, 3])?.kind == .corrupt)
    #expect(decodeFails(UInt32.self, encoded(UInt64(1) << 40))?.reason.contains("does not fit 32 bits") == true)
    // A repeated dictionary key.
    var w = CheckpointWriter()
    w.count(2)
    w.string("a"); w.int(1)
    w.string("a"); w.int(2)
    var r = CheckpointReader(w.bytes)
    #expect(throws: CheckpointError.self) { try r.dictionary(Int.self) }
  }
}

@Suite struct EngineCheckpointTests {
  @Test func theDemoDayLoadsWithEveryRuleAndAlerts() {
    #expect(defaultRules.enabledRules.count == 6)
    #expect(demoDayArrivals.count > 3000)
    let alerts = Set(uninterrupted(demoDayArrivals).compactMap { if case .alert(let a) = $0 { a.rule } else { nil } })
    #expect(alerts == ["TW-001", "TW-002", "TW-003", "TW-004", "TW-005", "TW-006"])
  }

  /// The property that matters: stopping anywhere and restarting on the rest of the input gives
  /// exactly the records of one uninterrupted run.
  @Test(arguments: [false, true])
  func aRestartedRunProducesTheSameRecordsAsAnUninterruptedOne(shuffled: Bool) throws {
    let arrivals = shuffled ? shuffledArrivals : demoDayArrivals
    let expected = ndjson(uninterrupted(arrivals))
    #expect(expected.count > 20)
    var cuts = [1, arrivals.count / 10, arrivals.count / 2, arrivals.count * 77 / 100, arrivals.count - 1]
    // A cut between two events with the same timestamp.
    let tie = try #require((arrivals.count / 3..<arrivals.count).first { arrivals[$0 - 1].event.time == arrivals[$0].event.time })
    cuts.append(tie)
    for cut in cuts {
      let (records, _, pending) = try interrupted(arrivals, at: cut)
      if cut > 1 && cut < arrivals.count - 1 { #expect(pending > 0, "cut \(cut): the reorder buffer should hold events") }
      expectSameRecords(ndjson(records), expected, "cut \(cut) of \(arrivals.count)")
    }
  }

  @Test func severalRestartsInARowStillMatch() throws {
    let arrivals = shuffledArrivals
    let expected = ndjson(uninterrupted(arrivals))
    var runner = Runner(engine: Engine(ruleSet: defaultRules))
    var records: [EngineRecord] = []
    var start = 0
    for cut in stride(from: 397, to: arrivals.count, by: 397) {
      runner.feed(arrivals[start..<cut])
      records += runner.records
      let bytes = runner.checkpoint(events: cut)
      runner = try Runner.restored(from: bytes, ruleSet: defaultRules)
      start = cut
    }
    runner.feed(arrivals[start...])
    runner.finish()
    records += runner.records
    expectSameRecords(ndjson(records), expected, "restarts every 397 events")
  }

  @Test func encodingIsDeterministicAndStableThroughARoundTrip() throws {
    var runner = Runner(engine: Engine(ruleSet: defaultRules))
    runner.feed(shuffledArrivals[..<(shuffledArrivals.count / 2)])
    let a = runner.checkpoint(events: 1)
    let b = runner.checkpoint(events: 1)
    #expect(a == b)
    let decoded = try EngineCheckpoint.decode(a, ruleSet: defaultRules)
    let again = EngineCheckpoint.encode(engine: decoded.engine, reorder: decoded.reorder, metadata: decoded.metadata)
    #expect(again == a)
    #expect(decoded.metadata == CheckpointMetadata(createdAt: runner.buffer.newest, events: 1, note: "test"))
    #expect(decoded.engine.stateSizes.map(\.1) == runner.engine.stateSizes.map(\.1))
    #expect(decoded.engine.counters.events == runner.engine.counters.events)
    #expect(decoded.engine.counters.alerts == runner.engine.counters.alerts)
    #expect(decoded.engine.counters.suppressed == runner.engine.counters.suppressed)
    #expect(decoded.engine.evictions == runner.engine.evictions)
    #expect(decoded.engine.expirations == runner.engine.expirations)
    #expect(decoded.reorder == runner.buffer.snapshot { $0 })
  }

  @Test func aRestoredBufferReleasesWhatTheOriginalWould() {
    var original = ReorderBuffer<Int>(maxDelay: .minutes(10))
    var out: [ReorderBuffer<Int>.Entry] = []
    let times: [Int64] = [5, 1, 16, 12, 12, 14, 3]  // minutes; 3 arrives late
    for (i, m) in times.enumerated() { original.push(i, time: EventTime(millis: m * 60_000), tieBreak: UInt64(10 - i), into: &out) }
    original.flush(into: &out)
    original.push(7, time: EventTime(millis: 20 * 60_000), tieBreak: 0, into: &out)
    original.push(8, time: EventTime(millis: 21 * 60_000), tieBreak: 0, into: &out)
    let snap = original.snapshot { NormalizedEvent(time: EventTime(millis: Int64($0)), format: .native, sourceDetail: "\($0)", kind: .access) }
    #expect(snap.pending.map(\.event.sourceDetail) == ["7", "8"])
    var copy = ReorderBuffer<Int>(maxDelay: .minutes(10))
    copy.restore(snap) { Int($0.sourceDetail)! }
    #expect(copy.snapshot { NormalizedEvent(time: EventTime(millis: Int64($0)), format: .native, sourceDetail: "\($0)", kind: .access) } == snap)
    var a: [ReorderBuffer<Int>.Entry] = []
    var b: [ReorderBuffer<Int>.Entry] = []
    for (item, minute) in [(9, 15), (10, 40), (11, 25), (12, 19)] {
      original.push(item, time: EventTime(millis: Int64(minute) * 60_000), tieBreak: 0, into: &a)
      copy.push(item, time: EventTime(millis: Int64(minute) * 60_000), tieBreak: 0, into: &b)
    }
    original.drain(into: &a)
    copy.drain(into: &b)
    #expect(a.map(\.item) == b.map(\.item))
    #expect(a.map(\.late) == b.map(\.late))
    #expect(a.contains { $0.late })  // 15 is behind what the flush released
    #expect(copy.lateCount == original.lateCount)
  }

  @Test func aSmallerLimitEvictsTheOldestOnRestore() throws {
    var runner = Runner(engine: Engine(ruleSet: defaultRules))
    runner.feed(demoDayArrivals[...])
    let before = runner.engine
    let tokens = before.tokens.count
    try #require(tokens > 100)
    let bytes = runner.checkpoint(events: demoDayArrivals.count)
    var smaller = defaultRules
    smaller.state.tokens.maxEntries = 100
    let restored = try EngineCheckpoint.decode(bytes, ruleSet: smaller).engine
    #expect(restored.tokens.count == 100)
    #expect(restored.tokens.maxEntries == 100)
    #expect(restored.tokens.evictions == before.tokens.evictions + tokens - 100)
    // The survivors are the 100 most recently seen, in the same recency order.
    func recency(_ store: KeyedStore<TokenKey, TokenRecord>) -> [String] {
      var keys: [String] = []
      var i = store.oldest
      while i >= 0 { keys.append(store.slots[Int(i)].key.string); i = store.slots[Int(i)].newer }
      return keys
    }
    #expect(recency(restored.tokens) == Array(recency(before.tokens).suffix(100)))
    // Other stores are untouched.
    #expect(restored.users.count == before.users.count)
  }

  // MARK: Corruption

  func validCheckpoint() -> [UInt8] {
    var runner = Runner(engine: Engine(ruleSet: defaultRules))
    runner.feed(shuffledArrivals[..<600])
    return runner.checkpoint(events: 600)
  }

  func decodeError(_ bytes: [UInt8]) -> CheckpointError? {
    do {
      _ = try EngineCheckpoint.decode(bytes, ruleSet: defaultRules)
      return nil
    } catch {
      return error
    }
  }

  @Test func truncationAnywhereIsReported() throws {
    let bytes = validCheckpoint()
    var offsets = [0, 1, 7, 8, 11, 12, 19, 20, 21, bytes.count / 2, bytes.count - 33, bytes.count - 32, bytes.count - 1]
    offsets += stride(from: 23, to: bytes.count, by: 997)
    for n in offsets {
      let error = try #require(decodeError(Array(bytes.prefix(n))), "truncated to \(n) bytes")
      #expect(error.kind == .truncated, "truncated to \(n): \(error)")
      #expect(error.reason.hasPrefix("checkpoint is truncated"))
    }
    #expect(decodeError([])?.reason == "checkpoint is truncated (the file is empty)")
  }

  @Test func aFlippedByteAnywhereIsCaught() throws {
    let bytes = validCheckpoint()
    var rng = SeededGenerator(seed: 3)
    var offsets = Array(0..<24) + [bytes.count - 1, bytes.count - 32]
    for _ in 0..<300 { offsets.append(Int(rng.next() % UInt64(bytes.count))) }
    for offset in offsets {
      for mask: UInt8 in [0x01, 0x80, 0xFF] {
        var bad = bytes
        bad[offset] ^= mask
        let error = try #require(decodeError(bad), "byte \(offset) ^ \(mask) went unnoticed")
        if offset >= 20 { #expect(error.reason == "checkpoint is corrupt (checksum mismatch)" || error.kind == .truncated || error.kind == .corrupt) }
        if offset >= 20 && offset < bytes.count - 32 { #expect(error.reason == "checkpoint is corrupt (checksum mismatch)") }
      }
    }
  }

  @Test func headerProblemsHaveClearReasons() {
    let bytes = validCheckpoint()
    var wrongMagic = bytes
    wrongMagic[0] = UInt8(ascii: "X")
    #expect(decodeError(wrongMagic)?.kind == .notACheckpoint)
    #expect(decodeError(wrongMagic)?.reason.hasPrefix("not a tokenwatch state file") == true)
    #expect(decodeError(Array("{\"json\": true}\n".utf8))?.kind == .notACheckpoint)

    var version7 = bytes
    version7[8] = 7
    let error = decodeError(version7)
    #expect(error?.kind == .unsupportedVersion(7))
    #expect(error?.description == "checkpoint format 7 is not supported by this build (reads 1); move it aside or restart with --discard-state")
    // A well-formed version 2 file (valid checksum) is refused for its version.
    let sealed2 = EngineCheckpoint.seal([], version: 2)
    #expect(decodeError(sealed2)?.kind == .unsupportedVersion(2))

    #expect(decodeError(bytes + [0])?.reason == "checkpoint is corrupt (1 unexpected bytes after the checksum)")
    // The length field says more than there is.
    var longer = bytes
    longer[12] &+= 1
    #expect(decodeError(longer)?.kind == .truncated)
  }

  @Test func aValidChecksumOverANonsensePayloadIsStillRefused() throws {
    // Huge counts: refused before anything is allocated for them.
    for count: UInt64 in [UInt64.max, 1 << 40, 5] {
      let error = try #require(decodeError(EngineCheckpoint.seal(payloadClaiming(count: count), version: 1)))
      #expect(error.kind == .corrupt)
      #expect(error.reason.hasPrefix("checkpoint is corrupt:"), "\(error)")
    }
    #expect(decodeError(EngineCheckpoint.seal(payloadClaiming(count: UInt64.max), version: 1))?.reason.contains("count 18446744073709551615 exceeds") == true)
    #expect(decodeError(EngineCheckpoint.seal(payloadClaiming(count: 1 << 40), version: 1))?.reason.contains("exceeds") == true)
    // An empty payload, and a valid payload with trailing garbage.
    #expect(decodeError(EngineCheckpoint.seal([], version: 1))?.kind == .corrupt)
    var runner = Runner(engine: Engine(ruleSet: defaultRules))
    runner.feed(demoDayArrivals[..<50])
    var w = CheckpointWriter()
    CheckpointMetadata().write(to: &w)
    runner.engine.writeCheckpoint(to: &w)
    ReorderSnapshot.empty.write(to: &w)
    #expect(throws: Never.self) { try EngineCheckpoint.decode(EngineCheckpoint.seal(w.bytes, version: 1), ruleSet: defaultRules) }
    #expect(decodeError(EngineCheckpoint.seal(w.bytes + [0, 0], version: 1))?.reason.contains("2 unexpected bytes after the state") == true)
    // Every truncation of a valid payload, resealed (so the checksum passes), is refused.
    for n in stride(from: 0, to: w.bytes.count, by: 7) {
      #expect(decodeError(EngineCheckpoint.seal(Array(w.bytes.prefix(n)), version: 1))?.kind == .corrupt, "payload cut at \(n)")
    }
    // Random bytes under a valid checksum never trap.
    var rng = SeededGenerator(seed: 11)
    for _ in 0..<200 {
      var payload = w.bytes
      for _ in 0..<4 { payload[Int(rng.next() % UInt64(payload.count))] = UInt8(truncatingIfNeeded: rng.next()) }
      _ = decodeError(EngineCheckpoint.seal(payload, version: 1))
    }
  }

  @Test func sizeAndSpeedOfTheDemoDay() throws {
    var runner = Runner(engine: Engine(ruleSet: defaultRules))
    runner.feed(demoDayArrivals[...])
    let clock = ContinuousClock()
    var bytes: [UInt8] = []
    let encodeTime = clock.measure { bytes = runner.checkpoint(events: demoDayArrivals.count) }
    var decoded: (engine: Engine, reorder: ReorderSnapshot, metadata: CheckpointMetadata)?
    let decodeTime = try clock.measure { decoded = try EngineCheckpoint.decode(bytes, ruleSet: defaultRules) }
    #expect(decoded != nil)
    print("checkpoint of the demo day (\(demoDayArrivals.count) events, \(runner.buffer.count) pending): \(bytes.count) bytes, encode \(encodeTime), decode \(decodeTime); state \(runner.engine.stateSizes)")
  }
}
