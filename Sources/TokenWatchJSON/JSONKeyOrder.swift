/// The keys the members of one kind of object had, place by place, in the last record read.
///
/// A log's records are written by one program, so their objects' keys come in the same order
/// record after record. A reader that walks them (`EntraSignInFastPath`) checks the bytes at each
/// member against the key seen at that place before (`JSONSkimmer.skipKey(ifExactly:count:)`);
/// on a match it knows the key and its `JSONKeyTable` index without scanning the key again or
/// probing the table, and on a mismatch it reads the key as usual and remembers it in that place.
///
/// Only a key written `"key":`, unescaped and with nothing between its closing quote and its
/// ':', is remembered: the same bytes are then the same valid key. What is remembered decides
/// nothing but speed. Not thread-safe: one per decoding thread.
public final class JSONKeyOrder: @unchecked Sendable {
  /// Places remembered per kind of object; members past them are read as usual.
  public static let places = 64
  /// Each place: the pattern's length (byte 0), the key's table index + 1 or 0 for a key the
  /// table lacks (bytes 2–3), the pattern (from byte 8).
  @usableFromInline static let placeBytes = 64
  /// The longest pattern (quote, key, quote, colon) remembered.
  public static let maxPattern = placeBytes - 8

  let kinds: Int
  /// Raw memory, not an array: a class's stored array is checked for exclusive access on every
  /// use, and this is read for every member of every record.
  let storage: UnsafeMutableRawPointer

  /// Room for `kinds` kinds of object, numbered from 0 by the reader.
  public init(kinds: Int) {
    precondition(kinds > 0)
    self.kinds = kinds
    let bytes = kinds * Self.places * Self.placeBytes
    storage = .allocate(byteCount: bytes, alignment: 8)
    storage.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
  }

  deinit { storage.deallocate() }

  /// The places of kind `kind`, from the first: a walk over one object takes one.
  public func cursor(_ kind: Int) -> Cursor {
    precondition(kind >= 0 && kind < kinds, "kind out of range")
    return Cursor(next: storage + kind * Self.places * Self.placeBytes, end: storage + (kind + 1) * Self.places * Self.placeBytes)
  }

  /// The places of one object's members, in order.
  public struct Cursor {
    @usableFromInline var next: UnsafeMutableRawPointer?
    @usableFromInline let end: UnsafeMutableRawPointer?

    @usableFromInline init(next: UnsafeMutableRawPointer?, end: UnsafeMutableRawPointer?) {
      (self.next, self.end) = (next, end)
    }

    /// A cursor with no places: every member is read as usual.
    @inlinable public static var none: Cursor { Cursor(next: nil, end: nil) }

    /// The next member's place; nil without a memo or past the last place.
    @inlinable @inline(__always) public mutating func advance() -> Place? {
      guard let place = next, place != end else { return nil }
      next = place + JSONKeyOrder.placeBytes
      return Place(base: place)
    }
  }

  /// One place of one kind of object.
  public struct Place {
    @usableFromInline let base: UnsafeMutableRawPointer

    @usableFromInline init(base: UnsafeMutableRawPointer) { self.base = base }

    /// The remembered pattern's length; 0 when nothing is remembered.
    @inlinable public var count: Int { Int(base.load(as: UInt8.self)) }

    /// The remembered key's table index; nil for a key the table lacks.
    @inlinable public var key: Int? {
      let stored = Int(base.load(fromByteOffset: 2, as: UInt16.self))
      return stored == 0 ? nil : stored - 1
    }

    @inlinable public var pattern: UnsafePointer<UInt8> { UnsafePointer((base + 8).assumingMemoryBound(to: UInt8.self)) }

    /// Remembers `count` bytes (at most `maxPattern`; longer ones are forgotten) as this
    /// place's key, with its table index.
    public func remember(_ pattern: UnsafePointer<UInt8>, count: Int, key: Int?) {
      guard count <= JSONKeyOrder.maxPattern, count > 0, (key ?? 0) < Int(UInt16.max) else {
        base.storeBytes(of: 0, as: UInt8.self)
        return
      }
      (base + 8).copyMemory(from: pattern, byteCount: count)
      base.storeBytes(of: UInt16(key.map { $0 + 1 } ?? 0), toByteOffset: 2, as: UInt16.self)
      base.storeBytes(of: UInt8(count), as: UInt8.self)
    }
  }
}
