import Testing
@testable import TokenWatchCore
import TokenWatchJSON

@Suite struct ResponsePlannerTests {
  func risk(_ user: String, _ level: RiskLevel, at time: String, upn: String? = nil, actor: ActorType = .human, rules: [String] = ["TW-001"]) -> RiskRecord {
    RiskRecord(
      id: "tw-risk-\(user)-\(time)", time: EventTime(rfc3339: time)!, user: user, upn: upn, actor: actor, level: level, previousLevel: .low,
      score: 60, alerts: ["tw-a"], rules: rules, tokens: ["t"], sessions: ["s"])
  }

  func policy() -> ResponsePolicy {
    var p = ResponsePolicy()
    p.cooldown = .hours(6)
    p.neverAct = ["breakglass@contoso.example"]
    p.hooks = [
      "soc": Hook(name: "soc", kind: .webhook(url: "https://soc.example/h", headers: []), secret: nil, timeout: .seconds(5)),
      "revoke": Hook(name: "revoke", kind: .file(path: "/tmp/x"), secret: nil, timeout: .seconds(5)),
      "agent": Hook(name: "agent", kind: .exec(argv: ["/bin/true"]), secret: nil, timeout: .seconds(5)),
    ]
    p.routes = [
      ResponseRoute(levels: [.high], rules: [], actors: [], hooks: ["revoke", "soc"]),
      ResponseRoute(levels: [.medium, .high], rules: ["TW-005"], actors: [], hooks: ["soc"]),
      ResponseRoute(levels: [.medium], rules: [], actors: [.agent], hooks: ["agent"]),
    ]
    return p
  }

  func hooks(_ decisions: [ResponsePlanner.Decision]) -> [String] {
    decisions.map {
      switch $0 {
      case .act(let a): "act:" + a.hook
      case .neverAct(let a): "never:" + a.hook
      case .coolingDown(let a, _): "cool:" + a.hook
      }
    }
  }

  @Test func routesMatchLevelRuleAndActorAndHooksFireOnceEach() {
    var planner = ResponsePlanner(policy: policy())
    #expect(hooks(planner.plan(risk("u1", .high, at: "2026-03-02T09:00:00Z", rules: ["TW-005"]))) == ["act:revoke", "act:soc"])
    #expect(hooks(planner.plan(risk("u2", .medium, at: "2026-03-02T09:00:00Z", rules: ["TW-005"]))) == ["act:soc"])
    #expect(hooks(planner.plan(risk("u3", .medium, at: "2026-03-02T09:00:00Z", actor: .agent))) == ["act:agent"])
    #expect(hooks(planner.plan(risk("u4", .medium, at: "2026-03-02T09:00:00Z"))).isEmpty)
    #expect(hooks(planner.plan(risk("u5", .low, at: "2026-03-02T09:00:00Z", rules: ["TW-005"]))).isEmpty)
  }

  @Test func oneIncidentFiresOncePerUserAndLevelWithinTheCooldown() {
    var planner = ResponsePlanner(policy: policy())
    #expect(hooks(planner.plan(risk("u1", .high, at: "2026-03-02T09:00:00Z"))) == ["act:revoke", "act:soc"])
    #expect(hooks(planner.plan(risk("u1", .high, at: "2026-03-02T12:00:00Z"))) == ["cool:revoke", "cool:soc"])
    #expect(hooks(planner.plan(risk("u1", .high, at: "2026-03-02T15:30:00Z"))) == ["act:revoke", "act:soc"])
  }

  @Test func neverActUsersAreReportedNotActedOn() {
    var planner = ResponsePlanner(policy: policy())
    #expect(hooks(planner.plan(risk("u9", .high, at: "2026-03-02T09:00:00Z", upn: "BreakGlass@contoso.example"))) == ["never:revoke", "never:soc"])
  }

  @Test func actionIDsAreDeterministicPerRiskRecordAndHook() {
    var a = ResponsePlanner(policy: policy())
    var b = ResponsePlanner(policy: policy())
    let record = risk("u1", .high, at: "2026-03-02T09:00:00Z")
    let first = a.plan(record)
    #expect(first == b.plan(record))
    guard case .act(let revoke) = first[0], case .act(let soc) = first[1] else { Issue.record("expected actions"); return }
    #expect(revoke.id != soc.id)
    #expect(revoke.id.hasPrefix("act-"))
  }

  @Test func actionRequestsRoundTripThroughTheJournalEncoding() throws {
    var planner = ResponsePlanner(policy: policy())
    guard case .act(let action) = planner.plan(risk("u1", .high, at: "2026-03-02T09:00:00Z", upn: "a@b.example"))[0] else { Issue.record("no action"); return }
    var document = JSONDocument()
    try document.parse(ActionEncoder.requestJSON(action))
    #expect(ActionEncoder.parseRequest(document, document.root) == action)
  }

  @Test func securityEventTokenForSessionRevocationNamesUserAndSession() throws {
    var planner = ResponsePlanner(policy: policy())
    guard case .act(let action) = planner.plan(risk("u1", .high, at: "2026-03-02T09:00:00Z", upn: "a@b.example"))[0] else { Issue.record("no action"); return }
    let options = SSFHookOptions(url: "https://idp.example/ssf", event: "session-revoked", issuer: "https://tw.example/", audience: "https://idp.example/", subject: .email, subjectIssuer: nil, unsecured: false, credentialType: nil)
    let token = try #require(SecurityEventTokenBuilder.token(for: action, options: options, issuedAt: 1_772_442_000))
    #expect(token.subject == .complex(user: .email("a@b.example"), session: .opaque("s"), tenant: nil))
    #expect(token.jti == action.id)
    #expect(token.claimsJSON().contains(#""events":{"https://schemas.openid.net/secevent/caep/event-type/session-revoked":{"#))
    let compact = try #require(SecurityEventTokenBuilder.compactToken(for: action, options: options, key: Array("k".utf8), issuedAt: 1_772_442_000))
    #expect(JWS.verifyHS256(compact, key: Array("k".utf8)) != nil)
    var compromise = options
    compromise.event = "credential-compromise"
    #expect(SecurityEventTokenBuilder.compactToken(for: action, options: compromise, key: nil, issuedAt: 1) == nil, "credential_type is required")
  }
}
