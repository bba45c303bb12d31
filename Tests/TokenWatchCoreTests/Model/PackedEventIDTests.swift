import Testing
import TokenWatchJSON
@testable import TokenWatchCore

@Suite struct PackedEventIDTests {
  /// The reading the packed form must agree with: hex digit by hex digit.
  private func referenceUUID(_ text: String) -> (UInt64, UInt64)? {
    let bytes = Array(text.utf8)
    guard bytes.count == 36 else { return nil }
    var digits: [UInt64] = []
    for (i, byte) in bytes.enumerated() {
      if [8, 13, 18, 23].contains(i) {
        guard byte == UInt8(ascii: "-") else { return nil }
        continue
      }
      guard let value = "0123456789abcdef".utf8.firstIndex(of: byte) else { return nil }
      digits.append(UInt64("0123456789abcdef".utf8.distance(from: "0123456789abcdef".utf8.startIndex, to: value)))
    }
    let high = digits[..<16].reduce(0) { $0 << 4 | $1 }
    let low = digits[16...].reduce(0) { $0 << 4 | $1 }
    return (high, low)
  }

  private func packed(_ text: String) -> PackedEventID {
    var copy = text
    return copy.withUTF8 { PackedEventID(utf8: $0) }
  }

  /// `text` is packed, to the reference's two words, and reads back as itself, from bytes or a string.
  private func expectPackedAsTheReferenceReadsIt(_ text: String) {
    let id = packed(text)
    guard case .uuid(let high, let low) = id, let expected = referenceUUID(text) else {
      Issue.record("\(text) was not packed")
      return
    }
    #expect(high == expected.0 && low == expected.1, "\(text)")
    #expect(id.string == text)
    #expect(PackedEventID(text) == id)
  }

  @Test func lowerCaseUUIDsArePackedAndReadBackExactly() {
    var rng = SplitMix(seed: 23)
    let digits = Array("0123456789abcdef")
    for _ in 0..<2000 {
      var text = String((0..<32).map { _ in digits[Int(rng.next() % 16)] })
      for dash in [8, 13, 18, 23] { text.insert("-", at: text.index(text.startIndex, offsetBy: dash)) }
      expectPackedAsTheReferenceReadsIt(text)
    }
  }

  @Test func everyDigitAtEveryPlaceIsRead() {
    let zero = "00000000-0000-0000-0000-000000000000"
    for place in Array(zero.utf8.indices) where zero.utf8[place] != UInt8(ascii: "-") {
      for digit in "123456789abcdef".utf8 {
        var bytes = Array(zero.utf8)
        bytes[zero.utf8.distance(from: zero.utf8.startIndex, to: place)] = digit
        expectPackedAsTheReferenceReadsIt(String(decoding: bytes, as: UTF8.self))
      }
    }
  }

  @Test func anythingElseIsKeptAsText() {
    let uuid = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
    var others = [
      "", "null", "3F2504E0-4F89-11D3-9A0C-0305E82C3301", "3f2504e0-4f89-11d3-9a0C-0305e82c3301",
      "{3f2504e0-4f89-11d3-9a0c-0305e82c3301}", "3f2504e04f8911d39a0c0305e82c3301", uuid + "0", String(uuid.dropLast()),
      "3f2504e0_4f89-11d3-9a0c-0305e82c3301", "3f2504e0-4f89-11d3-9a0c-0305e82c330é", "req-8c1b2f", "00uabc123xyz",
    ]
    // One byte changed at each place to one that is neither a digit nor a dash, or a dash moved.
    for (i, _) in uuid.utf8.enumerated() {
      for replacement in ["g", "G", "/", ":", "`", "@", " ", "-", "\u{7F}"] {
        var bytes = Array(uuid.utf8)
        if bytes[i] == UInt8(ascii: "-") && replacement == "-" { continue }
        bytes[i] = Array(replacement.utf8)[0]
        others.append(String(decoding: bytes, as: UTF8.self))
      }
    }
    for text in others {
      let id = packed(text)
      #expect(id == .text(text), "\(text)")
      #expect(id.string == text)
      #expect(PackedEventID(text) == id)
    }
  }

  @Test func anEventsIDReadsBackAsSetWhateverItsForm() {
    var event = NormalizedEvent(time: EventTime(millis: 0), format: .native, sourceDetail: "native", kind: .access)
    #expect(event.eventID == nil)
    for id in ["3f2504e0-4f89-11d3-9a0c-0305e82c3301", "3F2504E0-4F89-11D3-9A0C-0305E82C3301", "req-1", ""] {
      event.eventID = id
      #expect(event.eventID == id)
    }
    event.eventID = nil
    #expect(event.packedEventID == nil)
  }

  @Test func anEventIsNoLargerForItsPackedIDs() {
    // The id's and the token's 17 bytes each took the room of the strings they replaced, with
    // `tokenIssuedAt` and the coordinates kept in 8 bytes each (`CompactEventTime`, `CompactDouble`).
    #expect(MemoryLayout<NormalizedEvent>.stride <= 320)
  }
}

@Suite struct PackedEventIDReadingTests {
  private func eventID(ofOktaUUID uuid: String) throws -> PackedEventID? {
    let line = #"{"uuid":"\#(uuid)","published":"2026-04-01T00:00:00.000Z","eventType":"user.session.start","actor":{"id":"00u1","type":"User","alternateId":"a@example.com"},"outcome":{"result":"SUCCESS"},"client":{"ipAddress":"1.2.3.4"}}"#
    var document = JSONDocument()
    try document.parse(Array(line.utf8))
    return try NormalizerRegistry().normalize(document, document.root).packedEventID
  }

  @Test func anIDReadsTheSameWhetherPackedFromTheLineOrDecodedFromEscapes() throws {
    let uuid = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
    let packed = try eventID(ofOktaUUID: uuid)
    #expect(packed == .uuid(high: 0x3f25_04e0_4f89_11d3, low: 0x9a0c_0305_e82c_3301))
    // Escaped, the line's bytes are not a UUID; the decoded text is, and packs the same.
    #expect(try eventID(ofOktaUUID: #"\u0033f2504e0-4f89-11d3-9a0c-0305e82c3301"#) == packed)
    #expect(try eventID(ofOktaUUID: "3F2504E0-4F89-11D3-9A0C-0305E82C3301") == .text("3F2504E0-4F89-11D3-9A0C-0305E82C3301"))
    #expect(try eventID(ofOktaUUID: "") == nil)
  }
}
