/// The scanner behind `JSONDocument.parse`: RFC 8259 strictly, UTF-8 validated, positions on errors.
@usableFromInline struct Parser {
  @usableFromInline let input: UnsafeBufferPointer<UInt8>
  @usableFromInline var position = 0
  /// Where nodes are written; those beyond its end are only counted (see `JSONDocument.reparse`).
  @usableFromInline let nodes: UnsafeMutableBufferPointer<JSONDocument.Node>
  @usableFromInline private(set) var nodeCount = 0

  @usableFromInline init(input: UnsafeBufferPointer<UInt8>, nodes: UnsafeMutableBufferPointer<JSONDocument.Node>) {
    self.input = input
    self.nodes = nodes
  }

  mutating func parseDocument() throws(JSONError) {
    if input.count > Int(Int32.max) { throw JSONError(offset: 0, reason: "document larger than 2 GiB") }
    skipWhitespace()
    if position == input.count { throw JSONError(offset: position, reason: "empty input") }
    try parseValue(depth: 0)
    skipWhitespace()
    if position != input.count {
      throw JSONError(offset: position, reason: "unexpected \(describe(input[position])) after the JSON value")
    }
  }

  @usableFromInline func describe(_ byte: UInt8) -> String {
    if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
    return "byte 0x" + String(byte, radix: 16, uppercase: true)
  }

  @inlinable @inline(__always) mutating func skipWhitespace() {
    // Most tokens follow the previous one directly: one compare and no loop for them.
    if position < input.count, input[position] > 0x20 { return }
    while position < input.count {
      switch input[position] {
      case 0x20, 0x0A, 0x0D, 0x09: position += 1
      default: return
      }
    }
  }

  @usableFromInline mutating func parseValue(depth: Int) throws(JSONError) {
    guard position < input.count else { throw JSONError(offset: position, reason: "unexpected end of input") }
    switch input[position] {
    case UInt8(ascii: "{"): try parseObject(depth: depth)
    case UInt8(ascii: "["): try parseArray(depth: depth)
    case UInt8(ascii: "\""): try parseString()
    case UInt8(ascii: "t"): try parseLiteral("true", kind: .bool, flag: true)
    case UInt8(ascii: "f"): try parseLiteral("false", kind: .bool, flag: false)
    case UInt8(ascii: "n"): try parseLiteral("null", kind: .null, flag: false)
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try parseNumber()
    default:
      throw JSONError(offset: position, reason: "unexpected \(describe(input[position])), expected a value")
    }
  }

  @inline(__always) private mutating func append(_ kind: JSONDocument.Kind, flag: Bool, start: Int, end: Int) -> Int {
    let index = nodeCount
    if index < nodes.count {
      nodes[index] = .init(kind: kind, flag: flag, start: Int32(truncatingIfNeeded: start), end: Int32(truncatingIfNeeded: end), next: Int32(truncatingIfNeeded: index + 1))
    }
    nodeCount = index + 1
    return index
  }

  /// A container's span and the index past its subtree, once its last child is parsed.
  @inline(__always) private mutating func close(_ index: Int) {
    guard index < nodes.count else { return }
    nodes[index].end = Int32(truncatingIfNeeded: position)
    nodes[index].next = Int32(truncatingIfNeeded: nodeCount)
  }

  @usableFromInline mutating func parseLiteral(_ word: StaticString, kind: JSONDocument.Kind, flag: Bool) throws(JSONError) {
    let start = position
    let count = word.utf8CodeUnitCount
    // The literal the first byte chose (`parseValue`), read whole; the byte loop below finds
    // where a wrong one goes wrong.
    if literalLength() == count {
      position += count
      _ = append(kind, flag: flag, start: start, end: position)
      return
    }
    guard input.count - position >= count else {
      throw JSONError(offset: position, reason: "invalid literal, expected \(word)")
    }
    let base = word.utf8Start
    for i in 0..<count where input[position + i] != base[i] {
      throw JSONError(offset: position + i, reason: "invalid literal, expected \(word)")
    }
    position += count
    _ = append(kind, flag: flag, start: start, end: position)
  }

  /// The length of the `true`, `false` or `null` that starts at `position` (4 or 5), else nil:
  /// one 4-byte compare (and the `e` of `false`).
  @inlinable @inline(__always) func literalLength() -> Int? {
    guard input.count &- position >= 4 else { return nil }
    let word = UnsafeRawPointer(input.baseAddress! + position).loadUnaligned(as: UInt32.self)
    // The word a load of these four bytes gives, on either byte order.
    @inline(__always) func spelled(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> UInt32 {
      UInt32(littleEndian: UInt32(a) | UInt32(b) << 8 | UInt32(c) << 16 | UInt32(d) << 24)
    }
    if word == spelled(0x74, 0x72, 0x75, 0x65) || word == spelled(0x6E, 0x75, 0x6C, 0x6C) { return 4 }  // true, null
    if word == spelled(0x66, 0x61, 0x6C, 0x73), input.count &- position >= 5, input[position &+ 4] == UInt8(ascii: "e") { return 5 }  // false
    return nil
  }

  @usableFromInline @inline(__always) mutating func parseNumber() throws(JSONError) {
    let start = position
    if input[position] == UInt8(ascii: "-") { position += 1 }
    guard position < input.count, isDigit(input[position]) else {
      throw JSONError(offset: position, reason: "invalid number: expected a digit")
    }
    if input[position] == UInt8(ascii: "0") {
      position += 1
      if position < input.count, isDigit(input[position]) {
        throw JSONError(offset: position, reason: "invalid number: leading zero")
      }
    } else {
      while position < input.count, isDigit(input[position]) { position += 1 }
    }
    if position < input.count, input[position] == UInt8(ascii: ".") {
      position += 1
      guard position < input.count, isDigit(input[position]) else {
        throw JSONError(offset: position, reason: "invalid number: expected a digit after '.'")
      }
      while position < input.count, isDigit(input[position]) { position += 1 }
    }
    if position < input.count, input[position] | 0x20 == UInt8(ascii: "e") {
      position += 1
      if position < input.count, input[position] == UInt8(ascii: "+") || input[position] == UInt8(ascii: "-") {
        position += 1
      }
      guard position < input.count, isDigit(input[position]) else {
        throw JSONError(offset: position, reason: "invalid number: expected a digit in the exponent")
      }
      while position < input.count, isDigit(input[position]) { position += 1 }
    }
    _ = append(.number, flag: false, start: start, end: position)
  }

  @inline(__always) private func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }

  @inline(__always) private mutating func parseString() throws(JSONError) {
    let (start, end, hasEscapes) = try scanString()
    _ = append(.string, flag: hasEscapes, start: start, end: end)
  }

  /// Validates the string that starts here and moves past its closing quote: its content's span
  /// and whether it has escapes (`JSONSkimmer` reads strings without writing a node).
  @inlinable @inline(__always) mutating func scanString() throws(JSONError) -> (start: Int, end: Int, escaped: Bool) {
    position += 1  // opening quote
    let start = position
    var hasEscapes = false
    let base = UnsafeRawPointer(input.baseAddress!)
    while true {
      // Sixteen bytes at a time first, as one vector (SSE2, NEON): most of a log record is long
      // plain ASCII values (ids, times, user agents). A byte below 0x20 or from 0x80 is below
      // 0x20 as a signed byte.
      // (The constants typed and outside the loop: `SIMD16(repeating:)` inferred inside the
      // comparisons compiled lane by lane, and `any(_:)` compiles to a long reduction.)
      let quotes = SIMD16<UInt8>(repeating: 0x22)
      let backslashes = SIMD16<UInt8>(repeating: 0x5C)
      let spaces = SIMD16<Int8>(repeating: 0x20)
      var atSpecial = false
      while position &+ 16 <= input.count {
        let chunk = base.loadUnaligned(fromByteOffset: position, as: SIMD16<UInt8>.self)
        let special = (chunk .== quotes) .| (chunk .== backslashes) .| (unsafeBitCast(chunk, to: SIMD16<Int8>.self) .< spaces)
        // A flagged lane is 0xFF; lane 0 is read into the low bits on any platform, so the lowest
        // flagged byte is the first.
        let words = unsafeBitCast(special, to: SIMD2<UInt64>.self)
        let (low, high) = (UInt64(littleEndian: words.x), UInt64(littleEndian: words.y))
        if low | high != 0 {
          position &+= low != 0 ? low.trailingZeroBitCount >> 3 : 8 &+ high.trailingZeroBitCount >> 3
          atSpecial = true
          break
        }
        position &+= 16
      }
      // Eight bytes at a time while none of them is a quote, a backslash, a control character
      // or non-ASCII (the rest of a string shorter than 16 bytes).
      while !atSpecial, position &+ 8 <= input.count {
        // Byte 0 of the input in the low bits on any platform, so the lowest hit is the first.
        let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: position, as: UInt64.self))
        let quote = word ^ 0x2222_2222_2222_2222
        let backslash = word ^ 0x5C5C_5C5C_5C5C_5C5C
        let ones: UInt64 = 0x0101_0101_0101_0101
        let special = (((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((word &- 0x2020_2020_2020_2020) & ~word) | word) & 0x8080_8080_8080_8080
        if special != 0 {
          // The lowest flagged byte is exact (a borrow only runs upwards from a real hit): skip to
          // it, and let the byte-wise code below deal with it.
          position &+= special.trailingZeroBitCount >> 3
          break
        }
        position &+= 8
      }
      guard position < input.count else { throw JSONError(offset: start - 1, reason: "unterminated string") }
      let byte = input[position]
      if byte == UInt8(ascii: "\"") { break }
      if byte == UInt8(ascii: "\\") {
        hasEscapes = true
        try scanEscape()
      } else if byte < 0x20 {
        throw JSONError(offset: position, reason: "unescaped control character \(describe(byte)) in string")
      } else if byte < 0x80 {
        position += 1
      } else {
        try scanMultiByteScalar()
      }
    }
    let end = position
    position += 1  // closing quote
    return (start, end, hasEscapes)
  }

  @usableFromInline mutating func scanEscape() throws(JSONError) {
    let escapeStart = position
    position += 1
    guard position < input.count else { throw JSONError(offset: escapeStart, reason: "unterminated escape") }
    switch input[position] {
    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
      UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
      position += 1
    case UInt8(ascii: "u"):
      position += 1
      let unit = try readHex4(escapeStart: escapeStart)
      if unit >= 0xD800 && unit < 0xDC00 {
        guard input.count - position >= 6, input[position] == UInt8(ascii: "\\"),
          input[position + 1] == UInt8(ascii: "u")
        else { throw JSONError(offset: escapeStart, reason: "lone high surrogate in \\u escape") }
        position += 2
        let low = try readHex4(escapeStart: position - 2)
        guard low >= 0xDC00 && low < 0xE000 else {
          throw JSONError(offset: escapeStart, reason: "high surrogate not followed by a low surrogate")
        }
      } else if unit >= 0xDC00 && unit < 0xE000 {
        throw JSONError(offset: escapeStart, reason: "lone low surrogate in \\u escape")
      }
    default:
      throw JSONError(offset: escapeStart, reason: "invalid escape \\\(describe(input[position]))")
    }
  }

  private mutating func readHex4(escapeStart: Int) throws(JSONError) -> UInt32 {
    guard input.count - position >= 4 else { throw JSONError(offset: escapeStart, reason: "truncated \\u escape") }
    var value: UInt32 = 0
    for _ in 0..<4 {
      guard let digit = hexValue(input[position]) else {
        throw JSONError(offset: position, reason: "invalid hex digit in \\u escape")
      }
      value = value << 4 | digit
      position += 1
    }
    return value
  }

  /// Validates one multi-byte UTF-8 sequence (no overlongs, no surrogates, nothing above U+10FFFF).
  @usableFromInline mutating func scanMultiByteScalar() throws(JSONError) {
    let lead = input[position]
    let length: Int
    var lowerBound: UInt8 = 0x80
    var upperBound: UInt8 = 0xBF
    switch lead {
    case 0xC2...0xDF: length = 2
    case 0xE0: length = 3; lowerBound = 0xA0
    case 0xE1...0xEC, 0xEE...0xEF: length = 3
    case 0xED: length = 3; upperBound = 0x9F
    case 0xF0: length = 4; lowerBound = 0x90
    case 0xF1...0xF3: length = 4
    case 0xF4: length = 4; upperBound = 0x8F
    default: throw JSONError(offset: position, reason: "invalid UTF-8 lead byte 0x\(String(lead, radix: 16, uppercase: true))")
    }
    guard input.count - position >= length else {
      throw JSONError(offset: position, reason: "truncated UTF-8 sequence")
    }
    let second = input[position + 1]
    guard second >= lowerBound && second <= upperBound else {
      throw JSONError(offset: position, reason: "invalid UTF-8 sequence")
    }
    for i in 2..<length where input[position + i] & 0xC0 != 0x80 {
      throw JSONError(offset: position, reason: "invalid UTF-8 sequence")
    }
    position += length
  }

  private mutating func parseArray(depth: Int) throws(JSONError) {
    guard depth < JSONDocument.maxDepth else { throw JSONError(offset: position, reason: "nesting deeper than \(JSONDocument.maxDepth)") }
    let index = append(.array, flag: false, start: position, end: position)
    position += 1
    skipWhitespace()
    if position < input.count, input[position] == UInt8(ascii: "]") {
      position += 1
    } else {
      while true {
        try parseValue(depth: depth + 1)
        skipWhitespace()
        guard position < input.count else { throw JSONError(offset: position, reason: "unterminated array") }
        if input[position] == UInt8(ascii: ",") {
          position += 1
          skipWhitespace()
          continue
        }
        if input[position] == UInt8(ascii: "]") { position += 1; break }
        throw JSONError(offset: position, reason: "unexpected \(describe(input[position])) in array, expected ',' or ']'")
      }
    }
    close(index)
  }

  private mutating func parseObject(depth: Int) throws(JSONError) {
    guard depth < JSONDocument.maxDepth else { throw JSONError(offset: position, reason: "nesting deeper than \(JSONDocument.maxDepth)") }
    let index = append(.object, flag: false, start: position, end: position)
    position += 1
    skipWhitespace()
    if position < input.count, input[position] == UInt8(ascii: "}") {
      position += 1
    } else {
      while true {
        guard position < input.count else { throw JSONError(offset: position, reason: "unterminated object") }
        guard input[position] == UInt8(ascii: "\"") else {
          throw JSONError(offset: position, reason: "unexpected \(describe(input[position])), expected a string key")
        }
        try parseString()
        skipWhitespace()
        guard position < input.count, input[position] == UInt8(ascii: ":") else {
          throw JSONError(offset: position, reason: "expected ':' after object key")
        }
        position += 1
        skipWhitespace()
        // Most member values are strings: straight to them, without the dispatch on the first byte.
        if position < input.count, input[position] == UInt8(ascii: "\"") {
          try parseString()
        } else {
          try parseValue(depth: depth + 1)
        }
        skipWhitespace()
        guard position < input.count else { throw JSONError(offset: position, reason: "unterminated object") }
        if input[position] == UInt8(ascii: ",") {
          position += 1
          skipWhitespace()
          continue
        }
        if input[position] == UInt8(ascii: "}") { position += 1; break }
        throw JSONError(offset: position, reason: "unexpected \(describe(input[position])) in object, expected ',' or '}'")
      }
    }
    close(index)
  }
}

@inline(__always) func hexValue(_ byte: UInt8) -> UInt32? {
  switch byte {
  case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(byte - UInt8(ascii: "0"))
  case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt32(byte - UInt8(ascii: "a") + 10)
  case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt32(byte - UInt8(ascii: "A") + 10)
  default: return nil
  }
}
