import Testing
import TokenWatchJSON

@testable import TokenWatchCore

private typealias T = NormalizeTestData

@Suite("Entra sign-in normalizer")
struct EntraSignInNormalizerTests {
  // MARK: - UTI derivation

  @Test("UTI = base64url(GUID bytes_le of id), the vector from log-formats.md §1.4")
  func utiVector() {
    #expect(uniqueTokenIdentifier(fromSignInID: "38613d07-3d8f-4d59-ab7a-aa4bd76d5f00") == "Bz1hOI89WU2reqpL121fAA")
    #expect(uniqueTokenIdentifier(fromSignInID: "{38613D07-3D8F-4D59-AB7A-AA4BD76D5F00}") == "Bz1hOI89WU2reqpL121fAA")
    #expect(uniqueTokenIdentifier(fromSignInID: "8a4de8b5-095c-47d0-a96f-a75130c61d53") == "tehNilwJ0Eepb6dRMMYdUw")
  }

  @Test("ids that are not GUIDs give no UTI", arguments: [
    "", "1980-01-09", "fbge347", "38613d073d8f4d59ab7aaa4bd76d5f00", "38613d07-3d8f-4d59-ab7a-aa4bd76d5f0g",
    "38613d07-3d8f-4d59-ab7a-aa4bd76d5f00-", "Directory_3d5f7b9c_ABCDE_12345",
  ])
  func utiRejectsNonGUID(_ id: String) {
    #expect(uniqueTokenIdentifier(fromSignInID: id) == nil)
  }

  // MARK: - Real public samples (Event Hub form)

  @Test("test-signinlogs-sample.log: interactive sign-ins, every mapped field", .enabled(if: T.hasSharedData))
  func realInteractiveSample() throws {
    let events = try T.events(T.shared("elastic-integrations/test-signinlogs-sample.log"))
    try #require(events.count == 2)
    let e = events[0]
    #expect(e.format == .entra)
    #expect(e.sourceDetail == "entra:SignInLogs")
    #expect(e.kind == .signIn)
    #expect(e.interactive == true)
    #expect(e.actor == .human)
    #expect(e.time == T.time("2022-01-24T05:10:08.681Z"))
    #expect(e.outcome == .success)
    #expect(e.errorCode == nil)
    #expect(e.user == "2ce85a15-8640-465d-b916-d2eac620a717")
    #expect(e.upn == "mpliftrelastic20210901@outlook.com")
    #expect(e.app == "c44b4083-3bb0-49c1-b47d-974e53cbdf3c")
    // Elastic's UTI is base64 of the GUID text (not realistic) but it is what the record says.
    #expect(e.token == "OTMzZjIwYzAtZWZkZi00NzdmLTk1ODYtZTVjYzU2NmQyZTAw")
    #expect(e.session == nil)  // 2022 data has no sessionId
    #expect(e.issuerType == "AzureAD")
    #expect(e.issuer == nil)  // tokenIssuerName ""
    #expect(e.ip == "1.128.3.4")
    #expect(e.asn == 55836)
    #expect(e.country == "IN")
    #expect(e.city == "Nizampet")
    #expect(e.latitude == 17.5164794921875)
    #expect(e.longitude == 78.376632690429688)
    #expect(e.userAgent?.hasSuffix("Edg/97.0.1072.69") == true)
    #expect(e.device == nil)  // deviceId ""
    #expect(e.bound == nil)
    #expect(e.trustedNetwork == false)
    #expect(e.tokenIssuedAt == nil)
    #expect(e.eventID == "933f20c0-efdf-477f-9586-e5cc566d2e00")
    #expect(events[1].time == T.time("2022-01-24T05:10:12.244Z"))
    #expect(events[1].eventID == "933f20c0-efdf-477f-9586-e5cc676f2e00")
  }

  @Test("test-non-interactive-user-signin.log: a refresh from a compliant device", .enabled(if: T.hasSharedData))
  func realNonInteractiveSample() throws {
    let events = try T.events(T.shared("elastic-integrations/test-non-interactive-user-signin.log"))
    try #require(events.count == 1)
    let e = events[0]
    #expect(e.sourceDetail == "entra:NonInteractiveUserSignInLogs")
    #expect(e.kind == .tokenIssued)
    #expect(e.interactive == false)
    #expect(e.actor == .human)
    #expect(e.time == T.time("2022-03-17T09:44:46.309Z"))
    #expect(e.outcome == .success)
    #expect(e.user == "da495378-1cbd-450f-997c-5393402e41f8")
    #expect(e.upn == "nikhita.sethi@cyberfortgroup.com")
    #expect(e.app == "d7b530a4-7680-4c23-a8bf-c52c121d2e87")
    #expect(e.device == "ef5d12a1-7768-4085-9047-5d33aee251fa")
    #expect(e.ip == "81.2.69.143")
    #expect(e.asn == 5089)
    #expect(e.country == "GB")
    #expect(e.city == "Strood")
    #expect(e.latitude == 51.394798278808594)
    #expect(e.token == "MDg4YjQ0MDktOWU2My00MjVkLWI3NzctMmM4YzZjMzgwYjAw")
    #expect(e.eventID == "088b4409-9e63-425d-b777-2c8c6c380b00")
  }

  @Test("test-signinlogs-raw.log: one record per category, Level as a string, a -05:00 offset", .enabled(if: T.hasSharedData))
  func realRawFiveCategories() throws {
    let events = try T.events(T.shared("elastic-integrations/test-signinlogs-raw.log"))
    try #require(events.count == 5)
    #expect(events.map(\.sourceDetail) == [
      "entra:SignInLogs", "entra:NonInteractiveUserSignInLogs", "entra:ServicePrincipalSignInLogs",
      "entra:MicrosoftServicePrincipalSignInLogs", "entra:ManagedIdentitySignInLogs",
    ])
    #expect(events.map(\.kind) == [.signIn, .tokenIssued, .tokenIssued, .tokenIssued, .tokenIssued])
    #expect(events.map(\.actor) == [.human, .human, .service, .service, .service])
    for e in events {
      // createdDateTime 04:45:48.0729893-05:00 is the envelope's 09:45:48.0729893Z.
      #expect(e.time == T.time("2019-10-18T09:45:48.072Z"))
      #expect(e.outcome == .failure)
      #expect(e.errorCode == 50140)
      #expect(e.interactive == false)  // the record says isInteractive false, even under SignInLogs
      // No uniqueTokenIdentifier in these records: derived from the id.
      #expect(e.token == "tehNilwJ0Eepb6dRMMYdUw")
      #expect(e.country == "FR")
      #expect(e.city == "Champs-Sur-Marne")
      #expect(e.ip == "81.2.69.144")
      #expect(e.asn == nil)
    }
    #expect(events[0].user == "8a4de8b5-095c-47d0-a96f-a75130c61d53")
    #expect(events[0].upn == "test@elastic.co")
    // Workload categories read servicePrincipalId, which is "" here.
    #expect(events[2].user == nil)
    #expect(events[2].upn == nil)
  }

  // MARK: - Our fixtures

  @Test("Log Analytics SigninLogs row (2026): JSON-string columns, ASN as a string, CreatedDateTime not TimeGenerated")
  func logAnalyticsInteractiveRow() throws {
    let results = try T.normalizeAll(T.fixture("entra-loganalytics-export-2026.json"))
    try #require(results.count == 3)
    let e = try results[0].get()
    #expect(e.format == .entra)
    #expect(e.sourceDetail == "entra:SigninLogs")
    #expect(e.kind == .signIn)
    #expect(e.interactive == true)
    #expect(e.actor == .human)
    #expect(e.time == T.time("2026-02-01T13:59:44.391Z"))
    #expect(e.outcome == .success)
    #expect(e.errorCode == nil)
    #expect(e.user == "7c2d9e41-5b3a-4f86-a1d0-8e6f2b4c9a15")
    #expect(e.upn == "freja.holm@contoso-nordic.dk")
    #expect(e.app == "5e3ce6c0-2b1f-4285-8d4b-75ee78787346")
    #expect(e.token == "Bz1hOI89WU2reqpL121fAA")
    #expect(e.session == "da93ee3d-3dc0-45a5-be34-35aa228d1774")
    #expect(e.eventID == "38613d07-3d8f-4d59-ab7a-aa4bd76d5f00")
    #expect(e.issuerType == "AzureAD")
    #expect(e.issuer == nil)
    #expect(e.ip == "159.50.124.226")
    #expect(e.asn == 9009)
    #expect(e.country == "DK")
    #expect(e.city == "Copenhagen")
    #expect(e.latitude == 55.6761)
    #expect(e.longitude == 12.5683)
    #expect(e.device == "3f6b2c1e-9d84-4a7f-b2e5-61c0d9a8f734")
    #expect(e.bound == false)  // "unbound"
    #expect(e.trustedNetwork == true)  // NetworkLocationDetails: trustedNamedLocation
    #expect(e.userAgent?.hasSuffix("Edg/144.0.0.0") == true)
  }

  @Test("Log Analytics non-interactive row: revoked grant, IsInteractive \"false\", ASN \"AS60729\", coordinates as strings, UTI derived")
  func logAnalyticsNonInteractiveRow() throws {
    let results = try T.normalizeAll(T.fixture("entra-loganalytics-export-2026.json"))
    let e = try results[1].get()
    #expect(e.sourceDetail == "entra:AADNonInteractiveUserSignInLogs")
    #expect(e.kind == .tokenIssued)
    #expect(e.interactive == false)
    #expect(e.time == T.time("2026-02-01T14:58:03.552Z"))
    #expect(e.outcome == .failure)
    #expect(e.errorCode == 50173)
    #expect(e.token == "tehNilwJ0Eepb6dRMMYdUw")  // no UniqueTokenIdentifier column: derived from Id
    #expect(e.session == "da93ee3d-3dc0-45a5-be34-35aa228d1774")
    #expect(e.asn == 60729)
    #expect(e.country == "NL")
    #expect(e.latitude == 52.3676)
    #expect(e.longitude == 4.9041)
    #expect(e.device == nil)  // deviceId ""
    #expect(e.bound == nil)  // TokenProtectionStatusDetails "null"
    #expect(e.trustedNetwork == false)  // IsThroughGlobalSecureAccess "FALSE", NetworkLocationDetails "[]"
    #expect(e.userAgent == "python-requests/2.32.3")
  }

  @Test("an AuditLogs row in the same export is refused by category, not dropped")
  func logAnalyticsAuditRow() throws {
    let results = try T.normalizeAll(T.fixture("entra-loganalytics-export-2026.json"))
    guard case .failure(let failure) = results[2] else {
      Issue.record("AuditLogs row was accepted")
      return
    }
    #expect(failure.kind == .unknownCategory)
    #expect(failure.reason.contains("category \"AuditLogs\""))
  }

  @Test("Graph signIn object: bound token, Global Secure Access, federated issuer")
  func graphSignInObject() throws {
    let events = try T.events(T.fixture("entra-graph-signin.json"))
    try #require(events.count == 1)
    let e = events[0]
    #expect(e.sourceDetail == "entra:signIn")
    #expect(e.kind == .signIn)
    #expect(e.interactive == true)
    #expect(e.actor == .human)
    #expect(e.time == T.time("2026-03-04T08:15:27.443Z"))
    #expect(e.outcome == .success)
    #expect(e.user == "e2a4c6e8-0b1d-4f3a-9c5e-7a9b1d3f5e7a")
    #expect(e.upn == "ola.nordmann@fabrikam.no")
    #expect(e.app == "04b07795-8ddb-461a-bbee-02f9e1bf7b46")
    #expect(e.token == "Ch9-XLSSPE2Ob6Gyw9Tl9g")
    #expect(e.token == uniqueTokenIdentifier(fromSignInID: "5c7e1f0a-92b4-4d3c-8e6f-a1b2c3d4e5f6"))
    #expect(e.session == "001eb37a-dffb-3b98-2681-c5a46db2c6c9")
    #expect(e.issuerType == "ADFederationServices")
    #expect(e.issuer == "sts.fabrikam.no")
    #expect(e.ip == "2a01:79c:cebe:d8d0:8da2:16f1:5a2b:3c4d")
    #expect(e.asn == 2119)
    #expect(e.country == "NO")
    #expect(e.city == "Oslo")
    #expect(e.latitude == 59.9139)
    #expect(e.device == "b8d0f2a4-6c8e-4a0b-9d1f-3e5a7c9b1d3f")
    #expect(e.bound == true)
    #expect(e.trustedNetwork == true)  // isThroughGlobalSecureAccess; the namedNetwork alone would not be
  }

  @Test("Event Hub batch: non-interactive PRT redemption and a failing service principal")
  func eventHubBatch() throws {
    let results = try T.normalizeAll(T.fixture("eventhub-batch-mixed.json"))
    try #require(results.count == 4)
    let refresh = try results[0].get()
    #expect(refresh.sourceDetail == "entra:NonInteractiveUserSignInLogs")
    #expect(refresh.kind == .tokenIssued)
    #expect(refresh.token == "1MOisfble0qMnQ4fKjtMXQ")  // derived from id
    #expect(refresh.ip == "84.208.44.10")  // no ipAddress in properties: envelope callerIpAddress
    #expect(refresh.bound == nil)  // signInSessionStatus "none"
    #expect(refresh.asn == 41164)
    #expect(refresh.country == "NO")

    let workload = try results[1].get()
    #expect(workload.sourceDetail == "entra:ServicePrincipalSignInLogs")
    #expect(workload.kind == .tokenIssued)
    #expect(workload.actor == .service)
    #expect(workload.user == "a9b8c7d6-e5f4-4a3b-2c1d-0e9f8a7b6c5d")
    #expect(workload.upn == "nightly-backup")
    #expect(workload.outcome == .failure)
    #expect(workload.errorCode == 7000215)
    #expect(workload.token == "AO7_wDQSvEqd7wEjRWeJqw")
    #expect(workload.city == "Dublin")
    #expect(workload.latitude == nil)  // geoCoordinates {}
    #expect(workload.interactive == false)

    guard case .failure(let audit) = results[3] else {
      Issue.record("AuditLogs record was accepted")
      return
    }
    #expect(audit.kind == .unknownCategory)
    #expect(audit.reason.contains("category \"AuditLogs\""))
  }

  // MARK: - Drift and fallbacks

  @Test("missing createdDateTime with no envelope time is invalid")
  func missingTime() throws {
    let failure = try T.failure(#"{"uniqueTokenIdentifier":"Bz1hOI89WU2reqpL121fAA","createdDateTime":null,"userId":"u"}"#)
    #expect(failure?.kind == .invalid)
    #expect(failure?.reason == "missing or invalid createdDateTime")
    let garbage = try T.failure(#"{"Type":"SigninLogs","CreatedDateTime":"yesterday"}"#)
    #expect(garbage?.kind == .invalid)
    // Named as the row spells it.
    #expect(garbage?.reason.hasPrefix("missing or invalid CreatedDateTime: \"yesterday\"") == true)
    #expect(garbage?.reason.contains("yesterday") == true)
  }

  @Test("Event Hub: envelope time, resultType, callerIpAddress and location fill gaps")
  func envelopeFallbacks() throws {
    let e = try T.normalize(
      #"{"time":"2026-01-05T10:00:00.1234567Z","category":"SignInLogs","resultType":"50126","callerIpAddress":"198.51.100.4","location":"de","Level":"4","properties":{"userId":"u1","userPrincipalName":"A@B.C"}}"#)
    #expect(e.time == T.time("2026-01-05T10:00:00.123Z"))
    #expect(e.outcome == .failure)
    #expect(e.errorCode == 50126)
    #expect(e.ip == "198.51.100.4")
    #expect(e.country == "DE")
    #expect(e.upn == "a@b.c")
    #expect(e.token == nil)  // neither a UTI nor an id
  }

  @Test("envelope Level as an int or a string makes no difference")
  func levelIntOrString() throws {
    func record(level: String) -> String {
      #"{"time":"2026-01-05T10:00:00Z","category":"NonInteractiveUserSignInLogs","Level":"# + level
        + #","properties":{"id":"38613d07-3d8f-4d59-ab7a-aa4bd76d5f00","status":{"errorCode":0}}}"#
    }
    let asInt = try T.normalize(record(level: "4"))
    let asString = try T.normalize(record(level: #""4""#))
    #expect(asInt == asString)
    #expect(asInt.token == "Bz1hOI89WU2reqpL121fAA")
    #expect(asInt.outcome == .success)
  }

  @Test("Log Analytics: TimeGenerated only as a last resort, Location as country, Status as an object")
  func logAnalyticsFallbacks() throws {
    let e = try T.normalize(
      #"{"Type":"SigninLogs","TimeGenerated":"2026-02-01T14:31:52Z","ResultType":"0","Location":"SE","Status":{"errorCode":"0"},"UserId":"null","Id":"38613d07-3d8f-4d59-ab7a-aa4bd76d5f00","AutonomousSystemNumber":3301.0}"#)
    #expect(e.time == T.time("2026-02-01T14:31:52Z"))
    #expect(e.outcome == .success)
    #expect(e.country == "SE")
    #expect(e.user == nil)  // the string "null"
    #expect(e.token == "Bz1hOI89WU2reqpL121fAA")
    #expect(e.asn == 3301)
  }

  @Test("a Category column is enough when Type was projected away")
  func logAnalyticsCategoryOnly() throws {
    let e = try T.normalize(#"{"Category":"NonInteractiveUserSignInLogs","CreatedDateTime":"2026-02-01T00:00:00Z"}"#)
    #expect(e.sourceDetail == "entra:NonInteractiveUserSignInLogs")
    #expect(e.kind == .tokenIssued)
    #expect(e.outcome == .unknown)
  }

  @Test("Graph object kind: signInEventTypes, then isInteractive")
  func graphObjectKinds() throws {
    let base = #""createdDateTime":"2026-01-01T00:00:00Z","appId":"a""#
    let nonInteractive = try T.normalize("{\(base),\"userPrincipalName\":\"x@y\",\"isInteractive\":false}")
    #expect(nonInteractive.kind == .tokenIssued)
    #expect(nonInteractive.actor == .human)
    let typed = try T.normalize("{\(base),\"signInEventTypes\":[\"managedIdentity\"],\"servicePrincipalId\":\"sp1\",\"servicePrincipalName\":\"Backup-MI\"}")
    #expect(typed.kind == .tokenIssued)
    #expect(typed.actor == .service)
    #expect(typed.user == "sp1")
    #expect(typed.upn == "backup-mi")
    let untold = try T.normalize("{\(base),\"userPrincipalName\":\"x@y\"}")
    #expect(untold.kind == .signIn)
  }

  @Test("trusted network: trusted or trustedNamedLocation, or Global Secure Access; namedNetwork is not trust")
  func trustedNetwork() throws {
    func trusted(_ extra: String) throws -> Bool {
      try T.normalize(#"{"category":"SignInLogs","properties":{"createdDateTime":"2026-01-01T00:00:00Z","# + extra + "}}").trustedNetwork
    }
    #expect(try trusted(#""networkLocationDetails":[{"networkType":"trusted","networkNames":["HQ"]}]"#))
    #expect(try trusted(#""networkLocationDetails":[{"networkType":"namedNetwork"},{"networkType":"trustedNamedLocation"}]"#))
    #expect(try !trusted(#""networkLocationDetails":[{"networkType":"namedNetwork"}]"#))
    #expect(try trusted(#""isThroughGlobalSecureAccess":"true""#))
    #expect(try !trusted(#""isThroughGlobalSecureAccess":false,"networkLocationDetails":"[{\"networkType\":\"intranet\"}]""#))
  }

  // MARK: - Claiming

  @Test("Graph activity records are not claimed, in either shape")
  func doesNotClaimGraphActivity() throws {
    #expect(try !T.matches(EntraSignInNormalizer.self, #"{"category":"MicrosoftGraphActivityLogs","properties":{}}"#))
    #expect(try !T.matches(EntraSignInNormalizer.self, #"{"Type":"MicrosoftGraphActivityLogs","TimeGenerated":"2026-01-01T00:00:00Z"}"#))
  }

  @Test("other Graph resources with createdDateTime are not sign-ins")
  func doesNotClaimGraphUser() throws {
    #expect(try !T.matches(EntraSignInNormalizer.self, #"{"createdDateTime":"2026-01-01T00:00:00Z","userPrincipalName":"a@b","displayName":"A"}"#))
    #expect(try T.matches(EntraSignInNormalizer.self, #"{"createdDateTime":"2026-01-01T00:00:00Z","uniqueTokenIdentifier":"x"}"#))
  }

  @Test("any other diagnostic category is refused by name", arguments: [
    (#"{"category":"AuditLogs","properties":{"activityDisplayName":"Update user"}}"#, "AuditLogs"),
    (#"{"category":"RiskyUsers","properties":{}}"#, "RiskyUsers"),
    (#"{"Type":"AuditLogs","Category":"UserManagement","TimeGenerated":"2026-01-01T00:00:00Z"}"#, "AuditLogs"),
    (#"{"Type":"OfficeActivity","TimeGenerated":"2026-01-01T00:00:00Z"}"#, "OfficeActivity"),
  ])
  func unknownCategories(_ json: String, _ category: String) throws {
    #expect(try T.matches(EntraSignInNormalizer.self, json))
    let failure = try T.failure(json)
    #expect(failure?.kind == .unknownCategory)
    #expect(failure?.reason.contains("category \"\(category)\"") == true)
  }

  @Test("OTRF AuditLogs export (Type AuditLogs, and projected Type Application) is refused, not dropped", .enabled(if: T.hasSharedData))
  func realAuditLogs() throws {
    let results = try T.normalizeAll(T.shared("otrf-security-datasets/AADAuditEvents.json"))
    #expect(results.count == 4)
    for result in results {
      guard case .failure(let failure) = result else {
        Issue.record("audit row accepted")
        continue
      }
      #expect(failure.kind == .unknownCategory)
    }
    if case .failure(let first) = results[0] { #expect(first.reason.contains("category \"AuditLogs\"")) }
  }
}
