/// Writes JSON into a byte buffer in the order the caller gives, so output is stable byte for byte.
///
/// Strings are escaped beyond what RFC 8259 requires: DEL, the C1 controls and U+2028/U+2029 are
/// written as \u escapes too, so that `cat`-ing our NDJSON can never drive a terminal.
public struct JSONWriter: Sendable {
  public var bytes: [UInt8] = []
  private var needsComma: [Bool] = []

  public init() {}

  public mutating func reset() {
    bytes.removeAll(keepingCapacity: true)
    needsComma.removeAll(keepingCapacity: true)
  }

  private mutating func separate() {
    if let last = needsComma.last {
      if last { bytes.append(UInt8(ascii: ",")) }
      needsComma[needsComma.count - 1] = true
    }
  }

  public mutating func beginObject() { beginValue(); bytes.append(UInt8(ascii: "{")); needsComma.append(false) }
  public mutating func endObject() { needsComma.removeLast(); bytes.append(UInt8(ascii: "}")) }
  public mutating func beginArray() { beginValue(); bytes.append(UInt8(ascii: "[")); needsComma.append(false) }
  public mutating func endArray() { needsComma.removeLast(); bytes.append(UInt8(ascii: "]")) }

  /// Writes `"key":` inside an object; the value call that follows must not add a comma.
  public mutating func key(_ key: String) {
    separate()
    appendEscaped(key)
    bytes.append(UInt8(ascii: ":"))
    needsComma.append(false)  // swallowed by the value
    pendingKey = true
  }

  private var pendingKey = false

  private mutating func beginValue() {
    if pendingKey {
      needsComma.removeLast()
      pendingKey = false
    } else {
      separate()
    }
  }

  public mutating func string(_ value: String) { beginValue(); appendEscaped(value) }
  public mutating func int(_ value: Int64) { beginValue(); bytes.append(contentsOf: String(value).utf8) }
  public mutating func int(_ value: Int) { int(Int64(value)) }
  public mutating func bool(_ value: Bool) { beginValue(); bytes.append(contentsOf: (value ? "true" : "false").utf8) }
  public mutating func null() { beginValue(); bytes.append(contentsOf: "null".utf8) }

  /// A number with a fixed count of decimals, trailing zeros removed: stable across platforms.
  public mutating func fixed(_ value: Double, decimals: Int) {
    beginValue()
    bytes.append(contentsOf: formatFixed(value, decimals: decimals).utf8)
  }

  /// Values written by the caller as raw JSON (already valid).
  public mutating func raw(_ json: String) { beginValue(); bytes.append(contentsOf: json.utf8) }

  // Overloads that make `writer.key("k"); writer.string(v)` shorter at call sites.
  public mutating func field(_ name: String, _ value: String) { key(name); string(value) }
  public mutating func field(_ name: String, _ value: String?) { if let value { field(name, value) } }
  public mutating func field(_ name: String, _ value: Int64) { key(name); int(value) }
  public mutating func field(_ name: String, _ value: Int) { key(name); int(Int64(value)) }
  public mutating func field(_ name: String, _ value: Bool) { key(name); bool(value) }

  /// Copies runs of bytes that need no escape in one append each, byte by byte over the UTF-8
  /// (valid in any `String`): per scalar, an alert's few hundred bytes cost tens of thousands
  /// of instructions.
  private mutating func appendEscaped(_ text: String) {
    bytes.append(UInt8(ascii: "\""))
    text.utf8.span.withUnsafeBufferPointer { utf8 in
      let count = utf8.count
      var runStart = 0
      var i = 0
      while i < count {
        let byte = utf8[i]
        let escaped: UInt32
        let length: Int
        if byte >= 0x20, byte < 0x7F, byte != 0x22, byte != 0x5C {
          i += 1
          continue
        } else if byte < 0x80 {
          (escaped, length) = (UInt32(byte), 1)
        } else if byte == 0xC2, i + 1 < count, utf8[i + 1] < 0xA0 {
          (escaped, length) = (UInt32(utf8[i + 1]), 2)  // U+0080–U+009F: C1 controls
        } else if byte == 0xE2, i + 2 < count, utf8[i + 1] == 0x80, utf8[i + 2] == 0xA8 || utf8[i + 2] == 0xA9 {
          (escaped, length) = (0x2000 | (UInt32(utf8[i + 2]) &- 0x80), 3)  // U+2028, U+2029: line breaks to JavaScript
        } else {
          i += 1
          continue
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i]))
        appendEscape(escaped)
        i += length
        runStart = i
      }
      bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<count]))
    }
    bytes.append(UInt8(ascii: "\""))
  }

  private mutating func appendEscape(_ scalar: UInt32) {
    switch scalar {
    case 0x22: bytes.append(contentsOf: [0x5C, 0x22])
    case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
    case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
    case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
    case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
    default:
      bytes.append(contentsOf: [0x5C, UInt8(ascii: "u")])
      for shift in stride(from: 12, through: 0, by: -4) {
        bytes.append(hexDigits[Int(scalar >> UInt32(shift) & 0xF)])
      }
    }
  }
}

private let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

/// Formats `value` with at most `decimals` decimals, rounding half away from zero, without
/// trailing zeros ("12.5", "3", "-0.25"). Non-finite values become 0.
public func formatFixed(_ value: Double, decimals: Int) -> String {
  guard value.isFinite else { return "0" }
  var scale: Double = 1
  for _ in 0..<decimals { scale *= 10 }
  let scaled = (abs(value) * scale).rounded(.toNearestOrAwayFromZero)
  guard scaled < 9.0e15 else { return String(Int64(value)) }
  let units = Int64(scaled)
  let divisor = Int64(scale)
  var text = String(units / divisor)
  var fraction = units % divisor
  if fraction != 0 {
    var digits = String(fraction)
    digits = String(repeating: "0", count: decimals - digits.count) + digits
    while digits.hasSuffix("0") { digits.removeLast() }
    text += "." + digits
    fraction = 0
  }
  return (value < 0 && units != 0 ? "-" : "") + text
}
