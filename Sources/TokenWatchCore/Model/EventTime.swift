/// A point in event time: milliseconds since the Unix epoch, UTC. Wall-clock time never enters the core.
public struct EventTime: Comparable, Hashable, Sendable, CustomStringConvertible {
  public var millis: Int64

  public init(millis: Int64) { self.millis = millis }

  public static func < (a: EventTime, b: EventTime) -> Bool { a.millis < b.millis }
  public static func + (a: EventTime, b: Duration) -> EventTime { EventTime(millis: a.millis &+ b.millis) }
  public static func - (a: EventTime, b: Duration) -> EventTime { EventTime(millis: a.millis &- b.millis) }
  public static func - (a: EventTime, b: EventTime) -> Duration { Duration(millis: a.millis &- b.millis) }

  public static let distantPast = EventTime(millis: Int64.min / 4)

  /// RFC 3339 in UTC with milliseconds: `2024-01-31T09:15:02.120Z`.
  public var description: String { rfc3339 }

  public var rfc3339: String {
    let c = CivilTime(millis: millis)
    guard c.year >= 0, c.year <= 9999 else { return c.padded }
    // Digits written into the string's own buffer: every alert and risk record shows several
    // times, and padding and concatenating fifteen pieces cost about ten thousand instructions.
    return String(unsafeUninitializedCapacity: 24) { text in
      func put(_ value: Int64, _ width: Int, at offset: Int) {
        var value = value
        for i in stride(from: offset + width - 1, through: offset, by: -1) {
          text[i] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: value % 10)
          value /= 10
        }
      }
      put(c.year, 4, at: 0)
      put(c.month, 2, at: 5)
      put(c.day, 2, at: 8)
      put(c.hour, 2, at: 11)
      put(c.minute, 2, at: 14)
      put(c.second, 2, at: 17)
      put(c.millisecond, 3, at: 20)
      (text[4], text[7], text[10], text[13], text[16], text[19], text[23]) = (
        UInt8(ascii: "-"), UInt8(ascii: "-"), UInt8(ascii: "T"), UInt8(ascii: ":"), UInt8(ascii: ":"), UInt8(ascii: "."), UInt8(ascii: "Z")
      )
      return 24
    }
  }

  /// Parses RFC 3339 / ISO 8601 date-times as logs write them: `T` or space, 0–9 fractional digits
  /// (kept to the millisecond), `Z`, `±hh:mm`, `±hhmm` or no zone (taken as UTC).
  public init?(rfc3339 text: String) {
    guard let value = text.utf8.span.withUnsafeBufferPointer({ EventTime.parse($0) }) else { return nil }
    self = value
  }

  public init?(utf8 bytes: UnsafeBufferPointer<UInt8>) {
    guard let value = EventTime.parse(bytes) else { return nil }
    self = value
  }

  private static func parse(_ s: UnsafeBufferPointer<UInt8>) -> EventTime? {
    // Date and time of day sit at fixed places (`yyyy-mm-ddThh:mm:ss`, 19 bytes), read there
    // as three 8-byte words, all digits checked at once: read digit by digit, a sign-in's time
    // took 445 instructions on a decode thread, now 331 (through bounds-checked closures, 460).
    guard s.count >= 19, let p = s.baseAddress else { return nil }
    let raw = UnsafeRawPointer(p)
    // Bytes 0–7 `yyyy-mm-`, 8–15 `ddThh:mm`, 11–18 `hh:mm:ss`; byte 0 of each in the low bits.
    let words = (
      UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self)) ^ 0x3030_3030_3030_3030,
      UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) ^ 0x3030_3030_3030_3030,
      UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 11, as: UInt64.self)) ^ 0x3030_3030_3030_3030
    )
    // Which bytes of each word are digits (the others are separators, checked below).
    let digits: (UInt64, UInt64, UInt64) = (0x00FF_FF00_FFFF_FFFF, 0x0000_0000_0000_FFFF, 0xFFFF_00FF_FF00_FFFF)
    // A digit byte, xored with 0x30, is below 10: adding 0x76 to its low seven bits does not
    // reach 0x80, and its top bit is clear (no carry leaves a byte).
    @inline(__always) func notDigits(_ x: UInt64, _ mask: UInt64) -> UInt64 {
      (((x & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7676_7676_7676_7676) | x) & 0x8080_8080_8080_8080 & mask
    }
    /// The two digits at byte `at` of a word, as a number.
    @inline(__always) func pair(_ x: UInt64, _ at: Int) -> Int64 {
      Int64((x >> UInt64(8 * at)) & 0xFF) * 10 + Int64((x >> UInt64(8 * at + 8)) & 0xFF)
    }
    /// The two digits at `s[at]`, for the zone offset; nil if either is not one.
    @inline(__always) func two(_ at: Int) -> Int64? {
      let (tens, ones) = (p[at] &- 0x30, p[at + 1] &- 0x30)
      return tens < 10 && ones < 10 ? Int64(tens) * 10 + Int64(ones) : nil
    }
    let separator = p[10]
    guard notDigits(words.0, digits.0) | notDigits(words.1, digits.1) | notDigits(words.2, digits.2) == 0,
      p[4] == UInt8(ascii: "-"), p[7] == UInt8(ascii: "-"), p[13] == UInt8(ascii: ":"), p[16] == UInt8(ascii: ":"),
      separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") || separator == UInt8(ascii: " ")
    else { return nil }
    let (month, day) = (pair(words.0, 5), pair(words.1, 0))
    let (hour, minute, second) = (pair(words.2, 0), pair(words.2, 3), pair(words.2, 6))
    guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second <= 60 else { return nil }
    let year = pair(words.0, 0) * 100 + pair(words.0, 2)
    var i = 19
    var millis: Int64 = 0
    if i < s.count, s[i] == UInt8(ascii: ".") || s[i] == UInt8(ascii: ",") {
      i += 1
      var count = 0
      while i < s.count, s[i] &- 0x30 < 10 {
        if count < 3 { millis = millis * 10 + Int64(s[i] - 0x30) }
        count += 1
        i += 1
      }
      guard count > 0 else { return nil }
      for _ in count..<max(count, 3) { millis *= 10 }
    }
    var offsetMinutes: Int64 = 0
    if i < s.count {
      switch s[i] {
      case UInt8(ascii: "Z"), UInt8(ascii: "z"):
        i += 1
      case UInt8(ascii: "+"), UInt8(ascii: "-"):
        let sign: Int64 = s[i] == UInt8(ascii: "-") ? -1 : 1
        i += 1
        // `hh:mm` or `hhmm`.
        guard s.count - i >= 4, let oh = two(i) else { return nil }
        i += 2
        if s[i] == UInt8(ascii: ":") { i += 1 }
        guard s.count - i >= 2, let om = two(i), oh < 24, om < 60 else { return nil }
        i += 2
        offsetMinutes = sign * (oh * 60 + om)
      default:
        return nil
      }
    }
    guard i == s.count else { return nil }
    let days = daysFromCivil(year, month, day)
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + min(second, 59) - offsetMinutes * 60
    return EventTime(millis: seconds * 1000 + millis)
  }
}

/// A span of event time in milliseconds, written in rules as `90s`, `10m`, `24h`, `30d`.
public struct Duration: Comparable, Hashable, Sendable, CustomStringConvertible {
  public var millis: Int64
  public init(millis: Int64) { self.millis = millis }
  public static func seconds(_ s: Int64) -> Duration { Duration(millis: s * 1000) }
  public static func minutes(_ m: Int64) -> Duration { Duration(millis: m * 60_000) }
  public static func hours(_ h: Int64) -> Duration { Duration(millis: h * 3_600_000) }
  public static func days(_ d: Int64) -> Duration { Duration(millis: d * 86_400_000) }
  public static let zero = Duration(millis: 0)
  public static func < (a: Duration, b: Duration) -> Bool { a.millis < b.millis }

  public var hours: Double { Double(millis) / 3_600_000 }
  public var minutes: Double { Double(millis) / 60_000 }

  /// Parses `500ms`, `90s`, `10m`, `24h`, `30d`, `2w` (a whole number and one unit).
  public init?(parsing text: String) {
    let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000), ("w", 604_800_000)]
    for (suffix, scale) in units where text.hasSuffix(suffix) {
      let number = text.dropLast(suffix.count)
      if suffix == "s", number.hasSuffix("m") { continue }  // "ms" handled first
      guard !number.isEmpty, number.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int64(number),
        value <= Int64.max / scale / 4
      else { return nil }
      self.millis = value * scale
      return
    }
    return nil
  }

  /// The shortest exact spelling: `90s`, `10m`, `1h`, `30d`.
  public var description: String {
    for (suffix, scale) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000)]
    where millis != 0 && millis % scale == 0 {
      return "\(millis / scale)\(suffix)"
    }
    return "\(millis)ms"
  }
}

// Howard Hinnant's days_from_civil / civil_from_days: exact for the proleptic Gregorian calendar.
func daysFromCivil(_ y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
  let y = m <= 2 ? y0 - 1 : y0
  let era = (y >= 0 ? y : y - 399) / 400
  let yoe = y - era * 400
  let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
  let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
  return era * 146_097 + doe - 719_468
}

func civilFromDays(_ z0: Int64) -> (Int64, Int64, Int64) {
  let z = z0 + 719_468
  let era = (z >= 0 ? z : z - 146_096) / 146_097
  let doe = z - era * 146_097
  let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
  let y = yoe + era * 400
  let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
  let mp = (5 * doy + 2) / 153
  let d = doy - (153 * mp + 2) / 5 + 1
  let m = mp < 10 ? mp + 3 : mp - 9
  return (m <= 2 ? y + 1 : y, m, d)
}

/// A time's calendar fields in UTC (proleptic Gregorian).
struct CivilTime {
  var year, month, day, hour, minute, second, millisecond: Int64

  init(millis: Int64) {
    let days = millis >= 0 ? millis / 86_400_000 : (millis - 86_399_999) / 86_400_000
    var msOfDay = millis - days * 86_400_000
    (year, month, day) = civilFromDays(days)
    hour = msOfDay / 3_600_000; msOfDay %= 3_600_000
    minute = msOfDay / 60_000; msOfDay %= 60_000
    second = msOfDay / 1000
    millisecond = msOfDay % 1000
  }

  /// RFC 3339 padded piece by piece: for years outside 0...9999, which no log writes.
  var padded: String {
    pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T" + pad(hour, 2) + ":" + pad(minute, 2) + ":"
      + pad(second, 2) + "." + pad(millisecond, 3) + "Z"
  }
}

private func pad(_ value: Int64, _ width: Int) -> String {
  let text = String(value)
  return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
}
