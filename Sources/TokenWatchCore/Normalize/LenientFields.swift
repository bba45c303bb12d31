import TokenWatchJSON

// Real logs drift in type from their documentation: Log Analytics writes numbers as strings
// ("9009") and nested objects as JSON text, Okta writes the string "null", Sentinel writes
// "FALSE". The JSON reader stays strict; these helpers are where the normalizers forgive.

extension JSONDocument {
  /// A usable string: JSON null, `""` and the text `"null"` (any case) mean "no value". Numbers
  /// are returned as written, since some producers emit ids and postal codes as numbers.
  /// `cached: false` for values that never repeat (see `JSONDocument.uncachedString`).
  @inline(__always) func lenientString(_ ref: JSONRef, cached: Bool = true) -> String? {
    switch kind(ref) {
    case .string:
      if withRawBytes(ref, meansNoValue) { return nil }
      return cached ? string(ref) : uncachedString(ref)
    case .number:
      return String(decoding: rawBytes(ref), as: UTF8.self)
    default:
      return nil
    }
  }

  /// `lenientString(ref, cached: false)` as an event id: a UUID is packed from the line's bytes
  /// (it has nothing to escape), without making a string.
  func lenientEventID(_ ref: JSONRef) -> PackedEventID? { lenientID(ref, PackedEventID.uuid(utf8:), PackedEventID.init) }

  /// `lenientString(ref, cached: false)` as a token id: Entra's and Graph's are packed from the
  /// line's bytes (they have nothing to escape), without making a string.
  func lenientToken(_ ref: JSONRef) -> TokenKey? { lenientID(ref, TokenKey.packed(utf8:), TokenKey.init) }

  /// An id `packed` reads from a string's raw bytes when it can (nothing escaped), else `text`
  /// makes from `lenientString(ref, cached: false)`.
  private func lenientID<ID>(_ ref: JSONRef, _ packed: (UnsafeBufferPointer<UInt8>) -> ID?, _ text: (String) -> ID) -> ID? {
    packedID(ref, packed) ?? lenientString(ref, cached: false).map(text)
  }

  /// What `packed` reads from a string value's raw bytes, as written (an id has nothing to
  /// escape, so an escaped one is not read); nil for any other value.
  func packedID<ID>(_ ref: JSONRef, _ packed: (UnsafeBufferPointer<UInt8>) -> ID?) -> ID? {
    kind(ref) == .string ? withRawBytes(ref, packed) : nil
  }

  /// An RFC 3339 time from a string value, parsed straight from its bytes: a time has nothing to
  /// escape, so escaped text fails there and its decoded text is parsed instead (rare).
  func eventTime(_ ref: JSONRef) -> EventTime? {
    guard kind(ref) == .string else { return nil }
    if let parsed = withRawBytes(ref, { EventTime(utf8: $0) }) { return parsed }
    return string(ref).flatMap { EventTime(rfc3339: $0) }
  }

  /// An integer from a JSON integer, an integral JSON number (`9009.0`, as Sentinel's `_d`
  /// columns write it) or a string holding either.
  func lenientInt64(_ ref: JSONRef) -> Int64? {
    switch kind(ref) {
    case .number:
      if let value = int64(ref) { return value }
      return double(ref).flatMap(exactInteger)
    case .string:
      return parseLenientInteger(rawBytes(ref))
    default:
      return nil
    }
  }

  /// A finite double from a JSON number or a numeric string.
  func lenientDouble(_ ref: JSONRef) -> Double? {
    let value: Double?
    switch kind(ref) {
    case .number: value = double(ref)
    case .string: value = Double(String(decoding: trimmed(rawBytes(ref)), as: UTF8.self))
    default: value = nil
    }
    guard let value, value.isFinite else { return nil }
    return value
  }

  /// A boolean from `true`/`false`, the strings `"true"`/`"FALSE"`/`"1"`/`"0"`, or the numbers 1/0.
  func lenientBool(_ ref: JSONRef) -> Bool? {
    switch kind(ref) {
    case .bool:
      return bool(ref)
    case .number:
      switch int64(ref) {
      case 1: return true
      case 0: return false
      default: return nil
      }
    case .string:
      let raw = trimmed(rawBytes(ref))
      if asciiEqualsIgnoringCase(raw, "true") || asciiEqualsIgnoringCase(raw, "1") { return true }
      if asciiEqualsIgnoringCase(raw, "false") || asciiEqualsIgnoringCase(raw, "0") { return false }
      return nil
    default:
      return nil
    }
  }

  /// An autonomous system number written as `9009`, `"9009"`, `"AS9009"` or `"as 9009"`
  /// (see `usableASN`).
  func lenientASN(_ ref: JSONRef) -> UInt32? {
    let value: Int64?
    if kind(ref) == .string {
      var raw = trimmed(rawBytes(ref))
      if raw.count >= 2, raw[raw.startIndex] | 0x20 == UInt8(ascii: "a"), raw[raw.startIndex + 1] | 0x20 == UInt8(ascii: "s") {
        raw = trimmed(raw.dropFirst(2))
      }
      value = parseLenientInteger(raw)
    } else {
      value = lenientInt64(ref)
    }
    return usableASN(value)
  }
}

/// Whether a string value's text means "no value" to the lenient readers: `""`, or `"null"` in
/// any case (as Okta writes it).
@inline(__always) func meansNoValue(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
  // The length first, inline: a dozen values an event are read through here, and nearly none is
  // four bytes long.
  text.isEmpty || (text.count == 4 && asciiEqualsIgnoringCase(text, "null"))
}

/// An AS number as the lenient readers keep it: 1 to `UInt32.max`, since AS 0 is reserved for
/// "not routed" (RFC 7607) and reads as unknown.
@inline(__always) func usableASN(_ value: Int64?) -> UInt32? {
  guard let value, value > 0, value <= Int64(UInt32.max) else { return nil }
  return UInt32(value)
}

/// A JSON value together with the document it lives in. Log Analytics stores nested objects as
/// JSON text inside a string column; `nested(_:)` parses those into a document of their own, so a
/// normalizer reads `DeviceDetail.deviceId` the same way whether it arrived as an object or as text.
struct LenientView {
  /// The document, held once per record in a box every view of it shares. A view that held the
  /// document itself retained its two arrays on every copy, and an optional view (every nested
  /// object read) was destroyed through the runtime's generic value witness.
  private let box: DocumentBox
  let ref: JSONRef

  init(_ document: JSONDocument, _ ref: JSONRef) {
    self.init(box: DocumentBox(document), ref)
  }

  private init(box: DocumentBox, _ ref: JSONRef) {
    self.box = box
    self.ref = ref
  }

  /// Borrowed from the box, not copied out of it (a copy retained both arrays).
  var document: JSONDocument {
    _read { yield box.document }
  }

  func member(_ key: String) -> JSONRef? { document.member(ref, key) }
  func has(_ key: String) -> Bool { document.member(ref, key) != nil }
  func string(_ key: String) -> String? { string(member(key)) }
  func int64(_ key: String) -> Int64? { int64(member(key)) }
  func double(_ key: String) -> Double? { double(member(key)) }
  func bool(_ key: String) -> Bool? { bool(member(key)) }
  func asn(_ key: String) -> UInt32? { asn(member(key)) }
  /// True when `key` holds a string equal to `literal` (no allocation).
  func equals(_ key: String, _ literal: String) -> Bool { equals(member(key), literal) }
  /// An RFC 3339 time, parsed straight from the bytes when the string has no escapes.
  func time(_ key: String) -> EventTime? { time(member(key)) }

  // The same readings of a value already found (by `member`, or by a `FieldView`'s one pass).
  // Not `value.flatMap(document.lenientString)`: that partial application captures a copy of the
  // document, retaining and releasing its two arrays on every field read.
  func string(_ value: JSONRef?) -> String? { read(value) { document.lenientString($0) } }
  /// A record's id (see `JSONDocument.lenientEventID`).
  func eventID(_ value: JSONRef?) -> PackedEventID? { read(value) { document.lenientEventID($0) } }
  /// A token id (see `JSONDocument.lenientToken`).
  func token(_ value: JSONRef?) -> TokenKey? { read(value) { document.lenientToken($0) } }
  func int64(_ value: JSONRef?) -> Int64? { read(value) { document.lenientInt64($0) } }
  func double(_ value: JSONRef?) -> Double? { read(value) { document.lenientDouble($0) } }
  func bool(_ value: JSONRef?) -> Bool? { read(value) { document.lenientBool($0) } }
  func asn(_ value: JSONRef?) -> UInt32? { read(value) { document.lenientASN($0) } }

  @inline(__always) private func read<T>(_ value: JSONRef?, _ reading: (JSONRef) -> T?) -> T? {
    guard let value else { return nil }
    return reading(value)
  }

  func equals(_ value: JSONRef?, _ literal: String) -> Bool {
    guard let value else { return false }
    return document.stringEquals(value, literal)
  }

  func time(_ value: JSONRef?) -> EventTime? { value.flatMap { document.eventTime($0) } }

  func nested(_ value: JSONRef?) -> LenientView? {
    guard let value else { return nil }
    return container(value)
  }

  /// The object or array under `key`, or the object or array encoded as JSON text in a string
  /// under `key` (parsed into a second document). Nil for anything else, including bad JSON text.
  func nested(_ key: String) -> LenientView? { nested(member(key)) }

  /// `value` (of this view's document) itself if it is an object or array, or the container its
  /// JSON text encodes.
  func container(_ value: JSONRef) -> LenientView? {
    switch document.kind(value) {
    case .object, .array:
      return LenientView(box: box, value)
    case .string:
      let opensContainer = document.withRawBytes(value) { raw in
        guard let first = raw.first(where: { !isJSONWhitespace($0) }) else { return false }
        return first == UInt8(ascii: "{") || first == UInt8(ascii: "[")
      }
      guard opensContainer else { return nil }
      var inner = JSONDocument()
      do { try inner.parse(stringAt: value, of: document) } catch { return nil }
      return LenientView(inner, inner.root)
    default:
      return nil
    }
  }

  /// The elements of an array, each as a view (objects encoded as text are decoded too).
  var elements: [LenientView] {
    document.elements(ref).map(element)
  }

  /// Whether an element of the array satisfies `predicate`, without building the array of
  /// `elements` (an empty array of named networks on every Entra sign-in cost 530 instructions).
  func containsElement(where predicate: (LenientView) -> Bool) -> Bool {
    document.containsElement(ref) { predicate(element($0)) }
  }

  private func element(_ value: JSONRef) -> LenientView {
    container(value) ?? LenientView(box: box, value)
  }

  var isObject: Bool { document.kind(ref) == .object }
}

/// A document shared by the views of one record (see `LenientView`).
final class DocumentBox {
  let document: JSONDocument
  init(_ document: JSONDocument) { self.document = document }
}

/// An object whose fields were all found in one pass over it (`JSONKeyTable`), read by field.
/// `Field`'s raw values index the table's keys.
struct FieldView<Field: RawRepresentable> where Field.RawValue == Int {
  let view: LenientView
  private let members: JSONMembers

  /// Nil when `view` is not an object.
  init?(_ view: LenientView, _ table: JSONKeyTable) {
    guard let members = view.document.members(view.ref, table) else { return nil }
    self.view = view
    self.members = members
  }

  var document: JSONDocument { view.document }
  func member(_ field: Field) -> JSONRef? { members[field.rawValue] }
  func string(_ field: Field) -> String? { view.string(member(field)) }
  func eventID(_ field: Field) -> PackedEventID? { view.eventID(member(field)) }
  func token(_ field: Field) -> TokenKey? { view.token(member(field)) }
  func int64(_ field: Field) -> Int64? { view.int64(member(field)) }
  func bool(_ field: Field) -> Bool? { view.bool(member(field)) }
  func asn(_ field: Field) -> UInt32? { view.asn(member(field)) }
  func time(_ field: Field) -> EventTime? { view.time(member(field)) }
  func nested(_ field: Field) -> LenientView? { view.nested(member(field)) }
  /// A key of the table beyond `Field`'s cases (alternative spellings), by its table index.
  func string(at index: Int) -> String? { view.string(members[index]) }
}

// MARK: - Identity helpers

/// Login names compare case-insensitively everywhere we read them; store them lower-cased.
/// Returns the input untouched (no allocation) when it is already lower-case ASCII.
func lowercasedLogin(_ login: String) -> String {
  login.utf8.span.withUnsafeBytes(hasUpperCaseOrNonASCII) ? login.lowercased() : login
}

/// Whether any byte is `A`–`Z` or non-ASCII, 8 bytes at a time: this runs on every sign-in's
/// login name, and testing byte by byte cost about 12 instructions a byte.
func hasUpperCaseOrNonASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
  let ones: UInt64 = 0x0101_0101_0101_0101
  let high: UInt64 = 0x8080_8080_8080_8080
  // For an ASCII byte b, b + 0x3F sets the high bit when b >= "A" and b + 0x25 when b > "Z";
  // neither sum carries into the next byte. A non-ASCII byte is caught by the high bit itself.
  @inline(__always) func flags(_ word: UInt64) -> UInt64 {
    (word | ((word &+ 0x3F &* ones) & ~(word &+ 0x25 &* ones))) & high
  }
  var i = 0
  while i &+ 8 <= bytes.count {
    if flags(bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)) != 0 { return true }
    i &+= 8
  }
  while i < bytes.count {
    let byte = bytes[i]
    if byte >= 0x80 || byte &- UInt8(ascii: "A") < 26 { return true }
    i &+= 1
  }
  return false
}

/// Entra's `uniqueTokenIdentifier` is the sign-in request `id` re-encoded: the GUID's .NET
/// byte order (first three groups little-endian) in base64url without padding, 22 characters.
/// `38613d07-3d8f-4d59-ab7a-aa4bd76d5f00` → `Bz1hOI89WU2reqpL121fAA`. Nil when `id` is not a GUID.
func uniqueTokenIdentifier(fromSignInID id: String) -> String? {
  var bytes: [UInt8] = []
  bytes.reserveCapacity(16)
  var high: UInt8?
  var utf8 = Substring(id).utf8[...]
  if utf8.first == UInt8(ascii: "{"), utf8.last == UInt8(ascii: "}") { utf8 = utf8.dropFirst().dropLast() }
  guard utf8.count == 36 else { return nil }
  for (offset, byte) in utf8.enumerated() {
    if offset == 8 || offset == 13 || offset == 18 || offset == 23 {
      guard byte == UInt8(ascii: "-") else { return nil }
      continue
    }
    guard let nibble = hexNibble(byte) else { return nil }
    if let h = high {
      bytes.append(h << 4 | nibble)
      high = nil
    } else {
      high = nibble
    }
  }
  // Data1 (4 bytes), Data2 and Data3 (2 bytes each) are stored little-endian by .NET.
  bytes.swapAt(0, 3)
  bytes.swapAt(1, 2)
  bytes.swapAt(4, 5)
  bytes.swapAt(6, 7)
  return Base64URL.encode(bytes)
}


private let base64URLAlphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

// MARK: - Byte-level helpers

private func isJSONWhitespace(_ byte: UInt8) -> Bool {
  byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
}

private func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
  var slice = bytes
  while let first = slice.first, isJSONWhitespace(first) { slice = slice.dropFirst() }
  while let last = slice.last, isJSONWhitespace(last) { slice = slice.dropLast() }
  return slice
}

/// Compares bytes to an ASCII literal ignoring letter case.
func asciiEqualsIgnoringCase<Bytes: Collection<UInt8>>(_ bytes: Bytes, _ literal: StaticString) -> Bool {
  guard bytes.count == literal.utf8CodeUnitCount else { return false }
  let base = literal.utf8Start
  var i = 0
  for byte in bytes {
    let expected = base[i]
    if byte != expected {
      let lower = byte | 0x20
      guard lower == expected | 0x20, (lower &- UInt8(ascii: "a")) < 26 else { return false }
    }
    i += 1
  }
  return true
}

/// An integer from text: optional spaces, then digits, or a number with an all-zero fraction.
private func parseLenientInteger(_ bytes: ArraySlice<UInt8>) -> Int64? {
  let text = trimmed(bytes)
  guard !text.isEmpty else { return nil }
  if let value = text.withUnsafeBufferPointer({ parseInteger($0) }) { return value }
  return Double(String(decoding: text, as: UTF8.self)).flatMap(exactInteger)
}

private func exactInteger(_ value: Double) -> Int64? {
  guard value.isFinite, value.rounded() == value, abs(value) < 9.0e18 else { return nil }
  return Int64(value)
}
