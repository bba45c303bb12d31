import Testing
@testable import TokenWatchJSON

@Suite struct JSONKeyTableTests {
  /// `members` finds in one pass exactly what one `member` call per key finds, on objects with
  /// missing, duplicate, escaped, empty and near-miss keys (same length, same first or last byte).
  @Test func membersAgreeWithMemberForEveryKey() throws {
    let vocabulary = ["id", "ip", "iq", "userId", "userIe", "xserId", "", "a", "status", "statuS", "location", "createdDateTime", "é"]
    let table = JSONKeyTable(["id", "userId", "", "status", "location", "missing", "createdDateTime", "é", "ipAddress"])
    var rng = Rng(seed: 9)
    var document = JSONDocument()
    for _ in 0..<2000 {
      var members: [String] = []
      for _ in 0..<Int(rng.next() % 12) {
        var key = vocabulary[Int(rng.next() % UInt64(vocabulary.count))]
        if rng.next() % 5 == 0, let first = key.unicodeScalars.first, first.isASCII {
          // The same key spelled with an escape: it must still be found.
          key = "\\u00" + String(first.value, radix: 16) + String(key.unicodeScalars.dropFirst())
        }
        members.append("\"\(key)\":\(rng.next() % 100)")
      }
      try document.parse(Array(("{" + members.joined(separator: ",") + "}").utf8))
      let found = try #require(document.members(document.root, table))
      for (index, key) in table.keys.enumerated() {
        let expected = document.member(document.root, String(decoding: key, as: UTF8.self))
        #expect(found[index] == expected, "key \(String(decoding: key, as: UTF8.self)) in \(members)")
      }
    }
  }

  @Test func onlyObjectsHaveMembers() throws {
    var document = JSONDocument()
    try document.parse(Array(#"[{"id":1}]"#.utf8))
    #expect(document.members(document.root, JSONKeyTable(["id"])) == nil)
    let first = try #require(document.elements(document.root).first)
    #expect(document.members(first, JSONKeyTable(["id"]))?[0] != nil)
  }

  @Test func manyKeysStillFindEachOther() throws {
    let keys = (0..<300).map { "key\($0)" }
    let table = JSONKeyTable(keys)
    var document = JSONDocument()
    try document.parse(Array(("{" + keys.reversed().map { "\"\($0)\":\"\($0)\"" }.joined(separator: ",") + "}").utf8))
    var found = [JSONRef?](repeating: nil, count: keys.count)
    #expect(document.scanMembers(document.root, table) { found[$0] = $1 })
    for (index, key) in keys.enumerated() { #expect(found[index].flatMap(document.string) == key) }
  }

  /// `members` holds its values inline, up to `JSONMembers.capacity` keys: all of them are read.
  @Test func membersReadsAFullTable() throws {
    let keys = (0..<JSONMembers.capacity).map { "k\($0)" }
    let table = JSONKeyTable(keys)
    var document = JSONDocument()
    try document.parse(Array(("{" + keys.dropFirst().map { "\"\($0)\":\"v\($0)\"" }.joined(separator: ",") + "}").utf8))
    let found = try #require(document.members(document.root, table))
    #expect(found[0] == nil)
    for index in 1..<keys.count { #expect(found[index].flatMap(document.string) == "v" + keys[index]) }
  }
}

@Suite struct ExactDecimalTests {
  /// The fast path must give the very same double as the C library's correctly rounded strtod,
  /// and step aside (nil) rather than guess when it cannot be exact.
  @Test func agreesWithStrtodOnRandomNumbers() throws {
    var rng = Rng(seed: 31)
    var document = JSONDocument()
    var fast = 0
    for round in 0..<20000 {
      var text = rng.next() % 4 == 0 ? "-" : ""
      let digits = 1 + Int(rng.next() % 19)
      var integer = String(rng.next() % 10)
      if integer != "0" { for _ in 1..<max(1, digits / 2) { integer += String(rng.next() % 10) } }
      text += integer
      if rng.next() % 3 != 0 {
        text += "."
        for _ in 0..<(1 + Int(rng.next() % UInt64(digits + 4))) { text += String(rng.next() % 10) }
      }
      if round % 5 == 0 { text += (rng.next() % 2 == 0 ? "e" : "E-") + String(rng.next() % 40) }
      try document.parse(Array(text.utf8))
      let expected = try #require(Double(text))
      let parsed = try #require(document.double(document.root))
      #expect(parsed.bitPattern == expected.bitPattern, "\(text): \(parsed) != \(expected)")
      let exact = Array(text.utf8).withUnsafeBufferPointer { exactDecimal($0) }
      if let exact {
        fast += 1
        #expect(exact.bitPattern == expected.bitPattern, "fast path wrong for \(text)")
      }
    }
    #expect(fast > 10000)  // coordinates and the like take the fast path
  }

  @Test func edgeCases() {
    for text in ["0", "-0", "-0.0", "9007199254740992", "9007199254740993", "1e22", "1e23", "0.1", "47.6062", "-122.3321", "1E-22", "123456789012345678"] {
      let fast = Array(text.utf8).withUnsafeBufferPointer { exactDecimal($0) }
      if let fast { #expect(fast.bitPattern == Double(text)!.bitPattern, "\(text)") }
    }
    // Beyond 2^53 or 10^22 it declines.
    #expect(Array("9007199254740993".utf8).withUnsafeBufferPointer { exactDecimal($0) } == nil)
    #expect(Array("1e23".utf8).withUnsafeBufferPointer { exactDecimal($0) } == nil)
  }
}

@Suite struct MemoryEqualsTests {
  /// Word-wise comparison with overlapping last words: every length from 0 to 72 (under 8, up
  /// to 16, up to 32, longer), equal bytes, and one differing byte at every position, including
  /// the bytes only an overlap covers.
  @Test func findsADifferenceAtEveryPositionOfEveryLength() {
    var rng = Rng(seed: 5)
    for count in 0...72 {
      let a = (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
      if count > 0 {
        let copy = a
        let equal = a.withUnsafeBufferPointer { x in copy.withUnsafeBufferPointer { y in memoryEquals(x.baseAddress!, y.baseAddress, count) } }
        #expect(equal, "equal \(count) bytes compared unequal")
      }
      for position in 0..<count {
        var b = a
        b[position] ^= UInt8(1 << (rng.next() % 8))
        let equal = a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in memoryEquals(x.baseAddress!, y.baseAddress, count) } }
        #expect(!equal, "a difference at \(position) of \(count) bytes was missed")
      }
    }
  }
}
