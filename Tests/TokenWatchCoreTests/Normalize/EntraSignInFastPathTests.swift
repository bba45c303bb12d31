import Testing
import TokenWatchJSON

@testable import TokenWatchCore

/// The fast path must never disagree with the document path: whenever it reads a line, the
/// registry reads the same line into the same event with the same tie-break. It may decline any
/// line; these tests also pin that it reads the plain sign-ins it exists for.
@Suite("Entra sign-in fast path")
struct EntraSignInFastPathTests {
  /// What the document path makes of a line: each record's event and tie-break, or nil when it
  /// reads no event or reports anything (invalid JSON, a normalizer's failure).
  static func documentPath(_ line: [UInt8]) -> [(NormalizedEvent, UInt64)]? {
    let cache = JSONStringCache()
    // The document holds its cache unretained.
    return withExtendedLifetime(cache) { documentPath(line, cache: cache) }
  }

  private static func documentPath(_ line: [UInt8], cache: JSONStringCache) -> [(NormalizedEvent, UInt64)]? {
    var document = JSONDocument()
    document.stringCache = cache
    guard (try? document.parse(line)) != nil else { return nil }
    let registry = NormalizerRegistry()
    var events: [(NormalizedEvent, UInt64)] = []
    for record in registry.records(in: document, document.root) {
      guard let event = try? registry.normalize(document, record) else { return nil }
      var hash = StableHash()
      hash.combine(bytes: document.rawBytes(record))
      events.append((event, hash.value))
    }
    return events.isEmpty ? nil : events
  }

  static func fastPath(
    _ line: [UInt8], cache: JSONStringCache? = JSONStringCache(), keyOrder: JSONKeyOrder? = nil, layout: JSONRecordLayout? = nil
  ) -> [(NormalizedEvent, UInt64)]? {
    var events: [(NormalizedEvent, UInt64)] = []
    let read = line.withUnsafeBufferPointer { buffer in
      EntraSignInFastPath.decode(buffer, strings: cache, keyOrder: keyOrder, layout: layout) { event, record in
        var hash = StableHash()
        hash.combine(bytes: record)
        events.append((event, hash.value))
      }
    }
    #expect(read == !events.isEmpty, "decode's answer and its emit calls disagree")
    return read ? events : nil
  }

  /// True when the fast path read the line; records an issue when it read it differently.
  @discardableResult
  static func agrees(
    _ line: [UInt8], cache: JSONStringCache? = JSONStringCache(), keyOrder: JSONKeyOrder? = nil, layout: JSONRecordLayout? = nil
  ) -> Bool {
    guard let fast = fastPath(line, cache: cache, keyOrder: keyOrder, layout: layout) else { return false }
    guard let slow = documentPath(line) else {
      Issue.record("the fast path read a line the document path rejects: \(String(decoding: line, as: UTF8.self))")
      return true
    }
    if fast.count != slow.count || zip(fast, slow).contains(where: { $0.0 != $1.0 || $0.1 != $1.1 }) {
      Issue.record("paths disagree on \(String(decoding: line, as: UTF8.self))\nfast: \(fast)\nslow: \(slow)")
    }
    return true
  }

  static let signIns: [String] = Array(ScenarioLibrary.bulk(count: 600, seed: 7, format: .entra))

  @Test("reads every generated sign-in as the normalizer does, with and without a string cache, a key order and a layout")
  func bulkSignIns() {
    let cache = JSONStringCache()
    let keyOrder = EntraSignInFastPath.makeKeyOrder()
    let layout = EntraSignInFastPath.makeLayout()
    var read = 0
    for line in Self.signIns {
      if Self.agrees(Array(line.utf8), cache: cache, keyOrder: keyOrder, layout: layout) { read += 1 }
      Self.agrees(Array(line.utf8), cache: nil)
    }
    // Every generated line is a plain diagnostic sign-in: the fast path is for exactly these.
    #expect(read == Self.signIns.count)
    // The generator writes sign-ins in a few layouts (a device with or without a trust type,
    // say): all but their first records were read by following the layouts remembered.
    #expect(layout.recordings > 0)
    #expect(layout.recordings <= 8)
  }

  @Test("records checked against a remembered layout are read as the document path reads them")
  func layoutMismatches() throws {
    let base = Array(Self.signIns[0].utf8)
    let text = String(decoding: base, as: UTF8.self)
    let variants: [String] = [
      // Values of the same layout that read differently or not at all.
      text.replacingFirst(#""isInteractive":true"#, with: #""isInteractive":false"#),
      text.replacingFirst(#""isInteractive":true"#, with: #""isInteractive":null"#),
      text.replacingFirst(#""isInteractive":true"#, with: #""isInteractive":"yes""#),
      text.replacingFirst(#""isInteractive":true"#, with: #""isInteractive":tru"#),
      text.replacingFirst(#""isInteractive":true"#, with: #""isInteractive":truex"#),
      text.replacingFirst(#""isInteractive":true"#, with: #""isInteractive":{"a":1}"#),
      text.replacingFirst(#""userAgent":""#, with: #""userAgent":"\u00e9\n"#),
      text.replacingFirst(#""userAgent":""#, with: "\"userAgent\":\"\u{01}"),
      text.replacingFirst(#""userAgent":""#, with: "\"userAgent\":\"\u{e9}"),
      text.replacingFirst(#""userId":""#, with: #""userId":"\""#),
      text.replacingFirst(#""errorCode":0"#, with: #""errorCode":01"#),
      text.replacingFirst(#""errorCode":0"#, with: #""errorCode":-0.5e"#),
      text.replacingFirst(#""errorCode":0"#, with: #""errorCode":50126"#),
      text.replacingFirst(#""errorCode":0"#, with: #""errorCode":"50126""#),
      text.replacingFirst(#""latitude":"#, with: #""latitude":1e999,"x":"#),
      text.replacingFirst(#""resultType":"#, with: #""resultType": "#),
      text.replacingFirst(#""Level":"#, with: #""Level":[1,[2,{"a":null}]],"L":"#),
      // Another layout: a member more, less, twice, or an object null.
      text.replacingFirst(#""userId":"#, with: #""userId":"x","userId":"#),
      text.replacingFirst(#""appId":"#, with: #""userId":"x","appId":"#),
      text.replacingFirst(#""location":{"city":"#, with: #""location":{"countryOrRegion":"ZZ","city":"#),
      text.replacingFirst(#""location":{"#, with: #""location":null,"old":{"#),
      text.replacingFirst(#""deviceDetail":{"#, with: #""deviceDetail":null,"old":{"#),
      text.replacingFirst(#""tokenProtectionStatusDetails":{"#, with: #""tokenProtectionStatusDetails":null,"old":{"#),
      text.replacingFirst(#""networkLocationDetails":[]"#, with: #""networkLocationDetails":[{"networkType":"trustedNamedLocation"}]"#),
      text.replacingFirst(#""category":"SignInLogs""#, with: #""category":"AuditLogs""#),
      text.replacingFirst(#""category":"SignInLogs""#, with: #""category":"NonInteractiveUserSignInLogs""#),
      // After the record: more bytes, or none of its end.
      text + " x",
      String(text.dropLast()),
    ]
    for variant in variants {
      #expect(variant != text, "a variant that changes nothing: the test's spelling of the line is out of date")
      let line = Array(variant.utf8)
      let plain = Self.fastPath(line)
      // Met with the layout of `base` (remembered by reading it first), then with its own.
      let layout = EntraSignInFastPath.makeLayout()
      #expect(Self.agrees(base, layout: layout))
      let first = Self.fastPath(line, layout: layout)
      #expect(first.map { $0.map(\.0) } == plain.map { $0.map(\.0) }, "\(variant)")
      Self.agrees(line, layout: layout)
      Self.agrees(line, layout: layout)
      // The layout of `base` is still there and still followed.
      let recordings = layout.recordings
      #expect(Self.agrees(base, layout: layout))
      #expect(layout.recordings == recordings, "\(variant)")
    }
  }

  @Test("a feed whose records each have a layout of their own pauses the tree and is read alike")
  func layoutsThatNeverRepeat() {
    let layout = EntraSignInFastPath.makeLayout()
    var read = 0
    for (n, line) in Self.signIns.prefix(300).enumerated() {
      let unique = line.replacingFirst(#""properties":{"#, with: #""properties":{"k\#(n)":1,"#)
      if Self.agrees(Array(unique.utf8), layout: layout) { read += 1 }
    }
    #expect(read == 300)
    #expect(layout.pauses >= 1)
    // Paused records are walked without recording: far fewer recordings than records.
    #expect(layout.recordings < 150)
  }

  @Test("a batch's records follow one another's layout, and one that does not declines the batch as before")
  func layoutsInBatches() throws {
    let layout = EntraSignInFastPath.makeLayout()
    let records = Self.signIns[0..<4].joined(separator: ",")
    let batch = Array(#"{"records":["#.utf8) + Array(records.utf8) + Array("]}".utf8)
    #expect(Self.agrees(batch, layout: layout))
    // The lone records follow the layouts the batch left: nothing new is recorded.
    let recordings = layout.recordings
    for line in Self.signIns[0..<4] { #expect(Self.agrees(Array(line.utf8), layout: layout)) }
    #expect(layout.recordings == recordings)
    let broken = Array(#"{"records":["#.utf8) + Array(records.replacingFirst(#""userId":""#, with: #""userId":"\x"#).utf8) + Array("]}".utf8)
    #expect(Self.fastPath(broken, layout: layout) == nil)
  }

  @Test("keys that differ from the last record's at their place are read as the document path reads them")
  func keyOrderMismatches() throws {
    let base = Array(Self.signIns[0].utf8)
    let keyOrder = EntraSignInFastPath.makeKeyOrder()
    let warm = try #require(Self.fastPath(base, keyOrder: keyOrder))
    #expect(warm.first?.0.user != nil)
    let text = String(decoding: base, as: UTF8.self)
    let variants: [String] = [
      // Another key at a remembered place: longer, shorter, one byte changed, unknown to the table.
      text.replacingFirst(#""userId":"#, with: #""userIdentity":"#),
      text.replacingFirst(#""userId":"#, with: #""userI":"#),
      text.replacingFirst(#""userId":"#, with: #""userIe":"#),
      text.replacingFirst(#""appId":"#, with: #""appid":"#),
      // The same key spaced, or at another place.
      text.replacingFirst(#""userId":"#, with: #""userId" :"#),
      text.replacingFirst(#""userId":"#, with: #""userId": "#),
      text.replacingFirst(#""userId":"#, with: #"  "userId":"#),
      text.replacingFirst(#""properties":{"#, with: #""properties":{"extra":[1,{"userId":2}],"#),
      text.replacingFirst(#""location":{"city":"#, with: #""location":{"countryOrRegion":"ZZ","city":"#),
      // The same key written twice: the document path takes the last, the fast path declines.
      text.replacingFirst(#""appId":"#, with: #""userId":"x","appId":"#),
    ]
    for variant in variants {
      #expect(variant != text, "a variant that changes nothing: the test's spelling of the line is out of date")
      let line = Array(variant.utf8)
      // Agreement both with the order remembered from `base` and after this line itself.
      let first = Self.fastPath(line, keyOrder: keyOrder)
      Self.agrees(line, keyOrder: keyOrder)
      let plain = Self.fastPath(line)
      #expect(first.map { $0.map(\.0) } == plain.map { $0.map(\.0) }, "\(variant)")
      #expect(Self.agrees(base, keyOrder: keyOrder))
    }
    // An escaped key where the plain one was remembered is never taken for it.
    let escaped = Array(text.replacingFirst(#""userId":"#, with: #""user\u0049d":"#).utf8)
    _ = Self.fastPath(base, keyOrder: keyOrder)
    #expect(Self.fastPath(escaped, keyOrder: keyOrder) == nil)
  }

  @Test("mixed feeds: Graph activity, Okta and native lines are left to the document path")
  func otherFormatsDeclined() {
    var read = 0
    var signIns = 0
    for line in ScenarioLibrary.bulk(count: 1500, seed: 11, format: .mixed) {
      let bytes = Array(line.utf8)
      if Self.agrees(bytes) { read += 1 }
      if Self.documentPath(bytes)?.first?.0.format == .entra { signIns += 1 }
    }
    #expect(signIns > 0)
    #expect(read == signIns)
  }

  @Test("the public Entra samples", .enabled(if: NormalizeTestData.hasSharedData))
  func publicSamples() throws {
    var lines = 0
    for name in ["elastic-integrations/test-signinlogs-sample.log", "elastic-integrations/test-signinlogs-raw.log", "elastic-integrations/test-non-interactive-user-signin.log"] {
      guard let text = try? NormalizeTestData.shared(name) else { continue }
      for line in text.split(separator: "\n") {
        lines += 1
        Self.agrees(Array(line.utf8))
      }
    }
    #expect(lines > 0)
  }

  // MARK: - Variants of one record

  /// The byte range of the value at `path` (keys from the top-level object), quotes included.
  static func valueRange(_ line: [UInt8], _ path: [String]) -> Range<Int>? {
    var document = JSONDocument()
    guard (try? document.parse(line)) != nil else { return nil }
    var ref = document.root
    for key in path {
      guard let next = document.member(ref, key) else { return nil }
      ref = next
    }
    let raw = document.rawBytes(ref)
    let quoted = document.kind(ref) == .string
    return (raw.startIndex - (quoted ? 1 : 0))..<(raw.endIndex + (quoted ? 1 : 0))
  }

  /// `line` with the value at `path` replaced by `value`, or the member added first in its
  /// object when it is missing.
  static func setting(_ line: [UInt8], _ path: [String], to value: String) -> [UInt8]? {
    if let range = valueRange(line, path) {
      var edited = line
      edited.replaceSubrange(range, with: Array(value.utf8))
      return edited
    }
    return inserting(line, into: Array(path.dropLast()), member: "\"\(path.last!)\":\(value)")
  }

  /// `line` with `member` written first in the object at `path`.
  static func inserting(_ line: [UInt8], into path: [String], member: String) -> [UInt8]? {
    let open: Int
    if path.isEmpty {
      guard let brace = line.firstIndex(of: UInt8(ascii: "{")) else { return nil }
      open = brace
    } else {
      guard let range = valueRange(line, path), line[range.lowerBound] == UInt8(ascii: "{") else { return nil }
      open = range.lowerBound
    }
    let empty = line[(open + 1)...].first { $0 != 0x20 } == UInt8(ascii: "}")
    var edited = line
    edited.insert(contentsOf: Array((member + (empty ? "" : ",")).utf8), at: open + 1)
    return edited
  }

  static let paths: [[String]] = {
    var paths: [[String]] = [["category"], ["resultType"], ["callerIpAddress"], ["location"], ["properties"], ["time"],
                             ["Type"], ["records"], ["eventType"], ["kind"]]
    paths += EntraSignInNormalizer.Field.allCases.map { ["properties", $0.camelCase] }
    paths += [["properties", "status", "errorCode"], ["properties", "location", "countryOrRegion"], ["properties", "location", "city"],
              ["properties", "location", "geoCoordinates"], ["properties", "location", "geoCoordinates", "latitude"],
              ["properties", "location", "geoCoordinates", "longitude"], ["properties", "deviceDetail", "deviceId"]]
    return paths
  }()

  static let values: [String] = [
    "null", #""""#, #""null""#, #""NULL""#, "0", "12", "-3", "1.5", "1e3", "true", "false", "{}", "[]", #""x""#,
    #""\u0041b""#, #"" 7""#, #""7""#, #""bound""#, #""unbound""#, #""trusted""#, #"{"a":1}"#,
    #"[{"networkType":"trusted"}]"#, #"[{"networkType":"namedNetwork"},null]"#, #"[{"networkType":"trusted","networkType":"x"}]"#,
    #""{\"errorCode\":5}""#, #""AS123""#, #""SignInLogs""#, #""NonInteractiveUserSignInLogs""#,
    #""ServicePrincipalSignInLogs""#, #""MicrosoftGraphActivityLogs""#, #""AuditLogs""#, #""2026-04-01T00:00:00Z""#,
    #""not a time""#, "4294967296", "99999999999999999999", #"{"signInSessionStatus":"bound"}"#,
    #"{"errorCode":50126}"#, #"{"errorCode":"0"}"#, #"{"deviceId":""}"#, #"{"city":"Oslo","countryOrRegion":"Norway"}"#,
    #"{"latitude":"1.5","longitude":2}"#, #""Caf\u00e9""#, #""Zürich""#,
  ]

  @Test("every field set to every kind of value: read alike or left to the document path")
  func fieldVariants() {
    let base = Array(Self.signIns[0].utf8)
    var read = 0
    var tried = 0
    for path in Self.paths {
      for value in Self.values {
        guard let line = Self.setting(base, path, to: value) else { continue }
        tried += 1
        if Self.agrees(line) { read += 1 }
      }
      // Written twice (the last one wins in the document path), where the fast path reads it.
      if path != ["time"], let range = Self.valueRange(base, path) {
        let key = "\"\(path.last!)\":"
        if let twice = Self.inserting(base, into: Array(path.dropLast()), member: key + String(decoding: base[range], as: UTF8.self)) {
          #expect(!Self.agrees(twice), "a repeated key must take the document path")
        }
      }
    }
    #expect(tried > 1000)
    // Nulls, empty strings, booleans and numbers where a sign-in log writes them are read here.
    #expect(read > tried / 4)
  }

  @Test("null, empty and \"null\" values are read, as the normalizer reads them")
  func emptyValuesRead() throws {
    let base = Array(Self.signIns[0].utf8)
    for field in ["userId", "userPrincipalName", "appId", "sessionId", "ipAddress", "userAgent", "tokenIssuerName", "uniqueTokenIdentifier"] {
      for value in ["null", #""""#, #""NULL""#] {
        let line = try #require(Self.setting(base, ["properties", field], to: value))
        #expect(Self.agrees(line), "\(field): \(value)")
      }
    }
    // Without a UTI the token is rebuilt from the sign-in id.
    let noToken = try #require(Self.setting(base, ["properties", "uniqueTokenIdentifier"], to: "null"))
    #expect(Self.fastPath(noToken)?.first?.0.token != nil)
  }

  @Test("escaped keys, unknown categories, envelopes and trailing bytes take the document path")
  func declined() throws {
    let base = Array(Self.signIns[0].utf8)
    let declined: [[UInt8]?] = [
      Self.inserting(base, into: ["properties"], member: #""user\u0049d":"someone-else""#),
      Self.inserting(base, into: [], member: #""c\u0061tegory":"AuditLogs""#),
      Self.setting(base, ["category"], to: #""AuditLogs""#),
      Self.setting(base, ["properties", "userId"], to: #""\u0041b""#),
      Self.setting(base, ["properties", "createdDateTime"], to: #""yesterday""#),
      Self.setting(base, ["properties"], to: #""{}""#),
      Array(#"{"records":["#.utf8) + base + Array(#",{"time":"x"}]}"#.utf8),
      Array(#"{"records":["#.utf8) + base + Array(#"],"data":1}"#.utf8),
      Array(#"{"records":[]}"#.utf8),
      base + Array(" x".utf8),
      base + Array("{}".utf8),
      Array(base.dropLast()),
    ]
    for line in declined {
      let line = try #require(line)
      #expect(Self.fastPath(line) == nil, "\(String(decoding: line, as: UTF8.self))")
    }
    // Whitespace around the record is not part of it, here or in the document path.
    #expect(Self.agrees(Array("  ".utf8) + base + Array(" \t".utf8)))
  }

  @Test("Event Hub batches of sign-ins are read record by record, each with its own tie-break")
  func batches() {
    let lines = Self.signIns.prefix(60).map { Array($0.utf8) }
    for size in [1, 2, 7, 30] {
      for start in stride(from: 0, to: lines.count - size, by: size) {
        var batch = Array(#"{"records":["#.utf8)
        for (i, line) in lines[start..<(start + size)].enumerated() { batch += (i > 0 ? [UInt8(ascii: ",")] : []) + line }
        batch += Array("]}".utf8)
        #expect(Self.agrees(batch))
        #expect(Self.fastPath(batch)?.count == size)
        // One record the fast path does not read sends the whole batch to the document path.
        if size > 1 {
          var bad = batch
          bad.insert(contentsOf: Array(#"{"category":"AuditLogs","properties":{}},"#.utf8), at: Array(#"{"records":["#.utf8).count)
          #expect(Self.fastPath(bad) == nil)
        }
      }
    }
  }

  @Test("random damage to real-shaped lines never makes the paths disagree")
  func mutations() {
    var rng = SplitMix(seed: 0x5EED)
    let interesting: [UInt8] = Array(#""\{}[],:0a -.eE"#.utf8) + [0x80, 0xC3, 0xE2, 0xED, 0xF0, 0xFF, 0x00, 0x1F, 0x7F]
    var read = 0
    // One key order and layout for all of them: damaged keys meet the order and the layouts of
    // the lines before.
    let keyOrder = EntraSignInFastPath.makeKeyOrder()
    let layout = EntraSignInFastPath.makeLayout()
    for round in 0..<4000 {
      var line = Array(Self.signIns[round % Self.signIns.count].utf8)
      if round % 4 == 3 {  // a batch of three
        line = Array(#"{"records":["#.utf8) + line + [UInt8(ascii: ",")] + Array(Self.signIns[(round + 1) % Self.signIns.count].utf8)
          + [UInt8(ascii: ",")] + Array(Self.signIns[(round + 2) % Self.signIns.count].utf8) + Array("]}".utf8)
      }
      for _ in 0..<(1 + rng.below(3)) {
        let at = rng.below(line.count)
        switch rng.below(4) {
        case 0: line[at] = interesting[rng.below(interesting.count)]
        case 1: line.remove(at: at)
        case 2: line.insert(interesting[rng.below(interesting.count)], at: at)
        default:
          let end = min(line.count, at + 1 + rng.below(40))
          line.insert(contentsOf: line[at..<end], at: at)
        }
      }
      if Self.agrees(line, keyOrder: keyOrder, layout: layout) { read += 1 }
    }
    // Damage inside strings the walk skips leaves many lines readable; damage elsewhere not.
    #expect(read > 100)
    #expect(read < 4000)
  }
}

extension String {
  /// The text with the first occurrence of `target` replaced (unchanged when there is none).
  fileprivate func replacingFirst(_ target: String, with replacement: String) -> String {
    guard let range = firstRange(of: target) else { return self }
    var copy = self
    copy.replaceSubrange(range, with: replacement)
    return copy
  }
}
