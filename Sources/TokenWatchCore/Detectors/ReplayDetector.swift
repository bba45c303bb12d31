/// Replay from a new network (rule TW-001 by default).
///
/// The first network (ASN, else /24 or /48) and country a token or session is used from is its
/// baseline. A later successful use from outside that baseline and outside the trusted networks
/// fires. The user agent is deliberately not compared: a replay that copies the victim's browser
/// string exactly must still be caught. Severity rises when the victim is using the same
/// credential at the same time (interleaved) and when the new network is a hosting or VPN ASN.
///
/// A baseline grows only through a sign-in from the same known device: the IdP authenticated the
/// device, so this is the victim's laptop moving. Device ids on resource accesses are copied from
/// token claims, so they prove nothing there. An interactive sign-in in the same session does NOT
/// grow it: a stolen session cookie replayed in a browser shows up exactly as that.
public final class ReplayDetector: Detector {
  public let rule: CompiledRule
  let checksTokens: Bool
  let checksSessions: Bool
  let trusted: NetworkSet
  /// Only their ASNs are looked at (`contains(asn:)`): a hosting or VPN address is known by its AS.
  let hosting: NetworkSet
  let vpn: NetworkSet
  let interleaveWindow: Duration
  let maxBaseline: Int

  public init(rule: CompiledRule, ruleSet: RuleSet) {
    self.rule = rule
    let scope = rule.choices("scope")
    checksTokens = scope.contains("token")
    checksSessions = scope.contains("session")
    trusted = ruleSet.networks(rule.lists("trusted"))
    hosting = ruleSet.networks(rule.lists("hosting"))
    vpn = ruleSet.networks(rule.lists("vpn"))
    interleaveWindow = rule.duration("interleave_window")
    maxBaseline = rule.count("max_baseline")
  }

  public func evaluate(_ context: inout DetectionContext) -> Finding? {
    guard context.isUse else { return nil }
    let event = context.event
    guard event.ip != nil || event.asn != nil || event.country != nil else { return nil }
    let fromTrusted = event.trustedNetwork || trusted.contains(address: context.address, asn: event.asn)

    // Baselines are updated in place: a copy of the record would make each update copy its arrays.
    let address = context.address
    var finding: Finding?
    if checksTokens, event.packedToken != nil, context.token != nil {
      // A new token's first use nearly always repeats its session's: its strings' numbers.
      let hint = context.session?.record.baseline.firstUse ?? InternedUse()
      finding = check(&context.token!.record.baseline, &context.strings, scope: .token, fromTrusted: fromTrusted, event: event, address: address, hint: hint)
    }
    if checksSessions, event.session != nil, context.session != nil {
      let sessionFinding = check(
        &context.session!.record.baseline, &context.strings, scope: .session, fromTrusted: fromTrusted, event: event, address: address, hint: InternedUse())
      finding = finding ?? sessionFinding  // one alert per event: the token-level one is the stronger
    }
    return finding
  }

  /// Whose baseline `check` reads: the finding's subject is made from the event only when there
  /// is a finding (binding the id for every event copied the string, and a token's is spelled out).
  private enum Scope { case token, session }

  /// `strings` is the engine's table, which the baseline's strings are numbers in; `hint`, the
  /// numbers a new baseline's first use probably shares.
  private func check(
    _ baseline: inout NetworkBaseline, _ strings: inout StringInterner, scope: Scope, fromTrusted: Bool,
    event: NormalizedEvent, address: IPAddress?, hint: InternedUse
  ) -> Finding? {
    if baseline.isEmpty {
      baseline.setFirst(event, strings: &strings, like: hint)
      baseline.add(address: address, asn: event.asn, country: event.country, limit: maxBaseline, strings: &strings)
      baseline.lastInsideUse = event.time
      return nil
    }
    if fromTrusted { return nil }
    if baseline.contains(address: address, asn: event.asn, country: event.country, strings: strings) {
      baseline.lastInsideUse = event.time
      return nil
    }
    if extendsBaseline(baseline, strings, event: event) {
      baseline.add(address: address, asn: event.asn, country: event.country, limit: maxBaseline, strings: &strings)
      baseline.lastInsideUse = event.time
      return nil
    }
    baseline.lastOutsideUse = event.time
    guard let first = baseline.first(in: strings) else { return nil }
    let subject: FindingSubject = scope == .token ? .token(event.token!) : .session(event.session!)

    let interleaved = baseline.lastInsideUse.map { event.time - $0 <= interleaveWindow } ?? false
    let fromHosting = event.asn.map { hosting.contains(asn: $0) } ?? false
    let fromVPN = event.asn.map { vpn.contains(asn: $0) } ?? false
    var severity = rule.severity
    if fromHosting || fromVPN { severity = severity.raised }
    if interleaved { severity = severity.raised }

    // Spelled out only if it becomes an alert (see `Finding.details`): what it needs of the
    // event and the baseline, which change after this event, is taken now.
    let replay = UseSnapshot(event)
    let networks = baseline.networks
    let victimLastUse = baseline.lastInsideUse
    return Finding(severity: severity, subject: subject) {
      var evidence = EvidenceBuilder()
      evidence.add("scope", subject.kind)
      evidence.add("baseline", first.evidence)
      evidence.add("replay", replay.evidence)
      evidence.add("baseline_networks", networks.map(\.description).joined(separator: ","))
      if let victimLastUse { evidence.add("victim_last_use", time: victimLastUse) }
      evidence.add("interleaved", interleaved)
      evidence.add("network_type", fromHosting ? "hosting" : fromVPN ? "vpn" : "other")
      evidence.add("same_user_agent", first.userAgent != nil && first.userAgent == replay.userAgent)
      if let before = first.device, let now = replay.device { evidence.add("device_changed", before != now) }
      let summary = "\(subject.kind) first used from \(describeNetwork(asn: first.asn, ip: first.ip, country: first.country)) was used from \(describeNetwork(asn: replay.asn, ip: replay.ip, country: replay.country))"
        + (interleaved ? " while the victim was still using it" : "")
      return (summary, evidence.fields)
    }
  }

  private func extendsBaseline(_ baseline: NetworkBaseline, _ strings: StringInterner, event: NormalizedEvent) -> Bool {
    guard event.kind != .access, let device = event.device else { return false }
    return baseline.firstDeviceIs(device, in: strings)
  }
}
