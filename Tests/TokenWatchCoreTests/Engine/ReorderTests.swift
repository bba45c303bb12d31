import Testing
@testable import TokenWatchCore

@Suite struct ReorderTests {
  @Test func reorderBufferReleasesInOrderOnceTheWatermarkPasses() {
    var buffer = ReorderBuffer<Int>(maxDelay: .minutes(10))
    var out: [ReorderBuffer<Int>.Entry] = []
    buffer.push(1, time: EventTime(millis: 5 * 60_000), tieBreak: 0, into: &out)
    buffer.push(2, time: EventTime(millis: 1 * 60_000), tieBreak: 0, into: &out)
    #expect(out.isEmpty)
    buffer.push(3, time: EventTime(millis: 16 * 60_000), tieBreak: 0, into: &out)
    #expect(out.map(\.item) == [2, 1])
    buffer.push(4, time: EventTime(millis: 2 * 60_000), tieBreak: 0, into: &out)  // 14 min behind: late
    #expect(out.last?.item == 4 && out.last?.late == true)
    #expect(buffer.lateCount == 1)
    buffer.drain(into: &out)
    #expect(out.map(\.item) == [2, 1, 4, 3])
  }

  @Test func equalTimestampsAreOrderedByTieBreakNotArrival() {
    var a = ReorderBuffer<String>(maxDelay: .minutes(1))
    var b = ReorderBuffer<String>(maxDelay: .minutes(1))
    var outA: [ReorderBuffer<String>.Entry] = []
    var outB: [ReorderBuffer<String>.Entry] = []
    a.push("x", time: EventTime(millis: 0), tieBreak: 9, into: &outA)
    a.push("y", time: EventTime(millis: 0), tieBreak: 3, into: &outA)
    b.push("y", time: EventTime(millis: 0), tieBreak: 3, into: &outB)
    b.push("x", time: EventTime(millis: 0), tieBreak: 9, into: &outB)
    a.drain(into: &outA)
    b.drain(into: &outB)
    #expect(outA.map(\.item) == ["y", "x"])
    #expect(outB.map(\.item) == ["y", "x"])
  }

  @Test func aFullWindowReleasesItsOldestEarlyAndLaterOlderArrivalsAreLate() {
    var buffer = ReorderBuffer<Int>(maxDelay: .minutes(10), maxItems: 3)
    var out: [ReorderBuffer<Int>.Entry] = []
    // Ten items with one timestamp never move the watermark: only the cap releases them.
    for i in 0..<10 {
      buffer.push(i, time: EventTime(millis: 60_000), tieBreak: UInt64(100 - i), into: &out)
      #expect(buffer.count <= 3)
    }
    #expect(buffer.overflowCount == 7)
    #expect(out.allSatisfy { !$0.late })
    // Each release is the smallest tie-break waiting at that moment: here always the newcomer.
    #expect(out.map(\.item) == [3, 4, 5, 6, 7, 8, 9])
    buffer.push(99, time: EventTime(millis: 30_000), tieBreak: 0, into: &out)  // older than a release: late
    #expect(out.last?.item == 99 && out.last?.late == true)
    buffer.push(50, time: EventTime(millis: 60_000), tieBreak: 500, into: &out)  // not older: placed in order
    #expect(out.last?.item == 2)  // and the window, full again, gives up its smallest
    buffer.drain(into: &out)
    #expect(out.suffix(4).map(\.item) == [2, 1, 0, 50])
    #expect(buffer.lateCount == 1)
  }

  /// Keys that arrive in order queue apart from the heap; the two must still give one order,
  /// including equal times, a snapshot taken midway, and the cap releasing early.
  @Test(arguments: [1, 2, 3, 4, 5, 6])
  func inOrderAndOutOfOrderArrivalsReleaseInKeyOrder(seed: UInt64) {
    var random = SeededGenerator(seed: seed)
    var keys: [(time: Int64, tieBreak: UInt64)] = []
    var clock: Int64 = 0
    for _ in 0..<3_000 {
      // Mostly forward in small steps (often equal), sometimes up to 9 minutes back.
      let step = Int64(random.next() % 4) * 1_000
      clock += step
      let back = random.next() % 5 == 0 ? Int64(random.next() % 540_000) : 0
      keys.append((clock - back, random.next() % 8))
    }
    for maxItems in [1_000_000, 40] {
      var buffer = ReorderBuffer<Int>(maxDelay: .minutes(10), maxItems: maxItems)
      var out: [ReorderBuffer<Int>.Entry] = []
      for (i, key) in keys.enumerated() {
        buffer.push(i, time: EventTime(millis: key.time), tieBreak: key.tieBreak, into: &out)
        if i == keys.count / 2 {
          // A restored copy of the buffer carries on exactly as the original.
          var copy = ReorderBuffer<Int>(maxDelay: .minutes(10), maxItems: maxItems)
          let snapshot = buffer.snapshot { _ in NormalizedEvent(time: EventTime(millis: 0), format: .native, sourceDetail: "", kind: .other) }
          copy.restore(snapshot) { _ in -1 }
          #expect(copy.count == buffer.count)
          var fromCopy: [ReorderBuffer<Int>.Entry] = []
          copy.drain(into: &fromCopy)
          var original = buffer
          var fromOriginal: [ReorderBuffer<Int>.Entry] = []
          original.drain(into: &fromOriginal)
          #expect(fromCopy.map { [$0.time.millis, Int64(bitPattern: $0.tieBreak)] } == fromOriginal.map { [$0.time.millis, Int64(bitPattern: $0.tieBreak)] })
        }
      }
      buffer.drain(into: &out)
      #expect(out.count == keys.count)
      #expect(Set(out.map(\.item)).count == keys.count)
      // Released in key order, except late items and what the cap let go early, which leave at once.
      let inOrder = out.filter { !$0.late }
      if maxItems > keys.count {
        #expect(buffer.overflowCount == 0)
        for (a, b) in zip(inOrder, inOrder.dropFirst()) {
          #expect((a.time.millis, a.tieBreak) <= (b.time.millis, b.tieBreak))
        }
      } else {
        #expect(buffer.overflowCount > 0)
      }
      #expect(out.filter(\.late).count == buffer.lateCount)
    }
  }

  @Test func aMergerSharesItsCapAmongInputs() {
    var merger = StreamMerger<Int>(inputs: 2, maxDelay: .minutes(10), maxItems: 4)
    for i in 0..<5 { merger.push(i, time: EventTime(millis: 0), tieBreak: UInt64(i), input: 0) }
    #expect(merger.overflowCount == 3)  // two per input
  }

  /// Shuffling events within the max delay must not change a single alert byte.
  @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8])
  func shuffledWithinMaxDelayGivesIdenticalOutput(seed: UInt64) {
    let rules = [rule(.replay, id: "TW-001"), rule(.travel, id: "TW-002"), rule(.dormant, id: "TW-006"), rule(.postTaskUse, id: "TW-005")]
    var events: [NormalizedEvent] = []
    var rng = SplitMix(seed: 42)
    for i in 0..<400 {
      let minute = i / 4
      let user = "u\(rng.next() % 5)"
      let asn: UInt32 = rng.next() % 7 == 0 ? 14061 : 7922
      let lat = asn == 14061 ? 52.37 : 40.71
      let lon = asn == 14061 ? 4.89 : -74.0
      events.append(event("2026-03-02T\(format2(8 + minute / 60)):\(format2(minute % 60)):\(format2(Int(rng.next() % 60)))Z", i % 50 == 0 ? .tokenRevoked : .access,
        user: user, token: "t\(rng.next() % 12)", session: "s\(rng.next() % 6)", ip: "10.0.\(asn % 7).1", asn: asn, lat: lat, lon: lon))
    }
    let sorted = events.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
    // Displace each event by up to 4 minutes of arrival order (max delay 10m).
    var shuffleRng = SplitMix(seed: seed)
    let shuffled = sorted.enumerated().map { (key: Double($0.offset) + Double(shuffleRng.next() % 16), event: $0.element) }
      .sorted { $0.key < $1.key }.map(\.event)
    #expect(shuffled.map(\.time) != sorted.map(\.time))
    #expect(encoded(rules, through: sorted) == encoded(rules, through: shuffled))
  }

  func encoded(_ rules: [CompiledRule], through events: [NormalizedEvent]) -> [[UInt8]] {
    var buffer = ReorderBuffer<NormalizedEvent>(maxDelay: .minutes(10))
    var released: [ReorderBuffer<NormalizedEvent>.Entry] = []
    for e in events {
      var encoder = NativeEventEncoder()
      var hash = StableHash()
      hash.combine(bytes: encoder.encode(e))
      buffer.push(e, time: e.time, tieBreak: hash.value, into: &released)
    }
    buffer.drain(into: &released)
    #expect(released.allSatisfy { !$0.late })
    var engine = Engine(ruleSet: RuleSet(rules: rules, lists: [:]))
    var out: [EngineRecord] = []
    for entry in released { engine.process(entry.item, into: &out) }
    engine.finish(into: &out)
    var encoder = RecordEncoder()
    return out.map { encoder.encode($0) }
  }

  @Test func mergerInterleavesInputsByEventTime() {
    var merger = StreamMerger<String>(inputs: 2, maxDelay: .zero)
    let a = [("a1", 1), ("a2", 5), ("a3", 9)]
    let b = [("b1", 2), ("b2", 3), ("b3", 10)]
    var cursors = [0, 0]
    var out: [String] = []
    while true {
      if let entry = merger.pop() { out.append(entry.item); continue }
      guard let i = merger.starvedInput else { break }
      let input = i == 0 ? a : b
      if cursors[i] < input.count {
        let (name, minute) = input[cursors[i]]
        merger.push(name, time: EventTime(millis: Int64(minute) * 60_000), tieBreak: 0, input: i)
        cursors[i] += 1
      } else {
        merger.finish(input: i)
      }
    }
    #expect(out == ["a1", "b1", "b2", "a2", "a3", "b3"])
  }
}

/// Tests draw from the simulator's SplitMix64 generator.
typealias SplitMix = SeededGenerator

@Suite struct ParkedEventsTests {
  @Test func eachHandleGivesBackItsOwnEventWithItsOriginAndLine() {
    var parked = ParkedEvents()
    var handles: [ParkedEvent] = []
    for i in 0..<5 {
      handles.append(parked.park(event("2026-03-02T09:00:0\(i)Z", token: "t\(i)"), origin: i % 2, line: 10 + i))
    }
    #expect(parked.count == 5)
    #expect(handles.map(\.origin) == [0, 1, 0, 1, 0])
    #expect(handles.map(\.line) == [10, 11, 12, 13, 14])
    // Taken out of order, as a reorder window releases them.
    for i in [3, 0, 4, 1, 2] {
      #expect(parked.take(handles[i]).token == "t\(i)")
    }
    #expect(parked.count == 0)
  }

  @Test func freedSlotsAreReusedSoParkingStaysBoundedByWhatWaits() {
    var parked = ParkedEvents()
    var waiting: [(ParkedEvent, String)] = []
    // A window of at most 3 events over 5,000 (pages hold 4,096 slots: a second page would show).
    for i in 0..<5_000 {
      let id = "t\(i)"
      waiting.append((parked.park(event("2026-03-02T09:00:00Z", token: id), origin: 0, line: i), id))
      if waiting.count == 3 {
        let (handle, expected) = waiting.removeFirst()
        #expect(parked.take(handle).token == expected)
      }
      #expect(parked.count == waiting.count)
    }
    #expect(Set(waiting.map { $0.0.slot }).isSubset(of: [0, 1, 2]))
    for (handle, expected) in waiting { #expect(parked.take(handle).token == expected) }
  }
}
