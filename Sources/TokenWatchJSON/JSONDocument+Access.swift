/// Reading values out of a parsed document. Every accessor is strict about JSON types; the
/// normalizers add the leniency real logs need (numbers as strings, "null" strings) on top.
extension JSONDocument {
  @inlinable public func kind(_ ref: JSONRef) -> Kind { nodes[Int(ref.index)].kind }

  @inlinable public func isNull(_ ref: JSONRef) -> Bool { nodes[Int(ref.index)].kind == .null }

  /// The value of `key` in the object `ref`, or nil when `ref` is not an object or has no such key.
  /// With duplicate keys the last one wins, as in most JSON readers.
  public func member(_ ref: JSONRef, _ key: String) -> JSONRef? {
    key.utf8.span.withUnsafeBufferPointer { member(ref, utf8: $0) }
  }

  public func member(_ ref: JSONRef, utf8 key: UnsafeBufferPointer<UInt8>) -> JSONRef? {
    // The normalizers' most frequent call: raw pointers, and a length and first-byte check
    // before comparing the rest. The last of duplicate keys wins, as in most JSON readers.
    nodes.withUnsafeBufferPointer { nodes -> JSONRef? in
      let object = nodes[Int(ref.index)]
      guard object.kind == .object else { return nil }
      return bytes.withUnsafeBufferPointer { bytes -> JSONRef? in
        guard let base = bytes.baseAddress else { return nil }
        let count = key.count
        let first: UInt8 = count > 0 ? key[0] : 0
        var found: JSONRef?
        var index = Int(ref.index) + 1
        let end = Int(object.next)
        while index < end {
          let node = nodes[index]
          let valueIndex = index + 1
          if node.flag {
            if keyEquals(index, key) { found = JSONRef(index: Int32(valueIndex)) }
          } else if Int(node.end &- node.start) == count, count == 0 || base[Int(node.start)] == first,
            memoryEquals(base + Int(node.start), key.baseAddress, count)
          {
            found = JSONRef(index: Int32(valueIndex))
          }
          index = Int(nodes[valueIndex].next)
        }
        return found
      }
    }
  }

  /// Follows a path of object keys: `path(root, "properties", "status", "errorCode")`.
  public func path(_ ref: JSONRef, _ keys: String...) -> JSONRef? {
    var current = ref
    for key in keys {
      guard let next = member(current, key) else { return nil }
      current = next
    }
    return current
  }

  private func keyEquals(_ index: Int, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
    let node = nodes[index]
    if node.flag {  // escaped key: compare its decoded form
      var decoded: [UInt8] = []
      appendDecodedString(JSONRef(index: Int32(index)), to: &decoded)
      return decoded.elementsEqual(key)
    }
    let length = Int(node.end - node.start)
    guard length == key.count else { return false }
    return bytes.withUnsafeBufferPointer { buffer in
      memoryEquals(buffer.baseAddress! + Int(node.start), key.baseAddress, length)
    }
  }

  /// The elements of an array (empty for anything else).
  public func elements(_ ref: JSONRef) -> [JSONRef] {
    let array = nodes[Int(ref.index)]
    guard array.kind == .array else { return [] }
    var result: [JSONRef] = []
    var index = Int(ref.index) + 1
    while index < Int(array.next) {
      result.append(JSONRef(index: Int32(index)))
      index = Int(nodes[index].next)
    }
    return result
  }

  /// Whether an element of the array `ref` satisfies `predicate` (false for anything else), in
  /// order and stopping at the first; allocates nothing.
  public func containsElement(_ ref: JSONRef, where predicate: (JSONRef) throws -> Bool) rethrows -> Bool {
    let array = nodes[Int(ref.index)]
    guard array.kind == .array else { return false }
    var index = Int(ref.index) + 1
    while index < Int(array.next) {
      if try predicate(JSONRef(index: Int32(index))) { return true }
      index = Int(nodes[index].next)
    }
    return false
  }

  /// Calls `body` with each key (decoded) and value of an object, in document order.
  public func forEachMember(_ ref: JSONRef, _ body: (String, JSONRef) throws -> Void) rethrows {
    let object = nodes[Int(ref.index)]
    guard object.kind == .object else { return }
    var index = Int(ref.index) + 1
    while index < Int(object.next) {
      try body(string(JSONRef(index: Int32(index)))!, JSONRef(index: Int32(index + 1)))
      index = Int(nodes[index + 1].next)
    }
  }

  public func count(_ ref: JSONRef) -> Int {
    let node = nodes[Int(ref.index)]
    guard node.kind == .array || node.kind == .object else { return 0 }
    var count = 0
    var index = Int(ref.index) + 1
    while index < Int(node.next) {
      count += 1
      index = Int(nodes[index].next)
      if node.kind == .object { index = Int(nodes[index].next) }
    }
    return count
  }

  /// The decoded string, or nil when the value is not a string.
  public func string(_ ref: JSONRef) -> String? { string(ref, cached: true) }

  /// The decoded string made afresh, without looking in the string cache or offering it there:
  /// for values that never repeat (record ids, token ids). For them the cache only read a slot
  /// (and often another string's bytes, as long as theirs) that was cold by then.
  public func uncachedString(_ ref: JSONRef) -> String? { string(ref, cached: false) }

  @inline(__always) private func string(_ ref: JSONRef, cached: Bool) -> String? {
    let node = nodes[Int(ref.index)]
    guard node.kind == .string else { return nil }
    if !node.flag {
      return bytes.withUnsafeBufferPointer { buffer in
        let value = UnsafeBufferPointer(rebasing: buffer[Int(node.start)..<Int(node.end)])
        guard cached, let cache = stringCacheReference else { return String(decoding: value, as: UTF8.self) }
        return cache._withUnsafeGuaranteedRef { $0.string(value) }
      }
    }
    var decoded: [UInt8] = []
    decoded.reserveCapacity(Int(node.end - node.start))
    appendDecodedString(ref, to: &decoded)
    return String(decoding: decoded, as: UTF8.self)
  }

  /// True when `ref` is a string whose decoded bytes equal `literal`, without allocating.
  public func stringEquals(_ ref: JSONRef, _ literal: String) -> Bool {
    let node = nodes[Int(ref.index)]
    guard node.kind == .string else { return false }
    return literal.utf8.span.withUnsafeBufferPointer { keyEquals(Int(ref.index), $0) }
  }

  /// Runs `body` on the raw bytes of a value as written (strings without quotes and undecoded),
  /// without the retain and release an `ArraySlice` costs.
  @inlinable public func withRawBytes<R>(_ ref: JSONRef, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    let node = nodes[Int(ref.index)]
    return bytes.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[Int(node.start)..<Int(node.end)])) }
  }

  /// The raw bytes of a value as written (strings without quotes and undecoded).
  public func rawBytes(_ ref: JSONRef) -> ArraySlice<UInt8> {
    let node = nodes[Int(ref.index)]
    return bytes[Int(node.start)..<Int(node.end)]
  }

  public func bool(_ ref: JSONRef) -> Bool? {
    let node = nodes[Int(ref.index)]
    return node.kind == .bool ? node.flag : nil
  }

  /// A JSON number that is an integer in range, or nil.
  public func int64(_ ref: JSONRef) -> Int64? {
    let node = nodes[Int(ref.index)]
    guard node.kind == .number else { return nil }
    return bytes.withUnsafeBufferPointer { parseInteger(UnsafeBufferPointer(rebasing: $0[Int(node.start)..<Int(node.end)])) }
  }

  public func double(_ ref: JSONRef) -> Double? {
    let node = nodes[Int(ref.index)]
    guard node.kind == .number else { return nil }
    return bytes.withUnsafeBufferPointer { parseDouble(UnsafeBufferPointer(rebasing: $0[Int(node.start)..<Int(node.end)])) }
  }

  /// Appends the decoded UTF-8 of a string value (escapes resolved) to `output`.
  public func appendDecodedString(_ ref: JSONRef, to output: inout [UInt8]) {
    let node = nodes[Int(ref.index)]
    guard node.kind == .string else { return }
    var i = Int(node.start)
    let end = Int(node.end)
    if !node.flag {
      output.append(contentsOf: bytes[i..<end])
      return
    }
    while i < end {
      let byte = bytes[i]
      guard byte == UInt8(ascii: "\\") else {
        output.append(byte)
        i += 1
        continue
      }
      let escaped = bytes[i + 1]
      i += 2
      switch escaped {
      case UInt8(ascii: "b"): output.append(0x08)
      case UInt8(ascii: "f"): output.append(0x0C)
      case UInt8(ascii: "n"): output.append(0x0A)
      case UInt8(ascii: "r"): output.append(0x0D)
      case UInt8(ascii: "t"): output.append(0x09)
      case UInt8(ascii: "u"):
        var scalar = hex4(at: i)
        i += 4
        if scalar >= 0xD800 && scalar < 0xDC00 {  // the parser guaranteed a low surrogate follows
          let low = hex4(at: i + 2)
          i += 6
          scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        }
        appendUTF8(scalar, to: &output)
      default: output.append(escaped)  // \" \\ \/
      }
    }
  }

  private func hex4(at i: Int) -> UInt32 {
    var value: UInt32 = 0
    for k in 0..<4 { value = value << 4 | (hexValue(bytes[i + k]) ?? 0) }
    return value
  }
}

@usableFromInline func appendUTF8(_ scalar: UInt32, to output: inout [UInt8]) {
  switch scalar {
  case 0..<0x80:
    output.append(UInt8(scalar))
  case 0x80..<0x800:
    output.append(UInt8(0xC0 | scalar >> 6))
    output.append(UInt8(0x80 | scalar & 0x3F))
  case 0x800..<0x10000:
    output.append(UInt8(0xE0 | scalar >> 12))
    output.append(UInt8(0x80 | scalar >> 6 & 0x3F))
    output.append(UInt8(0x80 | scalar & 0x3F))
  default:
    output.append(UInt8(0xF0 | scalar >> 18))
    output.append(UInt8(0x80 | scalar >> 12 & 0x3F))
    output.append(UInt8(0x80 | scalar >> 6 & 0x3F))
    output.append(UInt8(0x80 | scalar & 0x3F))
  }
}

/// Eight bytes at a time: keys are compared on every object member a normalizer looks for (and
/// strings on every keyed-store and interner lookup, `ExactString`, and the bytes between values
/// on every step of a record layout). Up to 32 bytes, the words are compared all at once (the
/// last ones overlapping those before) with one branch; longer runs word by word, the last word
/// overlapping the one before rather than ending byte by byte. A run under eight bytes is
/// compared as one four-byte word and one overlapping it (or bytewise under four).
@inlinable @inline(__always) public func memoryEquals(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>?, _ count: Int) -> Bool {
  guard let b else { return count == 0 }
  let (x, y) = (UnsafeRawPointer(a), UnsafeRawPointer(b))
  if count >= 8 {
    @inline(__always) func differs(_ at: Int) -> UInt64 {
      x.loadUnaligned(fromByteOffset: at, as: UInt64.self) ^ y.loadUnaligned(fromByteOffset: at, as: UInt64.self)
    }
    if count <= 16 { return differs(0) | differs(count &- 8) == 0 }
    if count <= 32 { return differs(0) | differs(8) | differs(count &- 16) | differs(count &- 8) == 0 }
    var i = 0
    while i &+ 8 < count {
      guard differs(i) == 0 else { return false }
      i &+= 8
    }
    return differs(count &- 8) == 0
  }
  if count >= 4 {
    return x.loadUnaligned(as: UInt32.self) == y.loadUnaligned(as: UInt32.self)
      && x.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self) == y.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)
  }
  var i = 0
  while i < count {
    guard a[i] == b[i] else { return false }
    i &+= 1
  }
  return true
}

/// Whether `string`'s UTF-8 bytes are exactly the `count` bytes at `bytes`: how a string made
/// earlier is recognised in fresh input without making another.
@inlinable public func utf8Equals(_ string: String, _ bytes: UnsafePointer<UInt8>, _ count: Int) -> Bool {
  guard string.utf8.count == count else { return false }
  return string.utf8.span.withUnsafeBufferPointer { memoryEquals(bytes, $0.baseAddress, count) }
}

/// Parses an optional '-' and decimal digits into Int64; nil on anything else or on overflow.
public func parseInteger(_ text: UnsafeBufferPointer<UInt8>) -> Int64? {
  guard !text.isEmpty else { return nil }
  var i = 0
  let negative = text[0] == UInt8(ascii: "-")
  if negative { i = 1 }
  guard i < text.count else { return nil }
  var value: Int64 = 0
  while i < text.count {
    let digit = text[i] &- 0x30
    guard digit < 10 else { return nil }
    let (times10, o1) = value.multipliedReportingOverflow(by: 10)
    let (sum, o2) = negative ? times10.subtractingReportingOverflow(Int64(digit)) : times10.addingReportingOverflow(Int64(digit))
    if o1 || o2 { return nil }
    value = sum
    i += 1
  }
  return value
}

/// A JSON number's text as a double (as `JSONDocument.double` reads it).
public func parseDouble(_ text: UnsafeBufferPointer<UInt8>) -> Double? {
  if let exact = exactDecimal(text) { return exact }
  return Double(String(decoding: text, as: UTF8.self))
}

private let exactPowersOfTen: [Double] = (0...22).map { exponent in
  var power = 1.0
  for _ in 0..<exponent { power *= 10 }  // exact: every power up to 1e22 is a double
  return power
}

/// A JSON number (already validated by the parser) as a double without going through text, when
/// that is exact: at most 2^53 as the digits' integer, scaled by at most 22 powers of ten. One
/// multiplication or division of two exact doubles is correctly rounded (Clinger's fast path),
/// so the result equals strtod's. Coordinates like `47.6062` take this path; nil otherwise.
func exactDecimal(_ text: UnsafeBufferPointer<UInt8>) -> Double? {
  var i = 0
  let count = text.count
  let negative = count > 0 && text[0] == UInt8(ascii: "-")
  if negative { i = 1 }
  var mantissa: UInt64 = 0
  var scale = 0  // the value is mantissa × 10^scale
  var inFraction = false
  while i < count {
    let byte = text[i]
    if byte == UInt8(ascii: ".") {
      inFraction = true
    } else if byte &- 0x30 < 10 {
      mantissa = mantissa &* 10 &+ UInt64(byte &- 0x30)
      if mantissa > 1 << 53 { return nil }
      if inFraction { scale -= 1 }
    } else {
      break  // an exponent
    }
    i += 1
  }
  if i < count {  // e/E, optional sign, digits (the parser guarantees the shape)
    i += 1
    var exponentNegative = false
    if text[i] == UInt8(ascii: "+") || text[i] == UInt8(ascii: "-") {
      exponentNegative = text[i] == UInt8(ascii: "-")
      i += 1
    }
    var exponent = 0
    while i < count {
      exponent = exponent * 10 + Int(text[i] &- 0x30)
      if exponent > 400 { return nil }
      i += 1
    }
    scale += exponentNegative ? -exponent : exponent
  }
  guard scale >= -22 && scale <= 22 else { return nil }
  let magnitude = scale < 0 ? Double(mantissa) / exactPowersOfTen[-scale] : Double(mantissa) * exactPowersOfTen[scale]
  return negative ? -magnitude : magnitude
}
