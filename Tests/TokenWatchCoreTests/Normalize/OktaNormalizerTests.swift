import Testing
import TokenWatchJSON

@testable import TokenWatchCore

private typealias T = NormalizeTestData

@Suite("Okta normalizer")
struct OktaNormalizerTests {
  @Test("sample_event.json: the raw Okta event in event.original (Classic session, zone \"null\")", .enabled(if: T.hasSharedData))
  func realSample() throws {
    let ecs = try T.parse(T.shared("elastic-integrations/sample_event.json"))
    let original = try #require(ecs.path(ecs.root, "event", "original"))
    var raw = JSONDocument()
    try raw.parse(stringAt: original, of: ecs)
    let e = try NormalizerRegistry().normalize(raw, raw.root)
    #expect(e.format == .okta)
    #expect(e.sourceDetail == "okta:user.session.start")
    #expect(e.kind == .signIn)
    #expect(e.interactive == true)
    #expect(e.time == T.time("2020-02-14T20:18:57.718Z"))
    #expect(e.outcome == .success)
    #expect(e.user == "00u1abvz4pYqdM8ms4x6")
    #expect(e.upn == "xxxxxx@elastic.co")
    #expect(e.actor == .human)
    #expect(e.session == "102bZDNFfWaQSyEZQuDgWt-uQ")
    #expect(e.ip == "108.255.197.247")
    #expect(e.country == "US")
    #expect(e.city == "Dublin")
    #expect(e.latitude == 37.7201)
    #expect(e.longitude == -121.919)
    #expect(e.userAgent == "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:72.0) Gecko/20100101 Firefox/72.0")
    #expect(e.app == nil)  // client.id null
    #expect(e.asn == nil)  // asNumber null
    #expect(e.device == nil)  // no dtHash, no device object
    #expect(e.issuer == nil)  // issuer null
    #expect(e.eventID == "3aeede38-4f67-11ea-abd3-1f5d113f2546")

    // The ECS wrapper itself is not an Okta event.
    let wrapperFailure = try T.failure(T.shared("elastic-integrations/sample_event.json"))
    #expect(wrapperFailure?.kind == .unknownFormat)
  }

  private func fixtureEvents() throws -> [NormalizedEvent] {
    let events = try T.events(T.fixture("okta-system-log.ndjson"))
    try #require(events.count == 10)
    return events
  }

  @Test("Identity Engine session start: idx session, dtHash over device.id, numeric postalCode, version 0")
  func identityEngineSessionStart() throws {
    let e = try fixtureEvents()[0]
    #expect(e.sourceDetail == "okta:user.session.start")
    #expect(e.kind == .signIn)
    #expect(e.interactive == true)
    #expect(e.time == T.time("2026-03-02T08:01:12.345Z"))
    #expect(e.user == "00u8r3k2xqTqBz7vW5d7")
    #expect(e.upn == "maja.lind@example.se")
    #expect(e.actor == .human)
    #expect(e.session == "idxR5t0qXx3T0eKfJ2b9c8dLw")
    #expect(e.device == "Hd4hBfVr2nG1lJxqN7tW_Q")
    #expect(e.ip == "81.236.48.17")
    #expect(e.asn == 3301)
    #expect(e.country == "SE")
    #expect(e.city == "Stockholm")
    #expect(e.latitude == 59.3293)
    #expect(e.longitude == 18.0686)
    #expect(e.outcome == .success)
    #expect(e.app == nil)
    #expect(e.eventID == "6b1d7e20-0c2f-11f1-9a3b-8d5e4f3a2b1c")
  }

  @Test("SSO is access; OAuth grant and revoke name the token from target[]")
  func ssoAndOAuth() throws {
    let events = try fixtureEvents()
    let sso = events[1]
    #expect(sso.kind == .access)
    #expect(sso.app == "okta.2b1959c8-bcc0-56eb-a589-cfcfb7422f26")
    #expect(sso.interactive == nil)

    let grant = events[2]
    #expect(grant.sourceDetail == "okta:app.oauth2.as.token.grant.refresh_token")
    #expect(grant.kind == .tokenIssued)
    #expect(grant.token == "rt.Kq8yZ4xW2vT6uR0sP9oN3mL")
    #expect(grant.user == "0oa4cli5E6f7G8h9I0j1")
    #expect(grant.actor == .service)  // PublicClientApp
    #expect(grant.app == "0oa4cli5E6f7G8h9I0j1")
    #expect(grant.issuer == "aus1a2b3c4D5e6F7g8h9")
    #expect(grant.issuerType == "AuthorizationServer")

    let revoke = events[4]
    #expect(revoke.kind == .tokenRevoked)
    #expect(revoke.token == "rt.Kq8yZ4xW2vT6uR0sP9oN3mL")
  }

  @Test("policy.evaluate_sign_on DENY from a new country: failure, ASN as a string, \"Russia\" → RU")
  func denyFromNewCountry() throws {
    let e = try fixtureEvents()[3]
    #expect(e.kind == .access)
    #expect(e.outcome == .failure)
    #expect(e.asn == 9009)
    #expect(e.country == "RU")
    #expect(e.city == "Moscow")
    #expect(e.device == nil)
    #expect(e.ip == "45.142.212.61")
  }

  @Test("session end; a deny-push event is .other with no \"unknown\" session")
  func sessionEndAndOther() throws {
    let events = try fixtureEvents()
    #expect(events[5].kind == .sessionEnd)
    #expect(events[5].session == "idxR5t0qXx3T0eKfJ2b9c8dLw")
    let other = events[8]
    #expect(other.kind == .other)
    #expect(other.sourceDetail == "okta:user.mfa.okta_verify.deny_push")
    #expect(other.outcome == .failure)
    #expect(other.session == nil)  // externalSessionId "unknown"
    #expect(other.user == "00u8r3k2xqTqBz7vW5d7")
  }

  @Test("user.lifecycle.deactivate: the disabled user is the target, not the admin actor")
  func deactivateSubjectIsTarget() throws {
    let e = try fixtureEvents()[6]
    #expect(e.kind == .userDisabled)
    #expect(e.user == "00u8r3k2xqTqBz7vW5d7")
    #expect(e.upn == "maja.lind@example.se")
    #expect(e.actor == .human)
    // The admin's session, device and network are not attributed to the disabled user.
    #expect(e.session == nil)
    #expect(e.device == nil)
    #expect(e.ip == nil)
    #expect(e.outcome == .success)
  }

  @Test("user.session.clear: a user-wide revocation of the target user")
  func sessionClear() throws {
    let e = try fixtureEvents()[7]
    #expect(e.kind == .tokenRevoked)
    #expect(e.user == "00u8r3k2xqTqBz7vW5d7")
    #expect(e.token == nil)
    #expect(e.session == nil)
  }

  @Test("Classic MFA step: 102 session, version \"0\", postalCode string, asNumber null, full country name")
  func classicMFA() throws {
    let e = try fixtureEvents()[9]
    #expect(e.kind == .access)
    #expect(e.session == "102bZDNFfWaQSyEZQuDgWt-uQ")
    #expect(e.asn == nil)
    #expect(e.country == "GB")
    #expect(e.city == "London")
  }

  @Test("event types map to kinds", arguments: [
    ("user.session.start", EventKind.signIn),
    ("user.authentication.sso", .access), ("user.authentication.auth_via_mfa", .access),
    ("user.authentication.verify", .access), ("policy.evaluate_sign_on", .access),
    ("app.oauth2.as.token.grant", .tokenIssued), ("app.oauth2.as.token.grant.access_token", .tokenIssued),
    ("app.oauth2.token.grant.id_token", .tokenIssued), ("app.oauth2.as.authorize.code", .tokenIssued),
    ("user.session.end", .sessionEnd), ("user.session.expire", .sessionEnd),
    ("user.session.clear", .tokenRevoked), ("app.oauth2.as.token.revoke", .tokenRevoked), ("app.oauth2.token.revoke", .tokenRevoked),
    ("user.lifecycle.deactivate", .userDisabled), ("user.lifecycle.suspend", .userDisabled),
    ("user.lifecycle.activate", .userEnabled), ("user.lifecycle.reactivate", .userEnabled), ("user.lifecycle.unsuspend", .userEnabled),
    ("user.account.lock", .other), ("app.oauth2.as.token.detect_reuse", .other), ("system.api_token.create", .other),
  ])
  func kinds(_ eventType: String, _ kind: EventKind) throws {
    let e = try T.normalize(#"{"eventType":""# + eventType + #"","published":"2026-01-01T00:00:00.000Z","uuid":"u","outcome":{"result":"SUCCESS"}}"#)
    #expect(e.kind == kind)
    #expect(e.sourceDetail == "okta:" + eventType)
  }

  @Test("outcome results", arguments: [
    ("SUCCESS", Outcome.success), ("ALLOW", .success), ("success", .success), ("FAILURE", .failure), ("DENY", .failure),
    ("SKIPPED", .unknown), ("CHALLENGE", .unknown), ("UNKNOWN", .unknown),
  ])
  func outcomes(_ result: String, _ outcome: Outcome) throws {
    let e = try T.normalize(#"{"eventType":"user.session.start","published":"2026-01-01T00:00:00Z","outcome":{"result":""# + result + #""}}"#)
    #expect(e.outcome == outcome)
  }

  @Test("device.id is used when there is no dtHash; access_token target for a grant")
  func deviceAndAccessToken() throws {
    let e = try T.normalize(#"""
      {"eventType":"app.oauth2.as.token.grant.access_token","published":"2026-01-01T00:00:00Z",
       "actor":{"id":"00uX","type":"User","alternateId":"Bob@Example.com"},
       "device":{"id":"guoDEV1"},"debugContext":{"debugData":{"dtHash":"null"}},
       "target":[{"id":"aus1","type":"AuthorizationServer"},{"id":"AT.abc","type":"access_token"}],
       "securityContext":{"asNumber":"AS 64500"},"client":{"zone":"null","geographicalContext":{"country":"us"}}}
      """#)
    #expect(e.device == "guoDEV1")
    #expect(e.token == "AT.abc")
    #expect(e.upn == "bob@example.com")
    #expect(e.asn == 64500)
    #expect(e.country == "US")
  }

  @Test("missing published is invalid; CloudTrail and hook envelopes are not Okta events")
  func rejects() throws {
    let failure = try T.failure(#"{"eventType":"user.session.start","uuid":"x"}"#)
    #expect(failure?.kind == .invalid)
    #expect(failure?.reason == "missing or invalid published")
    #expect(try !T.matches(OktaNormalizer.self, #"{"eventType":"AwsApiCall","eventTime":"2026-01-01T00:00:00Z","eventID":"e"}"#))
    #expect(try !T.matches(OktaNormalizer.self, #"{"eventType":"com.okta.event_hook","data":{"events":[]},"uuid":"x"}"#))
  }
}
