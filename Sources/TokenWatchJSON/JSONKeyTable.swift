/// A fixed list of object keys that are looked up together. `JSONDocument.members(_:_:)` finds
/// all of them in one pass over an object, where one `member` call per key would scan it once
/// per key: a normalizer reading twenty fields of a sixty-key sign-in record does 60 probes
/// instead of about 1,200 key comparisons.
public struct JSONKeyTable: Sendable {
  /// The keys, by the index callers read them back with.
  public let keys: [[UInt8]]
  /// Open addressing over a hash of (length, first byte, last byte): key index + 1, 0 = empty.
  @usableFromInline let slots: [UInt16]
  @usableFromInline let mask: Int
  /// Every key's bytes, back to back, and where each starts (one more entry for the end).
  @usableFromInline let keyBytes: [UInt8]
  @usableFromInline let keyStarts: [Int32]

  public init(_ keys: [String]) {
    precondition(keys.count < Int(UInt16.max), "too many keys for one table")
    self.keys = keys.map { Array($0.utf8) }
    // At most a quarter full, so a probe for a key the table lacks usually ends at once.
    var capacity = 16
    while capacity < keys.count * 4 { capacity *= 2 }
    mask = capacity - 1
    var slots = [UInt16](repeating: 0, count: capacity)
    for (index, key) in self.keys.enumerated() {
      var slot = key.withUnsafeBufferPointer { JSONKeyTable.hash($0.baseAddress, $0.count) } & mask
      while slots[slot] != 0 {
        precondition(self.keys[Int(slots[slot]) - 1] != key, "duplicate key \(keys[index]) in a JSONKeyTable")
        slot = (slot + 1) & mask
      }
      slots[slot] = UInt16(index + 1)
    }
    self.slots = slots
    keyBytes = self.keys.flatMap { $0 } + [0]  // never empty, so its base address exists
    var starts: [Int32] = [0]
    for key in self.keys { starts.append(starts.last! + Int32(key.count)) }
    keyStarts = starts
  }

  public var count: Int { keys.count }

  @inlinable @inline(__always) static func hash(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int {
    guard let bytes, count > 0 else { return 0 }
    return (count &* 0x9E37) ^ (Int(bytes[0]) &* 0x2F1) ^ (Int(bytes[count - 1]) &* 0x3B)
  }

  /// Runs `body` with raw views of the table, so a pass over many keys sets them up once.
  @inlinable @inline(__always) public func withProbe<R>(_ body: (Probe) -> R) -> R {
    slots.withUnsafeBufferPointer { slots in
      keyBytes.withUnsafeBufferPointer { keyBytes in
        keyStarts.withUnsafeBufferPointer { keyStarts in
          body(Probe(slots: slots, mask: mask, keyBytes: keyBytes, keyStarts: keyStarts))
        }
      }
    }
  }

  public struct Probe {
    @usableFromInline let slots: UnsafeBufferPointer<UInt16>
    @usableFromInline let mask: Int
    @usableFromInline let keyBytes: UnsafeBufferPointer<UInt8>
    /// Key i spans keyBytes[keyStarts[i] ..< keyStarts[i + 1]].
    @usableFromInline let keyStarts: UnsafeBufferPointer<Int32>

    @usableFromInline init(slots: UnsafeBufferPointer<UInt16>, mask: Int, keyBytes: UnsafeBufferPointer<UInt8>, keyStarts: UnsafeBufferPointer<Int32>) {
      (self.slots, self.mask, self.keyBytes, self.keyStarts) = (slots, mask, keyBytes, keyStarts)
    }

    @inlinable @inline(__always) public func index(of bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int? {
      var slot = JSONKeyTable.hash(bytes, count) & mask
      while true {
        let entry = Int(slots[slot])
        if entry == 0 { return nil }
        let start = Int(keyStarts[entry - 1])
        if Int(keyStarts[entry]) - start == count,
          count == 0 || memoryEquals(bytes!, keyBytes.baseAddress! + start, count)
        {
          return entry - 1
        }
        slot = (slot + 1) & mask
      }
    }
  }
}

/// The values a `JSONKeyTable`'s keys have in one object, by the table's key index.
///
/// Held inline, not in an array: a normalizer makes one of these per record, and an array was a
/// heap allocation and a free per record. (An array for tables past the inline room, even left
/// empty, cost more than the allocation saved: larger tables use `scanMembers`.)
public struct JSONMembers: Sendable {
  /// The most keys `JSONDocument.members` reads at once.
  public static let capacity = 32

  /// Node index of each key's value, -1 when the object lacks the key.
  @usableFromInline var values = InlineArray<32, Int32>(repeating: -1)

  /// No key found.
  public init() {}

  @inlinable public subscript(_ key: Int) -> JSONRef? {
    let value = values[key]
    return value < 0 ? nil : JSONRef(index: value)
  }
}

extension JSONDocument {
  /// Every key of `table` (at most `JSONMembers.capacity` keys) in the object `ref`, found in one
  /// pass; nil when `ref` is not an object. With duplicate keys the last one wins, as `member` does.
  public func members(_ ref: JSONRef, _ table: JSONKeyTable) -> JSONMembers? {
    precondition(table.count <= JSONMembers.capacity, "a JSONKeyTable of more than \(JSONMembers.capacity) keys: use scanMembers")
    var members = JSONMembers()
    let isObject = scanMembers(ref, table) { key, value in members.values[key] = value.index }
    return isObject ? members : nil
  }

  /// Calls `found` with (table index, value) for each member of the object `ref` whose key is in
  /// `table`, in document order (so for a duplicate key the last call is the last one written).
  /// Allocates nothing; false when `ref` is not an object.
  @discardableResult
  public func scanMembers(_ ref: JSONRef, _ table: JSONKeyTable, _ found: (Int, JSONRef) -> Void) -> Bool {
    guard nodes[Int(ref.index)].kind == .object else { return false }
    table.withProbe { probe in
      nodes.withUnsafeBufferPointer { nodes in
        bytes.withUnsafeBufferPointer { bytes in
          var index = Int(ref.index) + 1
          let end = Int(nodes[Int(ref.index)].next)
          while index < end {
            let key = nodes[index]
            let valueIndex = index + 1
            let match: Int?
            if key.flag {  // an escaped key: look up its decoded spelling (rare)
              var decoded: [UInt8] = []
              appendDecodedString(JSONRef(index: Int32(index)), to: &decoded)
              match = decoded.withUnsafeBufferPointer { probe.index(of: $0.baseAddress, $0.count) }
            } else {
              match = probe.index(of: bytes.baseAddress.map { $0 + Int(key.start) }, Int(key.end &- key.start))
            }
            if let match { found(match, JSONRef(index: Int32(valueIndex))) }
            index = Int(nodes[valueIndex].next)
          }
        }
      }
    }
    return true
  }
}

extension JSONKeyTable {
  /// The key at `index` as text (for messages).
  public func keyName(_ index: Int) -> String { String(decoding: keys[index], as: UTF8.self) }
}
