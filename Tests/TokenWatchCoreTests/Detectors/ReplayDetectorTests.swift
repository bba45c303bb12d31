import Testing
@testable import TokenWatchCore

@Suite struct ReplayDetectorTests {
  let replay = rule(.replay, params: ["trusted": .lists(["trusted", "trusted_asns"]), "hosting": .lists(["hosting"]), "vpn": .lists(["vpn"])])
  let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/127.0.0.0 Safari/537.36"

  @Test func sessionReplayedFromHostingWithCopiedUserAgentAndNewDeviceFires() {
    let found = alerts([replay], [
      event("2026-03-02T09:00:00Z", .signIn, session: "s1", ip: "73.1.2.3", asn: 7922, country: "US", userAgent: chrome, device: "dtA", interactive: true),
      event("2026-03-02T09:05:00Z", .access, session: "s1", ip: "73.1.2.3", asn: 7922, country: "US", userAgent: chrome, device: "dtA"),
      event("2026-03-02T09:10:00Z", .access, session: "s1", ip: "167.99.1.2", asn: 14061, country: "NL", userAgent: chrome, device: "dtB"),
    ])
    #expect(found.count == 1)
    let alert = found[0]
    #expect(alert.subject == .session("s1"))
    // Hosting network and the victim active 5 minutes earlier: medium raised twice.
    #expect(alert.severity == .critical)
    #expect(alert.evidence("interleaved") == .bool(true))
    #expect(alert.evidence("same_user_agent") == .bool(true))
    #expect(alert.evidence("device_changed") == .bool(true))
    #expect(alert.evidence("network_type") == .string("hosting"))
  }

  @Test func tokenLevelAlertWinsOverSessionLevel() {
    let found = alerts([replay], [
      event("2026-03-02T09:00:00Z", .tokenIssued, token: "t1", session: "s1", ip: "73.1.2.3", asn: 7922, country: "US"),
      event("2026-03-02T12:00:00Z", .access, token: "t1", session: "s1", ip: "81.2.3.4", asn: 5089, country: "GB"),
    ])
    #expect(found.map(\.subject) == [.token("t1")])
    #expect(found[0].severity == .medium)  // not interleaved (3 h apart), not hosting
  }

  @Test func sameNetworkDifferentIPsDoNotFire() {
    // A corporate proxy or a mobile carrier: many /24s, one ASN.
    let events = (0..<20).map { i in
      event("2026-03-02T09:\(String(format2(i))):00Z", .access, session: "s1", ip: "172.56.\(i * 7).\(i)", asn: 21928, country: "US")
    }
    #expect(alerts([replay], events).isEmpty)
  }

  @Test func trustedNetworksNeverFire() {
    #expect(alerts([replay], [
      event("2026-03-02T09:00:00Z", .signIn, session: "s1", ip: "73.1.2.3", asn: 7922, country: "US"),
      event("2026-03-02T09:30:00Z", .access, session: "s1", ip: "203.0.113.10", asn: 3356, country: "US"),
      event("2026-03-02T09:40:00Z", .access, session: "s1", ip: "8.8.8.8", asn: 64500, country: "US"),
    ]).isEmpty)
  }

  @Test func countryChangeInsideOneASNFires() {
    let found = alerts([replay], [
      event("2026-03-02T09:00:00Z", .signIn, session: "s1", ip: "3.1.2.3", asn: 16509, country: "US"),
      event("2026-03-02T09:30:00Z", .access, session: "s1", ip: "3.9.9.9", asn: 16509, country: "BR"),
    ])
    #expect(found.count == 1)
  }

  @Test func sameKnownDeviceSigningInFromANewNetworkExtendsTheBaseline() {
    #expect(alerts([replay], [
      event("2026-03-02T09:00:00Z", .tokenIssued, session: "s1", ip: "73.1.2.3", asn: 7922, country: "US", device: "laptop-1"),
      event("2026-03-02T18:00:00Z", .tokenIssued, session: "s1", ip: "24.1.2.3", asn: 7018, country: "US", device: "laptop-1"),
      event("2026-03-02T18:05:00Z", .access, session: "s1", ip: "24.1.2.3", asn: 7018, country: "US", device: "laptop-1"),
    ]).isEmpty)
  }

  @Test func deviceClaimOnAnAccessDoesNotExtendTheBaseline() {
    // Resource logs copy the device id from the (stolen) token's claims.
    let found = alerts([replay], [
      event("2026-03-02T09:00:00Z", .tokenIssued, token: "t1", ip: "73.1.2.3", asn: 7922, country: "US", device: "laptop-1"),
      event("2026-03-02T09:20:00Z", .access, token: "t1", ip: "45.1.2.3", asn: 24940, country: "DE", device: "laptop-1"),
    ])
    #expect(found.count == 1)
  }

  @Test func failedUsesAndDifferentSessionsDoNotFire() {
    #expect(alerts([replay], [
      event("2026-03-02T09:00:00Z", .signIn, session: "laptop", ip: "73.1.2.3", asn: 7922, country: "US"),
      event("2026-03-02T09:01:00Z", .signIn, session: "phone", ip: "172.56.1.2", asn: 21928, country: "US"),
      event("2026-03-02T09:02:00Z", .access, session: "laptop", ip: "45.1.2.3", asn: 24940, country: "DE", outcome: .failure),
    ]).isEmpty)
  }
}

func format2(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
