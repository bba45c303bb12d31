import Testing
@testable import TokenWatchCore

@Suite struct IssuerDetectorTests {
  let issuer = rule(.issuer, severity: .high, params: ["expected": .lists(["issuers"]), "learning": .duration(.hours(24))])

  @Test func federatedTokenForCloudOnlyDomainFiresAtOnce() {
    let found = alerts([issuer], [
      event("2026-03-02T09:00:00Z", .signIn, upn: "bob@cloudonly.example", issuerType: "ADFederationServices", issuer: "adfs.attacker.example"),
    ])
    #expect(found.count == 1)
    #expect(found[0].severity == .critical)
    #expect(found[0].evidence("reason") == .string("unexpected"))
  }

  @Test func expectedIssuersDoNotFire() {
    #expect(alerts([issuer], [
      event("2026-03-02T09:00:00Z", .signIn, upn: "a@contoso.example", issuerType: "AzureAD"),
      event("2026-03-02T09:01:00Z", .signIn, upn: "b@contoso.example", issuerType: "ADFederationServices", issuer: "sts.contoso.example"),
      event("2026-03-02T09:02:00Z", .signIn, upn: "c@cloudonly.example", issuerType: "AzureAD"),
    ]).isEmpty)
  }

  /// The detector remembers the last domain it looked up: domains that take turns are each still
  /// held to their own expected issuers, and a domain with none is learned, not judged.
  @Test func domainsTakingTurnsAreEachCheckedAgainstTheirOwnIssuers() {
    let found = alerts([issuer], [
      event("2026-03-02T09:00:00Z", .signIn, user: "u1", upn: "a@contoso.example", issuerType: "AzureAD"),
      event("2026-03-02T09:01:00Z", .signIn, user: "u2", upn: "b@cloudonly.example", issuerType: "ADFederationServices", issuer: "sts.contoso.example"),
      event("2026-03-02T09:02:00Z", .signIn, user: "u3", upn: "c@contoso.example", issuerType: "ADFederationServices", issuer: "sts.contoso.example"),
      event("2026-03-02T09:03:00Z", .signIn, user: "u4", upn: "d@cloudonly.example", issuerType: "AzureAD"),
      event("2026-03-02T09:04:00Z", .signIn, user: "u5", upn: "e@fabrikam.example", issuerType: "SAML2", issuer: "idp.partner.example"),
      event("2026-03-02T09:05:00Z", .signIn, user: "u6", upn: "f@contoso.example", issuerType: "ADFederationServices", issuer: "sts.evil.example"),
      event("2026-03-02T09:06:00Z", .signIn, user: "u7", upn: "g@fabrikam.example", issuerType: "ADFederationServices", issuer: "sts.contoso.example"),
    ])
    #expect(found.map(\.user) == ["u2", "u6"])
    #expect(found.allSatisfy { $0.evidence("reason") == .string("unexpected") })
  }

  /// The detector remembers the last issuer a configured domain accepted, by its strings' storage:
  /// the next sign-in of that domain with the same type but another name, or another type, is
  /// still judged, and the accepted one again is not.
  @Test func anAcceptedIssuerIsRememberedWithItsTypeAndName() {
    let federation = "ADFederationServices"  // one storage for every event, as a decoder hands it out
    let found = alerts([issuer], [
      event("2026-03-02T09:00:00Z", .signIn, user: "u1", upn: "a@contoso.example", issuerType: federation, issuer: "sts.contoso.example"),
      event("2026-03-02T09:01:00Z", .signIn, user: "u2", upn: "b@contoso.example", issuerType: federation, issuer: "sts.evil.example"),
      event("2026-03-02T09:02:00Z", .signIn, user: "u3", upn: "c@contoso.example", issuerType: "AzureAD"),
      event("2026-03-02T09:03:00Z", .signIn, user: "u4", upn: "d@contoso.example", issuerType: "SAML2"),
      event("2026-03-02T09:04:00Z", .signIn, user: "u5", upn: "e@contoso.example", issuerType: "AzureAD"),
    ])
    #expect(found.map(\.user) == ["u2", "u4"])
  }

  /// A user's sign-ins find their domain at the slot the user record remembers, but only while
  /// no domain has left the store since: here the store's one slot goes to another domain in
  /// between, and the user's next sign-in is still held to its own domain's issuers.
  @Test func aRememberedDomainIsLookedUpAgainOnceTheStoreFreedASlot() {
    var ruleSet = RuleSet(rules: [issuer], lists: referenceLists)
    ruleSet.state.domains = .init(ttl: .days(365), maxEntries: 1)
    var engine = Engine(ruleSet: ruleSet)
    var out: [EngineRecord] = []
    // One storage for every sign-in of this user, as a decoder's string cache hands it out.
    let login = String(decoding: Array("someone.else@cloudonly.example".utf8), as: UTF8.self)
    let federated = (type: "ADFederationServices", name: "sts.contoso.example")  // contoso's, not cloudonly's
    engine.process(event("2026-03-02T09:00:00Z", .signIn, user: "u1", upn: login, issuerType: "AzureAD"), into: &out)
    engine.process(event("2026-03-02T09:01:00Z", .signIn, user: "u1", upn: login, issuerType: "AzureAD"), into: &out)
    engine.process(event("2026-03-02T09:02:00Z", .signIn, user: "u2", upn: "x@contoso.example", issuerType: federated.type, issuer: federated.name), into: &out)
    engine.process(event("2026-03-02T09:03:00Z", .signIn, user: "u1", upn: login, issuerType: federated.type, issuer: federated.name), into: &out)
    let found = out.compactMap { if case .alert(let a) = $0 { a } else { nil } }
    #expect(found.map(\.user) == ["u1"])
    #expect(found.first?.evidence("domain") == .string("cloudonly.example"))
  }

  /// The domain the engine finds a sign-in's issuer record by: `withDomainBytes`, then
  /// `makeDomain`, as `Engine.placeDomain` makes a domain new to the store.
  func userDomain(_ upn: String?) -> String? {
    guard let upn else { return nil }
    return withDomainBytes(of: upn, makeDomain)
  }

  @Test func userDomainIsAfterTheLastAtAndLowerCased() {
    #expect(userDomain("kim@subsidiary.contoso.example") == "subsidiary.contoso.example")
    #expect(userDomain("kim@SUBSIDIARY.contoso.example") == "subsidiary.contoso.example")
    #expect(userDomain("\"a@b\"@Contoso.example") == "contoso.example")
    #expect(userDomain("kim@ÅLAND.example") == "åland.example")
    #expect(userDomain("kim@") == nil)
    #expect(userDomain("kim") == nil)
    #expect(userDomain(nil) == nil)
  }

  @Test func expectedIssuerPatternsIgnoreCaseIncludingBeyondASCII() {
    let typeOnly = IssuerPattern("AzureAD")
    #expect(typeOnly.matches(type: "azuread", name: "anything"))
    #expect(typeOnly.matches(type: "AZUREAD", name: ""))
    #expect(!typeOnly.matches(type: "AzureADX", name: ""))
    #expect(!typeOnly.matches(type: "AzureA", name: ""))
    let federated = IssuerPattern("ADFederationServices/STS.Contoso.example")
    #expect(federated.matches(type: "adfederationservices", name: "sts.contoso.EXAMPLE"))
    #expect(!federated.matches(type: "ADFederationServices", name: "sts.contoso.example2"))
    #expect(!federated.matches(type: "ADFederationServices", name: "sts/contoso.example"))
    // Non-ASCII host names fold the way String.lowercased() folds them.
    let international = IssuerPattern("SAML2/idp.MÜLLER.example")
    #expect(international.matches(type: "saml2", name: "idp.müller.example"))
    #expect(!international.matches(type: "saml2", name: "idp.muller.example"))
    #expect(IssuerPattern("SAML2/\u{212A}.example").matches(type: "saml2", name: "k.example"))  // the Kelvin sign
  }

  @Test func wrongFederationServerNameForAKnownTypeFires() {
    let found = alerts([issuer], [
      event("2026-03-02T09:00:00Z", .signIn, upn: "a@contoso.example", issuerType: "ADFederationServices", issuer: "sts.evil.example"),
    ])
    #expect(found.count == 1)
  }

  /// A learned issuer is "type" or "type/name", compared exactly (case and all), whatever
  /// storage either side's strings are in.
  @Test func aLearnedIssuerSpellsExactlyItsTypeAndName() {
    let long = String(decoding: Array("ADFederationServices".utf8), as: UTF8.self)  // another storage
    #expect(IssuerDetector.spells("AzureAD", type: "AzureAD", name: ""))
    #expect(IssuerDetector.spells("ADFederationServices", type: long, name: ""))
    #expect(!IssuerDetector.spells("AzureAD", type: "azuread", name: ""))
    #expect(!IssuerDetector.spells("AzureAD", type: "AzureADX", name: ""))
    #expect(!IssuerDetector.spells("ADFederationServices/sts.contoso.example", type: long, name: ""))
    #expect(IssuerDetector.spells("ADFederationServices/sts.contoso.example", type: long, name: "sts.contoso.example"))
    #expect(!IssuerDetector.spells("ADFederationServices", type: long, name: "sts.contoso.example"))
    #expect(!IssuerDetector.spells("ADFederationServices/sts.contoso.exampl", type: long, name: "sts.contoso.example"))
  }

  @Test func newIssuerAfterLearningFiresButNotDuringLearning() {
    let during = alerts([issuer], [
      event("2026-03-02T09:00:00Z", .signIn, upn: "a@fabrikam.example", issuerType: "AzureAD"),
      event("2026-03-02T10:00:00Z", .signIn, upn: "b@fabrikam.example", issuerType: "SAML2", issuer: "idp.partner.example"),
    ])
    #expect(during.isEmpty)
    let after = alerts([issuer], [
      event("2026-03-02T09:00:00Z", .signIn, upn: "a@fabrikam.example", issuerType: "AzureAD"),
      event("2026-03-04T09:00:00Z", .signIn, upn: "a@fabrikam.example", issuerType: "AzureAD"),
      event("2026-03-04T10:00:00Z", .signIn, user: "u2", upn: "b@fabrikam.example", issuerType: "SAML2", issuer: "idp.unknown.example"),
    ])
    #expect(after.count == 1)
    #expect(after[0].evidence("reason") == .string("never_seen"))
    #expect(after[0].user == "u2")
  }

  @Test func failedSignInsAndAccessesAreIgnored() {
    #expect(alerts([issuer], [
      event("2026-03-02T09:00:00Z", .signIn, upn: "bob@cloudonly.example", outcome: .failure, issuerType: "ADFederationServices"),
      event("2026-03-02T09:00:00Z", .access, upn: "bob@cloudonly.example", issuerType: "ADFederationServices"),
    ]).isEmpty)
  }
}
