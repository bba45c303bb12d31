import Testing

@testable import TokenWatchJSON

/// The skimmer must accept exactly what the parser accepts and read the same values: a fast
/// path built on it decides from what it reads, and leaves every text it rejects to the parser.
@Suite struct JSONSkimmerTests {
  typealias Value = JSONReferenceComparisonTests.Value

  /// The whole text walked with the skimmer into a tree (strings decoded by the reference
  /// parser), or nil when the skimmer rejects it.
  func skimTree(_ bytes: [UInt8]) -> Value? {
    bytes.withUnsafeBufferPointer { buffer in
      var skimmer = JSONSkimmer(buffer)
      guard let value = skimValue(&skimmer, bytes, depth: 0), skimmer.atEnd() else { return nil }
      return value
    }
  }

  func decoded(_ bytes: [UInt8], _ start: Int, _ end: Int) -> [UInt8]? {
    var reference = ReferenceParser(bytes: [0x22] + bytes[start..<end] + [0x22])
    return reference.string()
  }

  func skimValue(_ skimmer: inout JSONSkimmer, _ bytes: [UInt8], depth: Int) -> Value? {
    switch skimmer.peek() {
    case .object?:
      guard skimmer.openObject(depth: depth) else { return nil }
      var members: [([UInt8], Value)] = []
      while true {
        guard let member = skimmer.nextKey() else { return nil }
        guard case .key(let start, let end, let escaped) = member else { return .object(members) }
        #expect(escaped == bytes[start..<end].contains(0x5C))
        guard let key = decoded(bytes, start, end), let value = skimValue(&skimmer, bytes, depth: depth + 1) else { return nil }
        members.append((key, value))
      }
    case .array?:
      guard skimmer.openArray(depth: depth) else { return nil }
      var elements: [Value] = []
      while true {
        guard let more = skimmer.nextElement() else { return nil }
        guard more, let element = skimValue(&skimmer, bytes, depth: depth + 1) else { return more ? nil : .array(elements) }
        elements.append(element)
      }
    case nil:
      return nil
    default:
      switch skimmer.scalar() {
      case .string(let start, let end, let escaped)?:
        #expect(escaped == bytes[start..<end].contains(0x5C))
        return decoded(bytes, start, end).map(Value.string)
      case .number(let start, let end)?: return .number(String(decoding: bytes[start..<end], as: UTF8.self))
      case .bool(let flag)?: return .bool(flag)
      case .null?: return .null
      case nil: return nil
      }
    }
  }

  /// Whether the skimmer accepts the text when it skips every member of a top-level object
  /// (or the whole value otherwise) instead of reading them.
  func skimsBySkipping(_ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBufferPointer { buffer in
      var skimmer = JSONSkimmer(buffer)
      guard skimmer.peek() == .object else { return skimmer.skipValue(depth: 0) && skimmer.atEnd() }
      guard skimmer.openObject(depth: 0) else { return false }
      while true {
        guard let member = skimmer.nextKey() else { return false }
        guard case .key = member else { return skimmer.atEnd() }
        guard skimmer.skipValue(depth: 1) else { return false }
      }
    }
  }

  /// Both ways of skimming agree with the reference parser, and with `JSONDocument.parse`.
  func expectAgreement(_ bytes: [UInt8]) -> Bool {
    var reference = ReferenceParser(bytes: bytes)
    let expected = reference.parseDocument()
    let skimmed = skimTree(bytes)
    #expect(skimmed == expected, "skimmer and reference differ on \(String(decoding: bytes, as: UTF8.self))")
    #expect(skimsBySkipping(bytes) == (expected != nil), "skipping disagrees on \(String(decoding: bytes, as: UTF8.self))")
    var document = JSONDocument()
    #expect(((try? document.parse(bytes)) != nil) == (expected != nil))
    return expected != nil
  }

  @Test func agreesWithTheReferenceOnRandomAndMutatedDocuments() {
    var rng = Rng(seed: 4242)
    let generator = JSONReferenceComparisonTests()
    var accepted = 0
    for round in 0..<3000 {
      var bytes = Array(generator.randomJSON(&rng, depth: 0).utf8)
      if round % 2 == 1 { JSONReferenceComparisonTests.damage(&bytes, &rng) }
      if expectAgreement(bytes) { accepted += 1 }
    }
    #expect(accepted > 1500 && accepted < 3000)
  }

  /// Strings are scanned 16 bytes at a time, then 8, then byte by byte: one byte that stops the
  /// scan (a quote, an escape, a control character, valid or invalid UTF-8) at every offset of
  /// strings long and short enough to end in each of those loops, and where the text ends.
  @Test func everyStopByteAtEveryOffsetOfAString() {
    let stops: [[UInt8]] = [
      Array(#"\n"#.utf8), Array(#"\u00e9"#.utf8), Array(#"\"#.utf8), [0x22], [0x01], [0x1F], [0x7F], [0x20],
      [0xC3, 0xA9], [0xE2, 0x82, 0xAC], [0xF0, 0x9F, 0x98, 0x80], [0xFF], [0xC3], [0xED, 0xA0, 0x80], [0x80],
    ]
    var accepted = 0
    for length in 0...40 {
      for offset in 0...length {
        for stop in stops {
          let text = (0..<length).map { UInt8(ascii: "a") + UInt8($0 % 26) }
          let body = Array(text[..<offset]) + stop + Array(text[offset...])
          // The string as a whole value, as a member's value, and cut short before its quote.
          if expectAgreement([0x22] + body + [0x22]) { accepted += 1 }
          _ = expectAgreement(Array(#"{"k":""#.utf8) + body + Array(#"","n":1}"#.utf8))
          _ = expectAgreement([0x22] + body)
        }
      }
    }
    #expect(accepted > 3000)
  }

  @Test(arguments: [
    "", " ", "{", "}", "{}", "[]", "[,]", "{,}", "[1,]", #"{"a":1,}"#, #"{"a"}"#, #"{"a":}"#, #"{"a" 1}"#, #"{1:2}"#,
    #"{"a":1 "b":2}"#, "[1 2]", " {\"a\" : [ 1 , { } , [ ] ] } ", "nul", "tru", "-", "01", "1.", "1e", "\"\\x\"", "\"\\u12\"",
    "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"a\u{0001}\"", "{}x", "[] []", "\"abc",
    // Literals, which the skimmer reads without `parseValue` and compares four bytes at once.
    "true", "false", "null", "[true,false,null]", #"{"a":true,"b":false,"c":null}"#, "fals", "falsE", "[fals]",
    "nulL", "trUe", "[tru]", "true1", #"{"a":nul}"#, "-0", "[-]", "1e+", "[0.5e-3,-12,7]",
  ])
  func agreesOnEdgeCases(_ text: String) {
    _ = expectAgreement(Array(text.utf8))
  }

  @Test func nestingLimitMatchesTheParser() {
    for depth in [10, 255, 256, 257, 1000] {
      for text in [String(repeating: "[", count: depth) + String(repeating: "]", count: depth),
                   String(repeating: #"{"k":"#, count: depth) + "1" + String(repeating: "}", count: depth)] {
        let bytes = Array(text.utf8)
        var document = JSONDocument()
        let parsed = (try? document.parse(bytes)) != nil
        #expect((skimTree(bytes) != nil) == parsed, "depth \(depth)")
        #expect(skimsBySkipping(bytes) == parsed, "depth \(depth), skipping")
      }
    }
  }

  /// `plainString` and `skipString` take exactly the strings `scalar()` and `skipValue` take (the
  /// first only unescaped ones), end where they end, and read nothing from anything else.
  @Test func stringShortcutsAgreeWithTheGeneralReads() {
    var values: [[UInt8]] = ["1", "true", "null", "[1]", "{}", " \"a\"", "\"\"", "\"abc\"", "\"a\\\"b\"", "\"abc", "\"\\u00e9\""].map { Array($0.utf8) }
    for stop in [[0x01], [0xC3, 0xA9], [0xFF], [0x5C, 0x6E], [0xED, 0xA0, 0x80]] as [[UInt8]] {
      for length in [0, 7, 15, 16, 17, 40] {
        let text = (0..<length).map { UInt8(ascii: "a") + UInt8($0 % 26) }
        values.append([0x22] + text + stop + text + [0x22])
      }
    }
    var plain = 0
    for value in values {
      for tail in [[], Array(",1".utf8)] as [[UInt8]] {
        let bytes = value + tail
        bytes.withUnsafeBufferPointer { buffer in
          var general = JSONSkimmer(buffer)
          let scalar = general.scalar()
          var shortcut = JSONSkimmer(buffer)
          let read = shortcut.plainString()
          // Whitespace first is for the general read.
          if case .string(let start, let end, false)? = scalar, buffer.first == 0x22 {
            plain += 1
            #expect(read.map { [$0.start, $0.end] } == [start, end], "\(value)")
            #expect(shortcut.position == general.position)
          } else {
            #expect(read == nil, "\(value)")
            #expect(shortcut.position == 0)
          }
          var skipping = JSONSkimmer(buffer)
          var skipped = JSONSkimmer(buffer)
          let isString = buffer.first == 0x22 && skipping.skipValue(depth: 0)
          #expect(skipped.skipString() == isString, "\(value)")
          #expect(skipped.position == (isString ? skipping.position : 0))
        }
      }
    }
    #expect(plain > 10)
  }

  /// A key order's pattern is taken only where the text has exactly those bytes, and nothing is
  /// read when it has not; what follows is read as after `key()`.
  @Test func skipsAKeyOnlyWhereTheBytesAreExactlyThePattern() {
    let pattern = Array(#""userId":"#.utf8)
    for (text, matches) in [
      (#"{"userId":1}"#, true), (#"{"userId" :1}"#, false), (#"{"userIdX":1}"#, false), (#"{"userI":1}"#, false),
      (#"{"user\u0049d":1}"#, false), (#"{"userId""#, false), (#"{"userId"#, false), (#"{ "userId":1}"#, true),
    ] {
      let bytes = Array(text.utf8)
      bytes.withUnsafeBufferPointer { buffer in
        var skimmer = JSONSkimmer(buffer)
        let opened = skimmer.openObject(depth: 0)
        #expect(opened)
        let more = skimmer.nextMember()
        #expect(more == true, "\(text)")
        let before = skimmer.position
        let skipped = pattern.withUnsafeBufferPointer { skimmer.skipKey(ifExactly: $0.baseAddress!, count: $0.count) }
        #expect(skipped == matches, "\(text)")
        if skipped {
          let value = skimmer.scalar()
          #expect(value == .number(start: before + pattern.count, end: before + pattern.count + 1))
          let end = skimmer.nextKey()
          #expect(end == .end)
        } else {
          #expect(skimmer.position == before, "\(text)")
        }
      }
    }
  }
}
