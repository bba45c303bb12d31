import Foundation
import Testing
import TokenWatchJSON

@testable import TokenWatchCore

/// Every scenario at the committed seed, generated once for the whole suite.
private let committed: [GeneratedScenario] =
  ScenarioLibrary.names.map { ScenarioLibrary.generate($0, seed: ScenarioLibrary.defaultSeed)! }
  + [ScenarioLibrary.demo(seed: ScenarioLibrary.demoSeed)]

private let ruleIDs: Set<String> = ["TW-001", "TW-002", "TW-003", "TW-004", "TW-005", "TW-006"]

/// The repository root, found from this file even when the test target links it from elsewhere.
private let repositoryRoot = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The event time of a line in any of the four shapes.
private func eventTime(_ line: String) -> EventTime? {
  var document = JSONDocument()
  guard (try? document.parse(Array(line.utf8))) != nil else { return nil }
  let root = document.root
  let ref =
    document.path(root, "properties", "createdDateTime")
    ?? document.path(root, "properties", "timeGenerated")
    ?? document.member(root, "published")
    ?? document.member(root, "time")
  return ref.flatMap { document.string($0) }.flatMap { EventTime(rfc3339: $0) }
}

/// Every string value anywhere in a scenario's lines.
private func stringValues(_ scenario: GeneratedScenario) -> Set<String> {
  var document = JSONDocument()
  var values: Set<String> = []
  func collect(_ ref: JSONRef) {
    switch document.kind(ref) {
    case .string: values.insert(document.string(ref)!)
    case .array: document.elements(ref).forEach(collect)
    case .object: document.forEachMember(ref) { _, value in collect(value) }
    default: break
    }
  }
  for line in scenario.lines where (try? document.parse(Array(line.utf8))) != nil {
    collect(document.root)
  }
  return values
}

@Suite("Simulator: generator and identifiers")
struct SimulatorPrimitiveTests {
  @Test func splitMix64MatchesTheReferenceSequence() {
    // First outputs of SplitMix64 seeded with 0 (Vigna's reference implementation).
    var rng = SeededGenerator(seed: 0)
    #expect(rng.next() == 0xE220_A839_7B1D_CDAF)
    #expect(rng.next() == 0x6E78_9E6A_A1B9_65F4)
    #expect(rng.next() == 0x06C4_5D18_8009_454F)
  }

  @Test func boundedValuesStayInRange() {
    var rng = SeededGenerator(seed: 99)
    for _ in 0..<10_000 {
      #expect((0..<7).contains(rng.below(7)))
      #expect((3...5).contains(rng.int(in: 3...5)))
      let u = rng.unit()
      #expect(u >= 0 && u < 1)
    }
  }

  @Test func uniqueTokenIdentifierIsTheLittleEndianGUIDInBase64URL() {
    // The pair checked on real Entra data (log-formats.md, section 1.4).
    #expect(uniqueTokenIdentifier(requestID: "38613d07-3d8f-4d59-ab7a-aa4bd76d5f00") == "Bz1hOI89WU2reqpL121fAA")
  }

  @Test func identifiersHaveVendorShapes() {
    var rng = SeededGenerator(seed: 5)
    let guid = rng.guid()
    #expect(guid.count == 36 && guid.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12])
    #expect(uniqueTokenIdentifier(requestID: guid).count == 22)
    let okta = rng.oktaID()
    #expect(okta.count == 20 && okta.hasPrefix("00u"))
    let session = rng.oktaSessionID()
    #expect(session.count == 25 && session.hasPrefix("idx"))
    #expect(rng.dtHash().count == 64)
    let uuid = rng.oktaUUID(at: .at("2026-03-10T12:00:00Z"))
    #expect(Array(uuid)[14] == "1")  // version 1
  }

  @Test func prettyJSONKeepsStringsAndParses() throws {
    let compact = Array(#"{"a":[1,{"b":"x,y:{z}"}],"c":[],"d":"q\"\\"}"#.utf8)
    let pretty = prettyJSON(compact)
    var document = JSONDocument()
    try document.parse(Array(pretty.utf8))
    #expect(document.string(document.path(document.root, "d")!) == "q\"\\")
    #expect(pretty.contains("\"x,y:{z}\""))
    #expect(pretty.contains("\"c\": []"))
  }
}

@Suite("Simulator: scenarios")
struct SimulatorScenarioTests {
  @Test func namesAreStableAndUnique() {
    #expect(ScenarioLibrary.names.count == 20)
    #expect(Set(ScenarioLibrary.names).count == ScenarioLibrary.names.count)
    #expect(ScenarioLibrary.names.first == "replay-okta-session-hijack")
    #expect(ScenarioLibrary.generate("no-such-scenario", seed: 1) == nil)
  }

  @Test(arguments: ScenarioLibrary.names)
  func sameSeedGivesIdenticalBytes(name: String) {
    let a = ScenarioLibrary.generate(name, seed: 42)!
    let b = ScenarioLibrary.generate(name, seed: 42)!
    #expect(a.eventsNDJSON == b.eventsNDJSON)
    #expect(a.manifestJSON == b.manifestJSON)
    #expect(a.attacks == b.attacks)
  }

  @Test(arguments: ScenarioLibrary.names)
  func differentSeedGivesDifferentOutput(name: String) {
    let a = ScenarioLibrary.generate(name, seed: 1)!
    let b = ScenarioLibrary.generate(name, seed: 2)!
    #expect(a.lines != b.lines)
  }

  @Test func demoIsDeterministicAndSeedDependent() {
    let a = committed.last!
    let b = ScenarioLibrary.demo(seed: ScenarioLibrary.demoSeed)
    let c = ScenarioLibrary.demo(seed: ScenarioLibrary.demoSeed + 1)
    #expect(a.eventsNDJSON == b.eventsNDJSON)
    #expect(a.manifestJSON == b.manifestJSON)
    #expect(a.lines != c.lines)
  }

  @Test func everyLineIsAJSONObject() throws {
    var document = JSONDocument()
    for scenario in committed {
      for line in scenario.lines {
        #expect(!line.contains("\n"))
        try document.parse(Array(line.utf8))
        #expect(document.kind(document.root) == .object, "\(scenario.name): \(line.prefix(80))")
      }
    }
  }

  @Test func manifestsParseAndMatchTheScenario() throws {
    var document = JSONDocument()
    for scenario in committed {
      try document.parse(Array(scenario.manifestJSON.utf8))
      let root = document.root
      var keys: [String] = []
      document.forEachMember(root) { key, _ in keys.append(key) }
      #expect(keys == ["name", "description", "seed", "format", "attacks", "benign_users"])
      #expect(document.string(document.member(root, "name")!) == scenario.name)
      #expect(["native", "entra", "okta", "mixed"].contains(document.string(document.member(root, "format")!) ?? ""))
      #expect(document.count(document.member(root, "attacks")!) == scenario.attacks.count)
      #expect(document.count(document.member(root, "benign_users")!) == scenario.benignUsers.count)
    }
  }

  @Test func everyScenarioHasAttacksOrIsBenignOnly() {
    for scenario in committed where scenario.name != "demo" {
      if scenario.name.hasPrefix("benign-") {
        #expect(scenario.attacks.isEmpty, "\(scenario.name)")
      } else {
        #expect(!scenario.attacks.isEmpty, "\(scenario.name)")
      }
      #expect(!scenario.benignUsers.isEmpty, "\(scenario.name)")
      for label in scenario.attacks {
        #expect(ruleIDs.contains(label.rule), "\(scenario.name): \(label.rule)")
        #expect(!label.note.isEmpty)
      }
    }
  }

  @Test func labelsReferenceUsersTokensAndSessionsInTheLines() {
    for scenario in committed {
      let values = stringValues(scenario)
      for label in scenario.attacks {
        #expect(values.contains(label.user), "\(scenario.name): user \(label.user)")
        if let token = label.token { #expect(values.contains(token), "\(scenario.name): token \(token)") }
        if let session = label.session { #expect(values.contains(session), "\(scenario.name): session \(session)") }
      }
      for user in scenario.benignUsers {
        #expect(values.contains(user), "\(scenario.name): benign user \(user)")
      }
      let attacked = Set(scenario.attacks.map(\.user))
      #expect(attacked.isDisjoint(with: scenario.benignUsers), "\(scenario.name): a user is both attacked and benign")
    }
  }

  @Test func linesAreInTimeOrder() {
    for scenario in committed {
      var previous = EventTime.distantPast
      for line in scenario.lines {
        guard let time = eventTime(line) else {
          Issue.record("\(scenario.name): no event time in \(line.prefix(80))")
          continue
        }
        #expect(previous <= time, "\(scenario.name): \(time) after \(previous)")
        previous = time
      }
    }
  }

  @Test func scenarioTimesAreIn2026() {
    for scenario in committed {
      for line in scenario.lines {
        #expect(eventTime(line)?.rfc3339.hasPrefix("2026-") == true)
      }
    }
  }

  @Test func demoCoversEveryRuleAndEveryFormat() {
    let demo = committed.last!
    #expect(demo.name == "demo")
    #expect(Set(demo.attacks.map(\.rule)) == ruleIDs)
    #expect((2_000...5_000).contains(demo.lines.count), "\(demo.lines.count) lines")
    #expect(demo.benignUsers.count >= 190)
    #expect(demo.lines.contains { $0.contains("\"category\":\"SignInLogs\"") })
    #expect(demo.lines.contains { $0.contains("\"category\":\"NonInteractiveUserSignInLogs\"") })
    #expect(demo.lines.contains { $0.contains("\"category\":\"MicrosoftGraphActivityLogs\"") })
    #expect(demo.lines.contains { $0.contains("\"eventType\":\"user.authentication.sso\"") })
    #expect(demo.lines.contains { $0.hasPrefix("{\"time\":\"2026-") && $0.contains("\"kind\":") })
  }

  @Test func entraRecordsCarryConsistentTokenIdentifiers() throws {
    var document = JSONDocument()
    for scenario in committed {
      for line in scenario.lines where line.contains("\"operationName\":\"Sign-in activity\"") {
        try document.parse(Array(line.utf8))
        let properties = document.member(document.root, "properties")!
        let id = document.string(document.member(properties, "id")!)!
        let uti = document.string(document.member(properties, "uniqueTokenIdentifier")!)!
        #expect(uniqueTokenIdentifier(requestID: id) == uti)
        #expect(document.double(document.path(properties, "location", "geoCoordinates", "latitude")!) != nil)
        #expect(document.string(document.path(properties, "location", "countryOrRegion")!)?.count == 2)
      }
    }
  }

  @Test func oktaRecordsUseFullCountryNamesAndNullZone() throws {
    var document = JSONDocument()
    for scenario in committed {
      for line in scenario.lines where line.contains("\"eventType\":") {
        try document.parse(Array(line.utf8))
        let country = document.string(document.path(document.root, "client", "geographicalContext", "country")!)!
        #expect(country.count > 2)
        #expect(document.string(document.path(document.root, "client", "zone")!) == "null")
        #expect(document.string(document.member(document.root, "version")!) == "0")
      }
    }
  }

  /// The committed files under `datasets/` are exactly what the library generates from the seed
  /// recorded in each `scenario.json`.
  @Test func committedDatasetsRegenerateByteForByte() throws {
    let datasets = repositoryRoot.appendingPathComponent("datasets")
    var document = JSONDocument()
    for name in ScenarioLibrary.names + ["demo"] {
      let directory = name == "demo"
        ? datasets.appendingPathComponent("demo")
        : datasets.appendingPathComponent("scenarios").appendingPathComponent(name)
      let manifest = try Data(contentsOf: directory.appendingPathComponent("scenario.json"))
      try document.parse(Array(manifest))
      let seedText = String(decoding: document.rawBytes(document.member(document.root, "seed")!), as: UTF8.self)
      let seed = try #require(UInt64(seedText))
      let regenerated = name == "demo" ? ScenarioLibrary.demo(seed: seed) : ScenarioLibrary.generate(name, seed: seed)!
      let events = try Data(contentsOf: directory.appendingPathComponent("events.ndjson"))
      #expect(events == Data(regenerated.eventsNDJSON.utf8), "\(name)/events.ndjson differs from the generator")
      #expect(manifest == Data(regenerated.scenarioJSON.utf8), "\(name)/scenario.json differs from the generator")
    }
  }
}

@Suite("Simulator: bulk")
struct SimulatorBulkTests {
  @Test(arguments: BulkFormat.allCases)
  func bulkIsDeterministicAndSeedDependent(format: BulkFormat) {
    let a = Array(ScenarioLibrary.bulk(count: 500, seed: 11, format: format))
    let b = Array(ScenarioLibrary.bulk(count: 500, seed: 11, format: format))
    let c = Array(ScenarioLibrary.bulk(count: 500, seed: 12, format: format))
    #expect(a.count == 500)
    #expect(a == b)
    #expect(a != c)
  }

  @Test func bulkIsLazy() {
    // A sequence of 2^62 lines: only the prefix is ever generated.
    let lines = Array(ScenarioLibrary.bulk(count: 1 << 62, seed: 3, format: .mixed).prefix(100))
    #expect(lines.count == 100)
  }

  @Test(arguments: BulkFormat.allCases)
  func bulkLinesParseAndMoveForward(format: BulkFormat) throws {
    var document = JSONDocument()
    var previous = EventTime.distantPast
    var bytes = 0
    for line in ScenarioLibrary.bulk(count: 1_000, seed: 4, format: format) {
      try document.parse(Array(line.utf8))
      #expect(document.kind(document.root) == .object)
      let time = try #require(eventTime(line))
      #expect(previous <= time)
      previous = time
      bytes += line.utf8.count
    }
    if format == .entra {
      #expect((1_200...2_000).contains(bytes / 1_000), "mean Entra record \(bytes / 1_000) bytes")
    }
  }

  @Test func bulkContainsAFewReplays() {
    // Replays come from hosting networks the population never uses.
    let hosting = ["\"asn\":14061", "\"asn\":24940", "\"asn\":20473", "\"asn\":63949", "\"asn\":36352"]
    let lines = Array(ScenarioLibrary.bulk(count: 12_000, seed: 21, format: .native))
    let replays = lines.filter { line in hosting.contains { line.contains($0) } }.count
    #expect((3...50).contains(replays), "\(replays) replay lines in 12,000")
  }
}
