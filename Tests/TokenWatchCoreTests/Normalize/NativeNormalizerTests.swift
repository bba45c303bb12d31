import Testing
import TokenWatchJSON

@testable import TokenWatchCore

private typealias T = NormalizeTestData

@Suite("Native normalizer")
struct NativeNormalizerTests {
  @Test("fixture: every field of schema v1")
  func fixture() throws {
    let events = try T.events(T.fixture("native-events.ndjson"))
    try #require(events.count == 5)
    let e = events[0]
    #expect(e.format == .native)
    #expect(e.sourceDetail == "native:signin")
    #expect(e.kind == .signIn)
    #expect(e.time == T.time("2026-03-05T09:00:00Z"))
    #expect(e.user == "u-1001")
    #expect(e.upn == "ann.berg@example.com")
    #expect(e.actor == .human)
    #expect(e.session == "s-77")
    #expect(e.token == "t-1")
    #expect(e.app == "portal")
    #expect(e.issuer == "https://login.example.com")
    #expect(e.issuerType == "oidc")
    #expect(e.ip == "198.51.100.7")
    #expect(e.asn == 64500)
    #expect(e.country == "SE")
    #expect(e.city == "Gothenburg")
    #expect(e.latitude == 57.7089)
    #expect(e.longitude == 11.9746)
    #expect(e.userAgent == "Mozilla/5.0 (X11; Linux x86_64) Firefox/135.0")
    #expect(e.device == "dev-42")
    #expect(e.bound == true)
    #expect(e.trustedNetwork == true)
    #expect(e.outcome == .success)
    #expect(e.eventID == "evt-1")
    #expect(e.interactive == nil)

    let access = events[1]
    #expect(access.kind == .access)
    #expect(access.time == T.time("2026-03-05T08:05:30.250Z"))  // +01:00
    #expect(access.asn == 64511)
    #expect(access.outcome == .failure)
    #expect(access.tokenIssuedAt == T.time("2026-03-05T08:00:00Z"))
    #expect(access.latitude == nil)  // null
    #expect(access.actor == .unknown)
    #expect(access.trustedNetwork == false)

    #expect(events[2].kind == .tokenIssued)
    #expect(events[2].actor == .agent)
    #expect(events[2].task == "task-311")
    #expect(events[2].country == nil)  // ""
    #expect(events[3].kind == .taskEnd)
    #expect(events[3].sourceDetail == "native:task_end")
    #expect(events[4].kind == .userDisabled)
    #expect(events[4].actor == .service)
  }

  @Test("every kind but other is accepted", arguments: EventKind.allCases.filter { $0 != .other })
  func kinds(_ kind: EventKind) throws {
    let e = try T.normalize(#"{"time":"2026-01-01T00:00:00Z","kind":""# + kind.rawValue + #""}"#)
    #expect(e.kind == kind)
    #expect(e.sourceDetail == "native:" + kind.rawValue)
  }

  @Test("errors name the field and the problem", arguments: [
    (#"{"kind":"signin","time":null}"#, #"missing "time""#),
    (#"{"time":"yesterday","kind":"signin"}"#, #""time" is not an RFC 3339 date-time: "yesterday""#),
    (#"{"time":1767225600,"kind":"signin"}"#, #""time" must be a string"#),
    (#"{"time":"2026-01-01T00:00:00Z","kind":""}"#, #"missing "kind""#),
    (#"{"time":"2026-01-01T00:00:00Z","kind":"login"}"#, #"unknown kind "login""#),
    (#"{"time":"2026-01-01T00:00:00Z","kind":"other"}"#, #"unknown kind "other""#),
    (#"{"time":"2026-01-01T00:00:00Z","kind":"signin","lat":"57.7"}"#, #""lat" must be a number"#),
    (#"{"time":"2026-01-01T00:00:00Z","kind":"signin","lon":true}"#, #""lon" must be a number"#),
    (#"{"time":"2026-01-01T00:00:00Z","kind":"signin","outcome":"ok"}"#, #""outcome" must be success or failure"#),
    (#"{"time":"2026-01-01T00:00:00Z","kind":"signin","actor":"robot"}"#, #""actor" must be human, agent or service"#),
    (#"{"time":"2026-01-01T00:00:00Z","kind":"signin","bound":"true"}"#, #""bound" must be true or false"#),
    (#"{"time":"2026-01-01T00:00:00Z","kind":"signin","trusted":1}"#, #""trusted" must be true or false"#),
    (#"{"time":"2026-01-01T00:00:00Z","kind":"signin","user":42}"#, #""user" must be a string"#),
    (#"{"time":"2026-01-01T00:00:00Z","kind":"signin","upn":["a"]}"#, #""upn" must be a string"#),
    (#"{"time":"2026-01-01T00:00:00Z","kind":"signin","asn":"ASX"}"#, #""asn" must be an AS number"#),
    (#"{"time":"2026-01-01T00:00:00Z","kind":"signin","asn":64500.5}"#, #""asn" must be an AS number"#),
    (#"{"time":"2026-01-01T00:00:00Z","kind":"signin","token_issued_at":"soon"}"#, #""token_issued_at" is not an RFC 3339 date-time: "soon""#),
  ])
  func errors(_ json: String, _ expected: String) throws {
    let failure = try T.failure(json, with: NativeNormalizer.self)
    #expect(failure?.kind == .invalid)
    #expect(failure?.reason.contains(expected) == true, "\(failure?.reason ?? "no failure")")
  }

  @Test("the unknown-kind error lists the allowed kinds")
  func unknownKindListsKinds() throws {
    let failure = try T.failure(#"{"time":"2026-01-01T00:00:00Z","kind":"login"}"#)
    #expect(failure?.reason == "unknown kind \"login\" (expected one of: signin, access, token_issued, session_end, token_revoked, user_disabled, user_enabled, task_end)")
  }

  @Test("defaults and leniency: outcome success, null and \"\" absent, unknown keys ignored, ASN forms")
  func defaults() throws {
    let e = try T.normalize(#"{"time":"2026-01-01T00:00:00Z","kind":"access","v":2,"future_field":{"x":1},"user":"","token":null,"asn":"64500"}"#)
    #expect(e.outcome == .success)
    #expect(e.user == nil)
    #expect(e.token == nil)
    #expect(e.asn == 64500)
    #expect(e.bound == nil)
  }

  @Test("matches only objects with kind and time and no vendor keys")
  func matching() throws {
    #expect(try T.matches(NativeNormalizer.self, #"{"time":"t","kind":"k"}"#))
    #expect(try !T.matches(NativeNormalizer.self, #"{"time":"t"}"#))
    #expect(try !T.matches(NativeNormalizer.self, #"{"time":"t","kind":"k","category":"SignInLogs"}"#))
    #expect(try !T.matches(NativeNormalizer.self, #"{"time":"t","kind":"k","eventType":"user.session.start"}"#))
    #expect(try !T.matches(NativeNormalizer.self, #"{"time":"t","kind":"k","properties":{}}"#))
  }
}
