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

  @Test func wrongFederationServerNameForAKnownTypeFires() {
    let found = alerts([issuer], [
      event("2026-03-02T09:00:00Z", .signIn, upn: "a@contoso.example", issuerType: "ADFederationServices", issuer: "sts.evil.example"),
    ])
    #expect(found.count == 1)
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
