/// The detection engine: one event in, alerts, risk records and suppression summaries out.
///
/// It owns all state and is confined to one thread; nothing in it is shared or locked. Events
/// must arrive in event-time order (the reorder buffer's job); late ones are processed as they
/// come and their alerts flagged.
public struct Engine {
  public let ruleSet: RuleSet
  private let detectors: [any Detector]
  /// The same detectors, in the same order, called without reference counting (`DetectorCall`).
  private let detectorCalls: [DetectorCall]
  private let scorer: RiskScorer

  var tokens: KeyedStore<TokenKey, TokenRecord>
  var sessions: KeyedStore<String, SessionRecord>
  var users: KeyedStore<String, UserRecord>
  var tasks: KeyedStore<String, TaskRecord>
  var domains: KeyedStore<String, DomainRecord>
  var suppression: [String: SuppressionWindow] = [:]
  var addresses: AddressEnricher
  /// The strings that token and session records hold by number (users, sessions, tasks, the
  /// first use's address, country, city, user agent and device). Swept in housekeeping.
  var strings = StringInterner()
  /// Events' IP strings, parsed.
  var addressMemo = AddressMemo()

  var streamStart: EventTime?
  var lastHousekeeping = EventTime.distantPast
  /// What has been counted, with the run of events not yet added to `events` (see `countEvent`).
  public var counters: EngineCounters {
    var counted = recordedCounters
    if let last = lastCounted { counted.events[last.source, default: 0] += last.count }
    return counted
  }
  var recordedCounters = EngineCounters()
  /// The source detail of the latest events and how many in a row had it.
  private var lastCounted: (source: String, count: Int)?
  /// Set for `--shard i/n`: events of other shards' users only teach shared state.
  public var shard: Shard?

  public init(ruleSet: RuleSet) {
    self.ruleSet = ruleSet
    let made = ruleSet.enabledRules.map { DetectorCall.make($0, ruleSet) }
    detectors = made.map(\.detector)
    detectorCalls = made.map(\.call)
    scorer = RiskScorer(policy: ruleSet.risk)
    let state = ruleSet.state
    tokens = KeyedStore(maxEntries: state.tokens.maxEntries, ttl: state.tokens.ttl)
    sessions = KeyedStore(maxEntries: state.sessions.maxEntries, ttl: state.sessions.ttl)
    users = KeyedStore(maxEntries: state.users.maxEntries, ttl: state.users.ttl)
    tasks = KeyedStore(maxEntries: state.tasks.maxEntries, ttl: state.tasks.ttl)
    domains = KeyedStore(maxEntries: state.domains.maxEntries, ttl: state.domains.ttl)
    addresses = AddressEnricher(limit: state.addresses)
  }

  public var stateSizes: [(String, Int)] {
    [("tokens", tokens.count), ("sessions", sessions.count), ("users", users.count), ("tasks", tasks.count), ("domains", domains.count), ("addresses", addresses.count)]
  }

  public var evictions: Int { tokens.evictions + sessions.evictions + users.evictions + tasks.evictions + domains.evictions + addresses.evictions }
  public var expirations: Int { tokens.expirations + sessions.expirations + users.expirations + tasks.expirations + domains.expirations + addresses.expirations }

  /// How many users are at each risk level at `time`, after decay.
  public func usersByRiskLevel(at time: EventTime) -> [RiskLevel: Int] {
    var counts: [RiskLevel: Int] = [:]
    users.forEachRecord { record, _ in
      guard record.risk.updatedAt != nil else { return }
      let level = ruleSet.risk.level(for: scorer.score(record.risk, at: time))
      if level != .none { counts[level, default: 0] += 1 }
    }
    return counts
  }

  /// `event` is consumed: it moves into the detection context, so its strings are not retained
  /// again for every place that reads it.
  public mutating func process(_ event: consuming NormalizedEvent, late: Bool = false, into output: inout [EngineRecord]) {
    let t = event.time
    if streamStart == nil { streamStart = t }
    // The IP is parsed once here (or found parsed in the memo); the enricher and every detector
    // use this parse.
    let address = event.ip.flatMap { addressMemo.address(of: $0) }
    // The event is enriched in the context, not before it: changing the `consuming` parameter
    // made a copy of it first.
    var context = DetectionContext(event: event, address: address, streamStart: streamStart!)
    addresses.enrich(&context.event, address: address)
    if t.millis - lastHousekeeping.millis >= 60_000 { housekeeping(now: t, into: &output) }
    if let shard, !shard.owns(context.event) {
      recordedCounters.otherShards += 1
      learnSharedFacts(from: &context)
      return
    }
    countEvent(of: context.event.sourceDetail)

    // Moved, not copied, into the context, where the detectors and `applyFacts` intern through
    // it; moved back at the end.
    swap(&context.strings, &strings)
    // The records are read and changed in their stores' slots (`RecordPlace`): each store is
    // changed only here, before any place in it is taken, so the places hold for the event.
    if let id = context.event.packedToken {
      let found = tokens.place(of: id, knownHash: context.event.keyHashes.token, at: t)
      (context.token, context.tokenIsNew) = (found.place, found.created)
      if found.created { found.place.record.firstSeen = t }
    }
    // The event's session and user are read in place: binding either for every event retained
    // and released a string the decoders share.
    if context.event.session != nil {
      let found = sessions.place(of: context.event.session!, knownHash: context.event.keyHashes.session, at: t)
      (context.session, context.sessionIsNew) = (found.place, found.created)
      if found.created { found.place.record.firstSeen = t }
    }
    // Without a user of its own, the event's user is its token's or session's, or its login
    // (`DetectionContext.userID`).
    let otherUserID = context.event.user == nil ? context.userID : nil
    if context.event.user != nil {
      context.user = users.place(of: context.event.user!, knownHash: context.event.keyHashes.user, at: t).place
    } else if let id = otherUserID {
      context.user = users.place(of: id, at: t).place
    }
    if let id = context.event.task ?? context.tokenTask {
      context.task = tasks.place(of: id, at: t).place
    }
    placeDomain(into: &context)

    var findings: [(CompiledRule, Finding)] = []
    for (index, call) in detectorCalls.enumerated() {
      if let finding = call.evaluate(&context) { findings.append((detectors[index].rule, finding)) }
    }
    Engine.applyFacts(to: &context)
    for (rule, finding) in findings {
      emit(finding, rule: rule, event: context.event, userID: context.event.user ?? otherUserID, user: context.user, late: late, into: &output)
    }
    swap(&context.strings, &strings)
  }

  /// Events per source detail. Consecutive events nearly always share theirs, so the last one's
  /// entry is remembered and the dictionary is hashed only when the source changes.
  private mutating func countEvent(of source: String) {
    if let last = lastCounted, ExactString.identical(last.source, source) {
      lastCounted!.count += 1
      return
    }
    if let last = lastCounted { recordedCounters.events[last.source, default: 0] += last.count }
    lastCounted = (source, 1)
  }

  /// What a shard learns from another shard's event: the state every shard shares (the address
  /// enricher, already fed, and each domain's issuers), so all shards keep identical copies.
  private mutating func learnSharedFacts(from context: inout DetectionContext) {
    placeDomain(into: &context)
    guard context.domain != nil else { return }
    for call in detectorCalls where call.isIssuer { _ = call.evaluate(&context) }
  }

  /// Sign-ins and token grants with a UPN carry their domain's issuer record into the context.
  private mutating func placeDomain(into context: inout DetectionContext) {
    let event = context.event
    guard event.kind == .signIn || event.kind == .tokenIssued, let upn = event.upn else { return }
    // The user's login is the one it had last time (its storage), so the domain is too, at the
    // slot its record remembers unless a slot was freed since. That skips finding the domain's
    // bytes and hashing and comparing them, about 450 instructions a sign-in.
    if let memo = context.user?.record.domainMemo, memo.slot >= 0, memo.generation == domains.generation, Self.holds(context.user!.record.upn, upn) {
      context.domain = domains.place(ofSlot: Int(memo.slot), at: event.time)
      context.domainName = domains.key(at: Int(memo.slot))
      return
    }
    // Found by the domain's bytes: a domain seen before is not made into a string again.
    let found = withDomainBytes(of: upn) { domain, needsLowering in
      needsLowering
        ? domains.place(of: makeDomain(domain, needsLowering: true), at: event.time)
        : domains.place(ofUTF8: domain, at: event.time)
    }
    guard let found else { return }
    (context.domain, context.domainName) = (found.place, domains.key(at: found.slot))
    // `applyFacts` gives the user this login's storage, which the memo is good for.
    context.user?.record.domainMemo = DomainMemo(slot: Int32(found.slot), generation: domains.generation)
  }

  /// What every event teaches regardless of rules: who owns a token, when it was last used,
  /// whether a sign-in issued it, and the lifecycle facts (ended, disabled, revoked).
  static func applyFacts(to context: inout DetectionContext) {
    // The event is read in place: `let event = context.event` copied its strings.
    let t = context.event.time
    let isUse = context.isUse
    // The numbers of the event's user and session strings, which their own records keep (a
    // record's key is the string, so the number never changes): the token and session records
    // take them without looking the strings up (most events bring a new token). The strings
    // are read only to intern them: binding one for every event copied it, a retain and a
    // release on a string the decoders share.
    let userNumber = context.event.user == nil ? .none : ownNumber(context.event.user!, in: context.user, &context.strings)
    let sessionNumber = context.event.session == nil ? .none : ownNumber(context.event.session!, in: context.session, &context.strings)
    // In place (`context.token!.record.x = …`): copying a record out and back retains every field.
    if context.token != nil {
      if context.event.user != nil { context.token!.record.user = userNumber }
      if context.event.session != nil { context.token!.record.session = sessionNumber }
      if let task = context.event.task { context.strings.update(&context.token!.record.task, to: task) }
      if (context.event.kind == .signIn || context.event.kind == .tokenIssued) && context.event.outcome != .failure { context.token!.record.issued = true }
      if isUse, (context.token!.record.lastUse ?? .distantPast) < t { context.token!.record.lastUse = t }
    }
    if context.session != nil {
      if context.event.user != nil { context.session!.record.user = userNumber }
      if isUse, (context.session!.record.lastUse ?? .distantPast) < t { context.session!.record.lastUse = t }
    }
    if context.user != nil {
      // Stored only when it changes: the same storage again would be a retain and a release.
      if context.event.upn != nil, !Self.holds(context.user!.record.upn, context.event.upn!) { context.user!.record.upn = context.event.upn }
      if context.event.actor != .unknown { context.user!.record.actor = context.event.actor }
      if context.event.kind == .signIn || context.event.kind == .tokenIssued {
        if context.user!.record.firstSignIn.map({ t < $0 }) ?? true { context.user!.record.firstSignIn = t }
        if (context.user!.record.lastSignIn ?? .distantPast) < t { context.user!.record.lastSignIn = t }
      }
    }
    switch context.event.kind {
    case .sessionEnd:
      context.session?.record.endedAt = t
    case .tokenRevoked:
      if context.event.packedToken != nil { context.token?.record.revokedAt = t }
      if context.event.session != nil { context.session?.record.revokedAt = t }
      if context.event.packedToken == nil && context.event.session == nil { context.user?.record.revokedBefore = t }
    case .userDisabled:
      context.user?.record.disabledAt = t
    case .userEnabled:
      context.user?.record.disabledAt = nil
    case .taskEnd:
      context.task?.record.endedAt = t
      if let user = context.event.user { context.task?.record.user = user }
    default:
      break
    }
  }

  /// The number of `key`, which the record at `place` (the one for that key) keeps in its `id`,
  /// interned on first use.
  @inline(__always) private static func ownNumber<Record: OwnNumbered>(_ key: String, in place: RecordPlace<Record>?, _ strings: inout StringInterner) -> InternedString {
    guard let place else { return strings.intern(key) }
    if place.record.id.isNone { place.record.id = strings.intern(key) }
    return place.record.id
  }

  /// Whether `stored` is `string` in the same storage.
  @inline(__always) private static func holds(_ stored: String?, _ string: String) -> Bool {
    guard let stored else { return false }
    return ExactString.sameStorage(stored, string)
  }

  /// `userID` is the event's user as `DetectionContext.userID` found it.
  private mutating func emit(_ finding: Finding, rule: CompiledRule, event: NormalizedEvent, userID: String?, user: RecordPlace<UserRecord>?, late: Bool, into output: inout [EngineRecord]) {
    let t = event.time
    let suppressionKey = rule.id + "|" + finding.subject.kind + "|" + finding.subject.id
    if var window = suppression[suppressionKey], t < window.end {
      window.count += 1
      if t > window.last { window.last = t }
      suppression[suppressionKey] = window
      recordedCounters.suppressed += 1
      return
    }
    if let closed = suppression.removeValue(forKey: suppressionKey), closed.count > 1 {
      output.append(.suppressed(closed.record))
    }

    // Read once: an id is kept packed (`PackedEventID`), and each read spells it out again.
    let eventID = event.eventID
    var hash = StableHash()
    hash.combine(rule.id)
    hash.combine(finding.subject.kind)
    hash.combine(finding.subject.id)
    hash.combine(t.millis)
    hash.combine(eventID ?? "")
    hash.combine(event.ip ?? "")
    let alertID = "tw-" + StableHash.hex(hash.value)

    var outcome = RiskScorer.Outcome(points: 0, score: 0, level: .none, previousLevel: .none)
    if let user {
      outcome = scorer.add(points: rule.points, cap: rule.cap, rule: rule.id, at: t, to: &user.record.risk)
      remember(alertID, rule: rule.id, event: event, in: &user.record.risk)
    }
    let details = finding.details()
    let alert = Alert(
      id: alertID, time: t, rule: rule.id, title: rule.title, summary: details.summary, severity: finding.severity,
      user: userID, upn: event.upn ?? user?.record.upn, token: event.token, session: event.session, subject: finding.subject,
      source: event.sourceDetail, eventID: eventID, evidence: details.evidence, riskPoints: outcome.points,
      riskScore: outcome.score, riskLevel: outcome.level, mitre: rule.mitre, late: late)
    output.append(.alert(alert))
    recordedCounters.alerts[rule.id, default: 0] += 1
    if rule.suppress.millis > 0 {
      suppression[suppressionKey] = SuppressionWindow(alertID: alertID, rule: rule.id, subject: finding.subject, user: userID, count: 1, first: t, last: t, end: t + rule.suppress)
    }
    if outcome.rose, let userID, let user {
      output.append(.risk(riskRecord(userID, user.record, outcome, at: t)))
    }
  }

  private func remember(_ alertID: String, rule: String, event: NormalizedEvent, in risk: inout RiskState) {
    func push(_ value: String?, _ list: inout [String], limit: Int = 16) {
      guard let value, !list.contains(value) else { return }
      list.append(value)
      if list.count > limit { list.removeFirst(list.count - limit) }
    }
    push(alertID, &risk.recentAlerts, limit: 32)
    push(rule, &risk.recentRules)
    push(event.token, &risk.tokens)
    push(event.session, &risk.sessions)
  }

  private func riskRecord(_ userID: String, _ user: UserRecord, _ outcome: RiskScorer.Outcome, at t: EventTime) -> RiskRecord {
    let id = "tw-risk-" + StableHash.hex(StableHash.of(userID, String(t.millis), outcome.level.name))
    return RiskRecord(
      id: id, time: t, user: userID, upn: user.upn, actor: user.actor, level: outcome.level, previousLevel: outcome.previousLevel,
      score: outcome.score, alerts: user.risk.recentAlerts, rules: user.risk.recentRules, tokens: user.risk.tokens, sessions: user.risk.sessions)
  }

  /// Expires idle state and closes suppression windows; runs once per minute of event time.
  private mutating func housekeeping(now: EventTime, into output: inout [EngineRecord]) {
    lastHousekeeping = now
    tokens.expire(now: now)
    sessions.expire(now: now)
    users.expire(now: now)
    tasks.expire(now: now)
    domains.expire(now: now)
    addresses.expire(now: now)
    if strings.sweepIsDue { sweepStrings() }
    closeSuppressionWindows(endingBy: now, into: &output)
  }

  /// Frees the strings no token or session record holds any more (those of expired and evicted
  /// records). Runs between events, when every record is in its store.
  mutating func sweepStrings() {
    var marks = strings.makeMarks()
    tokens.forEachRecord { record, _ in record.markStrings(&marks) }
    sessions.forEachRecord { record, _ in record.markStrings(&marks) }
    users.forEachRecord { record, _ in marks.insert(record.id) }
    strings.sweep(keeping: marks)
  }

  private mutating func closeSuppressionWindows(endingBy now: EventTime, into output: inout [EngineRecord]) {
    let closed = suppression.filter { $0.value.end <= now }
    guard !closed.isEmpty else { return }
    for key in closed.keys { suppression[key] = nil }
    let summaries = closed.values.filter { $0.count > 1 }.sorted { ($0.end, $0.alertID) < ($1.end, $1.alertID) }
    output += summaries.map { .suppressed($0.record) }
  }

  /// End of input: close every open suppression window.
  public mutating func finish(into output: inout [EngineRecord]) {
    closeSuppressionWindows(endingBy: EventTime(millis: Int64.max), into: &output)
  }
}

struct SuppressionWindow {
  var alertID: String
  var rule: String
  var subject: FindingSubject
  var user: String?
  var count: Int
  var first: EventTime
  var last: EventTime
  var end: EventTime

  var record: SuppressionRecord {
    SuppressionRecord(alertID: alertID, rule: rule, subject: subject, user: user, count: count, firstTime: first, lastTime: last)
  }
}

public struct EngineCounters: Sendable {
  public var events: [String: Int] = [:]
  public var alerts: [String: Int] = [:]
  public var suppressed = 0
  /// Events of users another shard owns (`--shard`).
  public var otherShards = 0
}

/// A detector called through an unretained reference of its own class: through the engine's
/// array of existentials each was retained and released around every call, six atomic pairs an
/// event. The engine's `detectors` keeps them alive.
private enum DetectorCall {
  case replay(Unmanaged<ReplayDetector>)
  case travel(Unmanaged<TravelDetector>)
  case issuer(Unmanaged<IssuerDetector>)
  case forged(Unmanaged<ForgedTokenDetector>)
  case postTaskUse(Unmanaged<PostTaskUseDetector>)
  case dormant(Unmanaged<DormantDetector>)

  /// The detector for `rule` and the call to it, made in one switch on the rule's kind.
  static func make(_ rule: CompiledRule, _ ruleSet: RuleSet) -> (detector: any Detector, call: DetectorCall) {
    switch rule.detector {
    case .replay: paired(ReplayDetector(rule: rule, ruleSet: ruleSet), DetectorCall.replay)
    case .travel: paired(TravelDetector(rule: rule, ruleSet: ruleSet), DetectorCall.travel)
    case .issuer: paired(IssuerDetector(rule: rule, ruleSet: ruleSet), DetectorCall.issuer)
    case .forged: paired(ForgedTokenDetector(rule: rule, ruleSet: ruleSet), DetectorCall.forged)
    case .postTaskUse: paired(PostTaskUseDetector(rule: rule, ruleSet: ruleSet), DetectorCall.postTaskUse)
    case .dormant: paired(DormantDetector(rule: rule, ruleSet: ruleSet), DetectorCall.dormant)
    }
  }

  private static func paired<D: Detector>(_ detector: D, _ call: (Unmanaged<D>) -> DetectorCall) -> (detector: any Detector, call: DetectorCall) {
    (detector, call(.passUnretained(detector)))
  }

  /// The issuer detector: the one another shard's event still teaches (`learnSharedFacts`).
  var isIssuer: Bool {
    if case .issuer = self { return true }
    return false
  }

  func evaluate(_ context: inout DetectionContext) -> Finding? {
    switch self {
    case .replay(let detector): detector._withUnsafeGuaranteedRef { $0.evaluate(&context) }
    case .travel(let detector): detector._withUnsafeGuaranteedRef { $0.evaluate(&context) }
    case .issuer(let detector): detector._withUnsafeGuaranteedRef { $0.evaluate(&context) }
    case .forged(let detector): detector._withUnsafeGuaranteedRef { $0.evaluate(&context) }
    case .postTaskUse(let detector): detector._withUnsafeGuaranteedRef { $0.evaluate(&context) }
    case .dormant(let detector): detector._withUnsafeGuaranteedRef { $0.evaluate(&context) }
    }
  }
}
