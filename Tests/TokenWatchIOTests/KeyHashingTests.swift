import Testing

@testable import TokenWatchCore
@testable import TokenWatchIO
import TokenWatchJSON

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

  /// Entra sign-ins (the fast path) take their user's and session's hashes from the string
  /// cache, which keeps a kept id's hash: the same as hashing the strings, on a miss and a hit.
  @Test func aFastPathsEventsCarryTheirKeyHashesFromTheStringCache() {
    let line = Array(
      #"{"time":"2026-04-01T00:00:00.0481905Z","category":"SignInLogs","resultType":"0","properties":{"id":"e8919236-e00d-435b-a699-a49606eb4cb7","createdDateTime":"2026-04-01T00:00:00.0481905+00:00","userPrincipalName":"hana.costa@contoso.example","userId":"eb156194-3118-4811-ba2d-177c2ce90c1e","appId":"d3590ed6-52b3-4102-aeff-aad2292ab01c","ipAddress":"159.134.52.116","status":{"errorCode":0},"uniqueTokenIdentifier":"NpKR6A3gW0OmmaSWButMtw","sessionId":"2ca09cf7-5559-4f57-85ca-c6327db016ab"}}"#
        .utf8)
    let decoder = RecordDecoder(registry: NormalizerRegistry(), reporter: InputReporter(strict: false, capturing: true), strings: JSONStringCache())
    var batch = DecodedBatch()
    for number in 1...4 {
      decoder.decodeLine(line[...], source: "test", line: number) { event, tieBreak in batch.append(event, tieBreak: tieBreak, line: number) }
    }
    #expect(batch.events.count == 4)
    for event in batch.events {
      #expect(event.user == "eb156194-3118-4811-ba2d-177c2ce90c1e" && event.session == "2ca09cf7-5559-4f57-85ca-c6327db016ab")
      #expect(event.keyHashes.user == TableHash.hash32(event.user!))
      #expect(event.keyHashes.session == TableHash.hash32(event.session!))
      #expect(event.keyHashes.token == event.packedToken?.tableHash)
    }
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
