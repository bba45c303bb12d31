import Testing
@testable import TokenWatchCore

@Suite struct PostTaskUseDetectorTests {
  let post = rule(.postTaskUse, severity: .high)

  @Test func agentTokenUsedAfterItsTaskEndedFires() {
    let found = alerts([post], [
      event("2026-03-02T09:00:00Z", .tokenIssued, user: "agent-7", token: "t1", task: "T1", actor: .agent),
      event("2026-03-02T09:30:00Z", .access, user: "agent-7", token: "t1"),
      event("2026-03-02T10:00:00Z", .taskEnd, user: "agent-7", task: "T1"),
      event("2026-03-02T12:00:00Z", .access, user: "agent-7", token: "t1"),
    ])
    #expect(found.count == 1)
    #expect(found[0].severity == .high)
    #expect(found[0].evidence("reason") == .string("task_ended"))
  }

  @Test func newTaskWithNewTokenIsFine() {
    #expect(alerts([post], [
      event("2026-03-02T09:00:00Z", .tokenIssued, user: "agent-7", token: "t1", task: "T1", actor: .agent),
      event("2026-03-02T10:00:00Z", .taskEnd, user: "agent-7", task: "T1"),
      event("2026-03-02T10:05:00Z", .tokenIssued, user: "agent-7", token: "t2", task: "T2", actor: .agent),
      event("2026-03-02T10:06:00Z", .access, user: "agent-7", token: "t2"),
    ]).isEmpty)
  }

  @Test func useAfterUserDisabledIsCritical() {
    let found = alerts([post], [
      event("2026-03-02T09:00:00Z", .signIn, token: "t1"),
      event("2026-03-03T09:00:00Z", .userDisabled, token: nil),
      event("2026-03-03T11:00:00Z", .access, token: "t1"),
    ])
    #expect(found.count == 1)
    #expect(found[0].severity == .critical)
    #expect(found[0].evidence("reason") == .string("user_disabled"))
  }

  @Test func reEnabledUserIsFine() {
    #expect(alerts([post], [
      event("2026-03-02T09:00:00Z", .signIn, token: "t1"),
      event("2026-03-03T09:00:00Z", .userDisabled),
      event("2026-03-03T10:00:00Z", .userEnabled),
      event("2026-03-03T11:00:00Z", .access, token: "t1"),
    ]).isEmpty)
  }

  @Test func userWideRevocationCatchesOldTokensOnly() {
    let found = alerts([post], [
      event("2026-03-02T09:00:00Z", .signIn, token: "old"),
      event("2026-03-02T10:00:00Z", .tokenRevoked),
      event("2026-03-02T10:05:00Z", .signIn, token: "new"),
      event("2026-03-02T10:10:00Z", .access, token: "new"),
      event("2026-03-02T10:20:00Z", .access, token: "old"),
    ])
    #expect(found.map(\.subject) == [.token("old")])
    #expect(found[0].evidence("reason") == .string("user_tokens_revoked"))
  }

  @Test func tokenRevocationAndSessionEnd() {
    let found = alerts([post], [
      event("2026-03-02T09:00:00Z", .signIn, token: "t1", session: "s1"),
      event("2026-03-02T09:10:00Z", .tokenRevoked, token: "t1"),
      event("2026-03-02T09:20:00Z", .access, token: "t1"),
      event("2026-03-02T09:30:00Z", .sessionEnd, session: "s1"),
      event("2026-03-02T09:40:00Z", .access, session: "s1"),
    ])
    #expect(found.map { $0.evidence("reason") } == [.string("token_revoked"), .string("session_ended")])
  }

  @Test func failedUseAfterRevocationIsTheControlWorking() {
    #expect(alerts([post], [
      event("2026-03-02T09:00:00Z", .signIn, token: "t1"),
      event("2026-03-02T09:10:00Z", .tokenRevoked, token: "t1"),
      event("2026-03-02T09:20:00Z", .access, token: "t1", outcome: .failure),
    ]).isEmpty)
  }
}
