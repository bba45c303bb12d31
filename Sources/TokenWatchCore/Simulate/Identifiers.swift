// Identifiers in the shapes each vendor writes, drawn from a `SeededGenerator`.

private let hexDigits = Array("0123456789abcdef".utf8)
private let base62Digits = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

extension SeededGenerator {
  /// A random (version 4) GUID in lower case: Entra object ids, request ids, session ids.
  mutating func guid() -> String {
    var bytes = [UInt8](repeating: 0, count: 16)
    for i in stride(from: 0, to: 16, by: 8) {
      let word = next()
      for j in 0..<8 { bytes[i + j] = UInt8(truncatingIfNeeded: word >> (8 * UInt64(j))) }
    }
    bytes[6] = bytes[6] & 0x0F | 0x40
    bytes[8] = bytes[8] & 0x3F | 0x80
    return formatGUID(bytes)
  }

  /// Lower-case hex of `count` random bytes (Okta `dtHash` is 32 bytes).
  mutating func hex(bytes count: Int) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(count * 2)
    var word: UInt64 = 0
    for i in 0..<count {
      if i % 8 == 0 { word = next() }
      let byte = UInt8(truncatingIfNeeded: word >> (8 * UInt64(i % 8)))
      out.append(hexDigits[Int(byte >> 4)])
      out.append(hexDigits[Int(byte & 0x0F)])
    }
    return String(decoding: out, as: UTF8.self)
  }

  mutating func base62(_ count: Int) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(count)
    for _ in 0..<count { out.append(base62Digits[below(62)]) }
    return String(decoding: out, as: UTF8.self)
  }

  /// Okta object ids are 20 characters: a 3-character type prefix (`00u` user, `0oa` app) and 17 more.
  mutating func oktaID(prefix: String = "00u") -> String {
    prefix + base62(14) + "697"
  }

  /// Identity Engine session ids: `idx` and 22 characters.
  mutating func oktaSessionID() -> String {
    "idx" + base62(22)
  }

  /// Okta `debugData.requestId`: 27 characters, e.g. `XkcAsWb8WjwDP76xh@1v8wAABp0`.
  mutating func oktaRequestID() -> String {
    base62(16) + "@" + base62(6) + "AAA" + base62(1)
  }

  /// A device-token hash: Okta writes the SHA-256 of the browser's device token in hex.
  mutating func dtHash() -> String {
    hex(bytes: 32)
  }

  /// A version 1 UUID as Okta writes its `uuid`: the 60-bit timestamp of the event, a random
  /// clock sequence and node.
  mutating func oktaUUID(at time: EventTime) -> String {
    // 100 ns intervals since 1582-10-15, plus random sub-millisecond ticks.
    let ticks = UInt64(time.millis) &* 10_000 &+ 0x01B2_1DD2_1381_4000 &+ UInt64(below(10_000))
    var bytes = [UInt8](repeating: 0, count: 16)
    let timeLow = UInt32(truncatingIfNeeded: ticks)
    let timeMid = UInt16(truncatingIfNeeded: ticks >> 32)
    let timeHigh = UInt16(truncatingIfNeeded: ticks >> 48) & 0x0FFF | 0x1000
    for i in 0..<4 { bytes[i] = UInt8(truncatingIfNeeded: timeLow >> (8 * UInt32(3 - i))) }
    bytes[4] = UInt8(timeMid >> 8)
    bytes[5] = UInt8(truncatingIfNeeded: timeMid)
    bytes[6] = UInt8(timeHigh >> 8)
    bytes[7] = UInt8(truncatingIfNeeded: timeHigh)
    let tail = next()
    for i in 0..<8 { bytes[8 + i] = UInt8(truncatingIfNeeded: tail >> (8 * UInt64(i))) }
    bytes[8] = bytes[8] & 0x3F | 0x80
    return formatGUID(bytes)
  }

  /// A short task id in the shape agent frameworks use: `task_` and 20 base62 characters.
  mutating func taskID() -> String {
    "task_" + base62(20)
  }

  /// An opaque native token id (`tok_…`), the way a token vault or gateway names tokens.
  mutating func nativeTokenID() -> String {
    "tok_" + base62(24)
  }

  mutating func nativeSessionID() -> String {
    "ses_" + base62(20)
  }
}

func formatGUID(_ bytes: [UInt8]) -> String {
  var out: [UInt8] = []
  out.reserveCapacity(36)
  for (i, byte) in bytes.enumerated() {
    if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
    out.append(hexDigits[Int(byte >> 4)])
    out.append(hexDigits[Int(byte & 0x0F)])
  }
  return String(decoding: out, as: UTF8.self)
}

/// Entra's `uniqueTokenIdentifier` for a simulated sign-in id, derived exactly as the normalizer
/// derives a missing one (see `uniqueTokenIdentifier(fromSignInID:)`), so a simulated UTI can be
/// checked against its request id as a real one can.
func uniqueTokenIdentifier(requestID: String) -> String {
  guard let uti = uniqueTokenIdentifier(fromSignInID: requestID) else { preconditionFailure("not a GUID: \(requestID)") }
  return uti
}

// MARK: - Timestamps as each source writes them

extension EventTime {
  /// `2026-03-10T08:15:02.1234567Z`: Entra's 7 fractional digits; `ticks` (0..<10000) are the
  /// sub-millisecond digits.
  func entraEnvelope(ticks: Int) -> String {
    String(rfc3339.dropLast()) + pad4(ticks) + "Z"
  }

  /// `2026-03-10T08:15:02.1234567+00:00`: the signIn resource's `createdDateTime`.
  func entraCreated(ticks: Int) -> String {
    String(rfc3339.dropLast()) + pad4(ticks) + "+00:00"
  }

  /// `2026-03-10T08:15:02Z`: whole seconds, as Graph writes `tokenIssuedAt`.
  var wholeSeconds: String {
    String(rfc3339.dropLast(5)) + "Z"
  }

  /// Parses a literal the scenarios are written with; a bad literal is a programming error.
  static func at(_ text: String) -> EventTime {
    guard let time = EventTime(rfc3339: text) else { preconditionFailure("bad time literal \(text)") }
    return time
  }
}

private func pad4(_ value: Int) -> String {
  let text = String(value)
  return String(repeating: "0", count: max(0, 4 - text.count)) + text
}
