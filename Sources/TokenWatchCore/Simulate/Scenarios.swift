/// The labelled scenario library: one small dataset per detector behaviour (attacks and the
/// benign look-alikes that must stay quiet), a mixed demo day, and a bulk generator for
/// performance runs. Output depends only on the scenario name and the seed.
public enum ScenarioLibrary {
  /// The seed the committed datasets under `datasets/` were generated with.
  public static let defaultSeed: UInt64 = 20_260_301

  /// The seed the committed demo under `datasets/demo/` was generated with.
  public static let demoSeed: UInt64 = 20_260_310

  /// Scenario names in a stable order.
  public static var names: [String] { catalog.map(\.name) }

  /// Generates one scenario, or nil for an unknown name.
  public static func generate(_ name: String, seed: UInt64) -> GeneratedScenario? {
    guard let spec = catalog.first(where: { $0.name == name }) else { return nil }
    var builder = ScenarioBuilder(name: spec.name, description: spec.description, seed: seed, format: spec.format)
    spec.build(&builder)
    return builder.finish()
  }

  /// The format and one-line description of a scenario, without generating it.
  public static func summary(_ name: String) -> (format: String, description: String)? {
    catalog.first(where: { $0.name == name }).map { ($0.format, $0.description) }
  }
}

struct ScenarioSpec: Sendable {
  var name: String
  var format: String
  var description: String
  var build: @Sendable (inout ScenarioBuilder) -> Void
}

extension ScenarioLibrary {
  static let catalog: [ScenarioSpec] = [
    ScenarioSpec(
      name: "replay-okta-session-hijack", format: "okta",
      description: "An Okta session cookie stolen from a Chicago home is replayed from DigitalOcean in Amsterdam with the victim's exact user agent but another dtHash, interleaved with the victim's own use.",
      build: AttackScenarios.replayOktaSessionHijack),
    ScenarioSpec(
      name: "replay-entra-refresh-token", format: "mixed",
      description: "A Seattle user's access token from home and the refresh token of her office session are replayed from Hetzner in Germany: Graph calls with the home UTI and a non-interactive sign-in in the office session.",
      build: AttackScenarios.replayEntraRefreshToken),
    ScenarioSpec(
      name: "benign-multi-device", format: "entra",
      description: "One user works on a laptop at home and on a phone on the T-Mobile network at the same time: two sessions on two networks in one city.",
      build: BenignScenarios.multiDevice),
    ScenarioSpec(
      name: "benign-vpn-egress", format: "mixed",
      description: "A user signs in at home, then uses the same token and session through the corporate VPN egress 203.0.113.0/24, then goes back home.",
      build: BenignScenarios.vpnEgress),
    ScenarioSpec(
      name: "benign-proxy-ip-churn", format: "okta",
      description: "Branch-office users behind a Zscaler gateway: every request of one session leaves from another /24 of AS62044.",
      build: BenignScenarios.proxyChurn),
    ScenarioSpec(
      name: "benign-mobile-carrier-churn", format: "entra",
      description: "Phones whose address changes every few minutes across /24s of one carrier ASN while their sessions refresh.",
      build: BenignScenarios.mobileChurn),
    ScenarioSpec(
      name: "travel-same-token", format: "native",
      description: "One token is used in London, then from a Sydney ISP 40 minutes later, while the London user keeps using it.",
      build: AttackScenarios.travelSameToken),
    ScenarioSpec(
      name: "travel-same-user", format: "entra",
      description: "A user signs in from New York, then a separate session for the same user signs in from Moscow an hour later.",
      build: AttackScenarios.travelSameUser),
    ScenarioSpec(
      name: "benign-real-flight", format: "okta",
      description: "A user works in New York, flies, and starts a new session in London eight hours later.",
      build: BenignScenarios.realFlight),
    ScenarioSpec(
      name: "benign-vpn-travel", format: "entra",
      description: "A user in Paris turns on a consumer VPN (M247, AS9009) with a New York exit ten minutes after signing in.",
      build: BenignScenarios.vpnTravel),
    ScenarioSpec(
      name: "issuer-unexpected-federation", format: "entra",
      description: "A cloudonly.example user receives a token issued by an AD FS server (adfs.attacker.example) the domain never federates with; contoso.example users use AzureAD and sts.contoso.example as expected.",
      build: AttackScenarios.issuerUnexpectedFederation),
    ScenarioSpec(
      name: "issuer-new-after-learning", format: "native",
      description: "fabrikam.example signs in through AzureAD (and once through its own AD FS) for two days, then a token from SAML2 idp.unknown.example appears.",
      build: AttackScenarios.issuerNewAfterLearning),
    ScenarioSpec(
      name: "forged-token", format: "mixed",
      description: "Graph calls for a user whose sign-ins are ingested carry a token id no sign-in issued (a forged token); the user's own calls use issued tokens.",
      build: AttackScenarios.forgedToken),
    ScenarioSpec(
      name: "post-task-agent-token", format: "native",
      description: "An agent's task token is used two hours after the task ended; another agent starts a new task with a new token.",
      build: AttackScenarios.postTaskAgentToken),
    ScenarioSpec(
      name: "post-disable-offboarded-user", format: "native",
      description: "An offboarded user is disabled, then an access with the user's old token succeeds that evening.",
      build: AttackScenarios.postDisableOffboardedUser),
    ScenarioSpec(
      name: "post-revoke", format: "native",
      description: "All of a user's tokens are revoked; an old token is used afterwards, while the new token from a fresh sign-in is fine.",
      build: AttackScenarios.postRevoke),
    ScenarioSpec(
      name: "post-session-end-okta", format: "okta",
      description: "An Okta session is ended (user.session.end), then the same externalSessionId is used for SSO again.",
      build: AttackScenarios.postSessionEndOkta),
    ScenarioSpec(
      name: "dormant-integration-token", format: "native",
      description: "An integration token used daily for a week goes silent for 45 days, then bulk-reads CRM data from a DigitalOcean host; a backup integration used every 10 days stays quiet.",
      build: AttackScenarios.dormantIntegrationToken),
    ScenarioSpec(
      name: "benign-token-refresh-reauth", format: "entra",
      description: "A user moves from home to a coworking space, re-authenticates interactively there (new session, new token) and keeps refreshing from there.",
      build: BenignScenarios.refreshAfterReauth),
    ScenarioSpec(
      name: "benign-agent-new-task", format: "native",
      description: "Agents start every task with a new token and never reuse the tokens of ended tasks.",
      build: BenignScenarios.agentNewTasks),
  ]
}

/// Shorthand for the time literals scenarios are written with.
func at(_ text: String) -> EventTime { .at(text) }
