import Testing
@testable import TokenWatchJSON

@Suite struct JSONStringCacheTests {
  /// A document with a cache reads every string exactly as one without: across thousands of
  /// documents whose strings repeat, collide in the cache's slots and push each other out, of
  /// every length around the cached range, with escapes and non-ASCII text.
  @Test func cachedStringsEqualUncachedOnes() throws {
    let cache = JSONStringCache()
    var cached = JSONDocument()
    cached.stringCache = cache
    var plain = JSONDocument()
    var rng = Rng(seed: 41)
    // Few enough to repeat often, more than the cache has slots so some are pushed out.
    let pool: [String] = (0..<6000).map { i in
      let length = [0, 1, 15, 16, 17, 36, 255, 256, 257, 300, 2, 3, 4, 7, 8, 9, 14][i % 17]
      let alphabet: [String] = ["a", "Z", "0", "-", "é", "😀", "\\n", "\\u00e9", " "]
      var text = ""
      var scalarsWritten = 0
      while scalarsWritten < length {
        text += alphabet[Int(rng.next() % UInt64(i % 3 == 0 ? alphabet.count : 4))]
        scalarsWritten += 1
      }
      return text
    }
    for _ in 0..<4000 {
      let picked = (0..<8).map { _ in pool[Int(rng.next() % UInt64(pool.count))] }
      let text = "[" + picked.map { "\"\($0)\"" }.joined(separator: ",") + "]"
      try cached.parse(Array(text.utf8))
      try plain.parse(Array(text.utf8))
      let got = cached.elements(cached.root).map { cached.string($0) }
      let expected = plain.elements(plain.root).map { plain.string($0) }
      #expect(got.map { $0.map { Array($0.utf8) } } == expected.map { $0.map { Array($0.utf8) } }, "\(text)")
    }
  }

  /// Short strings are told apart by every byte and by their length: each string of 1 to 15
  /// bytes with one byte changed, read right after the unchanged one (which is then cached),
  /// comes back as itself, and so does each length of the same byte.
  @Test func shortStringsDifferingInOneByteOrTheirLengthStayApart() throws {
    var document = JSONDocument()
    let cache = JSONStringCache()
    defer { withExtendedLifetime(cache) {} }
    document.stringCache = cache
    func read(_ text: String) throws -> String {
      try document.parse(Array("\"\(text)\"".utf8))
      return try #require(document.string(document.root))
    }
    for length in 1...15 {
      let plain = String(repeating: "a", count: length)
      #expect(try read(plain) == plain)
      for position in 0..<length {
        var bytes = Array(plain.utf8)
        bytes[position] = UInt8(ascii: "b")
        let changed = String(decoding: bytes, as: UTF8.self)
        #expect(try read(plain) == plain)
        #expect(try read(changed) == changed, "length \(length), byte \(position)")
      }
    }
    for length in 1...15 {
      let plain = String(repeating: "a", count: length)
      #expect(try read(plain) == plain)
      #expect(try read(plain + "a").utf8.count == length + 1)
    }
  }

  /// A string seen twice in a row in its slot is kept, and from then on the same storage is
  /// handed out (what lets the engine compare repeated ids by address). One seen once is not kept.
  @Test func repeatedStringsShareOneStorage() throws {
    var document = JSONDocument()
    let cache = JSONStringCache()
    document.stringCache = cache
    func read(_ text: String) throws -> String {
      try document.parse(Array("\"\(text)\"".utf8))
      return try #require(document.string(document.root))
    }
    func address(_ string: String) -> UnsafePointer<UInt8>? {
      string.utf8.withContiguousStorageIfAvailable { $0.baseAddress }!
    }
    let id = "f50c7000-28ad-4f22-85cd-ea505ec6727e"
    let first = try read(id)
    let second = try read(id)
    let third = try read(id)
    let fourth = try read(id)
    #expect(address(first) != address(second))  // first sighting only fingerprinted
    #expect(address(second) == address(third))
    #expect(address(third) == address(fourth))
    #expect(fourth == id)

    // Short strings live inside the `String` itself, and long ones are not cached at all.
    let long = String(repeating: "x", count: JSONStringCache.maxLength + 1)
    let longs = try (0..<3).map { _ in try read(long) }
    #expect(address(longs[1]) != address(longs[2]))
  }

  /// Two strings that choose the same set of slots are both kept, however they alternate (one
  /// slot each, where a single slot made them push each other out on every sighting), and a
  /// third one kept there lets go of the one kept earlier.
  @Test func twoStringsOfOneSetAreBothKept() throws {
    let slotBits = 4
    let cache = JSONStringCache(slotBits: slotBits)
    func set(of id: String) -> Int {
      Array(id.utf8).withUnsafeBufferPointer { JSONStringCache.set(of: JSONStringCache.fingerprint($0.baseAddress!, $0.count), slotBits: slotBits) }
    }
    // Three ids of one set, among the first that come (a set is one of eight).
    let ids = (0..<200).map { "0c1f2d3e-4a5b-4c6d-8e7f-9\(String(1000 + $0))b3c4d5e" }
    let first = try #require(ids.first)
    let sameSet = ids.filter { set(of: $0) == set(of: first) }
    try #require(sameSet.count >= 3)
    let (a, b, c) = (sameSet[0], sameSet[1], sameSet[2])
    func read(_ id: String) -> String { Array(id.utf8).withUnsafeBufferPointer { cache.string($0) } }
    func address(_ string: String) -> UnsafePointer<UInt8>? {
      string.utf8.withContiguousStorageIfAvailable { $0.baseAddress }!
    }
    // Each is kept at its second sighting in a row.
    _ = read(a)
    let keptA = read(a)
    _ = read(b)
    let keptB = read(b)
    for _ in 0..<3 {
      let (againA, againB) = (read(a), read(b))
      #expect(againA == a && againB == b)
      #expect(address(againA) == address(keptA))
      #expect(address(againB) == address(keptB))
    }
    // A third one kept in the set pushes out the one kept first, and the other stays.
    _ = read(c)
    let keptC = read(c)
    #expect(address(read(c)) == address(keptC))
    #expect(address(read(b)) == address(keptB))
    let afterA = read(a)
    #expect(afterA == a)
    #expect(address(afterA) != address(keptA))
  }

  /// A kept string keeps the hash it was first asked with: the hash is worked out on each miss
  /// and once for the kept string, then handed back with it; short strings are hashed each time.
  @Test func aKeptStringKeepsItsHash() {
    let cache = JSONStringCache()
    var calls = 0
    func hash(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
      calls += 1
      return UInt32(bytes.count) &* 2_654_435_761 | 1
    }
    func read(_ text: String) -> (string: String, hash: UInt32) {
      Array(text.utf8).withUnsafeBufferPointer { cache.string($0, hash: hash) }
    }
    let id = "f50c7000-28ad-4f22-85cd-ea505ec6727e"
    let expected = UInt32(id.utf8.count) &* 2_654_435_761 | 1
    let reads = (0..<5).map { _ in read(id) }
    #expect(reads.allSatisfy { $0.string == id && $0.hash == expected })
    #expect(calls == 2)  // the first miss (only fingerprinted), then once for the kept string
    _ = read("short")
    _ = read("short")
    #expect(calls == 4)
    // The same cache read without a hash hands out the same kept string.
    let plain = Array(id.utf8).withUnsafeBufferPointer { cache.string($0) }
    #expect(plain == id && calls == 4)
  }

  /// Ids that come back only after thousands of others (3,000 users, each with an id, a login
  /// name, a session and a device) stay in a decoding thread's cache, and are pushed out of a
  /// small one: round after round, the big cache hands most of them out from the same storage.
  @Test func aThreadsCacheKeepsTheIdsOfThousandsOfUsers() throws {
    func sharedInLastRound(slotBits: Int) throws -> Double {
      var document = JSONDocument()
      let cache = JSONStringCache(slotBits: slotBits)
      defer { withExtendedLifetime(cache) {} }
      document.stringCache = cache
      var rng = Rng(seed: 7)
      let ids = (0..<12_000).map { _ in String(rng.next(), radix: 16) + "-4a5b-4c6d-" + String(rng.next(), radix: 16) }
      func address(_ string: String) -> UnsafePointer<UInt8>? {
        string.utf8.withContiguousStorageIfAvailable { $0.baseAddress }!
      }
      // The strings are kept alive, so that a freed one's address is not handed out again.
      var previous: [String] = []
      var shared = 0
      for _ in 0..<4 {
        var reads: [String] = []
        shared = 0
        for (i, id) in ids.enumerated() {
          try document.parse(Array("\"\(id)\"".utf8))
          let read = try #require(document.string(document.root))
          #expect(read == id)
          if !previous.isEmpty, address(previous[i]) == address(read) { shared += 1 }
          reads.append(read)
        }
        previous = reads
      }
      return Double(shared) / Double(ids.count)
    }
    let big = try sharedInLastRound(slotBits: JSONStringCache.threadSlotBits)
    let small = try sharedInLastRound(slotBits: JSONStringCache.smallSlotBits)
    #expect(big > 0.75, "\(big)")
    #expect(small < 0.25, "\(small)")
  }

  /// `uncachedString` reads the same text, but neither takes the cache's storage nor leaves its
  /// own there: the cached copy is still handed out afterwards, and a value read only uncached
  /// is never kept (so its next cached read is a first sighting).
  @Test func uncachedStringsBypassTheCache() throws {
    var document = JSONDocument()
    let cache = JSONStringCache()  // the document does not keep its cache alive
    defer { withExtendedLifetime(cache) {} }
    document.stringCache = cache
    func read(_ text: String, cached: Bool) throws -> String {
      try document.parse(Array("\"\(text)\"".utf8))
      return try #require(cached ? document.string(document.root) : document.uncachedString(document.root))
    }
    func address(_ string: String) -> UnsafePointer<UInt8>? {
      string.utf8.withContiguousStorageIfAvailable { $0.baseAddress }!
    }
    let id = "0c1f2d3e-4a5b-4c6d-8e7f-901a2b3c4d5e"
    _ = try read(id, cached: true)
    let kept = try read(id, cached: true)
    let uncached = try read(id, cached: false)
    #expect(uncached == id && address(uncached) != address(kept))
    #expect(try address(read(id, cached: true)) == address(kept))

    let other = "5e4d3c2b-1a09-4f7e-8d6c-5b4a3e2d1c0f"
    let uncachedReads = try (0..<3).map { _ in try read(other, cached: false) }
    #expect(Set(uncachedReads.map(address)).count == 3)
    let firstCached = try read(other, cached: true)
    let secondCached = try read(other, cached: true)
    #expect(address(firstCached) != address(secondCached))  // a first sighting, then kept
    #expect(try address(read(other, cached: true)) == address(secondCached))
  }
}
