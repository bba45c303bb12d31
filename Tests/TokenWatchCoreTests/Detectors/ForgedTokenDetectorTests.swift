import Testing
@testable import TokenWatchCore

@Suite struct ForgedTokenDetectorTests {
  let forged = rule(.forged, severity: .high)

  @Test func accessWithNeverIssuedTokenWhileSignInsAreIngestedFires() {
    let found = alerts([forged], [
      event("2026-03-02T08:00:00Z", .signIn, token: "issued-1", ip: "73.1.2.3"),
      event("2026-03-02T08:10:00Z", .access, token: "issued-1", ip: "73.1.2.3"),
      event("2026-03-02T09:30:00Z", .access, token: "forged-1", ip: "45.1.2.3"),
    ])
    #expect(found.map(\.subject) == [.token("forged-1")])
  }

  @Test func noSignInsIngestedForTheUserMeansNoAlert() {
    #expect(alerts([forged], [
      event("2026-03-02T08:00:00Z", .signIn, user: "other", token: "x"),
      event("2026-03-02T09:30:00Z", .access, user: "u1", token: "unknown"),
    ]).isEmpty)
  }

  @Test func tokenIssuedBeforeOurFirstSignInIsNotCalledForged() {
    #expect(alerts([forged], [
      event("2026-03-02T08:00:00Z", .signIn, token: "a"),
      event("2026-03-02T10:30:00Z", .access, token: "old", tokenIssuedAt: "2026-03-02T07:55:00Z"),
    ]).isEmpty)
    #expect(alerts([forged], [
      event("2026-03-02T08:00:00Z", .signIn, token: "a"),
      event("2026-03-02T08:20:00Z", .access, token: "new", tokenIssuedAt: "2026-03-02T08:10:00Z"),
    ]).count == 1)
  }

  @Test func withoutIssueTimeTheStreamMustOutliveATokenLifetime() {
    // 30 minutes into the stream a token could have been issued before we started watching.
    #expect(alerts([forged], [
      event("2026-03-02T08:00:00Z", .signIn, token: "a"),
      event("2026-03-02T08:30:00Z", .access, token: "b"),
    ]).isEmpty)
  }

  @Test func staleIngestionDoesNotFire() {
    #expect(alerts([forged], [
      event("2026-03-02T08:00:00Z", .signIn, token: "a"),
      event("2026-03-04T08:00:00Z", .access, token: "b"),
    ]).isEmpty)
  }
}
