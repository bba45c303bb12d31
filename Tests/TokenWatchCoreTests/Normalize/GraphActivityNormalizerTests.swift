import Testing
import TokenWatchJSON

@testable import TokenWatchCore

private typealias T = NormalizeTestData

@Suite("Graph activity normalizer")
struct GraphActivityNormalizerTests {
  @Test("test-activitylogs-raw.log: Event Hub records, app and user callers", .enabled(if: T.hasSharedData))
  func realSample() throws {
    let events = try T.events(T.shared("elastic-integrations/test-activitylogs-raw.log"))
    try #require(events.count == 6)
    #expect(events.allSatisfy { $0.format == .graph && $0.kind == .access && $0.sourceDetail == "graph:MicrosoftGraphActivityLogs" })
    // Graph `location` is the serving Azure region: never a client country.
    #expect(events.allSatisfy { $0.country == nil && $0.city == nil && $0.latitude == nil && $0.longitude == nil })

    let app = events[0]
    #expect(app.time == T.time("2024-03-07T11:47:00.644Z"))
    #expect(app.user == "f2aq4c71-31e3-5066-92g3-4b3dfbav50f0")
    #expect(app.actor == .service)  // userId null, servicePrincipalId set
    #expect(app.token == "sign-in_ActivityId")
    #expect(app.app == "a5a68e12-268a-3c91-a5e2-b9254e67hb29")
    #expect(app.ip == "2a02:cf40:add:4002:91f2:a9b2:e09a:6fc6")
    #expect(app.userAgent == "python-requests/2.27.1")
    #expect(app.tokenIssuedAt == T.time("2024-03-07T11:42:00Z"))
    #expect(app.issuer == "https://sts.windows.net/a140785b-418d-4344-a4ec-8e9648919gdb/")
    #expect(app.outcome == .success)
    #expect(app.errorCode == nil)
    #expect(app.eventID == "f7739da0-e6d1-4e3f-985a-64937fbge347")
    #expect(app.session == nil)
    #expect(app.device == nil)

    let user = events[1]
    #expect(user.user == "b37ec517-0a34-4266-b627-f7bb0d679d70")
    #expect(user.actor == .human)
    #expect(user.outcome == .failure)  // 404
    #expect(user.userAgent == nil)  // ""
    #expect(user.ip == "81.2.69.143")

    #expect(events[2].issuer == nil)  // identityProvider null
    #expect(events[2].time == T.time("2024-03-07T16:42:22.849Z"))

    // The claim-style names seen in Elastic's fixture.
    #expect(events[5].session == "xyz000")
    #expect(events[5].device == "abc123")
  }

  @Test("Log Analytics rows: PascalCase, SessionId, status code as a string, Location ignored")
  func logAnalyticsRows() throws {
    let events = try T.events(T.fixture("graph-activity-loganalytics.ndjson"))
    try #require(events.count == 2)
    let user = events[0]
    #expect(user.format == .graph)
    #expect(user.kind == .access)
    #expect(user.time == T.time("2026-02-01T14:33:05.223Z"))
    #expect(user.token == "Bz1hOI89WU2reqpL121fAA")
    #expect(user.session == "da93ee3d-3dc0-45a5-be34-35aa228d1774")
    #expect(user.device == nil)  // DeviceId ""
    #expect(user.user == "7c2d9e41-5b3a-4f86-a1d0-8e6f2b4c9a15")
    #expect(user.actor == .human)
    #expect(user.app == "d3590ed6-52b3-4102-aeff-aad2292ab01c")
    #expect(user.ip == "185.220.101.47")
    #expect(user.userAgent == "python-requests/2.32.3")
    #expect(user.tokenIssuedAt == T.time("2026-02-01T13:59:44Z"))
    #expect(user.outcome == .success)
    #expect(user.issuer == "https://sts.windows.net/5f2c9a61-7d3e-4b8a-9c11-2e6f0a4b7d90/")
    #expect(user.eventID == "6e2f9a1c-7b3d-4e5f-8a9b-0c1d2e3f4a5b")
    #expect(user.country == nil)  // Location "West Europe" is a region

    let app = events[1]
    #expect(app.outcome == .failure)  // "403"
    #expect(app.user == "a9b8c7d6-e5f4-4a3b-2c1d-0e9f8a7b6c5d")
    #expect(app.actor == .service)
    #expect(app.tokenIssuedAt == nil)  // ""
    #expect(app.session == nil)
    #expect(app.device == "4a6c8e0b-2d4f-4a6c-8e0b-2d4f6a8c0e2b")
    #expect(app.token == "AO7_wDQSvEqd7wEjRWeJqw")
  }

  @Test("the Graph record inside a mixed Event Hub batch")
  func eventHubBatchMember() throws {
    let results = try T.normalizeAll(T.fixture("eventhub-batch-mixed.json"))
    let e = try results[2].get()
    #expect(e.format == .graph)
    #expect(e.token == "1MOisfble0qMnQ4fKjtMXQ")
    #expect(e.user == "e2a4c6e8-0b1d-4f3a-9c5e-7a9b1d3f5e7a")
    #expect(e.tokenIssuedAt == T.time("2026-03-04T08:20:11Z"))
    #expect(e.country == nil)
  }

  @Test("response status: < 400 success, >= 400 failure, missing unknown", arguments: [
    (#""responseStatusCode":200"#, Outcome.success), (#""responseStatusCode":399"#, .success),
    (#""responseStatusCode":400"#, .failure), (#""responseStatusCode":"401""#, .failure),
    (#""responseStatusCode":null"#, .unknown), (#""requestMethod":"GET""#, .unknown),
  ])
  func outcomes(_ field: String, _ expected: Outcome) throws {
    let e = try T.normalize(#"{"category":"MicrosoftGraphActivityLogs","time":"2026-01-01T00:00:00Z","properties":{"# + field + "}}")
    #expect(e.outcome == expected)
  }

  @Test("Event Hub: envelope time and callerIpAddress fill gaps; properties as JSON text")
  func envelopeFallbacks() throws {
    let e = try T.normalize(
      #"{"category":"MicrosoftGraphActivityLogs","time":"2026-01-01T12:00:00Z","callerIpAddress":"192.0.2.1","properties":"{\"userId\":\"u9\",\"C_DeviceId\":\"d9\",\"c_Sid\":\"s9\"}"}"#)
    #expect(e.time == T.time("2026-01-01T12:00:00Z"))
    #expect(e.ip == "192.0.2.1")
    #expect(e.user == "u9")
    #expect(e.device == "d9")
    #expect(e.session == "s9")
  }

  @Test("missing time is invalid, naming the field")
  func missingTime() throws {
    let failure = try T.failure(#"{"Type":"MicrosoftGraphActivityLogs","TimeGenerated":"","RequestId":"r"}"#)
    #expect(failure?.kind == .invalid)
    #expect(failure?.reason == "missing or invalid TimeGenerated")
  }

  @Test("matching: by category, by Type, by SignInActivityId+RequestUri; never a sign-in")
  func matching() throws {
    #expect(try T.matches(GraphActivityNormalizer.self, #"{"category":"MicrosoftGraphActivityLogs","properties":{}}"#))
    #expect(try T.matches(GraphActivityNormalizer.self, #"{"Type":"MicrosoftGraphActivityLogs"}"#))
    #expect(try T.matches(GraphActivityNormalizer.self, #"{"SignInActivityId":"x","RequestUri":"https://graph.microsoft.com/v1.0/me","TimeGenerated":"2026-01-01T00:00:00Z"}"#))
    #expect(try !T.matches(GraphActivityNormalizer.self, #"{"category":"SignInLogs","properties":{}}"#))
    #expect(try !T.matches(GraphActivityNormalizer.self, #"{"Type":"SigninLogs"}"#))
    #expect(try !T.matches(GraphActivityNormalizer.self, #"[1]"#))
  }
}
