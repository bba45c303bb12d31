import Testing

@testable import TokenWatchCore
@testable import TokenWatchIO

/// Events decoded off the engine thread (a replay's decode threads, `watch`'s readers) arrive
/// with their keys hashed, so the engine thread does not read those strings again.
@Suite struct KeyHashingTests {
  static let line = Array(
    #"{"time":"2026-01-29T00:30:00.000Z","kind":"access","user":"u-8c6f1e2a","token":"tok_jbuoTpFRYGPLyeupf7tntAZu","session":"ses_d7kKRAGrLWjQrjeRKABy","ip":"52.23.160.17"}"#
      .utf8)

  static func expectHashed(_ event: NormalizedEvent, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(event.keyHashes.token == TableHash.hash32("tok_jbuoTpFRYGPLyeupf7tntAZu"), sourceLocation: sourceLocation)
    #expect(event.keyHashes.session == TableHash.hash32("ses_d7kKRAGrLWjQrjeRKABy"), sourceLocation: sourceLocation)
    #expect(event.keyHashes.user == TableHash.hash32("u-8c6f1e2a"), sourceLocation: sourceLocation)
  }

  @Test func aFrameDecodersEventsCarryTheirKeyHashes() throws {
    let decoder = FrameDecoder(forcedFormat: nil, strict: false, maxLineBytes: 4096)
    let frame = decoder.decode(Frame(source: 0, origin: "test", line: 1, payload: .line(Self.line)))
    guard case .decoded(let decoded) = frame.payload else {
      Issue.record("not decoded")
      return
    }
    #expect(decoded.events.count == 1)
    for event in decoded.events { Self.expectHashed(event.event) }
  }

  @Test func aDecodedBatchsEventsCarryTheirKeyHashes() {
    let decoder = RecordDecoder(registry: NormalizerRegistry(), reporter: InputReporter(strict: false, capturing: true))
    var batch = DecodedBatch()
    decoder.decodeLine(Self.line[...], source: "test", line: 1) { event, tieBreak in
      #expect(event.keyHashes.token == 0)  // not hashed where it was made
      batch.append(event, tieBreak: tieBreak, line: 1)
    }
    #expect(batch.events.count == 1)
    for event in batch.events { Self.expectHashed(event) }
  }
}
