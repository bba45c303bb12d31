/// Issuer anomaly (rule TW-003 by default): a token from an issuer the user's domain does not use.
///
/// Where the operator configured the expected issuers of a domain, anything else fires at once
/// (a federated `ADFederationServices` token for a cloud-only domain is the Golden SAML shape).
/// Elsewhere the detector learns each domain's issuers for a learning period of event time and
/// then fires on any issuer never seen for that domain. An issuer that fired is not learned, so
/// it keeps firing (suppression folds the repeats).
public struct IssuerDetector: Detector {
  public let rule: CompiledRule
  let learning: Duration
  let expected: [String: [String]]

  public init(rule: CompiledRule, ruleSet: RuleSet) {
    self.rule = rule
    learning = rule.duration("learning")
    expected = ruleSet.issuers(rule.lists("expected"))
  }

  public func evaluate(_ context: inout DetectionContext) -> Finding? {
    let event = context.event
    guard event.kind == .signIn || event.kind == .tokenIssued, event.outcome != .failure,
      event.issuerType != nil || event.issuer != nil, let domain = context.domainName, var record = context.domain
    else { return nil }
    let type = event.issuerType ?? "unknown"
    let name = event.issuer ?? ""
    let key = name.isEmpty ? type : "\(type)/\(name)"
    context.domain = nil  // the record is unique while we hold it: appending copies nothing
    defer { context.domain = record }
    if record.firstSeen == nil { record.firstSeen = event.time }
    let subject = FindingSubject.user(event.user ?? event.upn ?? domain)

    // Decide first, describe after: evidence is built only for the rare event that fires.
    if let accepted = expected[domain] {
      guard !accepted.contains(where: { matches($0, type: type, name: name) }) else { return nil }
      var evidence = describe(domain: domain, type: type, name: name)
      evidence.add("reason", "unexpected")
      evidence.add("expected", accepted.joined(separator: ","))
      return Finding(
        severity: rule.severity.raised, subject: subject,
        summary: "token issued by \(key), which is not an expected issuer for \(domain) (expected: \(accepted.joined(separator: ", ")))",
        evidence: evidence)
    }
    if record.issuers.contains(key) { return nil }
    let learnedFor = event.time - record.firstSeen!
    guard learnedFor >= learning else {
      if record.issuers.count < 64 { record.issuers.append(key) }
      return nil
    }
    var evidence = describe(domain: domain, type: type, name: name)
    evidence.add("reason", "never_seen")
    evidence.add("known_issuers", record.issuers.joined(separator: ","))
    evidence.add("learning_since", time: record.firstSeen)
    return Finding(
      severity: rule.severity, subject: subject,
      summary: "token issued by \(key), never seen for \(domain) since \(record.firstSeen!.rfc3339)", evidence: evidence)
  }

  private func describe(domain: String, type: String, name: String) -> EvidenceBuilder {
    var evidence = EvidenceBuilder()
    evidence.add("domain", domain)
    evidence.add("issuer_type", type)
    evidence.add("issuer", name.isEmpty ? nil : name)
    return evidence
  }

  /// `AzureAD` accepts that type with any name; `ADFederationServices/sts.contoso.example` both.
  private func matches(_ pattern: String, type: String, name: String) -> Bool {
    if let slash = pattern.firstIndex(of: "/") {
      return pattern[..<slash].lowercased() == type.lowercased() && pattern[pattern.index(after: slash)...].lowercased() == name.lowercased()
    }
    return pattern.lowercased() == type.lowercased()
  }
}

/// The domain of a UPN or e-mail address, lower-cased.
func userDomain(_ upn: String?) -> String? {
  guard var upn else { return nil }
  // On the UTF-8 bytes: this runs for every sign-in, and Character-level search is slow.
  return upn.withUTF8 { bytes -> String? in
    var at = bytes.count - 1
    while at >= 0, bytes[at] != UInt8(ascii: "@") { at -= 1 }
    guard at >= 0, at + 1 < bytes.count else { return nil }
    let domain = String(decoding: UnsafeBufferPointer(rebasing: bytes[(at + 1)...]), as: UTF8.self)
    // UPNs are lower-cased by the normalizers; lower-case again only when needed.
    return bytes[(at + 1)...].allSatisfy({ $0 < 0x80 && !($0 >= 0x41 && $0 <= 0x5A) }) ? domain : domain.lowercased()
  }
}
