// A strict, line-based reader for the YAML subset documented in README-yaml-subset.md.
//
// Rule files are written by hand, so the reader prefers refusing to guessing: every construct
// outside the subset is an error at an exact line:column rather than a silently different tree.

/// Reads rule, list and policy files written in the YAML subset of `README-yaml-subset.md`.
public enum YAMLReader {
  /// Parses one document into a `ConfigNode` tree. Scalars stay text (the validator types them);
  /// `null`, `~` and omitted values become `.null`. Throws the first problem found.
  public static func parse(_ text: String) throws(ConfigSyntaxError) -> ConfigNode {
    var parser = try YAMLSubsetParser(text)
    return try parser.parseDocument()
  }
}

extension ConfigSyntaxError {
  /// The message both readers use for a repeated key, pointing at the second occurrence.
  static func duplicateKey(_ key: String, at position: SourcePosition, firstAt first: SourcePosition) -> ConfigSyntaxError {
    ConfigSyntaxError(position: position, message: "duplicate key \(quotedKey(key)) (first at \(first))")
  }

  /// `"key"` for a message: escaped so control characters cannot reach a terminal, and shortened
  /// so a whole misread line does not flood the output.
  static func quotedKey(_ text: String) -> String {
    var result = "\""
    for (count, scalar) in text.unicodeScalars.enumerated() {
      if count == 40 {
        result += "..."
        break
      }
      switch scalar.value {
      case 0x22: result += "\\\""
      case 0x5C: result += "\\\\"
      case 0x0A: result += "\\n"
      case 0x09: result += "\\t"
      case 0..<0x20, 0x7F...0x9F: result += "\\u{" + String(scalar.value, radix: 16) + "}"
      default: result.unicodeScalars.append(scalar)
      }
    }
    return result + "\""
  }
}

// MARK: - Lines and bytes

/// The bytes the grammar looks at.
private enum YAMLByte {
  static let tab: UInt8 = 0x09
  static let lineFeed: UInt8 = 0x0A
  static let carriageReturn: UInt8 = 0x0D
  static let space = UInt8(ascii: " ")
  static let colon = UInt8(ascii: ":")
  static let comma = UInt8(ascii: ",")
  static let dash = UInt8(ascii: "-")
  static let dot = UInt8(ascii: ".")
  static let plus = UInt8(ascii: "+")
  static let hash = UInt8(ascii: "#")
  static let percent = UInt8(ascii: "%")
  static let pipe = UInt8(ascii: "|")
  static let greaterThan = UInt8(ascii: ">")
  static let doubleQuote = UInt8(ascii: "\"")
  static let singleQuote = UInt8(ascii: "'")
  static let backslash = UInt8(ascii: "\\")
  static let bracketOpen = UInt8(ascii: "[")
  static let bracketClose = UInt8(ascii: "]")
  static let braceOpen = UInt8(ascii: "{")
  static let braceClose = UInt8(ascii: "}")

  static func isFlowIndicator(_ byte: UInt8) -> Bool {
    byte == comma || byte == bracketOpen || byte == bracketClose || byte == braceOpen || byte == braceClose
  }

  /// Bytes that cannot begin a plain scalar (YAML's c-indicator set).
  static func isIndicator(_ byte: UInt8) -> Bool {
    switch byte {
    case dash, UInt8(ascii: "?"), colon, comma, bracketOpen, bracketClose, braceOpen, braceClose, hash,
      UInt8(ascii: "&"), UInt8(ascii: "*"), UInt8(ascii: "!"), pipe, greaterThan, singleQuote, doubleQuote,
      percent, UInt8(ascii: "@"), UInt8(ascii: "`"):
      return true
    default:
      return false
    }
  }
}

/// One physical line of the source, without its line break.
private struct YAMLSourceLine {
  /// Byte offsets of the line's content in the source.
  var start: Int
  var end: Int
  /// False only for a last line that has no final newline (matters for block scalar chomping).
  var hasBreak: Bool
  /// Number of leading spaces.
  var indent: Int

  var width: Int { end - start }
  /// Empty or spaces only.
  var isSpacesOnly: Bool { indent == width }
}

/// A scalar read from a single line, and the offset just past it (past the closing quote).
private struct YAMLScalarToken {
  var node: ConfigNode
  var text: String
  var quoted: Bool
  var end: Int
}

/// A mapping key that has been confirmed by its ':' indicator.
private struct YAMLKey {
  var text: String
  var position: SourcePosition
  var quoted: Bool
  /// Offset just past the ':'.
  var valueOffset: Int
}

private enum YAMLDocumentMarker { case start, end }

private enum YAMLChomping { case strip, clip, keep }

/// The content lines of a block scalar, each with the count of blank lines before it.
private struct YAMLBlockScalarBody {
  var lines: [(text: ArraySlice<UInt8>, blanksBefore: Int)] = []
  var lastLineHasBreak = false
  /// Line breaks of the blank lines after the last content line (kept only by `+`).
  var trailingBreaks = 0

  func render(folded: Bool, chomping: YAMLChomping) -> String {
    var out: [UInt8] = []
    for (index, line) in lines.enumerated() {
      if index == 0 {
        appendBreaks(line.blanksBefore, to: &out)
      } else if folded && !startsWithWhitespace(lines[index - 1].text) && !startsWithWhitespace(line.text) {
        // Folding: a single break between two normal lines becomes a space; blank lines stay.
        if line.blanksBefore == 0 { out.append(YAMLByte.space) } else { appendBreaks(line.blanksBefore, to: &out) }
      } else {
        // Literal style, and more-indented lines in folded style, keep every break.
        appendBreaks(1 + line.blanksBefore, to: &out)
      }
      out.append(contentsOf: line.text)
    }
    if !lines.isEmpty && lastLineHasBreak && chomping != .strip { out.append(YAMLByte.lineFeed) }
    if chomping == .keep { appendBreaks(trailingBreaks, to: &out) }
    return String(decoding: out, as: UTF8.self)
  }

  private func startsWithWhitespace(_ text: ArraySlice<UInt8>) -> Bool {
    text.first == YAMLByte.space || text.first == YAMLByte.tab
  }

  private func appendBreaks(_ count: Int, to out: inout [UInt8]) {
    out.append(contentsOf: repeatElement(YAMLByte.lineFeed, count: count))
  }
}

// MARK: - Parser

/// Recursive descent over lines. Block structure is decided by each line's indentation; flow
/// collections, quoted scalars and plain scalars never span lines, which keeps positions exact.
private struct YAMLSubsetParser {
  /// Deeper nesting is refused rather than risking the stack.
  static let maxDepth = 100

  let source: [UInt8]
  let lines: [YAMLSourceLine]
  /// Index of the first line the block structure has not consumed yet.
  var current = 0
  var depth = 0

  init(_ text: String) throws(ConfigSyntaxError) {
    var bytes = Array(text.utf8)
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }  // a byte order mark is not content
    source = bytes
    lines = try Self.splitLines(bytes)
  }

  /// Splits on LF (dropping a CR before it) and rejects control characters anywhere in the file.
  private static func splitLines(_ bytes: [UInt8]) throws(ConfigSyntaxError) -> [YAMLSourceLine] {
    var lines: [YAMLSourceLine] = []
    var start = 0
    for index in bytes.indices {
      if bytes[index] == YAMLByte.lineFeed {
        let end = index > start && bytes[index - 1] == YAMLByte.carriageReturn ? index - 1 : index
        lines.append(makeLine(bytes, start: start, end: end, hasBreak: true))
        start = index + 1
      } else if let scalar = forbiddenControlCharacter(bytes, at: index) {
        let position = SourcePosition(line: lines.count + 1, column: index - start + 1)
        throw ConfigSyntaxError(position: position, message: "control character \(scalar) is not allowed")
      }
    }
    if start < bytes.count { lines.append(makeLine(bytes, start: start, end: bytes.count, hasBreak: false)) }
    return lines
  }

  private static func makeLine(_ bytes: [UInt8], start: Int, end: Int, hasBreak: Bool) -> YAMLSourceLine {
    var indent = 0
    while start + indent < end && bytes[start + indent] == YAMLByte.space { indent += 1 }
    return YAMLSourceLine(start: start, end: end, hasBreak: hasBreak, indent: indent)
  }

  /// "U+0007" when the byte at `index` starts a C0/DEL/C1 control character other than tab and
  /// the CR of a CRLF; such characters can hide text or drive a terminal.
  private static func forbiddenControlCharacter(_ bytes: [UInt8], at index: Int) -> String? {
    let byte = bytes[index]
    var value: UInt32?
    switch byte {
    case YAMLByte.tab: value = nil
    case YAMLByte.carriageReturn:
      value = index + 1 < bytes.count && bytes[index + 1] == YAMLByte.lineFeed ? nil : 0x0D
    case 0..<0x20, 0x7F: value = UInt32(byte)
    case 0xC2 where index + 1 < bytes.count && (0x80...0x9F).contains(bytes[index + 1]):
      value = UInt32(bytes[index + 1])
    default: value = nil
    }
    guard let value else { return nil }
    let hex = String(value, radix: 16, uppercase: true)
    return "U+" + String(repeating: "0", count: 4 - hex.count) + hex
  }

  // MARK: Access and errors

  /// The byte at 0-based `offset` of `line`, or nil past its end.
  func byte(_ line: Int, _ offset: Int) -> UInt8? {
    let index = lines[line].start + offset
    return offset >= 0 && index < lines[line].end ? source[index] : nil
  }

  func text(_ line: Int, from start: Int, to end: Int) -> String {
    String(decoding: source[(lines[line].start + start)..<(lines[line].start + end)], as: UTF8.self)
  }

  func position(_ line: Int, _ offset: Int) -> SourcePosition {
    SourcePosition(line: line + 1, column: offset + 1)
  }

  func error(_ message: String, _ line: Int, _ offset: Int) -> ConfigSyntaxError {
    ConfigSyntaxError(position: position(line, offset), message: message)
  }

  func tabError(_ line: Int, _ offset: Int) -> ConfigSyntaxError {
    error("tabs are only allowed in quoted strings, block scalars and comments", line, offset)
  }

  /// Skips spaces; a tab used as a separator is an error.
  func skipSpaces(_ line: Int, _ offset: Int) throws(ConfigSyntaxError) -> Int {
    var index = offset
    while let byte = byte(line, index) {
      if byte == YAMLByte.tab { throw tabError(line, index) }
      guard byte == YAMLByte.space else { break }
      index += 1
    }
    return index
  }

  /// True at the end of the line or at a comment ('#' at line start or after a space).
  func isLineEnd(_ line: Int, _ offset: Int) -> Bool {
    guard let byte = byte(line, offset) else { return true }
    return byte == YAMLByte.hash && (offset == 0 || self.byte(line, offset - 1) == YAMLByte.space)
  }

  /// After a complete value only spaces and a comment may follow on the line.
  func expectLineEnd(_ line: Int, _ offset: Int, after what: String) throws(ConfigSyntaxError) {
    let index = try skipSpaces(line, offset)
    guard isLineEnd(line, index) else { throw error("unexpected text after \(what)", line, index) }
  }

  /// '-' followed by a space or the end of the line.
  func startsSequenceItem(_ line: Int, _ offset: Int) -> Bool {
    guard byte(line, offset) == YAMLByte.dash else { return false }
    let next = byte(line, offset + 1)
    return next == nil || next == YAMLByte.space
  }

  func documentMarker(_ line: Int) -> YAMLDocumentMarker? {
    guard let first = byte(line, 0), first == YAMLByte.dash || first == YAMLByte.dot,
      byte(line, 1) == first, byte(line, 2) == first,
      byte(line, 3) == nil || byte(line, 3) == YAMLByte.space
    else { return nil }
    return first == YAMLByte.dash ? .start : .end
  }

  mutating func enterNesting(_ line: Int, _ offset: Int) throws(ConfigSyntaxError) {
    depth += 1
    if depth > Self.maxDepth {
      throw error("nesting deeper than \(Self.maxDepth) levels is not supported", line, offset)
    }
  }

  // MARK: Document

  mutating func parseDocument() throws(ConfigSyntaxError) -> ConfigNode {
    try skipDocumentStart()
    guard let first = try nextBlockLine() else {
      try expectDocumentEnd(rootIndent: 0)
      return ConfigNode(.null, at: SourcePosition(line: 1, column: 1))
    }
    let rootIndent = lines[first].indent
    let root = try parseBlockNode(line: first, offset: rootIndent, parentIndent: -1)
    try expectDocumentEnd(rootIndent: rootIndent)
    return root
  }

  /// Consumes an optional `---` line; directives before it are outside the subset.
  mutating func skipDocumentStart() throws(ConfigSyntaxError) {
    guard let first = try nextContentLine() else { return }
    if byte(first, 0) == YAMLByte.percent { throw error("directives are not supported", first, 0) }
    guard documentMarker(first) == .start else { return }
    let rest = try skipSpaces(first, 3)
    guard isLineEnd(first, rest) else { throw error("content on the '---' line is not supported", first, rest) }
    current = first + 1
  }

  /// After the root node only comments, blank lines and an optional `...` may follow.
  mutating func expectDocumentEnd(rootIndent: Int) throws(ConfigSyntaxError) {
    guard let line = try nextContentLine() else { return }
    switch documentMarker(line) {
    case .start:
      throw error("multiple documents are not supported", line, 0)
    case .end:
      try expectLineEnd(line, 3, after: "'...'")
      current = line + 1
      if let extra = try nextContentLine() {
        throw error("multiple documents are not supported", extra, lines[extra].indent)
      }
    case nil:
      let indent = lines[line].indent
      let message = indent < rootIndent ? "inconsistent indentation" : "unexpected content after the root value"
      throw error(message, line, indent)
    }
  }

  /// Skips blank and comment-only lines and returns the next line with content, without
  /// consuming it. Every line passed over or returned is checked for tabs in its indentation.
  mutating func nextContentLine() throws(ConfigSyntaxError) -> Int? {
    while current < lines.count {
      let indent = lines[current].indent
      if byte(current, indent) == YAMLByte.tab { throw error("tabs are not allowed for indentation", current, indent) }
      if !isLineEnd(current, indent) { return current }
      current += 1
    }
    return nil
  }

  /// Like `nextContentLine`, but a `---` or `...` marker ends the block structure too.
  mutating func nextBlockLine() throws(ConfigSyntaxError) -> Int? {
    guard let line = try nextContentLine(), documentMarker(line) == nil else { return nil }
    return line
  }

  // MARK: Block structure

  /// Parses the block node starting at `offset` of `line`. `parentIndent` is the indentation of
  /// the enclosing collection (-1 for the root); nested lines must be indented deeper than it.
  mutating func parseBlockNode(line: Int, offset: Int, parentIndent: Int) throws(ConfigSyntaxError) -> ConfigNode {
    try enterNesting(line, offset)
    defer { depth -= 1 }
    if startsSequenceItem(line, offset) { return try parseBlockSequence(line: line, indent: offset) }
    if let key = try readKey(line, offset) { return try parseBlockMapping(firstKey: key, line: line, indent: offset) }
    return try parseLineValue(line: line, offset: offset, parentIndent: parentIndent)
  }

  mutating func parseBlockMapping(firstKey: YAMLKey, line firstLine: Int, indent: Int) throws(ConfigSyntaxError) -> ConfigNode {
    var entries: [ConfigEntry] = []
    var firstPositions: [String: SourcePosition] = [:]
    var key = firstKey
    var line = firstLine
    while true {
      try checkKey(key, against: &firstPositions)
      let value = try parseMappingValue(line: line, offset: key.valueOffset, indent: indent)
      entries.append(ConfigEntry(key: key.text, keyPosition: key.position, value: value))
      guard let next = try nextSibling(after: value, indent: indent) else { break }
      guard let nextKey = try readKey(next, indent) else {
        // An omitted value is placed right after its ':', which tells it apart from `null`.
        let valueWasOmitted = value.value == .null && value.position == position(line, key.valueOffset)
        throw try notAKeyError(next, indent, previousKey: valueWasOmitted ? key.text : nil)
      }
      key = nextKey
      line = next
    }
    return ConfigNode(.mapping(entries), at: firstKey.position)
  }

  /// The value after `key:`: on the same line, or a deeper block on the following lines, or `.null`.
  mutating func parseMappingValue(line: Int, offset: Int, indent: Int) throws(ConfigSyntaxError) -> ConfigNode {
    let start = try skipSpaces(line, offset)
    guard isLineEnd(line, start) else { return try parseLineValue(line: line, offset: start, parentIndent: indent) }
    current = line + 1
    // `key:` then `- item` at the key's own column: the indentless style Sigma and Falco use.
    if let next = try nextBlockLine(), lines[next].indent == indent, startsSequenceItem(next, indent) {
      try enterNesting(next, indent)
      defer { depth -= 1 }
      return try parseBlockSequence(line: next, indent: indent, indentless: true)
    }
    return try parseNestedBlock(parentIndent: indent, orNullAt: position(line, offset))
  }

  /// `indentless`: the sequence sits at its parent key's column and ends at the first line there
  /// that is not an item (the parent mapping's next key).
  mutating func parseBlockSequence(line firstLine: Int, indent: Int, indentless: Bool = false) throws(ConfigSyntaxError) -> ConfigNode {
    var items: [ConfigNode] = []
    var line = firstLine
    while true {
      let item = try parseSequenceItem(line: line, indent: indent)
      items.append(item)
      guard let next = try nextSibling(after: item, indent: indent) else { break }
      guard startsSequenceItem(next, indent) else {
        if indentless { break }
        let isKey = try readKey(next, indent) != nil
        let message = isKey ? "cannot mix mapping keys and sequence items at the same indentation" : "expected a sequence item ('- ')"
        throw error(message, next, indent)
      }
      line = next
    }
    return ConfigNode(.sequence(items), at: position(firstLine, indent))
  }

  /// The item after `- `: inline (a scalar, flow collection, block scalar, or a compact nested
  /// mapping or sequence that continues at its own column), a deeper block below, or `.null`.
  mutating func parseSequenceItem(line: Int, indent: Int) throws(ConfigSyntaxError) -> ConfigNode {
    let start = try skipSpaces(line, indent + 1)
    guard isLineEnd(line, start) else { return try parseBlockNode(line: line, offset: start, parentIndent: indent) }
    current = line + 1
    return try parseNestedBlock(parentIndent: indent, orNullAt: position(line, indent + 1))
  }

  mutating func parseNestedBlock(parentIndent: Int, orNullAt emptyPosition: SourcePosition) throws(ConfigSyntaxError) -> ConfigNode {
    if let next = try nextBlockLine(), lines[next].indent > parentIndent {
      return try parseBlockNode(line: next, offset: lines[next].indent, parentIndent: parentIndent)
    }
    return ConfigNode(.null, at: emptyPosition)
  }

  /// The next line of the collection at `indent`, or nil when the collection has ended.
  mutating func nextSibling(after value: ConfigNode, indent: Int) throws(ConfigSyntaxError) -> Int? {
    guard let next = try nextBlockLine() else { return nil }
    let nextIndent = lines[next].indent
    if nextIndent < indent { return nil }
    if nextIndent > indent { throw indentationError(after: value, at: next) }
    return next
  }

  /// A line indented deeper than its siblings where no nested block can start.
  func indentationError(after value: ConfigNode, at line: Int) -> ConfigSyntaxError {
    let offset = lines[line].indent
    switch value.value {
    case .scalar(_, quoted: false), .null:
      return error("unexpected indentation (multi-line plain scalars are not supported)", line, offset)
    case .mapping, .sequence:
      // A nested block collection ended on a dedent that matches none of the open levels.
      if !isFlowCollection(at: value.position) { return error("inconsistent indentation", line, offset) }
      return error("unexpected indentation", line, offset)
    case .scalar(_, quoted: true):
      return error("unexpected indentation", line, offset)
    }
  }

  func isFlowCollection(at position: SourcePosition) -> Bool {
    let first = byte(position.line - 1, position.column - 1)
    return first == YAMLByte.bracketOpen || first == YAMLByte.braceOpen
  }

  /// Explains why a line at a mapping's indentation is not a `key: value` entry.
  func notAKeyError(_ line: Int, _ offset: Int, previousKey: String?) throws(ConfigSyntaxError) -> ConfigSyntaxError {
    if startsSequenceItem(line, offset) {
      if let previousKey {
        return error(
          "indentless sequences are not supported; indent the items under key \(ConfigSyntaxError.quotedKey(previousKey))", line, offset)
      }
      return error("cannot mix mapping keys and sequence items at the same indentation", line, offset)
    }
    let first = byte(line, offset)!
    if first == YAMLByte.bracketOpen || first == YAMLByte.braceOpen || first == YAMLByte.pipe || first == YAMLByte.greaterThan {
      return error("expected a mapping key", line, offset)
    }
    let token = try scanScalar(line, offset, inFlow: false)
    return error("expected ':' after key \(ConfigSyntaxError.quotedKey(token.text))", line, token.end)
  }

  /// Rejects merge keys and repeated keys; remembers where each key first appeared.
  func checkKey(_ key: YAMLKey, against firstPositions: inout [String: SourcePosition]) throws(ConfigSyntaxError) {
    if !key.quoted && key.text == "<<" {
      throw ConfigSyntaxError(position: key.position, message: "merge keys are not supported")
    }
    if let first = firstPositions[key.text] { throw .duplicateKey(key.text, at: key.position, firstAt: first) }
    firstPositions[key.text] = key.position
  }

  // MARK: Values on one line

  /// Reads `key:` at `offset` when the line holds a mapping entry there, nil otherwise.
  func readKey(_ line: Int, _ offset: Int) throws(ConfigSyntaxError) -> YAMLKey? {
    guard let first = byte(line, offset) else { return nil }
    guard first == YAMLByte.doubleQuote || first == YAMLByte.singleQuote || isPlainStart(line, offset, inFlow: false)
    else { return nil }
    let token = try scanScalar(line, offset, inFlow: false)
    guard let valueOffset = try colonIndicator(line, after: token.end, inFlow: false, afterQuoted: token.quoted)
    else { return nil }
    return YAMLKey(text: token.text, position: token.node.position, quoted: token.quoted, valueOffset: valueOffset)
  }

  /// Offset just past a ':' that separates a key from its value, when one follows `end`.
  /// In block context the ':' needs a space or the line end after it; in flow context a flow
  /// indicator will also do, and after a quoted key anything will (`{"a":1}`).
  func colonIndicator(_ line: Int, after end: Int, inFlow: Bool, afterQuoted: Bool) throws(ConfigSyntaxError) -> Int? {
    let index = try skipSpaces(line, end)
    guard byte(line, index) == YAMLByte.colon else { return nil }
    guard let next = byte(line, index + 1), next != YAMLByte.space else { return index + 1 }
    return inFlow && (afterQuoted || YAMLByte.isFlowIndicator(next)) ? index + 1 : nil
  }

  /// A value that is not a block collection: a flow collection, a block scalar or a scalar.
  /// Consumes the rest of its line (and a block scalar's lines).
  mutating func parseLineValue(line: Int, offset: Int, parentIndent: Int) throws(ConfigSyntaxError) -> ConfigNode {
    let first = byte(line, offset)!
    if first == YAMLByte.bracketOpen || first == YAMLByte.braceOpen {
      let (node, end) = try parseFlowCollection(line, offset)
      try expectLineEnd(line, end, after: first == YAMLByte.bracketOpen ? "flow sequence" : "flow mapping")
      current = line + 1
      return node
    }
    if first == YAMLByte.pipe || first == YAMLByte.greaterThan {
      return try parseBlockScalar(line: line, offset: offset, parentIndent: parentIndent)
    }
    let token = try scanScalar(line, offset, inFlow: false)
    // A key here means `key: a: b`, which parseBlockNode would have taken as a mapping.
    if let valueOffset = try colonIndicator(line, after: token.end, inFlow: false, afterQuoted: token.quoted) {
      let message = token.quoted ? "nested mappings must start on a new line" : "a value containing ': ' must be quoted"
      throw error(message, line, valueOffset - 1)
    }
    try expectLineEnd(line, token.end, after: token.quoted ? "quoted string" : "value")
    current = line + 1
    return token.node
  }

  // MARK: Scalars

  func scanScalar(_ line: Int, _ offset: Int, inFlow: Bool) throws(ConfigSyntaxError) -> YAMLScalarToken {
    let start = position(line, offset)
    switch byte(line, offset) {
    case YAMLByte.doubleQuote:
      let (text, end) = try scanDoubleQuoted(line, offset)
      return YAMLScalarToken(node: ConfigNode(.scalar(text, quoted: true), at: start), text: text, quoted: true, end: end)
    case YAMLByte.singleQuote:
      let (text, end) = try scanSingleQuoted(line, offset)
      return YAMLScalarToken(node: ConfigNode(.scalar(text, quoted: true), at: start), text: text, quoted: true, end: end)
    default:
      guard isPlainStart(line, offset, inFlow: inFlow) else { throw plainStartError(line, offset, inFlow: inFlow) }
      let end = try scanPlainEnd(line, offset, inFlow: inFlow)
      let text = text(line, from: offset, to: end)
      let value: ConfigNode.Value = text == "null" || text == "~" ? .null : .scalar(text, quoted: false)
      return YAMLScalarToken(node: ConfigNode(value, at: start), text: text, quoted: false, end: end)
    }
  }

  /// Whether a plain scalar may start here: not at an indicator, except a `-` directly followed
  /// by a character that is not a separator (`-5`). YAML 1.2 also allows `?x` and `:x`, but
  /// common YAML 1.1 readers do not, so those must be quoted.
  func isPlainStart(_ line: Int, _ offset: Int, inFlow: Bool) -> Bool {
    guard let first = byte(line, offset) else { return false }
    guard first == YAMLByte.dash else { return !YAMLByte.isIndicator(first) }
    guard let next = byte(line, offset + 1) else { return false }
    return next != YAMLByte.space && next != YAMLByte.tab && !(inFlow && YAMLByte.isFlowIndicator(next))
  }

  /// The specific reason a scalar cannot start at `offset`.
  func plainStartError(_ line: Int, _ offset: Int, inFlow: Bool) -> ConfigSyntaxError {
    let first = byte(line, offset)!
    if byte(line, offset + 1) == YAMLByte.tab { return tabError(line, offset + 1) }
    let next = byte(line, offset + 1)
    let separated = next == nil || next == YAMLByte.space
    let message: String
    switch first {
    case UInt8(ascii: "&"), UInt8(ascii: "*"): message = "anchors and aliases are not supported"
    case UInt8(ascii: "!"): message = "tags are not supported"
    case UInt8(ascii: "?") where separated: message = "complex keys are not supported"
    case YAMLByte.colon where separated: message = "missing key before ':'"
    case YAMLByte.dash:
      message = inFlow ? "block sequences are not allowed in flow collections" : "a block sequence cannot start on the same line as its key"
    case YAMLByte.pipe where inFlow, YAMLByte.greaterThan where inFlow:
      message = "block scalars are not allowed in flow collections"
    case YAMLByte.comma, YAMLByte.bracketClose, YAMLByte.braceClose: message = "unexpected '\(Character(Unicode.Scalar(first)))'"
    default: message = "a plain scalar cannot start with '\(Character(Unicode.Scalar(first)))' (quote it)"
    }
    return error(message, line, offset)
  }

  /// Offset just past the last non-space byte of a plain scalar. It ends at the line end, at
  /// ` #`, at a ':' indicator and, in flow context, at a flow indicator.
  func scanPlainEnd(_ line: Int, _ offset: Int, inFlow: Bool) throws(ConfigSyntaxError) -> Int {
    var index = offset
    var end = offset
    while let byte = byte(line, index) {
      if byte == YAMLByte.tab { throw tabError(line, index) }
      if byte == YAMLByte.colon {
        let next = self.byte(line, index + 1)
        if next == nil || next == YAMLByte.space || (inFlow && YAMLByte.isFlowIndicator(next!)) { break }
      }
      if byte == YAMLByte.hash && self.byte(line, index - 1) == YAMLByte.space { break }
      if inFlow && YAMLByte.isFlowIndicator(byte) { break }
      // YAML 1.1 readers end a flow plain scalar at '?', YAML 1.2 readers do not.
      if inFlow && byte == UInt8(ascii: "?") { throw error("quote values containing '?' inside flow collections", line, index) }
      index += 1
      if byte != YAMLByte.space { end = index }
    }
    return end
  }

  func scanSingleQuoted(_ line: Int, _ offset: Int) throws(ConfigSyntaxError) -> (String, Int) {
    var decoded: [UInt8] = []
    var index = offset + 1
    while let byte = byte(line, index) {
      if byte == YAMLByte.singleQuote {
        guard self.byte(line, index + 1) == YAMLByte.singleQuote else {
          return (String(decoding: decoded, as: UTF8.self), index + 1)
        }
        index += 1  // '' is one quote
      }
      decoded.append(byte)
      index += 1
    }
    throw error("unterminated single-quoted string", line, offset)
  }

  func scanDoubleQuoted(_ line: Int, _ offset: Int) throws(ConfigSyntaxError) -> (String, Int) {
    var decoded: [UInt8] = []
    var index = offset + 1
    while let byte = byte(line, index) {
      if byte == YAMLByte.doubleQuote { return (String(decoding: decoded, as: UTF8.self), index + 1) }
      if byte == YAMLByte.backslash {
        guard self.byte(line, index + 1) != nil else { break }  // a '\' line continuation: multi-line
        index = try decodeEscape(line, index, into: &decoded)
      } else {
        decoded.append(byte)
        index += 1
      }
    }
    throw error("unterminated double-quoted string", line, offset)
  }

  /// Decodes the escape whose backslash is at `offset`; returns the offset after it.
  func decodeEscape(_ line: Int, _ offset: Int, into decoded: inout [UInt8]) throws(ConfigSyntaxError) -> Int {
    let code = byte(line, offset + 1)!
    switch code {
    case YAMLByte.doubleQuote, YAMLByte.backslash, UInt8(ascii: "/"): decoded.append(code)
    case UInt8(ascii: "n"): decoded.append(0x0A)
    case UInt8(ascii: "t"): decoded.append(0x09)
    case UInt8(ascii: "r"): decoded.append(0x0D)
    case UInt8(ascii: "b"): decoded.append(0x08)
    case UInt8(ascii: "f"): decoded.append(0x0C)
    case UInt8(ascii: "x"):
      guard let value = hexNumber(line, offset + 2, digits: 2) else {
        throw error("invalid \\x escape: expected 2 hex digits", line, offset)
      }
      appendScalar(value, to: &decoded)
      return offset + 4
    case UInt8(ascii: "u"):
      let (value, end) = try decodeUnicodeEscape(line, offset)
      appendScalar(value, to: &decoded)
      return end
    default:
      let shown = code >= 0x20 && code < 0x7F ? "'\\\(Character(Unicode.Scalar(code)))'" : "sequence"
      throw error("invalid escape \(shown)", line, offset)
    }
    return offset + 2
  }

  /// `\uXXXX`, where a UTF-16 high surrogate must be followed by `\u` and a low surrogate.
  func decodeUnicodeEscape(_ line: Int, _ offset: Int) throws(ConfigSyntaxError) -> (UInt32, Int) {
    guard let unit = hexNumber(line, offset + 2, digits: 4) else {
      throw error("invalid \\u escape: expected 4 hex digits", line, offset)
    }
    let end = offset + 6
    switch unit {
    case 0xD800..<0xDC00:
      guard byte(line, end) == YAMLByte.backslash, byte(line, end + 1) == UInt8(ascii: "u"),
        let low = hexNumber(line, end + 2, digits: 4), (0xDC00..<0xE000).contains(low)
      else { throw error("invalid \\u escape: unpaired surrogate", line, offset) }
      return (0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00), end + 6)
    case 0xDC00..<0xE000:
      throw error("invalid \\u escape: unpaired surrogate", line, offset)
    default:
      return (unit, end)
    }
  }

  func hexNumber(_ line: Int, _ offset: Int, digits: Int) -> UInt32? {
    var value: UInt32 = 0
    for index in offset..<(offset + digits) {
      guard let byte = byte(line, index), let digit = hexNibble(byte) else { return nil }
      value = value << 4 | UInt32(digit)
    }
    return value
  }

  func appendScalar(_ value: UInt32, to decoded: inout [UInt8]) {
    // Surrogates were rejected above, so every value here is a valid scalar.
    if let scalar = Unicode.Scalar(value) { decoded.append(contentsOf: String(scalar).utf8) }
  }

  // MARK: Flow collections

  /// `[a, b]` or `{a: 1}` closed on the same line, nested freely. Returns the offset after it.
  mutating func parseFlowCollection(_ line: Int, _ offset: Int) throws(ConfigSyntaxError) -> (ConfigNode, Int) {
    try enterNesting(line, offset)
    defer { depth -= 1 }
    let isMapping = byte(line, offset) == YAMLByte.braceOpen
    let closer = isMapping ? YAMLByte.braceClose : YAMLByte.bracketClose
    let name = isMapping ? "flow mapping" : "flow sequence"
    let unterminated = error("unterminated \(name) (it must close on the same line)", line, offset)
    var items: [ConfigNode] = []
    var entries: [ConfigEntry] = []
    var firstPositions: [String: SourcePosition] = [:]
    var index = try skipSpaces(line, offset + 1)
    while true {
      guard let next = flowByte(line, index) else { throw unterminated }
      if next == closer { break }  // also accepts one trailing comma
      if isMapping {
        let (entry, end) = try parseFlowEntry(line, index, firstPositions: &firstPositions)
        entries.append(entry)
        index = try skipSpaces(line, end)
      } else {
        let (item, end) = try parseFlowValue(line, index)
        items.append(item)
        index = try skipSpaces(line, end)
      }
      guard let separator = flowByte(line, index) else { throw unterminated }
      if separator == closer { break }
      guard separator == YAMLByte.comma else {
        if !isMapping && separator == YAMLByte.colon {
          throw error("mappings inside flow sequences are not supported", line, index)
        }
        throw error("expected ',' or '\(Character(Unicode.Scalar(closer)))' in \(name)", line, index)
      }
      index = try skipSpaces(line, index + 1)
    }
    let node = ConfigNode(isMapping ? .mapping(entries) : .sequence(items), at: position(line, offset))
    return (node, index + 1)
  }

  /// The byte at `offset`, or nil at the line end or a comment.
  func flowByte(_ line: Int, _ offset: Int) -> UInt8? {
    isLineEnd(line, offset) ? nil : byte(line, offset)
  }

  mutating func parseFlowValue(_ line: Int, _ offset: Int) throws(ConfigSyntaxError) -> (ConfigNode, Int) {
    let first = byte(line, offset)
    if first == YAMLByte.bracketOpen || first == YAMLByte.braceOpen { return try parseFlowCollection(line, offset) }
    let token = try scanScalar(line, offset, inFlow: true)
    return (token.node, token.end)
  }

  /// `key: value` inside `{}`; the value may be omitted (`{a: , b: 1}` or `{a:}`) and is then `.null`.
  mutating func parseFlowEntry(
    _ line: Int, _ offset: Int, firstPositions: inout [String: SourcePosition]
  ) throws(ConfigSyntaxError) -> (ConfigEntry, Int) {
    let first = byte(line, offset)
    if first == YAMLByte.bracketOpen || first == YAMLByte.braceOpen {
      throw error("complex keys are not supported", line, offset)
    }
    let token = try scanScalar(line, offset, inFlow: true)
    guard let valueOffset = try colonIndicator(line, after: token.end, inFlow: true, afterQuoted: token.quoted) else {
      throw error("expected ':' after key \(ConfigSyntaxError.quotedKey(token.text))", line, token.end)
    }
    let key = YAMLKey(text: token.text, position: token.node.position, quoted: token.quoted, valueOffset: valueOffset)
    try checkKey(key, against: &firstPositions)
    let valueStart = try skipSpaces(line, valueOffset)
    guard let next = flowByte(line, valueStart), next != YAMLByte.comma, next != YAMLByte.braceClose else {
      let omitted = ConfigNode(.null, at: position(line, valueOffset))
      return (ConfigEntry(key: key.text, keyPosition: key.position, value: omitted), valueStart)
    }
    let (value, end) = try parseFlowValue(line, valueStart)
    return (ConfigEntry(key: key.text, keyPosition: key.position, value: value), end)
  }

  // MARK: Block scalars

  /// `|` or `>` with optional `-`/`+` chomping. Content is every following line indented deeper
  /// than `parentIndent` (and by at least one space, as common readers require even at the
  /// root), at the indentation of its first non-blank line. Always a string.
  mutating func parseBlockScalar(line: Int, offset: Int, parentIndent: Int) throws(ConfigSyntaxError) -> ConfigNode {
    let folded = byte(line, offset) == YAMLByte.greaterThan
    var index = offset + 1
    var chomping = YAMLChomping.clip
    if let indicator = byte(line, index), indicator == YAMLByte.dash || indicator == YAMLByte.plus {
      chomping = indicator == YAMLByte.dash ? .strip : .keep
      index += 1
    }
    if let next = byte(line, index), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(next) {
      throw error("block scalar indentation indicators are not supported", line, index)
    }
    try expectLineEnd(line, index, after: "block scalar indicator")
    current = line + 1
    let body = try readBlockScalarBody(parentIndent: parentIndent)
    return ConfigNode(.scalar(body.render(folded: folded, chomping: chomping), quoted: true), at: position(line, offset))
  }

  mutating func readBlockScalarBody(parentIndent: Int) throws(ConfigSyntaxError) -> YAMLBlockScalarBody {
    var body = YAMLBlockScalarBody()
    var firstContent = current
    while firstContent < lines.count && lines[firstContent].isSpacesOnly { firstContent += 1 }
    guard firstContent < lines.count, lines[firstContent].indent > max(parentIndent, 0) else {
      // No content: the blank lines are all trailing ones.
      body.trailingBreaks = lines[current..<firstContent].filter(\.hasBreak).count
      current = firstContent
      return body
    }
    let contentIndent = lines[firstContent].indent
    for blank in current..<firstContent where lines[blank].width > contentIndent {
      throw error("leading blank line is more indented than the block scalar content", blank, contentIndent)
    }
    var blanks = 0
    var blankBreaks = 0
    while current < lines.count {
      let line = lines[current]
      if line.isSpacesOnly && line.width <= contentIndent {
        blanks += 1
        if line.hasBreak { blankBreaks += 1 }
      } else if line.indent < contentIndent {
        break  // a less indented line ends the scalar (it may be a comment or the next key)
      } else {
        body.lines.append((source[(line.start + contentIndent)..<line.end], blanks))
        body.lastLineHasBreak = line.hasBreak
        blanks = 0
        blankBreaks = 0
      }
      current += 1
    }
    body.trailingBreaks = blankBreaks
    return body
  }
}
