/// The byte-level encoding of checkpoints: a compact, deterministic binary format with no
/// self-description (the file's format version says how to read it).
///
/// - unsigned integers: LEB128 varints; signed integers: zigzag, then LEB128
/// - `Double`: its IEEE 754 bit pattern, 8 bytes little-endian (so -0.0 and NaN payloads survive)
/// - `Bool`, optional presence: one byte, 0 or 1
/// - `String`: one varint `v`, then: `v & 3 == 0`: a literal of `v >> 2` UTF-8 bytes;
///   `v & 3 == 1`: the same, and the string joins the table of shared strings; `v & 3 == 2`:
///   shared string number `v >> 2`. A state repeats the same user ids, session ids and user
///   agents thousands of times, so this shrinks a checkpoint several times over (and the
///   restored records share one copy of each).
/// - arrays: element count, then the elements
/// - enums: an explicit, stable one-byte code per case (never the declaration order)
///
/// The reader is bounds-checked throughout: truncation, a count larger than the bytes left,
/// an unknown enum code or invalid UTF-8 throw `CheckpointError`; nothing traps, and nothing is
/// allocated from a count before the bytes to fill it have been seen.

/// Why a checkpoint could not be read. `reason` is a complete sentence for the operator.
public struct CheckpointError: Error, CustomStringConvertible, Sendable, Equatable {
  public enum Kind: Sendable, Equatable {
    /// The file does not start with the checkpoint magic.
    case notACheckpoint
    /// Written by a build with another format version.
    case unsupportedVersion(UInt32)
    /// Shorter than its header says.
    case truncated
    /// Checksum mismatch, or a payload that does not decode.
    case corrupt
  }

  public var kind: Kind
  public var reason: String
  /// The byte offset in the file (or in the payload being decoded) where the problem was found.
  public var offset: Int

  public init(_ kind: Kind, _ reason: String, offset: Int) {
    self.kind = kind
    self.reason = reason
    self.offset = offset
  }

  public var description: String { reason }
}

public struct CheckpointWriter: Sendable {
  public private(set) var bytes: [UInt8] = []
  /// Strings written so far that a later occurrence can refer to, with their numbers.
  private var shared: [String: UInt64] = [:]
  /// Strings this short are always written out (a reference would save nothing).
  static let shortestShared = 3

  public init() {}

  public mutating func reserve(_ count: Int) { bytes.reserveCapacity(count) }

  public mutating func u8(_ value: UInt8) { bytes.append(value) }

  public mutating func varint(_ value: UInt64) {
    var v = value
    while v >= 0x80 {
      bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
      v >>= 7
    }
    bytes.append(UInt8(v))
  }

  public mutating func int64(_ value: Int64) {
    varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
  }

  public mutating func int(_ value: Int) { int64(Int64(value)) }

  /// Fixed width, little-endian.
  public mutating func fixed64(_ value: UInt64) {
    for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
  }

  /// Fixed width, little-endian.
  public mutating func fixed32(_ value: UInt32) {
    for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
  }

  public mutating func double(_ value: Double) { fixed64(value.bitPattern) }

  public mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }

  /// A string, written once and referred to after that.
  public mutating func string(_ value: String) { string(value, share: true) }

  /// A string that will not repeat (a store's key): referred to if it was seen before, but not
  /// remembered, so unique keys do not fill the table.
  public mutating func uniqueString(_ value: String) { string(value, share: false) }

  private mutating func string(_ value: String, share: Bool) {
    let utf8 = value.utf8
    guard utf8.count >= Self.shortestShared else {
      varint(UInt64(utf8.count) << 2)
      bytes.append(contentsOf: utf8)
      return
    }
    if let number = shared[value] {
      varint(number << 2 | 2)
      return
    }
    if share { shared[value] = UInt64(shared.count) }
    varint(UInt64(utf8.count) << 2 | (share ? 1 : 0))
    bytes.append(contentsOf: utf8)
  }

  public mutating func raw(_ value: [UInt8]) { bytes.append(contentsOf: value) }

  public mutating func write<T: CheckpointCodable>(_ value: T) { value.write(to: &self) }

  /// A count for a sequence that follows.
  public mutating func count(_ n: Int) { varint(UInt64(n)) }
}

public struct CheckpointReader: Sendable {
  public let bytes: [UInt8]
  public private(set) var position: Int
  private let end: Int
  /// Added to positions in error offsets (where the payload starts in the file).
  private let base: Int
  /// The shared strings read so far, by number.
  private var shared: [String] = []

  public init(_ bytes: [UInt8], range: Range<Int>? = nil, baseOffset: Int = 0) {
    self.bytes = bytes
    let range = (range ?? 0..<bytes.count).clamped(to: 0..<bytes.count)
    position = range.lowerBound
    end = range.upperBound
    base = baseOffset
  }

  public var remaining: Int { end - position }
  public var isAtEnd: Bool { position == end }

  /// A "corrupt" error at the current position.
  public func corrupt(_ what: String) -> CheckpointError {
    CheckpointError(.corrupt, "checkpoint is corrupt: \(what) at byte \(base + position)", offset: base + position)
  }

  /// A "corrupt" error about the value that starts at `offset` (the reader moves back to it).
  mutating func corrupt(_ what: String, at offset: Int) -> CheckpointError {
    position = offset
    return corrupt(what)
  }

  private func truncated(_ what: String) -> CheckpointError {
    CheckpointError(.corrupt, "checkpoint is corrupt: payload ends in the middle of \(what) at byte \(base + position)", offset: base + position)
  }

  public mutating func u8() throws(CheckpointError) -> UInt8 {
    guard position < end else { throw truncated("a value") }
    defer { position += 1 }
    return bytes[position]
  }

  public mutating func varint() throws(CheckpointError) -> UInt64 {
    var result: UInt64 = 0
    var shift: UInt64 = 0
    while true {
      guard position < end else { throw truncated("a number") }
      let byte = bytes[position]
      if shift == 63, byte > 1 { throw corrupt("number too large") }
      position += 1
      result |= UInt64(byte & 0x7F) << shift
      if byte & 0x80 == 0 { return result }
      shift += 7
    }
  }

  public mutating func int64() throws(CheckpointError) -> Int64 {
    let raw = try varint()
    return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
  }

  public mutating func int() throws(CheckpointError) -> Int {
    let value = try int64()
    guard let result = Int(exactly: value) else { throw corrupt("number out of range") }
    return result
  }

  /// A non-negative integer (a counter).
  public mutating func natural() throws(CheckpointError) -> Int {
    let value = try int()
    guard value >= 0 else { throw corrupt("negative count \(value)") }
    return value
  }

  public mutating func uint32() throws(CheckpointError) -> UInt32 {
    let value = try varint()
    guard let result = UInt32(exactly: value) else { throw corrupt("number \(value) does not fit 32 bits") }
    return result
  }

  public mutating func fixed64() throws(CheckpointError) -> UInt64 {
    guard remaining >= 8 else { throw truncated("a fixed-width number") }
    var value: UInt64 = 0
    for i in 0..<8 { value |= UInt64(bytes[position + i]) << UInt64(8 * i) }
    position += 8
    return value
  }

  public mutating func fixed32() throws(CheckpointError) -> UInt32 {
    guard remaining >= 4 else { throw truncated("a fixed-width number") }
    var value: UInt32 = 0
    for i in 0..<4 { value |= UInt32(bytes[position + i]) << UInt32(8 * i) }
    position += 4
    return value
  }

  public mutating func double() throws(CheckpointError) -> Double { Double(bitPattern: try fixed64()) }

  public mutating func bool() throws(CheckpointError) -> Bool {
    switch try u8() {
    case 0: return false
    case 1: return true
    case let other:
      position -= 1
      throw corrupt("invalid boolean \(other)")
    }
  }

  public mutating func string() throws(CheckpointError) -> String {
    let at = position
    let tag = try varint()
    let value = tag >> 2
    switch tag & 3 {
    case 0, 1:
      guard value <= UInt64(remaining) else {
        let left = remaining
        position = at
        throw corrupt("string of \(value) bytes exceeds the \(left) bytes left")
      }
      let start = position
      guard let text = String(validating: bytes[start..<start + Int(value)], as: UTF8.self) else {
        position = at
        throw corrupt("invalid UTF-8 in a string")
      }
      position += Int(value)
      if tag & 3 == 1 { shared.append(text) }
      return text
    case 2:
      guard value < UInt64(shared.count) else {
        position = at
        throw corrupt("reference to shared string \(value) of \(shared.count)")
      }
      return shared[Int(value)]
    default:
      position = at
      throw corrupt("invalid string tag \(tag & 3)")
    }
  }

  public mutating func raw(_ length: Int) throws(CheckpointError) -> ArraySlice<UInt8> {
    guard length >= 0, length <= remaining else { throw truncated("raw bytes") }
    defer { position += length }
    return bytes[position..<position + length]
  }

  /// A count of elements that each take at least `minimumElementBytes` bytes: a count the bytes
  /// left cannot hold is corrupt (so a flipped count never allocates a huge array).
  public mutating func count(minimumElementBytes: Int = 1) throws(CheckpointError) -> Int {
    let at = position
    let raw = try varint()
    guard raw <= UInt64(remaining / max(minimumElementBytes, 1)) else {
      let left = remaining
      position = at
      throw corrupt("count \(raw) exceeds the \(left) bytes left")
    }
    return Int(raw)
  }

  public mutating func read<T: CheckpointCodable>(_: T.Type = T.self) throws(CheckpointError) -> T {
    try T(from: &self)
  }

  /// Throws with `what` when `code` is not a known enum code (the reader points at the code).
  public mutating func unknown(_ what: String, _ code: UInt8) -> CheckpointError {
    position -= 1
    return corrupt("unknown \(what) code \(code)")
  }
}

/// A value that can be written into a checkpoint and read back exactly.
public protocol CheckpointCodable {
  func write(to writer: inout CheckpointWriter)
  init(from reader: inout CheckpointReader) throws(CheckpointError)
}

// MARK: - Scalars and containers

extension String: CheckpointCodable {
  public func write(to writer: inout CheckpointWriter) { writer.string(self) }
  public init(from reader: inout CheckpointReader) throws(CheckpointError) { self = try reader.string() }
}

extension Bool: CheckpointCodable {
  public func write(to writer: inout CheckpointWriter) { writer.bool(self) }
  public init(from reader: inout CheckpointReader) throws(CheckpointError) { self = try reader.bool() }
}

extension Double: CheckpointCodable {
  public func write(to writer: inout CheckpointWriter) { writer.double(self) }
  public init(from reader: inout CheckpointReader) throws(CheckpointError) { self = try reader.double() }
}

extension Int: CheckpointCodable {
  public func write(to writer: inout CheckpointWriter) { writer.int(self) }
  public init(from reader: inout CheckpointReader) throws(CheckpointError) { self = try reader.int() }
}

extension Int64: CheckpointCodable {
  public func write(to writer: inout CheckpointWriter) { writer.int64(self) }
  public init(from reader: inout CheckpointReader) throws(CheckpointError) { self = try reader.int64() }
}

extension UInt64: CheckpointCodable {
  public func write(to writer: inout CheckpointWriter) { writer.varint(self) }
  public init(from reader: inout CheckpointReader) throws(CheckpointError) { self = try reader.varint() }
}

extension UInt32: CheckpointCodable {
  public func write(to writer: inout CheckpointWriter) { writer.varint(UInt64(self)) }
  public init(from reader: inout CheckpointReader) throws(CheckpointError) { self = try reader.uint32() }
}

extension Optional: CheckpointCodable where Wrapped: CheckpointCodable {
  public func write(to writer: inout CheckpointWriter) {
    if let value = self {
      writer.u8(1)
      value.write(to: &writer)
    } else {
      writer.u8(0)
    }
  }

  public init(from reader: inout CheckpointReader) throws(CheckpointError) {
    switch try reader.u8() {
    case 0: self = nil
    case 1: self = try Wrapped(from: &reader)
    case let other: throw reader.unknown("optional presence", other)
    }
  }
}

extension Array: CheckpointCodable where Element: CheckpointCodable {
  public func write(to writer: inout CheckpointWriter) {
    writer.count(count)
    for element in self { element.write(to: &writer) }
  }

  public init(from reader: inout CheckpointReader) throws(CheckpointError) {
    let n = try reader.count()
    self = []
    // Capacity grows with what was actually read, not with what the count claims.
    reserveCapacity(Swift.min(n, 1024))
    for _ in 0..<n { append(try Element(from: &reader)) }
  }
}

/// `[String: V]` as a key-sorted list, so equal dictionaries always encode to equal bytes.
extension CheckpointWriter {
  public mutating func dictionary<V: CheckpointCodable>(_ value: [String: V]) {
    count(value.count)
    for key in value.keys.sorted() {
      string(key)
      value[key]!.write(to: &self)
    }
  }
}

extension CheckpointReader {
  /// Reads what `CheckpointWriter.dictionary` wrote; a repeated key is corrupt.
  public mutating func dictionary<V: CheckpointCodable>(_: V.Type = V.self) throws(CheckpointError) -> [String: V] {
    let n = try count(minimumElementBytes: 2)
    var result: [String: V] = [:]
    result.reserveCapacity(Swift.min(n, 1024))
    for _ in 0..<n {
      let at = position
      let key = try string()
      let value = try V(from: &self)
      guard result.updateValue(value, forKey: key) == nil else {
        position = at
        throw corrupt("repeated key \"\(key)\"")
      }
    }
    return result
  }
}

// MARK: - Records, field by field

/// Walks a record's stored properties in checkpoint order. A record lists its fields once, in a
/// `checkpointFields(_:)` method; `CheckpointWriter` walks it to write them and
/// `CheckpointReader` to read them back, so the two can never disagree on order or encoding.
/// (The writer's `Failure` is `Never`: writing needs no `try`.)
protocol CheckpointFieldVisitor {
  associatedtype Failure: Error
  mutating func field<V: CheckpointCodable>(_ value: inout V) throws(Failure)
  /// A non-negative counter (an `Int`, read with `natural()`).
  mutating func naturalField(_ value: inout Int) throws(Failure)
  /// A `[String: V]`, key-sorted (see `CheckpointWriter.dictionary`).
  mutating func dictionaryField<V: CheckpointCodable>(_ value: inout [String: V]) throws(Failure)
  /// A string kept as its number in `strings`, written as the `String?` it stands for (so the
  /// file never depends on how strings happened to be numbered).
  mutating func stringField(_ id: inout InternedString, in strings: inout StringInterner) throws(Failure)
  /// A field kept in a compact form and written in a plain one, `V`: `plain` gives the value to
  /// write; `restore` takes the value read and returns false if the compact form cannot hold it
  /// (the checkpoint is then corrupt: `what` names the field in the error).
  mutating func plainField<V: CheckpointCodable>(_ what: String, _ plain: () -> V, restore: (V) -> Bool) throws(Failure)
}

extension CheckpointWriter: CheckpointFieldVisitor {
  typealias Failure = Never
  mutating func field<V: CheckpointCodable>(_ value: inout V) { value.write(to: &self) }
  mutating func naturalField(_ value: inout Int) { int(value) }
  mutating func dictionaryField<V: CheckpointCodable>(_ value: inout [String: V]) { dictionary(value) }
  mutating func stringField(_ id: inout InternedString, in strings: inout StringInterner) { write(strings[id]) }
  mutating func plainField<V: CheckpointCodable>(_ what: String, _ plain: () -> V, restore: (V) -> Bool) { write(plain()) }
}

extension CheckpointReader: CheckpointFieldVisitor {
  typealias Failure = CheckpointError
  mutating func field<V: CheckpointCodable>(_ value: inout V) throws(CheckpointError) { value = try V(from: &self) }
  mutating func naturalField(_ value: inout Int) throws(CheckpointError) { value = try natural() }
  mutating func dictionaryField<V: CheckpointCodable>(_ value: inout [String: V]) throws(CheckpointError) {
    value = try dictionary(V.self)
  }
  mutating func stringField(_ id: inout InternedString, in strings: inout StringInterner) throws(CheckpointError) {
    id = strings.intern(try read(String?.self))
  }
  mutating func plainField<V: CheckpointCodable>(_ what: String, _ plain: () -> V, restore: (V) -> Bool) throws(CheckpointError) {
    let at = position
    guard restore(try V(from: &self)) else { throw corrupt("\(what) out of range", at: at) }
  }
}

/// A value whose fields are listed once, in `checkpointFields`, for writing and for reading alike
/// (see `CheckpointFieldVisitor`); conforming gives it `CheckpointCodable`.
protocol FieldwiseCheckpointCodable: CheckpointCodable {
  init()
  mutating func checkpointFields<F: CheckpointFieldVisitor>(_ f: inout F) throws(F.Failure)
}

extension FieldwiseCheckpointCodable {
  public func write(to writer: inout CheckpointWriter) {
    var copy = self
    copy.checkpointFields(&writer)
  }

  public init(from reader: inout CheckpointReader) throws(CheckpointError) {
    self.init()
    try checkpointFields(&reader)
  }
}

/// A record that holds strings as numbers in the engine's `StringInterner`: written with the
/// strings themselves, read back by interning them.
protocol InternedCheckpointCodable {
  init()
  /// Lists the fields once, for writing and for reading alike (see `CheckpointFieldVisitor`).
  mutating func checkpointFields<F: CheckpointFieldVisitor>(_ f: inout F, strings: inout StringInterner) throws(F.Failure)
}

extension InternedCheckpointCodable {
  func write(to writer: inout CheckpointWriter, strings: StringInterner) {
    var (copy, strings) = (self, strings)
    copy.checkpointFields(&writer, strings: &strings)
  }

  init(from reader: inout CheckpointReader, strings: inout StringInterner) throws(CheckpointError) {
    self.init()
    try checkpointFields(&reader, strings: &strings)
  }
}

// MARK: - Model values

extension EventTime: CheckpointCodable {
  public func write(to writer: inout CheckpointWriter) { writer.int64(millis) }
  public init(from reader: inout CheckpointReader) throws(CheckpointError) { self.init(millis: try reader.int64()) }
}

/// Written as the `EventTime?` it stands for; the one time it cannot hold is refused.
extension OptionalEventTime: CheckpointCodable {
  public func write(to writer: inout CheckpointWriter) { writer.write(value) }

  public init(from reader: inout CheckpointReader) throws(CheckpointError) {
    let at = reader.position
    let time: EventTime? = try reader.read()
    guard time?.millis != OptionalEventTime.absentMillis else { throw reader.corrupt("time out of range", at: at) }
    self.init(time)
  }
}

extension Duration: CheckpointCodable {
  public func write(to writer: inout CheckpointWriter) { writer.int64(millis) }
  public init(from reader: inout CheckpointReader) throws(CheckpointError) { self.init(millis: try reader.int64()) }
}

// Enum codes are fixed forever: a new case takes a new code, a removed case retires its code.

/// A payload-free enum written as one byte: an explicit, stable code per case, listed once in
/// `checkpointCodes` (which drives both writing and reading). Enums with payloads keep their own
/// `write`/`init(from:)`.
///
/// The table is not checked by the compiler for exhaustiveness: writing a case without a code
/// traps, and for `CaseIterable` enums a debug assertion checks the table covers every case.
/// Non-`CaseIterable` enums (`Outcome`, `ActorType`) rely on the pinned-code test.
public protocol CheckpointCodedEnum: CheckpointCodable, Equatable {
  /// Every case with its code; codes are distinct and never reused.
  static var checkpointCodes: [(Self, UInt8)] { get }
  /// What the enum is called in "unknown … code" errors.
  static var checkpointName: String { get }
  /// Whether `checkpointCodes` covers every case (known only for `CaseIterable` enums).
  static var checkpointCodesCoverAllCases: Bool { get }
}

extension CheckpointCodedEnum {
  public static var checkpointCodesCoverAllCases: Bool { true }

  public func write(to writer: inout CheckpointWriter) {
    assert(Self.checkpointCodesCoverAllCases, "\(Self.self).checkpointCodes misses a case")
    for (value, code) in Self.checkpointCodes where value == self {
      writer.u8(code)
      return
    }
    preconditionFailure("\(Self.self).\(self) has no checkpoint code")
  }

  public init(from reader: inout CheckpointReader) throws(CheckpointError) {
    let code = try reader.u8()
    for (value, known) in Self.checkpointCodes where known == code {
      self = value
      return
    }
    throw reader.unknown(Self.checkpointName, code)
  }
}

extension CheckpointCodedEnum where Self: CaseIterable {
  public static var checkpointCodesCoverAllCases: Bool {
    allCases.allSatisfy { value in checkpointCodes.contains { $0.0 == value } }
  }
}

extension InputFormat: CheckpointCodedEnum {
  public static let checkpointName = "input format"
  public static let checkpointCodes: [(InputFormat, UInt8)] = [(.entra, 1), (.graph, 2), (.okta, 3), (.native, 4)]
}

extension EventKind: CheckpointCodedEnum {
  public static let checkpointName = "event kind"
  public static let checkpointCodes: [(EventKind, UInt8)] = [
    (.signIn, 1), (.access, 2), (.tokenIssued, 3), (.sessionEnd, 4), (.tokenRevoked, 5), (.userDisabled, 6),
    (.userEnabled, 7), (.taskEnd, 8), (.other, 9),
  ]
}

extension Outcome: CheckpointCodedEnum {
  public static let checkpointName = "outcome"
  public static let checkpointCodes: [(Outcome, UInt8)] = [(.success, 1), (.failure, 2), (.unknown, 3)]
}

extension ActorType: CheckpointCodedEnum {
  public static let checkpointName = "actor type"
  public static let checkpointCodes: [(ActorType, UInt8)] = [(.human, 1), (.agent, 2), (.service, 3), (.unknown, 4)]
}

extension FindingSubject: CheckpointCodable {
  public func write(to writer: inout CheckpointWriter) {
    switch self {
    case .token(let id): writer.u8(1); writer.string(id)
    case .session(let id): writer.u8(2); writer.string(id)
    case .user(let id): writer.u8(3); writer.string(id)
    }
  }

  public init(from reader: inout CheckpointReader) throws(CheckpointError) {
    switch try reader.u8() {
    case 1: self = .token(try reader.string())
    case 2: self = .session(try reader.string())
    case 3: self = .user(try reader.string())
    case let code: throw reader.unknown("finding subject", code)
    }
  }
}

extension IPAddress: CheckpointCodable {
  init(high: UInt64, low: UInt64) {
    self.high = high
    self.low = low
  }

  public func write(to writer: inout CheckpointWriter) {
    writer.fixed64(high)
    writer.fixed64(low)
  }

  public init(from reader: inout CheckpointReader) throws(CheckpointError) {
    let high = try reader.fixed64()
    self.init(high: high, low: try reader.fixed64())
  }
}

extension NetworkKey: CheckpointCodable {
  public func write(to writer: inout CheckpointWriter) {
    switch self {
    case .asn(let n): writer.u8(1); writer.varint(UInt64(n))
    case .prefix(let address): writer.u8(2); address.write(to: &writer)
    }
  }

  public init(from reader: inout CheckpointReader) throws(CheckpointError) {
    switch try reader.u8() {
    case 1: self = .asn(try reader.uint32())
    case 2: self = .prefix(try IPAddress(from: &reader))
    case let code: throw reader.unknown("network key", code)
    }
  }
}

extension NormalizedEvent: CheckpointCodable {
  public func write(to w: inout CheckpointWriter) {
    w.write(time)
    w.write(format)
    w.write(sourceDetail)
    w.write(kind)
    w.write(outcome)
    w.write(errorCode)
    w.write(user)
    w.write(upn)
    w.write(actor)
    w.write(token)
    w.write(session)
    w.write(task)
    w.write(app)
    w.write(issuer)
    w.write(issuerType)
    w.write(ip)
    w.write(asn)
    w.write(country)
    w.write(city)
    w.write(latitude)
    w.write(longitude)
    w.write(userAgent)
    w.write(device)
    w.write(bound)
    w.write(trustedNetwork)
    w.write(interactive)
    w.write(tokenIssuedAt)
    w.write(eventID)
  }

  public init(from r: inout CheckpointReader) throws(CheckpointError) {
    let time: EventTime = try r.read()
    let format: InputFormat = try r.read()
    let sourceDetail: String = try r.read()
    let kind: EventKind = try r.read()
    self.init(time: time, format: format, sourceDetail: sourceDetail, kind: kind)
    outcome = try r.read()
    errorCode = try r.read()
    user = try r.read()
    upn = try r.read()
    actor = try r.read()
    token = try r.read()
    session = try r.read()
    task = try r.read()
    app = try r.read()
    issuer = try r.read()
    issuerType = try r.read()
    ip = try r.read()
    asn = try r.read()
    country = try r.read()
    city = try r.read()
    latitude = try r.read()
    longitude = try r.read()
    userAgent = try r.read()
    device = try r.read()
    bound = try r.read()
    trustedNetwork = try r.read()
    interactive = try r.read()
    tokenIssuedAt = try r.read()
    eventID = try r.read()
  }
}

// MARK: - State records

extension UseSnapshot: CheckpointCodable {
  init(time: EventTime, ip: String?, asn: UInt32?, country: String?, city: String?, userAgent: String?, device: String?) {
    self.time = time
    self.ip = ip
    self.asn = asn
    self.country = country
    self.city = city
    self.userAgent = userAgent
    self.device = device
  }

  public func write(to w: inout CheckpointWriter) {
    w.write(time)
    w.write(ip)
    w.write(asn)
    w.write(country)
    w.write(city)
    w.write(userAgent)
    w.write(device)
  }

  public init(from r: inout CheckpointReader) throws(CheckpointError) {
    self.init(
      time: try r.read(), ip: try r.read(), asn: try r.read(), country: try r.read(), city: try r.read(),
      userAgent: try r.read(), device: try r.read())
  }
}

extension NetworkBaseline {
  /// The same bytes as the plain form it replaced: networks, countries, first use, last inside
  /// and outside use.
  mutating func checkpointFields<F: CheckpointFieldVisitor>(_ f: inout F, strings: inout StringInterner) throws(F.Failure) {
    try f.plainField("network prefix", { networks }, restore: { restoreNetworks($0) })
    try f.plainField("countries", { countries(in: strings) }, restore: { restoreCountries($0, strings: &strings) })
    try f.plainField("first use time", { first(in: strings) }, restore: { restoreFirst($0, strings: &strings) })
    try f.field(&$lastInsideUse)
    try f.field(&$lastOutsideUse)
  }
}

extension GeoPoint: CheckpointCodable {
  public func write(to w: inout CheckpointWriter) {
    w.write(time)
    w.write(latitude)
    w.write(longitude)
    w.write(city)
    w.write(country)
    w.write(ip)
  }

  public init(from r: inout CheckpointReader) throws(CheckpointError) {
    self.init(time: try r.read(), latitude: try r.read(), longitude: try r.read(), city: try r.read(), country: try r.read(), ip: try r.read())
  }
}

extension RiskState: FieldwiseCheckpointCodable {
  mutating func checkpointFields<F: CheckpointFieldVisitor>(_ f: inout F) throws(F.Failure) {
    try f.dictionaryField(&contributions)
    try f.field(&updatedAt)
    try f.field(&recentAlerts)
    try f.field(&recentRules)
    try f.field(&tokens)
    try f.field(&sessions)
  }
}

extension TokenRecord: InternedCheckpointCodable {
  mutating func checkpointFields<F: CheckpointFieldVisitor>(_ f: inout F, strings: inout StringInterner) throws(F.Failure) {
    try f.stringField(&user, in: &strings)
    try f.field(&firstSeen)
    try f.field(&$lastUse)
    try f.field(&issued)
    try f.stringField(&task, in: &strings)
    try f.stringField(&session, in: &strings)
    try f.field(&$revokedAt)
    try baseline.checkpointFields(&f, strings: &strings)
    // Written as the `[GeoPoint]` it was before it was kept compact.
    try f.plainField("token trail", { trail.geoPoints(in: strings) }, restore: { points in
      trail = TokenTrail(restoring: points, strings: &strings)
      return true
    })
  }
}

extension SessionRecord: InternedCheckpointCodable {
  mutating func checkpointFields<F: CheckpointFieldVisitor>(_ f: inout F, strings: inout StringInterner) throws(F.Failure) {
    try f.stringField(&user, in: &strings)
    try f.field(&firstSeen)
    try f.field(&$lastUse)
    try f.field(&$endedAt)
    try f.field(&$revokedAt)
    try baseline.checkpointFields(&f, strings: &strings)
  }
}

extension UserRecord: FieldwiseCheckpointCodable {
  mutating func checkpointFields<F: CheckpointFieldVisitor>(_ f: inout F) throws(F.Failure) {
    try f.field(&upn)
    try f.field(&actor)
    try f.field(&disabledAt)
    try f.field(&revokedBefore)
    try f.field(&firstSignIn)
    try f.field(&lastSignIn)
    try f.field(&trail)
    try f.field(&risk)
  }
}

extension TaskRecord: FieldwiseCheckpointCodable {
  mutating func checkpointFields<F: CheckpointFieldVisitor>(_ f: inout F) throws(F.Failure) {
    try f.field(&user)
    try f.field(&endedAt)
  }
}

extension DomainRecord: FieldwiseCheckpointCodable {
  mutating func checkpointFields<F: CheckpointFieldVisitor>(_ f: inout F) throws(F.Failure) {
    try f.field(&firstSeen)
    try f.field(&issuers)
  }
}

extension AddressEnricher.Info: FieldwiseCheckpointCodable {
  mutating func checkpointFields<F: CheckpointFieldVisitor>(_ f: inout F) throws(F.Failure) {
    try f.field(&asn)
    try f.field(&country)
  }
}

extension SuppressionWindow: CheckpointCodable {
  func write(to w: inout CheckpointWriter) {
    w.write(alertID)
    w.write(rule)
    w.write(subject)
    w.write(user)
    w.write(count)
    w.write(first)
    w.write(last)
    w.write(end)
  }

  init(from r: inout CheckpointReader) throws(CheckpointError) {
    self.init(
      alertID: try r.read(), rule: try r.read(), subject: try r.read(), user: try r.read(), count: try r.read(),
      first: try r.read(), last: try r.read(), end: try r.read())
  }
}
