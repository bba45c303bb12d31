import TokenWatchCore
import TokenWatchJSON

/// A frame's events, decoded where it was read, with the diagnostics and counts decoding produced.
public struct DecodedFrame: Sendable, Equatable {
  public var events: [DecodedEvent]
  var stats: InputStats
  var diagnostics: [CapturedDiagnostic]
  /// Bytes of the line it came from (for the queue's budget).
  var rawBytes: Int
}

public struct DecodedEvent: Sendable, Equatable {
  public var event: NormalizedEvent
  public var tieBreak: UInt64
}

/// Decodes frames on the thread that read them (the network thread, the stdin reader), so that
/// `watch` parses on one core and detects on the other. Diagnostics are captured, not printed:
/// the engine thread prints them when it takes the frame, in the order it processes frames.
///
/// One instance per producing thread; it is never used by two threads at once.
public final class FrameDecoder: @unchecked Sendable {
  private let reporter: InputReporter
  private let decoder: RecordDecoder
  private let maxLineBytes: Int

  init(forcedFormat: InputFormat?, strict: Bool, maxLineBytes: Int) {
    reporter = InputReporter(strict: strict, capturing: true)
    decoder = RecordDecoder(registry: NormalizerRegistry(forcing: forcedFormat), reporter: reporter, strings: JSONStringCache.forThread())
    self.maxLineBytes = maxLineBytes
  }

  public func decode(_ frame: Frame) -> Frame {
    reporter.stats = InputStats()
    reporter.captured.removeAll()
    var events: [DecodedEvent] = []
    var rawBytes = 0
    switch frame.payload {
    case .line(let bytes):
      rawBytes = bytes.count
      decoder.decodeLine(bytes[...], source: frame.origin, line: frame.line) { Self.append($0, $1, to: &events) }
    case .unterminated(let bytes):
      rawBytes = bytes.count
      decoder.decodeLine(bytes[...], source: frame.origin, line: frame.line, unterminated: true) { Self.append($0, $1, to: &events) }
    case .oversized(let bytes):
      decoder.reportOversized(frame.origin, line: frame.line, bytes: bytes, limit: maxLineBytes)
    case .problem(let code, let message):
      decoder.reportFramingProblem(frame.origin, line: frame.line, code: code, message: message)
    case .decoded:
      return frame
    }
    let decoded = DecodedFrame(events: events, stats: reporter.stats, diagnostics: reporter.captured, rawBytes: rawBytes)
    return Frame(source: frame.source, origin: frame.origin, line: frame.line, payload: .decoded(decoded))
  }

  /// Keys are hashed here, on the thread that read the line, as a replay's decode threads do.
  private static func append(_ event: consuming NormalizedEvent, _ tieBreak: UInt64, to events: inout [DecodedEvent]) {
    events.append(DecodedEvent(event: event, tieBreak: tieBreak))
    events[events.count - 1].event.hashKeys()
  }
}
