/// A parsed JSON text held as a flat array of nodes over the original bytes.
///
/// Parsing builds no tree of objects and copies no strings: a node records its kind and the byte
/// span of its value, and `next` points past its subtree so siblings are skipped in O(1). Values
/// are decoded only when a caller asks for them. One document is meant to be reused line after
/// line: `parse` keeps the capacity of both arrays, so the steady state allocates nothing.
public struct JSONDocument: Sendable {
  public enum Kind: UInt8, Sendable {
    case null, bool, number, string, array, object
  }

  @usableFromInline
  struct Node: Sendable {
    @usableFromInline var kind: Kind
    /// For strings: the span holds escapes. For bools: the value.
    @usableFromInline var flag: Bool
    /// Byte span of the value. Strings exclude their quotes.
    @usableFromInline var start: Int32
    @usableFromInline var end: Int32
    /// Index of the first node after this node's subtree.
    @usableFromInline var next: Int32
  }

  public private(set) var bytes: [UInt8] = []
  /// The parsed nodes are `nodes[0..<nodeCount]`; the rest is room kept from earlier documents,
  /// so the parser writes through a pointer with no per-node growth or uniqueness checks.
  @usableFromInline var nodes: [Node] = []
  @usableFromInline var nodeCount = 0
  /// Where `string(_:)` looks first for strings made from the same bytes before (set by the
  /// decoder that reuses this document; see `JSONStringCache`). A document parsed from a string
  /// of this one (`parse(stringAt:of:)`) shares it.
  ///
  /// Not counted: views copy the document for every field they read, and a third counted
  /// reference made each copy cost more than the cache saves. Whoever sets it keeps the cache
  /// alive for as long as the document and its copies are used.
  public var stringCache: JSONStringCache? {
    get { stringCacheReference?.takeUnretainedValue() }
    set { stringCacheReference = newValue.map { Unmanaged.passUnretained($0) } }
  }
  /// Unmanaged rather than `unowned(unsafe)`: reading that made a strong reference, a retain and
  /// a release around every string made.
  var stringCacheReference: Unmanaged<JSONStringCache>?

  /// Nesting deeper than this is rejected rather than risking the stack.
  public static let maxDepth = 256

  public init() {}

  /// Parses `text`, replacing whatever the document held before.
  public mutating func parse<Bytes: Collection>(_ text: Bytes) throws(JSONError)
  where Bytes.Element == UInt8 {
    bytes.removeAll(keepingCapacity: true)
    bytes.append(contentsOf: text)
    try reparse()
  }

  /// Parses a string value of another document (JSON carried inside a JSON string).
  public mutating func parse(stringAt ref: JSONRef, of other: JSONDocument) throws(JSONError) {
    bytes.removeAll(keepingCapacity: true)
    other.appendDecodedString(ref, to: &bytes)
    stringCacheReference = other.stringCacheReference
    try reparse()
  }

  private mutating func reparse() throws(JSONError) {
    // The parser counts every node but stores only those that fit; a document with more nodes
    // than there is room for is parsed again once, with exactly the room it needs.
    var (needed, failure) = parseIntoRoom()
    if failure == nil, needed > nodes.count {
      nodes.append(contentsOf: repeatElement(Node(kind: .null, flag: false, start: 0, end: 0, next: 0), count: max(needed, 2 * nodes.count) - nodes.count))
      (needed, failure) = parseIntoRoom()
    }
    nodeCount = min(needed, nodes.count)
    if let failure { throw failure }
  }

  private mutating func parseIntoRoom() -> (nodes: Int, failure: JSONError?) {
    let input = bytes
    return input.withUnsafeBufferPointer { input in
      nodes.withUnsafeMutableBufferPointer { room in
        var parser = Parser(input: input, nodes: room)
        do throws(JSONError) {
          try parser.parseDocument()
          return (parser.nodeCount, nil)
        } catch {
          return (parser.nodeCount, error)
        }
      }
    }
  }

  public var root: JSONRef { JSONRef(index: 0) }
  public var isEmpty: Bool { nodeCount == 0 }
}

/// A handle to one value inside a `JSONDocument`. Only meaningful with the document it came from.
public struct JSONRef: Hashable, Sendable {
  public let index: Int32
  @inlinable init(index: Int32) { self.index = index }
}

public struct JSONError: Error, Equatable, Sendable, CustomStringConvertible {
  /// Zero-based byte offset where the problem was found.
  public var offset: Int
  public var reason: String

  public init(offset: Int, reason: String) {
    self.offset = offset
    self.reason = reason
  }

  public var description: String { "\(reason) at byte \(offset + 1)" }
}
