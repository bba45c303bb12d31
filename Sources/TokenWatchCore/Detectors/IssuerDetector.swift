import TokenWatchJSON

/// Issuer anomaly (rule TW-003 by default): a token from an issuer the user's domain does not use.
///
/// Where the operator configured the expected issuers of a domain, anything else fires at once
/// (a federated `ADFederationServices` token for a cloud-only domain is the Golden SAML shape).
/// Elsewhere the detector learns each domain's issuers for a learning period of event time and
/// then fires on any issuer never seen for that domain. An issuer that fired is not learned, so
/// it keeps firing (suppression folds the repeats).
public final class IssuerDetector: Detector {
  public let rule: CompiledRule
  let learning: Duration
  /// Per domain: the configured patterns as written (for evidence) and compiled (for matching).
  let expected: StringTable<(written: [String], patterns: [IssuerPattern])>
  /// The last domain looked up in `expected` and what it found. Consecutive sign-ins nearly
  /// always share a domain, in the domain store's own string, so one comparison of storage
  /// replaces hashing the domain and probing the table on every sign-in.
  private var lastLookup: (domain: String, found: (written: [String], patterns: [IssuerPattern])?)?
  /// The last issuer a configured domain accepted, by storage: consecutive sign-ins nearly always
  /// repeat it, and matching the patterns again cost about 200 instructions a sign-in.
  private var lastAccepted: (domain: String, type: String, name: String)?

  public init(rule: CompiledRule, ruleSet: RuleSet) {
    self.rule = rule
    learning = rule.duration("learning")
    expected = StringTable(ruleSet.issuers(rule.lists("expected")).map { ($0.key, ($0.value, $0.value.map(IssuerPattern.init))) })
  }

  public func evaluate(_ context: inout DetectionContext) -> Finding? {
    // Fields read one by one, not `let event = context.event`: the context is written below, so
    // that copied the whole event (retaining its strings).
    let kind = context.event.kind
    guard kind == .signIn || kind == .tokenIssued, context.event.outcome != .failure,
      context.event.issuerType != nil || context.event.issuer != nil, let domain = context.domainName, let domainPlace = context.domain
    else { return nil }
    let time = context.event.time
    let type = context.event.issuerType ?? "unknown"
    let name = context.event.issuer ?? ""
    // "type" or "type/name", as learned and shown; built only when needed (interpolating on
    // every sign-in cost more than the rest of the detector).
    var key: String { name.isEmpty ? type : type + "/" + name }
    var subject: FindingSubject { .user(context.event.user ?? context.event.upn ?? domain) }
    if domainPlace.record.firstSeen == nil { domainPlace.record.firstSeen = time }

    // Decide first, describe after: evidence is built only for the rare event that fires.
    if let last = lastAccepted, ExactString.sameStorage(last.domain, domain), ExactString.sameStorage(last.type, type),
      ExactString.sameStorage(last.name, name)
    {
      return nil
    }
    if let (accepted, patterns) = expectedIssuers(of: domain) {
      guard !patterns.contains(where: { $0.matches(type: type, name: name) }) else {
        lastAccepted = (domain, type, name)
        return nil
      }
      var evidence = describe(domain: domain, type: type, name: name)
      evidence.add("reason", "unexpected")
      evidence.add("expected", accepted.joined(separator: ","))
      return Finding(
        severity: rule.severity.raised, subject: subject,
        summary: "token issued by \(key), which is not an expected issuer for \(domain) (expected: \(accepted.joined(separator: ", ")))",
        evidence: evidence)
    }
    if domainPlace.record.issuers.contains(where: { Self.spells($0, type: type, name: name) }) { return nil }
    let learnedFor = time - domainPlace.record.firstSeen!
    guard learnedFor >= learning else {
      if domainPlace.record.issuers.count < 64 { domainPlace.record.issuers.append(key) }
      return nil
    }
    var evidence = describe(domain: domain, type: type, name: name)
    evidence.add("reason", "never_seen")
    evidence.add("known_issuers", domainPlace.record.issuers.joined(separator: ","))
    evidence.add("learning_since", time: domainPlace.record.firstSeen)
    return Finding(
      severity: rule.severity, subject: subject,
      summary: "token issued by \(key), never seen for \(domain) since \(domainPlace.record.firstSeen!.rfc3339)", evidence: evidence)
  }

  private func expectedIssuers(of domain: String) -> (written: [String], patterns: [IssuerPattern])? {
    if let last = lastLookup, ExactString.sameStorage(last.domain, domain) { return last.found }
    let found = expected[domain]
    lastLookup = (domain, found)
    return found
  }

  /// Whether a learned issuer is the one `key` spells: "type", or "type/name" when there is a name.
  static func spells(_ learned: String, type: String, name: String) -> Bool {
    // No name (most sign-ins): the learned issuer is the type itself, a comparison of two short
    // strings' words, where walking the bytes cost about 100 instructions a sign-in.
    if name.isEmpty { return ExactString.identical(learned, type) }
    let typeCount = type.utf8.count
    let nameCount = name.utf8.count
    guard learned.utf8.count == (nameCount == 0 ? typeCount : typeCount + 1 + nameCount) else { return false }
    var bytes = learned.utf8.makeIterator()
    for byte in type.utf8 where bytes.next() != byte { return false }
    guard nameCount > 0 else { return true }
    guard bytes.next() == UInt8(ascii: "/") else { return false }
    for byte in name.utf8 where bytes.next() != byte { return false }
    return true
  }

  private func describe(domain: String, type: String, name: String) -> EvidenceBuilder {
    var evidence = EvidenceBuilder()
    evidence.add("domain", domain)
    evidence.add("issuer_type", type)
    evidence.add("issuer", name.isEmpty ? nil : name)
    return evidence
  }

}

/// One expected issuer: `AzureAD` accepts that type with any name; `ADFederationServices/sts.contoso.example`
/// both. Compared without regard to case, compiled once: this runs for every sign-in of a configured domain.
struct IssuerPattern {
  let type: [UInt8]
  let name: [UInt8]?

  init(_ written: String) {
    let bytes = Array(written.utf8)
    if let slash = bytes.firstIndex(of: UInt8(ascii: "/")) {
      type = Array(bytes[..<slash])
      name = Array(bytes[(slash + 1)...])
    } else {
      (type, name) = (bytes, nil)
    }
  }

  func matches(type eventType: String, name eventName: String) -> Bool {
    guard Self.equalIgnoringCase(type, eventType) else { return false }
    guard let name else { return true }
    return Self.equalIgnoringCase(name, eventName)
  }

  /// ASCII folds byte by byte; anything non-ASCII (an internationalised host name) is compared
  /// the slow way, with `String.lowercased()`.
  static func equalIgnoringCase(_ pattern: [UInt8], _ text: String) -> Bool {
    let ascii: Bool? = text.utf8.span.withUnsafeBufferPointer { bytes in
      if bytes.count == pattern.count {
        var i = 0
        while i < bytes.count, bytes[i] < 0x80, pattern[i] < 0x80 {
          if lower(bytes[i]) != lower(pattern[i]) { return false }
          i += 1
        }
        if i == bytes.count { return true }
      }
      // Lengths differ or a byte is not ASCII: only case folding beyond ASCII can still match.
      return bytes.allSatisfy { $0 < 0x80 } && pattern.allSatisfy { $0 < 0x80 } ? false : nil
    }
    if let ascii { return ascii }
    return String(decoding: pattern, as: UTF8.self).lowercased() == text.lowercased()
  }

  @inline(__always) private static func lower(_ byte: UInt8) -> UInt8 {
    byte &- 0x41 < 26 ? byte | 0x20 : byte
  }
}

/// A domain's string from the bytes `withDomainBytes` found, lower-cased when they need it.
func makeDomain(_ bytes: UnsafeBufferPointer<UInt8>, needsLowering: Bool) -> String {
  let made = String(decoding: bytes, as: UTF8.self)
  return needsLowering ? made.lowercased() : made
}

/// Runs `body` on the UTF-8 bytes of the domain of a UPN or e-mail address (after its last "@",
/// not empty) and whether they need lower-casing; nil when there is no domain. Works on the
/// bytes, not Characters: this runs for every sign-in, and lets the engine find a domain it
/// holds already without making its string again.
func withDomainBytes<R>(of upn: String, _ body: (UnsafeBufferPointer<UInt8>, _ needsLowering: Bool) -> R) -> R? {
  upn.utf8.span.withUnsafeBufferPointer { bytes -> R? in
    var at = bytes.count - 1
    while at >= 0, bytes[at] != UInt8(ascii: "@") { at -= 1 }
    guard at >= 0, at + 1 < bytes.count else { return nil }
    let domain = UnsafeBufferPointer(rebasing: bytes[(at + 1)...])
    // UPNs are lower-cased by the normalizers; lower-case again only when needed.
    return body(domain, hasUpperCaseOrNonASCII(UnsafeRawBufferPointer(domain)))
  }
}
