/// A strict walk over one JSON text that builds nothing: for a reader that knows which members
/// it wants (a normalizer's fast path) and takes their spans as it passes them.
///
/// Everything it passes is validated exactly as `JSONDocument.parse` validates it (the same
/// `Parser` code, run without a node buffer): RFC 8259 grammar, UTF-8, control characters,
/// escapes, nesting depth. It reports no reasons: a reader that meets anything it does not
/// accept gives up and leaves the text to the document path, which reports the error with its
/// position. Only valid inside the `withUnsafeBufferPointer` that lent it `input`.
public struct JSONSkimmer {
  @usableFromInline var parser: Parser
  /// The container just opened has had no member or element yet.
  @usableFromInline var justOpened = false

  @inlinable public init(_ input: UnsafeBufferPointer<UInt8>) {
    parser = Parser(input: input, nodes: UnsafeMutableBufferPointer(start: nil, count: 0))
  }

  /// The offset of the next byte to read.
  @inlinable public var position: Int { parser.position }

  @inlinable var input: UnsafeBufferPointer<UInt8> { parser.input }

  /// A value's kind, seen from its first byte.
  public enum Kind: Equatable {
    case object, array, string, number, bool, null
  }

  /// A member's key, or the end of its object; nil (from `nextKey`) for anything invalid.
  public enum Member: Equatable {
    /// The key's bytes between its quotes, undecoded; its ':' has been read.
    case key(start: Int, end: Int, escaped: Bool)
    case end
  }

  /// A scalar value read whole. Strings and numbers as their spans (strings inside their quotes).
  public enum Scalar: Equatable {
    case string(start: Int, end: Int, escaped: Bool)
    case number(start: Int, end: Int)
    case bool(Bool)
    case null
  }

  /// The kind of the value that comes next (after whitespace), not consumed; nil when no value
  /// can start here.
  @inlinable @inline(__always) public mutating func peek() -> Kind? {
    parser.skipWhitespace()
    guard parser.position < input.count else { return nil }
    switch input[parser.position] {
    case UInt8(ascii: "{"): return .object
    case UInt8(ascii: "["): return .array
    case UInt8(ascii: "\""): return .string
    case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
    case UInt8(ascii: "n"): return .null
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
    default: return nil
    }
  }

  /// Opens the object that comes next, at nesting `depth` (the top-level value's is 0). False
  /// when the next value is not an object or is nested too deep.
  @inlinable public mutating func openObject(depth: Int) -> Bool { open(UInt8(ascii: "{"), depth: depth) }

  /// Opens the array that comes next (see `openObject`).
  @inlinable public mutating func openArray(depth: Int) -> Bool { open(UInt8(ascii: "["), depth: depth) }

  @inlinable mutating func open(_ bracket: UInt8, depth: Int) -> Bool {
    parser.skipWhitespace()
    guard depth < JSONDocument.maxDepth, parser.position < input.count, input[parser.position] == bracket else { return false }
    parser.position += 1
    justOpened = true
    return true
  }

  /// The next member of the innermost open object, its ':' read, or `.end` once its '}' is read.
  /// The caller reads or skips each member's value before asking for the next key.
  @inlinable public mutating func nextKey() -> Member? {
    guard let more = nextMember() else { return nil }
    guard more else { return .end }
    return key()
  }

  /// True when another member of the innermost open object follows (its key not read yet),
  /// false once its '}' is read, nil for anything invalid: `nextKey` in two steps, for a reader
  /// that tries `skipKey(ifExactly:count:)` before `key()`.
  @inlinable @inline(__always) public mutating func nextMember() -> Bool? { next(closing: UInt8(ascii: "}")) }

  /// The member key that comes next and its ':' (after `nextMember`); nil for anything invalid.
  @inlinable public mutating func key() -> Member? {
    guard parser.position < input.count, input[parser.position] == UInt8(ascii: "\""),
      let key = try? parser.scanString()
    else { return nil }
    parser.skipWhitespace()
    guard parser.position < input.count, input[parser.position] == UInt8(ascii: ":") else { return nil }
    parser.position += 1
    return .key(start: key.start, end: key.end, escaped: key.escaped)
  }

  /// Reads past the next `count` bytes (after `nextMember`) when they are exactly `pattern`. For
  /// a pattern `key()` has read before, a key with nothing between its closing quote and its
  /// ':', the same bytes are the same valid key: they need not be scanned again.
  @inlinable @inline(__always) public mutating func skipKey(ifExactly pattern: UnsafePointer<UInt8>, count: Int) -> Bool {
    guard input.count &- parser.position >= count, memoryEquals(input.baseAddress! + parser.position, pattern, count) else { return false }
    parser.position &+= count
    return true
  }

  /// True when another element of the innermost open array follows (to be read or skipped),
  /// false once its ']' is read, nil for anything invalid.
  @inlinable public mutating func nextElement() -> Bool? { next(closing: UInt8(ascii: "]")) }

  /// Past the ',' before the next member or element (true), or past the closing bracket (false).
  @inlinable @inline(__always) mutating func next(closing: UInt8) -> Bool? {
    parser.skipWhitespace()
    guard parser.position < input.count else { return nil }
    let byte = input[parser.position]
    if byte == closing {
      parser.position += 1
      justOpened = false
      return false
    }
    if justOpened {
      justOpened = false
      return true
    }
    guard byte == UInt8(ascii: ",") else { return nil }
    parser.position += 1
    parser.skipWhitespace()
    return true
  }

  /// Reads the scalar value that comes next; nil when it is invalid or a container.
  @inlinable @inline(__always) public mutating func scalar() -> Scalar? {
    guard let kind = peek() else { return nil }
    let start = parser.position
    switch kind {
    case .object, .array:
      return nil
    case .string:
      guard let string = try? parser.scanString() else { return nil }
      return .string(start: string.start, end: string.end, escaped: string.escaped)
    // Straight to the scanner for the kind `peek` saw, without `parseValue`'s second dispatch.
    case .number:
      guard (try? parser.parseNumber()) != nil else { return nil }
      return .number(start: start, end: parser.position)
    case .bool, .null:
      guard let length = parser.literalLength() else { return nil }
      parser.position = start &+ length
      return kind == .null ? .null : .bool(input[start] == UInt8(ascii: "t"))
    }
  }

  /// Reads the string that starts at the next byte when it has no escapes: its span inside the
  /// quotes. Nil, with nothing read, for anything else (whitespace first, another kind of value,
  /// escapes, invalid bytes): the caller then reads the value with `scalar()`, which says which.
  /// Inlined into a reader's loop, where most values are plain strings.
  @inlinable @inline(__always) public mutating func plainString() -> (start: Int, end: Int)? {
    stringHere(unescapedOnly: true).map { ($0.start, $0.end) }
  }

  /// Validates and passes over the string that starts at the next byte (true); false, with
  /// nothing read, for anything else (the caller then uses `skipValue`).
  @inlinable @inline(__always) public mutating func skipString() -> Bool {
    stringHere(unescapedOnly: false) != nil
  }

  /// The string that starts at the next byte, read; nil, with nothing read, for anything else
  /// (and for escapes when `unescapedOnly`).
  @inlinable @inline(__always) mutating func stringHere(unescapedOnly: Bool) -> (start: Int, end: Int, escaped: Bool)? {
    let start = parser.position
    guard start < input.count, input[start] == UInt8(ascii: "\""), let string = try? parser.scanString(), !(unescapedOnly && string.escaped) else {
      parser.position = start
      return nil
    }
    return string
  }

  /// Validates and passes over the value that comes next, whatever it is, at nesting `depth`.
  @inlinable public mutating func skipValue(depth: Int) -> Bool {
    parser.skipWhitespace()
    // Most values are strings: straight to them, as `Parser.parseObject` does.
    if parser.position < input.count, input[parser.position] == UInt8(ascii: "\"") { return (try? parser.scanString()) != nil }
    // Then literals (a sign-in's device flags): passed over here with the parser's own literal
    // test, without its dispatch and call (about 110 instructions each). Anything else, a
    // misspelt literal included, goes to the parser, which says what is wrong.
    if let length = parser.literalLength() {
      parser.position &+= length
      return true
    }
    return (try? parser.parseValue(depth: depth)) != nil
  }

  /// Skips whitespace and gives the offset where the next value starts (for a reader that
  /// records where values are: `JSONRecordLayout`).
  @inlinable public mutating func valueStart() -> Int {
    parser.skipWhitespace()
    return parser.position
  }

  /// Goes back to `position`, an offset this walk has been at, outside any container opened
  /// since: for a reader that tried one way through a value and takes another.
  @inlinable public mutating func rewind(to position: Int) {
    precondition(position >= 0 && position <= parser.position, "rewind beyond the walk")
    parser.position = position
    justOpened = false
  }

  /// True when nothing but whitespace is left.
  @inlinable public mutating func atEnd() -> Bool {
    parser.skipWhitespace()
    return parser.position == input.count
  }
}
