import Testing
@testable import TokenWatchCore

@Suite struct StringInternerTests {
  @Test func equalStringsShareANumberAndNilIsNone() {
    var strings = StringInterner()
    let a = strings.intern("alice")
    #expect(strings.intern("alice") == a)
    #expect(strings.intern(String?.some("alice")) == a)
    #expect(strings.intern(String?.none) == .none)
    #expect(strings[.none] == nil)
    #expect(strings[a] == "alice")
    // The empty string is a string, not the absence of one.
    let empty = strings.intern("")
    #expect(empty != .none && strings[empty] == "")
    // Strings are told apart by their bytes, not by canonical equivalence: each spelling of
    // "café" comes back exactly as given.
    let composed = strings.intern("caf\u{E9}")
    let decomposed = strings.intern("cafe\u{301}")
    #expect(composed != decomposed)
    #expect(strings[composed]!.utf8.elementsEqual("caf\u{E9}".utf8))
    #expect(strings[decomposed]!.utf8.elementsEqual("cafe\u{301}".utf8))
    var id = composed
    strings.update(&id, to: "cafe\u{301}")
    #expect(id == decomposed)
    #expect(strings.count == 4)
  }

  /// The same bytes in a new storage (another decode thread's copy) keep their number, and the
  /// table keeps the newest storage, so the next lookup of it compares addresses.
  @Test func aNewStorageOfAStringKeepsItsNumberAndIsKept() {
    func fresh(_ text: String) -> String { String(decoding: Array(text.utf8), as: UTF8.self) }
    let text = "0c1f2d3e-4a5b-4c6d-8e7f-901a2b3c4d5e"
    var strings = StringInterner()
    let first = fresh(text)
    let number = strings.intern(first)
    let second = fresh(text)
    #expect(!ExactString.sameStorage(first, second))
    #expect(strings.intern(second) == number)
    #expect(ExactString.sameStorage(strings[number]!, second))
    let third = fresh(text)
    var id = number
    strings.update(&id, to: third)
    #expect(id == number && ExactString.sameStorage(strings[number]!, third))
    #expect(strings.count == 1)
  }

  /// A hint is taken only when it is the string's own number; any other hint (another string's,
  /// none) gives what interning gives.
  @Test func aHintIsTakenOnlyForItsOwnString() {
    var strings = StringInterner()
    let seattle = strings.intern("Seattle")
    let agent = strings.intern("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Edg/131.0")
    #expect(strings.intern("Seattle", like: seattle) == seattle)
    #expect(strings.intern(String(decoding: Array("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Edg/131.0".utf8), as: UTF8.self), like: agent) == agent)
    #expect(strings.intern("Seattle", like: agent) == seattle)
    let boston = strings.intern("Boston", like: seattle)
    #expect(boston != seattle && strings[boston] == "Boston")
    #expect(strings.intern("Boston", like: .none) == boston)
    #expect(strings.intern(nil, like: seattle) == .none)
    #expect(strings.count == 3)
  }

  @Test func updateInternsOnlyWhenTheStringChanges() {
    var strings = StringInterner()
    var id = InternedString.none
    strings.update(&id, to: "u1")
    let first = id
    strings.update(&id, to: "u1")
    #expect(id == first)
    strings.update(&id, to: "u2")
    #expect(strings[id] == "u2" && id != first)
    strings.update(&id, to: nil)
    #expect(id == .none)
  }

  /// The recent-strings cache keys on length and the first and last 8 bytes: strings that agree
  /// on those and differ in the middle must still get their own numbers.
  @Test func stringsWithTheSameFingerprintStayApart() {
    var strings = StringInterner()
    let words = (0..<2000).map { "prefix--\(String(repeating: "x", count: $0 % 7))\($0 % 10)\(String(repeating: "y", count: 6 - $0 % 7))--suffix" }
    var ids: [String: InternedString] = [:]
    for _ in 0..<3 {
      for word in words {
        let id = strings.intern(word)
        #expect(strings[id] == word)
        if let known = ids[word] { #expect(known == id) } else { ids[word] = id }
      }
    }
    #expect(strings.count == Set(words).count)
    // Short strings (read byte by byte) and long ones (unicode, heap-allocated) alike.
    for word in ["", "a", "ab", "ba", "1234567", "12345678", "ünï", String(repeating: "🧪", count: 40)] {
      let id = strings.intern(word)
      #expect(strings[id] == word && strings.intern(word) == id)
    }
  }

  @Test func aSweepFreesWhatIsNotMarkedAndReusesItsNumbers() {
    var strings = StringInterner()
    let ids = (0..<10).map { strings.intern("s\($0)") }
    var marks = strings.makeMarks()
    for i in [1, 4, 9] { marks.insert(ids[i]) }
    #expect(strings.sweep(keeping: marks) == 7)
    #expect(strings.count == 3)
    for i in [1, 4, 9] { #expect(strings[ids[i]] == "s\(i)") }
    // A swept string comes back under a new number; freed numbers are reused lowest first,
    // and the recent-strings cache does not hand out the freed numbers it remembered.
    let again = strings.intern("s0")
    #expect(again == ids[0] && strings[again] == "s0")
    let other = strings.intern("new")
    #expect(other == ids[2] && strings[other] == "new")
    #expect(strings.intern("s3") == ids[3])
    #expect(strings.intern("s1") == ids[1])
    #expect(strings.count == 6)
    // Everything kept: nothing freed.
    var all = strings.makeMarks()
    for i in [0, 1, 2, 3, 4, 9] { all.insert(ids[i]) }
    #expect(strings.sweep(keeping: all) == 0)
  }

  @Test func aSweepIsDueOnceTheTableHasDoubled() {
    var strings = StringInterner()
    let minimum = StringInterner.minimumSweepThreshold
    for i in 0..<(minimum - 1) { _ = strings.intern("k\(i)") }
    #expect(!strings.sweepIsDue)
    _ = strings.intern("one more")
    #expect(strings.sweepIsDue)
    // Keep everything: the next sweep is due at twice what is left.
    var marks = strings.makeMarks()
    for raw in 1...UInt32(minimum) { marks.insert(InternedString(raw: raw)) }
    strings.sweep(keeping: marks)
    #expect(!strings.sweepIsDue)
    for i in 0..<(minimum - 1) { _ = strings.intern("more\(i)") }
    #expect(!strings.sweepIsDue)
    _ = strings.intern("the last")
    #expect(strings.sweepIsDue)
  }

  @Test func marksGrowForNumbersBeyondTheirCapacity() {
    var marks = StringInterner().makeMarks()
    #expect(!marks.contains(InternedString(raw: 1000)))
    marks.insert(InternedString(raw: 1000))
    #expect(marks.contains(InternedString(raw: 1000)))
    #expect(!marks.contains(InternedString(raw: 999)) && !marks.contains(InternedString(raw: 1001)))
  }

  /// A copy is a value: interning into one does not show in the other.
  @Test func copiesAreIndependent() {
    var a = StringInterner()
    let x = a.intern("x")
    var b = a
    let y = b.intern("y")
    #expect(a.count == 1 && b.count == 2)
    #expect(a[x] == "x" && b[y] == "y")
  }
}
