import Foundation
import Testing

@testable import TokenWatchCore

/// Foundation's base64, made URL-safe and unpadded: the reference the packing is checked against.
private func base64URL(_ bytes: [UInt8]) -> String {
  Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    .replacingOccurrences(of: "=", with: "")
}

private func words(_ bytes: [UInt8]) -> (UInt64, UInt64) {
  (bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) }, bytes[8..<16].reduce(0) { $0 << 8 | UInt64($1) })
}

@Suite struct TokenKeyTests {
  /// Any 16 bytes, spelled as Entra spells a token id, pack to those bytes and spell back the same.
  @Test func randomIdsPackToTheirBytesAndBack() {
    var rng = SeededGenerator(seed: 0x70CE)
    for _ in 0..<2000 {
      let bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }
      let text = base64URL(bytes)
      #expect(text.utf8.count == 22)
      let key = TokenKey(text)
      let (high, low) = words(bytes)
      #expect(key == .packed(high: high, low: low), "\(text)")
      #expect(key.string == text)
      #expect(TokenKey(checkpointText: key.checkpointText) == key)
    }
  }

  /// Every character of the alphabet at every position (the last takes only the four whose low
  /// bits are zero), so each sextet is read and written where it lies.
  @Test func everyCharacterAtEveryPosition() {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    for position in 0..<22 {
      for character in position == 21 ? ["A", "Q", "g", "w"] : alphabet {
        var chars = Array(repeating: Character("A"), count: 22)
        chars[position] = character
        let text = String(chars)
        let key = TokenKey(text)
        guard case .packed = key else {
          Issue.record("\(text) was not packed")
          continue
        }
        #expect(key.string == text)
        // The same bytes through Foundation's decoder.
        let padded = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") + "=="
        let (high, low) = words(Array(Data(base64Encoded: padded)!))
        #expect(key == .packed(high: high, low: low), "\(text)")
      }
    }
  }

  /// Anything else stays text, exactly as read.
  @Test func otherIdsStayText() {
    let ids = [
      "", "tok-1", "NpKR6A3gW0OmmaSWButMt", "NpKR6A3gW0OmmaSWButMtwA", "NpKR6A3gW0OmmaSWButMtB", "NpKR6A3gW0OmmaSWButMtI",  // 21, 23, low bits set
      "NpKR6A3gW0OmmaSWButM+w", "NpKR6A3gW0OmmaSWButM/w", "NpKR6A3gW0OmmaSWButM=w", "NpKR6A3gW0OmmaSWButM.w",
      "NpKR6A3gW0OmmaSWButMéw", "NpKR6A3gW0OmmaSWBu tMw", "8f0e6b52-2f77-4c5a-9c8e-3f1b2a4d5e6f",
    ]
    for id in ids {
      let key = TokenKey(id)
      #expect(key == .text(id), "\(id)")
      #expect(key.string == id)
    }
  }

  /// Token ids derived from sign-in ids (`uniqueTokenIdentifier(fromSignInID:)`) are canonical.
  @Test func derivedTokenIdsPack() {
    var rng = SeededGenerator(seed: 0x51D)
    for _ in 0..<200 {
      let id = uniqueTokenIdentifier(requestID: rng.guid())
      guard case .packed = TokenKey(id) else {
        Issue.record("\(id) was not packed")
        continue
      }
    }
  }

  /// As a store key: equal ids are the same key with the same hash whatever their storage, and a
  /// store finds a packed id by a later copy of its text.
  @Test func storeKeysCompareByValue() {
    let text = "NpKR6A3gW0OmmaSWButMtw"
    let copy = String(decoding: Array(text.utf8), as: UTF8.self)
    #expect(TokenKey(text).isSame(as: TokenKey(copy)) && TokenKey(text).tableHash == TokenKey(copy).tableHash)
    #expect(!TokenKey(text).isSame(as: TokenKey("NpKR6A3gW0OmmaSWButMtA")))
    #expect(TokenKey("tok-1").isSame(as: TokenKey(String(decoding: Array("tok-1".utf8), as: UTF8.self))))
    var store = KeyedStore<TokenKey, TokenRecord>(maxEntries: 10, ttl: .hours(1))
    let first = store.touch(TokenKey(text), at: EventTime(millis: 0))
    let again = store.touch(TokenKey(copy), at: EventTime(millis: 1))
    #expect(first.created && !again.created && again.slot == first.slot)
    #expect(store.key(at: first.slot).string == text)
  }

  /// A checkpoint writes packed ids as their text, as before they were packed, and reads them
  /// back packed: in the token store and in an event waiting in the reorder window.
  @Test func checkpointsKeepTokenIdsAsText() throws {
    let text = "NpKR6A3gW0OmmaSWButMtw"
    var engine = Engine(ruleSet: RuleSet(rules: [rule(.replay)], lists: referenceLists))
    var out: [EngineRecord] = []
    engine.process(event("2026-03-02T09:00:00Z", .signIn, token: text, ip: "73.1.2.3", asn: 7922), into: &out)
    engine.process(event("2026-03-02T09:00:01Z", .signIn, token: "tok-1", ip: "73.1.2.3", asn: 7922), into: &out)
    let pending = event("2026-03-02T09:00:02Z", .access, token: text)
    #expect(pending.packedToken == TokenKey(text) && pending.token == text)
    let bytes = EngineCheckpoint.encode(
      engine: engine, reorder: ReorderSnapshot(pending: [.init(time: pending.time, tieBreak: 1, event: pending)]), metadata: CheckpointMetadata())
    // The file holds the id's text.
    #expect(bytes.count > 22 && (0...(bytes.count - 22)).contains { Array(bytes[$0..<$0 + 22]) == Array(text.utf8) })
    let (restored, reorder, _) = try EngineCheckpoint.decode(bytes, ruleSet: RuleSet(rules: [rule(.replay)], lists: referenceLists))
    let slot = try #require(restored.tokens.slot(of: TokenKey(text)))
    #expect(restored.tokens.key(at: slot) == .packed(high: 0x3692_91E8_0DE0_5B43, low: 0xA699_A496_06EB_4CB7))
    #expect(restored.tokens.slot(of: TokenKey("tok-1")) != nil)
    #expect(reorder.pending.first?.event == pending)
  }

  /// An event's coordinates in 8 bytes each: nil and every number (infinities included) read
  /// back as written.
  @Test func compactCoordinatesReadBackAsWritten() {
    var e = event("2026-03-02T09:00:00Z")
    #expect(e.latitude == nil && e.longitude == nil)
    for value in [0.0, -0.0, 53.3453, -6.2863, 90, -180, 1e-300, .infinity, -.infinity, .greatestFiniteMagnitude] {
      e.latitude = value
      e.longitude = -value
      #expect(e.latitude == value && e.longitude == -value)
      #expect(e.latitude?.sign == value.sign)
    }
    e.latitude = nil
    #expect(e.latitude == nil && e.longitude != nil)
    var other = event("2026-03-02T09:00:00Z")
    other.longitude = e.longitude
    #expect(other == e)
  }

  /// The readers pack ids from the line's bytes where they can, and otherwise through the text
  /// (an escaped id, say): the same key either way, and the native reader still refuses a token
  /// that is not a string.
  @Test func readersPackIDsFromBytesOrText() throws {
    let plain = #"{"time":"2026-03-02T09:00:00Z","kind":"access","user":"u1","token":"NpKR6A3gW0OmmaSWButMtw","id":"e8919236-e00d-435b-a699-a49606eb4cb7"}"#
    let escaped = #"{"time":"2026-03-02T09:00:00Z","kind":"access","user":"u1","token":"NpKR6A3gW0OmmaSWButMtw","id":"e8919236-e00d-435b-a699-a49606eb4cb7"}"#
    let a = try NormalizeTestData.normalize(plain)
    let b = try NormalizeTestData.normalize(escaped)
    #expect(a.packedToken == TokenKey("NpKR6A3gW0OmmaSWButMtw") && b.packedToken == a.packedToken)
    guard case .packed = a.packedToken else {
      Issue.record("not packed")
      return
    }
    #expect(a.packedEventID == b.packedEventID && a.eventID == "e8919236-e00d-435b-a699-a49606eb4cb7")
    let other = try NormalizeTestData.normalize(#"{"time":"2026-03-02T09:00:00Z","kind":"access","user":"u1","token":"tok-1"}"#)
    #expect(other.packedToken == .text("tok-1"))
    #expect(try NormalizeTestData.failure(#"{"time":"2026-03-02T09:00:00Z","kind":"access","user":"u1","token":7}"#) != nil)
    let graph = try NormalizeTestData.normalize(
      #"{"time":"2026-03-02T09:00:00Z","category":"MicrosoftGraphActivityLogs","properties":{"timeGenerated":"2026-03-02T09:00:00Z","signInActivityId":"NpKR6A3gW0OmmaSWButMtw","userId":"u1","requestId":"e8919236-e00d-435b-a699-a49606eb4cb7"}}"#)
    #expect(graph.packedToken == a.packedToken)
  }
}
