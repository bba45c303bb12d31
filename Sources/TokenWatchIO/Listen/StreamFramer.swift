@preconcurrency import Glibc

/// Splits one connection's byte stream into messages, whatever pieces the reads deliver.
///
/// The framing is decided per message by its first byte:
/// - a digit 1-9 starts a syslog message with octet counting (RFC 6587 §3.4.1, rsyslog's
///   `TCP_Framing="octet-counted"`, syslog-ng's `syslog()` driver): `MSG-LEN SP SYSLOG-MSG`;
/// - anything else is an LF-terminated line (a CR before the LF is dropped): an NDJSON line, or a
///   syslog message with non-transparent framing when it starts with `<`.
/// Syslog messages give up their JSON payload (see `SyslogPayload`). Blank lines are skipped.
///
/// Memory is bounded: at most `maxLineBytes` (+1 for a CR) of one unfinished message is kept;
/// longer messages are skipped and reported as `.oversized` with their full length.
public struct StreamFramer {
  private enum State {
    /// Between messages: the next byte decides the framing.
    case boundary
    /// Inside an LF-terminated line; what arrived so far is in `pending`.
    case line
    /// Dropping bytes up to the next LF: an oversized line (reported at its end with its
    /// length), or the rest of a line after a bad octet count (not reported again).
    case skippingLine(bytes: Int, oversized: Bool)
    /// Reading MSG-LEN.
    case octetCount(value: Int, digits: Int)
    /// Inside an octet-counted message; what arrived so far is in `pending`.
    case octetBody(remaining: Int)
    /// Dropping an octet-counted message over the limit.
    case octetSkip(remaining: Int, total: Int)
  }

  public let maxLineBytes: Int
  private var state = State.boundary
  private var pending: [UInt8] = []
  /// The last byte dropped while skipping, so an oversized line's length leaves out its CR.
  private var lastSkipped: UInt8 = 0

  public init(maxLineBytes: Int) {
    self.maxLineBytes = max(maxLineBytes, 1)
  }

  /// Bytes of an unfinished message held for the next read.
  public var bufferedBytes: Int { pending.count }

  /// Frames `bytes`, calling `emit` for every message completed by them, in order. The bytes of
  /// an unfinished message are kept for the next call.
  public mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>, _ emit: (Frame.Payload) -> Void) {
    guard let base = bytes.baseAddress else { return }
    let end = bytes.count
    var i = 0
    while i < end {
      switch state {
      case .boundary:
        let byte = bytes[i]
        if byte == FramingByte.lf {
          i += 1  // a blank line
        } else if byte >= FramingByte.one && byte <= FramingByte.nine {
          state = .octetCount(value: 0, digits: 0)
        } else {
          state = .line
        }

      case .line:
        guard let lf = Self.findLF(base, from: i, to: end) else {
          let total = pending.count + (end - i)
          if total > maxLineBytes + 1 {  // too long even if the last byte is a CR before the LF
            state = .skippingLine(bytes: total, oversized: true)
            lastSkipped = bytes[end - 1]
            pending = []
          } else {
            append(UnsafeBufferPointer(rebasing: bytes[i..<end]))
          }
          i = end
          continue
        }
        completeLine(bytes, from: i, to: lf, emit)
        i = lf + 1
        state = .boundary

      case .skippingLine(let skipped, let oversized):
        guard let lf = Self.findLF(base, from: i, to: end) else {
          state = .skippingLine(bytes: skipped + (end - i), oversized: oversized)
          lastSkipped = bytes[end - 1]
          i = end
          continue
        }
        if oversized {
          let last = lf > i ? bytes[lf - 1] : lastSkipped
          let length = skipped + (lf - i)
          emit(.oversized(bytes: last == FramingByte.cr ? length - 1 : length))
        }
        i = lf + 1
        state = .boundary

      case .octetCount(let value, let digits):
        let byte = bytes[i]
        if byte >= FramingByte.zero && byte <= FramingByte.nine && digits < 10 {
          state = .octetCount(value: value * 10 + Int(byte - FramingByte.zero), digits: digits + 1)
          i += 1
        } else if byte == FramingByte.space {
          i += 1
          state = value > maxLineBytes ? .octetSkip(remaining: value, total: value) : .octetBody(remaining: value)
        } else {
          // Not an octet count after all: report it and resynchronise at the next LF, which may
          // be this very byte.
          let found = byte >= FramingByte.zero && byte <= FramingByte.nine ? "more than 10 digits" : "byte \(Self.show(byte))"
          emit(.problem(code: "TW209", message: "invalid syslog octet count: expected digits and a space, found \(found) after \"\(value)\"; skipped to the next line feed"))
          state = .skippingLine(bytes: 0, oversized: false)
        }

      case .octetBody(let remaining):
        let take = min(remaining, end - i)
        if take == remaining, pending.isEmpty {
          Self.emitMessage(UnsafeBufferPointer(rebasing: bytes[i..<(i + take)]), owned: nil, octetCounted: true, terminated: true, emit)
        } else {
          append(UnsafeBufferPointer(rebasing: bytes[i..<(i + take)]))
          if take == remaining { emitPending(octetCounted: true, terminated: true, emit) }
        }
        i += take
        state = take == remaining ? .boundary : .octetBody(remaining: remaining - take)

      case .octetSkip(let remaining, let total):
        let take = min(remaining, end - i)
        i += take
        if take == remaining {
          emit(.oversized(bytes: total))
          state = .boundary
        } else {
          state = .octetSkip(remaining: remaining - take, total: total)
        }
      }
    }
  }

  public mutating func feed(_ bytes: [UInt8], _ emit: (Frame.Payload) -> Void) {
    bytes.withUnsafeBufferPointer { feed($0, emit) }
  }

  /// End of the stream: an unfinished message becomes `.unterminated` (or `.oversized`, or a
  /// problem when the stream ended inside an octet count).
  public mutating func finish(_ emit: (Frame.Payload) -> Void) {
    switch state {
    case .boundary:
      break
    case .line:
      if pending.last == FramingByte.cr { pending.removeLast() }
      if pending.count > maxLineBytes {
        emit(.oversized(bytes: pending.count))
        pending = []
      } else {
        emitPending(octetCounted: false, terminated: false, emit)
      }
    case .skippingLine(let skipped, let oversized):
      if oversized { emit(.oversized(bytes: lastSkipped == FramingByte.cr ? skipped - 1 : skipped)) }
    case .octetCount(let value, _):
      emit(.problem(code: "TW209", message: "the connection closed inside the syslog octet count \"\(value)\""))
    case .octetBody:
      emitPending(octetCounted: true, terminated: false, emit)
    case .octetSkip(_, let total):
      emit(.oversized(bytes: total))
    }
    state = .boundary
    pending = []
  }

  /// A line's LF is at `lf`; its start is in `pending` (if anything) and `bytes[start..<lf]`.
  private mutating func completeLine(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to lf: Int, _ emit: (Frame.Payload) -> Void) {
    let last = lf > start ? bytes[lf - 1] : pending.last
    let length = pending.count + (lf - start) - (last == FramingByte.cr ? 1 : 0)
    if length > maxLineBytes {
      emit(.oversized(bytes: length))
      pending = []
    } else if pending.isEmpty {
      Self.emitMessage(UnsafeBufferPointer(rebasing: bytes[start..<(start + length)]), owned: nil, octetCounted: false, terminated: true, emit)
    } else {
      append(UnsafeBufferPointer(rebasing: bytes[start..<lf]))
      if last == FramingByte.cr { pending.removeLast() }
      emitPending(octetCounted: false, terminated: true, emit)
    }
  }

  /// Appends to `pending`, growing it geometrically but never past the limit (plain doubling
  /// could reserve nearly twice the limit for one connection).
  private mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
    let needed = pending.count + bytes.count
    if needed > pending.capacity { pending.reserveCapacity(min(max(needed, pending.capacity * 2), max(needed, maxLineBytes + 1))) }
    pending.append(contentsOf: bytes)
  }

  /// Emits `pending` as one message, handing the array over without a copy when it is the payload.
  private mutating func emitPending(octetCounted: Bool, terminated: Bool, _ emit: (Frame.Payload) -> Void) {
    let message = pending
    pending = []
    message.withUnsafeBufferPointer { Self.emitMessage($0, owned: message, octetCounted: octetCounted, terminated: terminated, emit) }
  }

  /// One complete message, framing removed. `owned` is the same bytes as an array, if there is one.
  private static func emitMessage(
    _ message: UnsafeBufferPointer<UInt8>, owned: [UInt8]?, octetCounted: Bool, terminated: Bool, _ emit: (Frame.Payload) -> Void
  ) {
    guard let first = message.firstIndex(where: { !FramingByte.isBlank($0) }) else { return }  // blank
    var range = 0..<message.count
    if message[first] == FramingByte.lessThan {
      guard let payload = SyslogPayload.range(in: UnsafeBufferPointer(rebasing: message[first...])) else {
        emit(.problem(code: "TW209", message: "syslog message without a JSON payload"))
        return
      }
      range = (payload.lowerBound + first)..<(payload.upperBound + first)
    } else if octetCounted {
      range = 0..<SyslogPayload.trimmedEnd(message)  // an octet-counted message that is plain JSON
    }
    let bytes = range == 0..<message.count && owned != nil ? owned! : Array(UnsafeBufferPointer(rebasing: message[range]))
    emit(terminated ? .line(bytes) : .unterminated(bytes))
  }

  private static func findLF(_ base: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Int? {
    guard let found = memchr(base + start, Int32(FramingByte.lf), end - start) else { return nil }
    return UnsafeRawPointer(found) - UnsafeRawPointer(base)
  }

  private static func show(_ byte: UInt8) -> String {
    byte >= 0x21 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : "0x" + String(byte, radix: 16, uppercase: true)
  }
}

/// Finds the JSON payload of one syslog message (framing removed):
/// - RFC 5424 `<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG`: the five header fields after the
///   version, then SD (`-` or `[...]` elements, where `\]` and `\"` are escaped), one space, an
///   optional UTF-8 BOM, then MSG;
/// - RFC 3164 and rsyslog's templates (`<PRI>Mmm dd hh:mm:ss host tag[pid]: MSG`,
///   `<PRI>2024-01-01T00:00:00+00:00 host tag: MSG`): MSG follows the timestamp, host and tag.
/// The payload runs from the first `{` or `[` of MSG to its end, trailing LF/CR/NUL/space trimmed.
enum SyslogPayload {
  static func range(in m: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
    let end = trimmedEnd(m)
    guard end > 0, m[0] == FramingByte.lessThan else { return nil }
    var i = 1
    while i < end, i < 4, FramingByte.isDigit(m[i]) { i += 1 }
    guard i > 1, i < end, m[i] == FramingByte.greaterThan else { return nil }
    i += 1
    if i + 1 < end, m[i] == FramingByte.one, m[i + 1] == FramingByte.space {
      guard let start = rfc5424Message(m, from: i + 2, to: end) else { return nil }
      i = start
    } else {
      i = legacyMessage(m, from: i, to: end)
    }
    guard let start = firstJSONByte(m, from: i, to: end) else { return nil }
    return start..<end
  }

  /// Where MSG starts in an RFC 5424 message, `i` being just past "<PRI>1 ".
  private static func rfc5424Message(_ m: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int? {
    var i = start
    for _ in 0..<5 {  // TIMESTAMP HOSTNAME APP-NAME PROCID MSGID
      while i < end, m[i] != FramingByte.space { i += 1 }
      guard i < end else { return nil }
      i += 1
    }
    guard i < end else { return nil }
    if m[i] == FramingByte.dash {
      i += 1
    } else {
      guard m[i] == FramingByte.openBracket else { return nil }
      while i < end, m[i] == FramingByte.openBracket {  // SD-ELEMENTs
        i += 1
        var quoted = false
        while i < end {
          let byte = m[i]
          if byte == FramingByte.backslash {
            i += 2
            continue
          }
          if byte == FramingByte.quote {
            quoted.toggle()
          } else if byte == FramingByte.closeBracket, !quoted {
            break
          }
          i += 1
        }
        guard i < end else { return nil }
        i += 1
      }
    }
    guard i < end, m[i] == FramingByte.space else { return nil }  // no MSG
    i += 1
    if i + 2 < end, m[i] == 0xEF, m[i + 1] == 0xBB, m[i + 2] == 0xBF { i += 3 }
    return i
  }

  /// Where MSG starts in an RFC 3164 style message, `start` being just past "<PRI>". Skips the
  /// timestamp, then up to two words (host, tag) until one ends in ':'; a word starting with
  /// `{` or `[` is already the payload, and so is a '{' within a word.
  private static func legacyMessage(_ m: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int {
    var i = skipLegacyTimestamp(m, from: start, to: end)
    for _ in 0..<2 {
      guard i < end, m[i] != FramingByte.openBrace, m[i] != FramingByte.openBracket else { return i }
      var j = i
      while j < end, m[j] != FramingByte.space, m[j] != FramingByte.openBrace { j += 1 }
      guard j < end else { return i }  // the last word
      if m[j] == FramingByte.openBrace { return j }  // "tag:{...": hosts and tags hold no '{'
      let tag = m[j - 1] == FramingByte.colon
      i = j + 1
      while i < end, m[i] == FramingByte.space { i += 1 }
      if tag { break }
    }
    return i
  }

  /// "Mmm dd hh:mm:ss " (day space- or zero-padded, or not padded at all), or an RFC 3339 word.
  private static func skipLegacyTimestamp(_ m: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int {
    guard start < end else { return start }
    if FramingByte.isDigit(m[start]) {
      var i = start
      while i < end, m[i] != FramingByte.space { i += 1 }
      return i < end ? i + 1 : start
    }
    var i = start
    guard i + 3 < end, FramingByte.isLetter(m[i]), FramingByte.isLetter(m[i + 1]), FramingByte.isLetter(m[i + 2]), m[i + 3] == FramingByte.space else { return start }
    i += 4
    while i < end, m[i] == FramingByte.space { i += 1 }
    var digits = 0
    while i < end, FramingByte.isDigit(m[i]), digits < 2 {
      i += 1
      digits += 1
    }
    guard digits > 0, i + 9 <= end, m[i] == FramingByte.space, m[i + 3] == FramingByte.colon, m[i + 6] == FramingByte.colon else { return start }
    i += 9
    if i < end, m[i] == FramingByte.space { i += 1 }
    return i
  }

  private static func firstJSONByte(_ m: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int? {
    var i = start
    while i < end {
      if m[i] == FramingByte.openBrace || m[i] == FramingByte.openBracket { return i }
      i += 1
    }
    return nil
  }

  /// The end of `m` without trailing LF, CR, NUL and spaces.
  static func trimmedEnd(_ m: UnsafeBufferPointer<UInt8>) -> Int {
    var end = m.count
    while end > 0, m[end - 1] == FramingByte.lf || m[end - 1] == FramingByte.cr || m[end - 1] == 0 || m[end - 1] == FramingByte.space { end -= 1 }
    return end
  }
}

enum FramingByte {
  static let lf: UInt8 = 0x0A
  static let cr: UInt8 = 0x0D
  static let space: UInt8 = 0x20
  static let tab: UInt8 = 0x09
  static let quote: UInt8 = 0x22
  static let dash: UInt8 = 0x2D
  static let zero: UInt8 = 0x30
  static let one: UInt8 = 0x31
  static let nine: UInt8 = 0x39
  static let colon: UInt8 = 0x3A
  static let lessThan: UInt8 = 0x3C
  static let greaterThan: UInt8 = 0x3E
  static let openBracket: UInt8 = 0x5B
  static let backslash: UInt8 = 0x5C
  static let closeBracket: UInt8 = 0x5D
  static let openBrace: UInt8 = 0x7B

  static func isDigit(_ byte: UInt8) -> Bool { byte >= zero && byte <= nine }
  static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }
  static func isBlank(_ byte: UInt8) -> Bool { byte == space || byte == tab || byte == cr || byte == lf }
}
