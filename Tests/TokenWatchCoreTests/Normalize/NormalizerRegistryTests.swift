import Testing
import TokenWatchJSON

@testable import TokenWatchCore

private typealias T = NormalizeTestData

@Suite("Normalizer registry")
struct NormalizerRegistryTests {
  @Test("built-in order: most specific first, one per format")
  func builtInOrder() {
    #expect(NormalizerRegistry.builtIn.map { $0.format } == [.graph, .entra, .okta, .native])
    #expect(Set(NormalizerRegistry.builtIn.map { $0.format }) == Set(InputFormat.allCases))
  }

  // MARK: - Envelopes

  private func recordCount(_ json: String) throws -> Int {
    let document = try T.parse(json)
    return NormalizerRegistry().records(in: document, document.root).count
  }

  @Test("envelopes expand into their records")
  func envelopes() throws {
    #expect(try recordCount(#"{"records":[{"a":1},{"b":2},{"c":3}]}"#) == 3)
    #expect(try recordCount(#"{"eventType":"com.okta.event_hook","data":{"events":[{"a":1},{"b":2}]}}"#) == 2)
    #expect(try recordCount(#"{"data":{"events":[{"a":1}]}}"#) == 1)  // hook body without eventType
    #expect(try recordCount(#"[{"a":1},{"b":2}]"#) == 2)
    #expect(try recordCount(#"[{"records":[{"a":1},{"b":2}]},{"records":[{"c":3}]},{"d":4}]"#) == 4)  // a batch of messages
    #expect(try recordCount(#"{"records":[]}"#) == 0)
    #expect(try recordCount(#"[]"#) == 0)
  }

  @Test("non-envelopes are their own record")
  func nonEnvelopes() throws {
    #expect(try recordCount(#"{"time":"t","kind":"signin"}"#) == 1)
    #expect(try recordCount(#"{"records":"not an array"}"#) == 1)
    #expect(try recordCount(#"{"eventType":"user.session.start","data":{"events":[{"a":1}]}}"#) == 1)  // an event, not a hook
    #expect(try recordCount(#""text""#) == 1)
    #expect(try recordCount(#"42"#) == 1)
  }

  @Test("a record that is no envelope is the value itself, and the only one")
  func plainRecordIsTheValue() throws {
    let document = try T.parse(#"{"time":"t","kind":"signin"}"#)
    let records = NormalizerRegistry().records(in: document, document.root)
    #expect(Array(records) == [document.root])
    #expect(records.indices == 0..<1)
  }

  @Test("Event Hub batch mixing categories routes each record")
  func eventHubBatch() throws {
    let results = try T.normalizeAll(T.fixture("eventhub-batch-mixed.json"))
    try #require(results.count == 4)
    #expect(try results[0].get().format == .entra)
    #expect(try results[1].get().format == .entra)
    #expect(try results[2].get().format == .graph)
    guard case .failure(let failure) = results[3] else {
      Issue.record("AuditLogs accepted")
      return
    }
    #expect(failure.kind == .unknownCategory)
  }

  @Test("Okta event hook: the events inside, in order")
  func oktaHook() throws {
    let events = try T.events(T.fixture("okta-event-hook.json"))
    #expect(events.map(\.sourceDetail) == ["okta:user.session.start", "okta:user.lifecycle.deactivate"])
    #expect(events.map(\.kind) == [.signIn, .userDisabled])
    #expect(events.allSatisfy { $0.user == "00u8r3k2xqTqBz7vW5d7" })
  }

  @Test("Log Analytics export: a top-level array")
  func logAnalyticsArray() throws {
    let results = try T.normalizeAll(T.fixture("entra-loganalytics-export-2026.json"))
    #expect(results.count == 3)
    #expect(try results[0].get().sourceDetail == "entra:SigninLogs")
  }

  @Test("every fixture record reaches the right normalizer", arguments: [
    ("entra-graph-signin.json", InputFormat.entra), ("graph-activity-loganalytics.ndjson", .graph),
    ("okta-system-log.ndjson", .okta), ("native-events.ndjson", .native),
  ])
  func fixturesRoute(_ file: String, _ format: InputFormat) throws {
    let events = try T.events(T.fixture(file))
    #expect(!events.isEmpty)
    #expect(events.allSatisfy { $0.format == format })
  }

  @Test("real public samples: Entra and Graph records all normalize", .enabled(if: T.hasSharedData), arguments: [
    ("elastic-integrations/test-signinlogs-sample.log", InputFormat.entra, 2),
    ("elastic-integrations/test-non-interactive-user-signin.log", .entra, 1),
    ("elastic-integrations/test-signinlogs-raw.log", .entra, 5),
    ("elastic-integrations/test-activitylogs-raw.log", .graph, 6),
  ])
  func realSamples(_ file: String, _ format: InputFormat, _ count: Int) throws {
    let events = try T.events(T.shared(file))
    #expect(events.count == count)
    #expect(events.allSatisfy { $0.format == format })
  }

  @Test("CloudTrail is not a known format, and the reason names its keys", .enabled(if: T.hasSharedData))
  func cloudTrailUnknown() throws {
    let results = try T.normalizeAll(T.shared("elastic-integrations/test-console-login-json.log"))
    #expect(results.count == 3)
    for result in results {
      guard case .failure(let failure) = result else {
        Issue.record("CloudTrail accepted")
        continue
      }
      #expect(failure.kind == .unknownFormat)
      #expect(failure.reason.hasPrefix("no known format has keys \"eventVersion\""))
    }
  }

  @Test("a native event with stray vendor-looking keys stays native")
  func nativeWithStrayKeys() throws {
    let e = try T.normalize(#"{"time":"2026-01-01T00:00:00Z","kind":"access","Type":"custom","Category":"x","createdDateTime":"2026-01-01T00:00:00Z"}"#)
    #expect(e.format == .native)
  }

  // MARK: - Failures

  @Test("unknown format lists at most five keys")
  func unknownFormatKeys() throws {
    let two = try T.failure(#"{"foo":1,"bar":2}"#)
    #expect(two?.kind == .unknownFormat)
    #expect(two?.reason == #"no known format has keys "foo", "bar""#)
    let seven = try T.failure(#"{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7}"#)
    #expect(seven?.reason == #"no known format has keys "a", "b", "c", "d", "e" (and 2 more)"#)
    let empty = try T.failure("{}")
    #expect(empty?.kind == .unknownFormat)
    #expect(empty?.reason == "no known format matches an empty object")
  }

  @Test("a record that is not an object is an unknown format", arguments: [
    ("[1,2]", "an array"), (#""hello""#, "a string"), ("3.5", "a number"), ("null", "null"), ("true", "a boolean"),
  ])
  func notAnObject(_ json: String, _ seen: String) throws {
    let failure = try T.failure(json)
    #expect(failure?.kind == .unknownFormat)
    #expect(failure?.reason == "expected a JSON object per record, got \(seen)")
  }

  @Test("forcing a format skips detection")
  func forced() throws {
    let okta = #"{"eventType":"user.session.start","published":"2026-01-01T00:00:00Z","actor":{"id":"00u1","type":"User"}}"#
    let asOkta = try T.failure(okta, registry: NormalizerRegistry(forcing: .okta))
    #expect(asOkta == nil)
    let asNative = try T.failure(okta, registry: NormalizerRegistry(forcing: .native))
    #expect(asNative?.kind == .invalid)
    #expect(asNative?.reason == #"missing "time""#)
    let graphAsEntra = try T.failure(#"{"category":"MicrosoftGraphActivityLogs","properties":{}}"#, registry: NormalizerRegistry(forcing: .entra))
    #expect(graphAsEntra?.kind == .unknownCategory)
    let notObject = try T.failure("[]", registry: NormalizerRegistry(forcing: .native))
    #expect(notObject?.kind == .unknownFormat)
  }
}
