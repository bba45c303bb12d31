import Testing

@testable import TokenWatchCore

/// Keys hashed ahead on a decode thread (`NormalizedEvent.hashKeys()`) only save the engine
/// work: they never change what it finds.
@Suite struct KeyHashTests {
  /// The demo day through small stores (records evicted and expired all day, so the stores
  /// remove keys by hashes they work out themselves): the same records with hashes as without,
  /// and with keys changed after hashing as with the same keys never hashed.
  @Test func hashesWorkedOutAheadChangeNoOutput() {
    func run(_ events: [NormalizedEvent]) -> [String] {
      var engine = Engine(ruleSet: churningRules)
      var out: [EngineRecord] = []
      for event in events { engine.process(event, into: &out) }
      engine.finish(into: &out)
      #expect(engine.tokens.evictions + engine.tokens.expirations > 0)
      return ndjson(out)
    }
    let hashed = demoEvents.map { event in
      var event = event
      event.hashKeys()
      return event
    }
    #expect(hashed.filter { $0.keyHashes.token != 0 }.count > 1000)
    #expect(hashed.filter { $0.keyHashes.session != 0 }.count > 1000)
    #expect(hashed.filter { $0.keyHashes.user != 0 }.count > 1000)
    let expected = run(demoEvents)
    #expect(expected.count > 20)
    #expect(run(hashed) == expected)

    func renamed(_ event: NormalizedEvent) -> NormalizedEvent {
      var event = event
      event.token = event.token.map { "renamed-" + $0 }
      event.session = event.session.map { "renamed-" + $0 }
      event.user = event.user.map { "renamed-" + $0 }
      return event
    }
    let renamedAfterHashing = run(hashed.map(renamed))
    #expect(renamedAfterHashing == run(demoEvents.map(renamed)))
    #expect(renamedAfterHashing != expected)
  }

  /// Setting a key drops its hash (and only its own), so a hash never outlives its string.
  @Test func aChangedKeyDropsItsHash() {
    var event = NormalizedEvent(time: EventTime(millis: 0), format: .native, sourceDetail: "native", kind: .access)
    event.token = "t1"
    event.session = "s1"
    event.user = "u1"
    event.hashKeys()
    #expect(event.keyHashes.token == TableHash.hash32("t1"))
    #expect(event.keyHashes.session == TableHash.hash32("s1"))
    #expect(event.keyHashes.user == TableHash.hash32("u1"))
    event.token = "t2"
    #expect(event.keyHashes.token == 0)
    #expect(event.keyHashes.session != 0 && event.keyHashes.user != 0)
    event.session = nil
    event.user = "u2"
    #expect(event.keyHashes.session == 0 && event.keyHashes.user == 0)
  }
}
