import TokenWatchJSON

/// Reads rule, list and policy files written as JSON into the same `ConfigNode` tree as
/// `YAMLReader`, so validation does not care which syntax a file used.
public enum ConfigJSONReader {
  /// Strings become quoted scalars, numbers and `true`/`false` plain scalars (as written), `null`
  /// `.null`. Positions point at a value's first byte and at a key's opening quote. Unlike most
  /// JSON readers, a repeated key in an object is an error rather than "last one wins".
  public static func parse(_ text: String) throws(ConfigSyntaxError) -> ConfigNode {
    var bytes = Array(text.utf8)
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }  // same rule as YAMLReader
    var document = JSONDocument()
    do {
      try document.parse(bytes)
    } catch {
      let position = JSONLineTable(bytes).position(ofOffset: error.offset)
      throw ConfigSyntaxError(position: position, message: error.reason)
    }
    let converter = JSONConfigConverter(document: document, lineTable: JSONLineTable(document.bytes))
    return try converter.node(document.root)
  }
}

/// Maps 0-based byte offsets to 1-based line and byte column.
private struct JSONLineTable {
  private var lineStarts: [Int] = [0]

  init(_ bytes: [UInt8]) {
    for (offset, byte) in bytes.enumerated() where byte == 0x0A { lineStarts.append(offset + 1) }
  }

  func position(ofOffset offset: Int) -> SourcePosition {
    // The last line starting at or before `offset`.
    var low = 0
    var high = lineStarts.count - 1
    while low < high {
      let middle = (low + high + 1) / 2
      if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
    }
    return SourcePosition(line: low + 1, column: offset - lineStarts[low] + 1)
  }
}

/// Walks a parsed `JSONDocument`. The document exposes each value's byte span (strings without
/// their quotes) but not where keys are, so keys are found by scanning forward from `{` or `,`:
/// between those and a key there is only whitespace.
private struct JSONConfigConverter {
  let document: JSONDocument
  let lineTable: JSONLineTable

  func node(_ ref: JSONRef) throws(ConfigSyntaxError) -> ConfigNode {
    let position = lineTable.position(ofOffset: startOffset(ref))
    switch document.kind(ref) {
    case .null:
      return ConfigNode(.null, at: position)
    case .bool, .number:
      return ConfigNode(.scalar(String(decoding: document.rawBytes(ref), as: UTF8.self), quoted: false), at: position)
    case .string:
      return ConfigNode(.scalar(document.string(ref) ?? "", quoted: true), at: position)
    case .array:
      var items: [ConfigNode] = []
      for element in document.elements(ref) { items.append(try node(element)) }
      return ConfigNode(.sequence(items), at: position)
    case .object:
      return ConfigNode(.mapping(try entries(ref)), at: position)
    }
  }

  private func entries(_ object: JSONRef) throws(ConfigSyntaxError) -> [ConfigEntry] {
    var members: [(key: String, value: JSONRef)] = []
    document.forEachMember(object) { key, value in members.append((key, value)) }
    var entries: [ConfigEntry] = []
    var firstPositions: [String: SourcePosition] = [:]
    var cursor = startOffset(object) + 1  // just past '{'
    for member in members {
      let keyOffset = offsetOfNextQuote(from: cursor)
      let keyPosition = lineTable.position(ofOffset: keyOffset)
      if let first = firstPositions[member.key] {
        throw .duplicateKey(member.key, at: keyPosition, firstAt: first)
      }
      firstPositions[member.key] = keyPosition
      entries.append(ConfigEntry(key: member.key, keyPosition: keyPosition, value: try node(member.value)))
      cursor = endOffset(member.value)  // the next key comes after a ',' and whitespace
    }
    return entries
  }

  /// Offset of a value's first byte (a string's opening quote).
  private func startOffset(_ ref: JSONRef) -> Int {
    let start = document.rawBytes(ref).startIndex
    return document.kind(ref) == .string ? start - 1 : start
  }

  /// Offset just past a value (past a string's closing quote).
  private func endOffset(_ ref: JSONRef) -> Int {
    let end = document.rawBytes(ref).endIndex
    return document.kind(ref) == .string ? end + 1 : end
  }

  /// In a document the parser accepted, only whitespace and ',' separate `offset` from the next key.
  private func offsetOfNextQuote(from offset: Int) -> Int {
    var index = offset
    while index < document.bytes.count && document.bytes[index] != UInt8(ascii: "\"") { index += 1 }
    return index
  }
}
