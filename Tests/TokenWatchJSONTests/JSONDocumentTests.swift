import Testing
@testable import TokenWatchJSON

@Suite struct JSONDocumentTests {
  func parse(_ text: String) throws -> JSONDocument {
    var document = JSONDocument()
    try document.parse(Array(text.utf8))
    return document
  }

  @Test func readsNestedValues() throws {
    let d = try parse(#"{"a":{"b":[1,-2.5e3,"x\u00e9\ud83d\ude00",true,null]},"c":"plain","a2":0}"#)
    let b = try #require(d.path(d.root, "a", "b"))
    let items = d.elements(b)
    #expect(items.count == 5)
    #expect(d.int64(items[0]) == 1)
    #expect(d.double(items[1]) == -2500)
    #expect(d.string(items[2]) == "xé😀")
    #expect(d.bool(items[3]) == true)
    #expect(d.isNull(items[4]))
    #expect(d.string(d.member(d.root, "c")!) == "plain")
    #expect(d.member(d.root, "missing") == nil)
    #expect(d.count(d.root) == 3)
    #expect(d.stringEquals(d.member(d.root, "c")!, "plain"))
  }

  @Test func escapedKeysMatchTheirDecodedForm() throws {
    let d = try parse(#"{"a\u0062":1}"#)
    #expect(d.int64(d.member(d.root, "ab")!) == 1)
  }

  @Test func duplicateKeysLastWins() throws {
    let d = try parse(#"{"k":1,"k":2}"#)
    #expect(d.int64(d.member(d.root, "k")!) == 2)
  }

  @Test func containsElementStopsAtTheFirstMatch() throws {
    let d = try parse(#"{"list":[{"t":"a"},[1,2],{"t":"b"},{"t":"b"}],"empty":[],"object":{"t":"b"}}"#)
    let list = try #require(d.member(d.root, "list"))
    var visited = 0
    let found = d.containsElement(list) { element in
      visited += 1
      return d.member(element, "t").map { d.stringEquals($0, "b") } ?? false
    }
    #expect(found && visited == 3)  // the nested array is one element, skipped whole
    #expect(!d.containsElement(list) { d.member($0, "t").map { d.stringEquals($0, "c") } ?? false })
    #expect(!d.containsElement(d.member(d.root, "empty")!) { _ in true })
    #expect(!d.containsElement(d.member(d.root, "object")!) { _ in true })  // not an array
  }

  @Test func integersOutOfRangeAreNotInt64() throws {
    let d = try parse("[9223372036854775807, 9223372036854775808, 1.5, 1e400]")
    let items = d.elements(d.root)
    #expect(d.int64(items[0]) == Int64.max)
    #expect(d.int64(items[1]) == nil)
    #expect(d.int64(items[2]) == nil)
    #expect(d.double(items[3]) == .infinity)
  }

  @Test(arguments: [
    ("", 0, "empty input"),
    ("{\"a\":1,}", 7, "unexpected '}', expected a string key"),
    ("[1 2]", 3, "unexpected '2' in array, expected ',' or ']'"),
    ("{\"a\" 1}", 5, "expected ':' after object key"),
    ("\"abc", 0, "unterminated string"),
    ("[01]", 2, "invalid number: leading zero"),
    ("[1.]", 3, "invalid number: expected a digit after '.'"),
    ("\"\\x\"", 1, "invalid escape \\'x'"),
    ("\"\\ud800\"", 1, "lone high surrogate in \\u escape"),
    ("\"\\udc00\"", 1, "lone low surrogate in \\u escape"),
    ("\"a\u{01}\"", 2, "unescaped control character byte 0x1 in string"),
    ("tru", 0, "invalid literal, expected true"),
    // Literals are compared four bytes at once first; a wrong one still names its first bad byte.
    ("[fals]", 5, "invalid literal, expected false"),
    ("[falsE]", 5, "invalid literal, expected false"),
    ("[fAlse]", 2, "invalid literal, expected false"),
    ("nulL", 3, "invalid literal, expected null"),
    ("[trux]", 4, "invalid literal, expected true"),
    ("[tr", 1, "invalid literal, expected true"),
    ("[true1]", 5, "unexpected '1' in array, expected ',' or ']'"),
    ("{} x", 3, "unexpected 'x' after the JSON value"),
  ])
  func errorsCarryTheirOffset(_ text: String, _ offset: Int, _ reason: String) {
    var d = JSONDocument()
    #expect(throws: JSONError(offset: offset, reason: reason)) { try d.parse(Array(text.utf8)) }
  }

  @Test(arguments: [[0xFF], [0xC0, 0x80], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]])
  func invalidUTF8InStringsIsRejected(_ bad: [UInt8]) {
    var d = JSONDocument()
    #expect(throws: JSONError.self) { try d.parse([0x22] + bad + [0x22]) }
  }

  @Test func deepNestingIsRejectedNotACrash() {
    var d = JSONDocument()
    let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
    #expect(throws: JSONError.self) { try d.parse(Array(deep.utf8)) }
    let fine = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
    #expect(throws: Never.self) { try d.parse(Array(fine.utf8)) }
  }

  @Test func documentIsReusable() throws {
    var d = JSONDocument()
    try d.parse(Array(#"{"a":"first"}"#.utf8))
    try d.parse(Array(#"{"b":"second"}"#.utf8))
    #expect(d.member(d.root, "a") == nil)
    #expect(d.string(d.member(d.root, "b")!) == "second")
    var inner = JSONDocument()
    try d.parse(Array(#"{"s":"{\"x\":[1,2]}"}"#.utf8))
    try inner.parse(stringAt: d.member(d.root, "s")!, of: d)
    #expect(inner.count(inner.member(inner.root, "x")!) == 2)
  }

  @Test func writerEscapesForTerminalsAndKeepsOrder() {
    var w = JSONWriter()
    w.beginObject()
    w.field("z", "a\"b\\c\n\u{1B}[31m\u{9B}\u{2028}é")
    w.field("a", 1)
    w.key("list")
    w.beginArray()
    w.bool(true)
    w.null()
    w.fixed(2.50, decimals: 2)
    w.endArray()
    w.endObject()
    #expect(String(decoding: w.bytes, as: UTF8.self) == #"{"z":"a\"b\\c\n\u001b[31m\u009b\u2028é","a":1,"list":[true,null,2.5]}"#)
  }

  /// The writer's escaping, which copies runs of plain bytes, against the rule written scalar by
  /// scalar: quote, backslash and the short escapes; `\u` for C0, DEL, C1, U+2028 and U+2029;
  /// everything else as it is. Random strings mix all of these with plain and multi-byte text.
  @Test func escapingMatchesAScalarByScalarReference() {
    func reference(_ text: String) -> String {
      var out = "\""
      for scalar in text.unicodeScalars {
        switch scalar.value {
        case 0x22: out += "\\\""
        case 0x5C: out += "\\\\"
        case 0x0A: out += "\\n"
        case 0x0D: out += "\\r"
        case 0x09: out += "\\t"
        case 0..<0x20, 0x7F...0x9F, 0x2028, 0x2029:
          let hex = String(scalar.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
      }
      return out + "\""
    }
    let pool: [UInt32] = [0x00, 0x09, 0x0A, 0x0D, 0x1B, 0x1F, 0x20, 0x22, 0x41, 0x5C, 0x7E, 0x7F, 0x80, 0x9B, 0x9F, 0xA0, 0xE9,
      0x2027, 0x2028, 0x2029, 0x202A, 0x20AC, 0xFFFD, 0x1F600]
    var rng = Rng(seed: 77)
    for _ in 0..<3000 {
      var text = String.UnicodeScalarView()
      for _ in 0..<Int(rng.next() % 40) { text.append(Unicode.Scalar(pool[Int(rng.next() % UInt64(pool.count))])!) }
      var writer = JSONWriter()
      writer.string(String(text))
      #expect(String(decoding: writer.bytes, as: UTF8.self) == reference(String(text)))
    }
  }

  @Test func fixedFormatting() {
    #expect(formatFixed(12.5, decimals: 2) == "12.5")
    #expect(formatFixed(3, decimals: 2) == "3")
    #expect(formatFixed(-0.254, decimals: 2) == "-0.25")
    #expect(formatFixed(0.005, decimals: 2) == "0.01")
    #expect(formatFixed(-0.001, decimals: 2) == "0")
  }
}

/// The fast parser against a small, obviously-correct recursive reference on random and
/// mutated documents: both must accept the same inputs and agree on every value.
@Suite struct JSONReferenceComparisonTests {
  indirect enum Value: Equatable {
    case null, bool(Bool), number(String), string([UInt8]), array([Value]), object([([UInt8], Value)])
    static func == (a: Value, b: Value) -> Bool {
      switch (a, b) {
      case (.null, .null): true
      case (.bool(let x), .bool(let y)): x == y
      case (.number(let x), .number(let y)): x == y
      case (.string(let x), .string(let y)): x == y
      case (.array(let x), .array(let y)): x == y
      case (.object(let x), .object(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
      default: false
      }
    }
  }

  func tree(_ d: JSONDocument, _ r: JSONRef) -> Value {
    switch d.kind(r) {
    case .null: return .null
    case .bool: return .bool(d.bool(r)!)
    case .number: return .number(String(decoding: d.rawBytes(r), as: UTF8.self))
    case .string:
      var out: [UInt8] = []
      d.appendDecodedString(r, to: &out)
      return .string(out)
    case .array: return .array(d.elements(r).map { tree(d, $0) })
    case .object:
      var members: [([UInt8], Value)] = []
      d.forEachMember(r) { key, value in members.append((Array(key.utf8), tree(d, value))) }
      return .object(members)
    }
  }

  @Test func agreesOnRandomAndMutatedDocuments() {
    var rng = Rng(seed: 2026)
    var document = JSONDocument()
    var accepted = 0
    for round in 0..<3000 {
      var bytes = Array(randomJSON(&rng, depth: 0).utf8)
      if round % 2 == 1 { Self.damage(&bytes, &rng) }
      if expectAgreement(bytes, &document) { accepted += 1 }
    }
    #expect(accepted > 1500)
  }

  /// Long strings exercise the eight-bytes-at-a-time scan: a special byte (quote, backslash,
  /// control, DEL, non-ASCII, invalid UTF-8) at every offset within and across words.
  @Test func agreesOnLongStringsWithSpecialBytesAnywhere() {
    var rng = Rng(seed: 77)
    var document = JSONDocument()
    let specials: [[UInt8]] = [[0x22], [0x5C, 0x6E], [0x5C, 0x22], [0x5C], [0x01], [0x1F], [0x7F], [0x20], [0xC3, 0xA9], [0xF0, 0x9F, 0x98, 0x80], [0xC3], [0xFF], [0xE2, 0x80, 0xA8], [0x5C, 0x75, 0x30, 0x30, 0x65, 0x39]]
    var accepted = 0
    for round in 0..<6000 {
      var body = [UInt8](repeating: UInt8(ascii: "a") + UInt8(round % 26), count: Int(rng.next() % 40))
      for _ in 0..<Int(rng.next() % 3) {
        let at = body.isEmpty ? 0 : Int(rng.next() % UInt64(body.count + 1))
        body.insert(contentsOf: specials[Int(rng.next() % UInt64(specials.count))], at: at)
      }
      // Sometimes the string ends the input, sometimes more follows, so words straddle its end.
      let bytes = Array("{\"k\":\"".utf8) + body + Array((round % 2 == 0 ? "\"}" : "\",\"pad\":\"0123456789abcdef\"}").utf8)
      if expectAgreement(bytes, &document) { accepted += 1 }
    }
    #expect(accepted > 1000 && accepted < 6000)
  }

  /// Parses `bytes` with both parsers: both accept with the same tree, or both reject. True when
  /// the fast parser accepted.
  func expectAgreement(_ bytes: [UInt8], _ document: inout JSONDocument) -> Bool {
    var reference = ReferenceParser(bytes: bytes)
    let expected = reference.parseDocument()
    do {
      try document.parse(bytes)
      #expect(expected != nil, "fast parser accepted what the reference rejects: \(bytes)")
      if let expected { #expect(tree(document, document.root) == expected, "trees differ for \(String(decoding: bytes, as: UTF8.self))") }
      return true
    } catch {
      #expect(expected == nil, "fast parser rejected valid JSON: \(String(decoding: bytes, as: UTF8.self)) (\(error))")
      return false
    }
  }

  /// Flips, inserts or deletes one to three bytes, invalid UTF-8 included.
  static func damage(_ bytes: inout [UInt8], _ rng: inout Rng) {
    for _ in 0..<(1 + Int(rng.next() % 3)) where !bytes.isEmpty {
      let i = Int(rng.next() % UInt64(bytes.count))
      switch rng.next() % 3 {
      case 0: bytes[i] = UInt8(truncatingIfNeeded: rng.next())
      case 1: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: i)
      default: bytes.remove(at: i)
      }
    }
  }

  func randomJSON(_ rng: inout Rng, depth: Int) -> String {
    let pick = depth > 4 ? rng.next() % 5 : rng.next() % 7
    switch pick {
    case 0: return "null"
    case 1: return rng.next() % 2 == 0 ? "true" : "false"
    case 2: return ["0", "-1", "3.25", "1e10", "-0.5E-3", "123456789012345678901234567890", "9223372036854775807"][Int(rng.next() % 7)]
    case 3, 4:
      let pieces = ["a", "é", "😀", "\\n", "\\\"", "\\u00e9", "\\ud83d\\ude00", "\\/", " ", "\\\\", "日本", "\\t"]
      return "\"" + (0..<Int(rng.next() % 5)).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined() + "\""
    case 5: return "[" + (0..<Int(rng.next() % 4)).map { _ in randomJSON(&rng, depth: depth + 1) }.joined(separator: ", ") + "]"
    default: return "{" + (0..<Int(rng.next() % 4)).map { i in "\"k\(i)\": " + randomJSON(&rng, depth: depth + 1) }.joined(separator: ",") + "}"
    }
  }
}

/// A straightforward recursive-descent JSON parser written from RFC 8259, used only as an oracle.
struct ReferenceParser {
  typealias Value = JSONReferenceComparisonTests.Value
  let bytes: [UInt8]
  var i = 0

  init(bytes: [UInt8]) { self.bytes = bytes }

  mutating func parseDocument() -> Value? {
    ws()
    guard let v = value(depth: 0) else { return nil }
    ws()
    return i == bytes.count ? v : nil
  }

  mutating func ws() { while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 } }

  mutating func literal(_ s: String) -> Bool {
    let b = Array(s.utf8)
    guard i + b.count <= bytes.count, Array(bytes[i..<i + b.count]) == b else { return false }
    i += b.count
    return true
  }

  mutating func value(depth: Int) -> Value? {
    guard i < bytes.count, depth < 256 else { return nil }
    switch bytes[i] {
    case UInt8(ascii: "n"): return literal("null") ? .null : nil
    case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
    case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
    case UInt8(ascii: "\""): return string().map(Value.string)
    case UInt8(ascii: "["):
      i += 1
      var items: [Value] = []
      ws()
      if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
      while true {
        ws()
        guard let v = value(depth: depth + 1) else { return nil }
        items.append(v)
        ws()
        guard i < bytes.count else { return nil }
        if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
        if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
        return nil
      }
    case UInt8(ascii: "{"):
      i += 1
      var members: [([UInt8], Value)] = []
      ws()
      if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
      while true {
        ws()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\""), let key = string() else { return nil }
        ws()
        guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return nil }
        i += 1
        ws()
        guard let v = value(depth: depth + 1) else { return nil }
        members.append((key, v))
        ws()
        guard i < bytes.count else { return nil }
        if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
        if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(members) }
        return nil
      }
    default:
      return number()
    }
  }

  mutating func number() -> Value? {
    // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    let start = i
    func digit(_ k: Int) -> Bool { k < bytes.count && bytes[k] >= 0x30 && bytes[k] <= 0x39 }
    if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
    guard digit(i) else { return nil }
    if bytes[i] == UInt8(ascii: "0") { i += 1 } else { while digit(i) { i += 1 } }
    if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
      i += 1
      guard digit(i) else { return nil }
      while digit(i) { i += 1 }
    }
    if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
      i += 1
      if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
      guard digit(i) else { return nil }
      while digit(i) { i += 1 }
    }
    return .number(String(decoding: bytes[start..<i], as: UTF8.self))
  }

  /// Decodes a string by collecting code units, then validating with the stdlib's UTF-8 decoder.
  mutating func string() -> [UInt8]? {
    i += 1
    var scalars: [Unicode.Scalar] = []
    var raw: [UInt8] = []
    func flushRaw(_ scalars: inout [Unicode.Scalar], _ raw: inout [UInt8]) -> Bool {
      guard !raw.isEmpty else { return true }
      var decoder = UTF8()
      var iterator = raw.makeIterator()
      loop: while true {
        switch decoder.decode(&iterator) {
        case .scalarValue(let s): scalars.append(s)
        case .emptyInput: break loop
        case .error: return false
        }
      }
      raw.removeAll()
      return true
    }
    while i < bytes.count {
      let b = bytes[i]
      if b == UInt8(ascii: "\"") {
        i += 1
        guard flushRaw(&scalars, &raw) else { return nil }
        var out: [UInt8] = []
        for s in scalars { out += Array(String(Character(s)).utf8) }
        return out
      }
      if b < 0x20 { return nil }
      if b == UInt8(ascii: "\\") {
        guard flushRaw(&scalars, &raw), i + 1 < bytes.count else { return nil }
        let e = bytes[i + 1]
        i += 2
        let simple: [UInt8: UInt32] = [0x22: 0x22, 0x5C: 0x5C, 0x2F: 0x2F, 0x62: 8, 0x66: 12, 0x6E: 10, 0x72: 13, 0x74: 9]
        if let s = simple[e] { scalars.append(Unicode.Scalar(s)!); continue }
        guard e == UInt8(ascii: "u"), let high = hex4() else { return nil }
        if (0xD800..<0xDC00).contains(high) {
          guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else { return nil }
          i += 2
          guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
          scalars.append(Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))!)
        } else {
          guard let s = Unicode.Scalar(high) else { return nil }
          scalars.append(s)
        }
        continue
      }
      raw.append(b)
      i += 1
    }
    return nil
  }

  mutating func hex4() -> UInt32? {
    guard i + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[i..<i + 4], as: UTF8.self), radix: 16),
      bytes[i..<i + 4].allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) })
    else { return nil }
    i += 4
    return v
  }
}

struct Rng {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

@Suite struct JSONWriterNestingTests {
  @Test func nestedContainersAfterKeysLeaveNoStaleState() {
    var w = JSONWriter()
    w.beginObject()
    w.key("a"); w.beginObject(); w.endObject()
    w.key("b"); w.beginArray(); w.string("x"); w.string("y"); w.endArray()
    w.key("c"); w.beginObject(); w.key("d"); w.beginArray(); w.endArray(); w.endObject()
    w.key("e"); w.int(1)
    w.endObject()
    w.beginArray(); w.endArray()
    #expect(String(decoding: w.bytes, as: UTF8.self) == #"{"a":{},"b":["x","y"],"c":{"d":[]},"e":1}[]"#)
  }
}
