import TokenWatchJSON

/// Entra sign-ins in the diagnostic-record shape (`{time, category, properties:{…}}`, what
/// storage exports carry one to a line and Event Hub in `{"records":[…]}` batches), read in one
/// strict pass over the line's bytes (`JSONSkimmer`) instead of through a parsed document, its
/// views and its key lookups.
///
/// It reads a record only when everything that decides the result is plain: one top-level
/// object with a sign-in `category` and a `properties` object, no escaped or repeated keys in the
/// objects it looks into, no top-level key another format or an envelope is told apart by, and
/// each field it reads of the type sign-in logs write. For anything else, invalid JSON included,
/// it returns false and the line takes the document path (`NormalizerRegistry`), which produces
/// the event or the diagnostic. Where it does read a record, it reads it as
/// `EntraSignInNormalizer` does, field for field; tests hold the two paths to the same events.
public enum EntraSignInFastPath {
  /// Decodes `line` and passes `emit` the event and the record's bytes (what its tie-break is
  /// hashed from); false, with nothing emitted, when the line needs the document path. Strings
  /// that repeat from record to record come through `strings` when given, and keys that come in
  /// the order of the last record are recognised through `keyOrder` (made by `makeKeyOrder`).
  public static func decode(
    _ line: UnsafeBufferPointer<UInt8>, strings: JSONStringCache?, keyOrder: JSONKeyOrder? = nil,
    _ emit: (consuming NormalizedEvent, UnsafeRawBufferPointer) -> Void
  ) -> Bool {
    guard let base = line.baseAddress else { return false }
    let text = Text(base: base, strings: strings.map { Unmanaged.passUnretained($0) })
    var reader = JSONSkimmer(line)
    let walk = Walk(line: line, order: keyOrder.map { Unmanaged.passUnretained($0) })
    if startsBatch(line) { return decodeBatch(&reader, walk, text, emit) }
    var found = Found()
    guard walkRecord(&reader, walk, depth: 0, into: &found), reader.atEnd() else { return false }
    let event: NormalizedEvent
    do {
      event = try build(found, text)
    } catch {
      return false
    }
    emit(consume event, UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(line)[found.recordStart..<found.recordEnd]))
    return true
  }

  /// Whether the line opens with `{"records":`, an Event Hub batch (which has no other member).
  private static func startsBatch(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
    let key: StaticString = #""records""#
    var i = 0
    while i < line.count, line[i] == 0x20 || line[i] == 0x09 { i += 1 }
    guard i < line.count, line[i] == UInt8(ascii: "{") else { return false }
    i += 1
    while i < line.count, line[i] == 0x20 || line[i] == 0x09 { i += 1 }
    return line.count - i >= key.utf8CodeUnitCount && memoryEquals(key.utf8Start, line.baseAddress! + i, key.utf8CodeUnitCount)
  }

  /// `{"records":[…]}` with only sign-ins the fast path reads, each emitted with its own bytes;
  /// nothing is emitted unless all of them are read (the document path then reads the line).
  private static func decodeBatch(
    _ reader: inout JSONSkimmer, _ walk: Walk, _ text: Text,
    _ emit: (consuming NormalizedEvent, UnsafeRawBufferPointer) -> Void
  ) -> Bool {
    guard reader.openObject(depth: 0), case .key(_, _, false)? = reader.nextKey(), reader.openArray(depth: 1) else { return false }
    var records: [(event: NormalizedEvent, bytes: Range<Int>)] = []
    while true {
      guard let more = reader.nextElement() else { return false }
      guard more else { break }
      var found = Found()
      guard walkRecord(&reader, walk, depth: 2, into: &found) else { return false }
      do {
        records.append((try build(found, text), found.recordStart..<found.recordEnd))
      } catch {
        return false
      }
    }
    guard !records.isEmpty, reader.nextKey() == .end, reader.atEnd() else { return false }
    for record in records {
      emit(record.event, UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(walk.line)[record.bytes]))
    }
    return true
  }

  // MARK: - What the walk finds

  /// A scalar member's value: its span in the line for strings (inside the quotes, never
  /// escaped) and numbers.
  enum Value {
    case absent
    case null
    case bool(Bool)
    case string(start: Int32, end: Int32)
    case number(start: Int32, end: Int32)
  }

  typealias Field = EntraSignInNormalizer.Field

  struct Found {
    var recordStart = 0
    var recordEnd = 0
    /// The sign-in category's index in `SignInCategory.all` (an index: the struct's strings cost
    /// a retain and a release each time it is copied). Known as soon as the walk reads it, so
    /// another log's record (Graph activity, say) is left at its `category` instead of skimmed
    /// to its end first.
    var category: Int?
    var resultType = Value.absent
    var callerIpAddress = Value.absent
    var envelopeLocation = Value.absent
    var hasProperties = false
    /// The scalar fields of `properties`, by `Field` raw value (containers stay `.absent`).
    var fields = InlineArray<21, Value>(repeating: .absent)
    var errorCode = Value.absent
    var hasLocation = false
    var country = Value.absent
    var city = Value.absent
    var hasCoordinates = false
    var latitude = Value.absent
    var longitude = Value.absent
    var deviceID = Value.absent
    var hasProtection = false
    var sessionStatus = Value.absent
    var trustedNamedNetwork = false

    subscript(_ field: Field) -> Value { fields[field.rawValue] }
  }

  // MARK: - The walk

  /// The line being walked, and the key order remembered from earlier records.
  struct Walk {
    let line: UnsafeBufferPointer<UInt8>
    /// Unmanaged, as `Text.strings`: `decode`'s caller keeps it alive.
    let order: Unmanaged<JSONKeyOrder>?

    /// The places of the kind of object `kind` walks, from the first.
    func places(_ kind: ObjectKind) -> JSONKeyOrder.Cursor {
      guard let order else { return .none }
      return order._withUnsafeGuaranteedRef { $0.cursor(kind.rawValue) }
    }
  }

  /// The kinds of object the walk remembers the key order of (`JSONKeyOrder`).
  enum ObjectKind: Int, CaseIterable {
    case record, properties, status, location, coordinates, device, protection, network
  }

  /// A key order for `decode`, one per decoding thread.
  public static func makeKeyOrder() -> JSONKeyOrder { JSONKeyOrder(kinds: ObjectKind.allCases.count) }

  /// The top-level keys the document path decides by. The first four are read; the others belong
  /// to envelopes (`records`, `data`, `eventType`) or to other formats' tests, so a record that
  /// has any of them is left to the document path.
  private static let envelopeKeys = JSONKeyTable([
    "category", "resultType", "callerIpAddress", "location", "properties",
    "Type", "Category", "eventType", "published", "uuid", "actor", "kind", "records", "data",
  ])
  private static let statusKeys = JSONKeyTable(["errorCode"])
  private static let deviceKeys = JSONKeyTable(["deviceId"])
  private static let protectionKeys = JSONKeyTable(["signInSessionStatus"])
  private static let networkKeys = JSONKeyTable(["networkType"])

  /// The record object that comes next, at nesting `depth` (0 for a line that is one record).
  private static func walkRecord(_ reader: inout JSONSkimmer, _ walk: Walk, depth: Int, into found: inout Found) -> Bool {
    guard reader.peek() == .object else { return false }
    found.recordStart = reader.position
    let complete = eachMember(&reader, walk, .record, envelopeKeys, depth: depth) { key, reader in
      switch key {
      case 0:
        found.category = signInCategory(&reader, walk.line)
        return found.category != nil
      case 1: return readScalar(&reader, into: &found.resultType)
      case 2: return readScalar(&reader, into: &found.callerIpAddress)
      case 3: return readScalar(&reader, into: &found.envelopeLocation)
      case 4:
        found.hasProperties = true
        return walkProperties(&reader, walk, depth: depth + 1, into: &found)
      default: return false
      }
    }
    found.recordEnd = reader.position
    return complete
  }

  /// Opens the object that comes next, at nesting `depth` (the top level's is 0), and calls
  /// `member` with each of its keys that `keys` has; `member` reads or skips the value, and the
  /// other members are skipped. False, and the walk stops, for anything else where the object
  /// should be, anything invalid, an escaped key, a key seen twice, or a false from `member`.
  private static func eachMember(
    _ reader: inout JSONSkimmer, _ walk: Walk, _ kind: ObjectKind, _ keys: JSONKeyTable, depth: Int,
    _ member: (Int, inout JSONSkimmer) -> Bool
  ) -> Bool {
    guard reader.openObject(depth: depth) else { return false }
    var seen: UInt32 = 0
    var places = walk.places(kind)
    return keys.withProbe { probe in
      while true {
        switch nextWanted(&reader, walk.line, probe, &places, depth: depth, seen: &seen) {
        case .key(let key): guard member(key, &reader) else { return false }
        case .end: return true
        case .stop: return false
        }
      }
    }
  }

  /// The next member of the object being walked whose key `probe` knows (the others are
  /// skipped): its key's index, `.end` after the object's last member, `.stop` where the walk
  /// must stop (see `eachMember`).
  private enum Wanted { case key(Int), end, stop }

  /// The next member whose key `probe` knows, as a `Wanted`. A key spelled as at the same place
  /// in the last record (`places`) is known from its bytes; any other is read and looked up, and
  /// remembered there.
  @inline(__always) private static func nextWanted(
    _ reader: inout JSONSkimmer, _ line: UnsafeBufferPointer<UInt8>, _ probe: JSONKeyTable.Probe, _ places: inout JSONKeyOrder.Cursor,
    depth: Int, seen: inout UInt32
  ) -> Wanted {
    while true {
      guard let more = reader.nextMember() else { return .stop }
      guard more else { return .end }
      let found: Int?
      let place = places.advance()
      if let place, case let count = place.count, count > 0, reader.skipKey(ifExactly: place.pattern, count: count) {
        found = place.key
      } else {
        let patternStart = reader.position
        guard case .key(let start, let end, let escaped)? = reader.key() else { return .stop }
        guard !escaped else { return .stop }
        found = probe.index(of: line.baseAddress! + start, end - start)
        // Only `"key":`, nothing between the quote and the ':' (see `JSONKeyOrder`).
        if let place, reader.position - patternStart == end - start + 3 {
          place.remember(line.baseAddress! + patternStart, count: end - start + 3, key: found)
        }
      }
      guard let key = found else {
        guard reader.skipValue(depth: depth + 1) else { return .stop }
        continue
      }
      guard seen & (1 << key) == 0 else { return .stop }
      seen |= 1 << key
      return .key(key)
    }
  }

  /// The fields of `properties` that are objects or arrays; the others are scalars. Computed, not
  /// a stored `static let`: that was a `swift_once` call for every member of every record.
  @inline(__always) private static var nestedFields: UInt32 {
    1 << Field.status.rawValue | 1 << Field.location.rawValue | 1 << Field.deviceDetail.rawValue
      | 1 << Field.tokenProtectionStatusDetails.rawValue | 1 << Field.networkLocationDetails.rawValue
  }

  /// The `properties` object, at nesting `depth`. Its scalar fields are read in the loop, into
  /// `found.fields`; through `eachMember`'s closure they cost about 85 instructions each more
  /// (a call, the field's enum made from its index, a switch).
  private static func walkProperties(_ reader: inout JSONSkimmer, _ walk: Walk, depth: Int, into found: inout Found) -> Bool {
    guard reader.openObject(depth: depth) else { return false }
    var seen: UInt32 = 0
    var places = walk.places(.properties)
    return Field.camelCaseTable.withProbe { probe in
      while true {
        switch nextWanted(&reader, walk.line, probe, &places, depth: depth, seen: &seen) {
        case .key(let key):
          if nestedFields & (1 << key) == 0 {
            guard readScalar(&reader, into: &found.fields[key]) else { return false }
          } else {
            guard walkNested(Field(rawValue: key)!, &reader, walk, depth: depth, into: &found) else { return false }
          }
        case .end: return true
        case .stop: return false
        }
      }
    }
  }

  /// A field of `properties` that is an object or an array (`nestedFields`).
  private static func walkNested(_ field: Field, _ reader: inout JSONSkimmer, _ walk: Walk, depth: Int, into found: inout Found) -> Bool {
    switch field {
    case .status:
      return onlyMember(&reader, walk, .status, statusKeys, depth: depth + 1, into: &found.errorCode) != nil
    case .location:
      guard let isObject = objectOrNull(&reader) else { return false }
      found.hasLocation = isObject
      return !isObject || eachMember(&reader, walk, .location, EntraSignInNormalizer.locationKeys, depth: depth + 1) { key, reader in
        switch key {
        case 0: return readScalar(&reader, into: &found.country)
        case 1: return readScalar(&reader, into: &found.city)
        default:
          guard let isObject = objectOrNull(&reader) else { return false }
          found.hasCoordinates = isObject
          return !isObject || eachMember(&reader, walk, .coordinates, EntraSignInNormalizer.coordinateKeys, depth: depth + 2) { key, reader in
            key == 0 ? readScalar(&reader, into: &found.latitude) : readScalar(&reader, into: &found.longitude)
          }
        }
      }
    case .deviceDetail:
      return onlyMember(&reader, walk, .device, deviceKeys, depth: depth + 1, into: &found.deviceID) != nil
    case .tokenProtectionStatusDetails:
      guard let isObject = onlyMember(&reader, walk, .protection, protectionKeys, depth: depth + 1, into: &found.sessionStatus) else { return false }
      found.hasProtection = isObject
      return true
    case .networkLocationDetails:
      return walkNetworks(&reader, walk, depth: depth + 1, into: &found)
    default:
      return false  // not in `nestedFields`
    }
  }

  /// An array of named-network objects (or null) at nesting `depth`: whether one is a trusted
  /// named location.
  private static func walkNetworks(_ reader: inout JSONSkimmer, _ walk: Walk, depth: Int, into found: inout Found) -> Bool {
    if reader.peek() == .null { return reader.scalar() != nil }
    guard reader.openArray(depth: depth) else { return false }
    while true {
      guard let more = reader.nextElement() else { return false }
      guard more else { return true }
      var type = Value.absent
      guard eachMember(&reader, walk, .network, networkKeys, depth: depth + 1, { _, reader in readScalar(&reader, into: &type) }) else { return false }
      if case .string(let start, let end) = type {
        let (name, count) = (walk.line.baseAddress! + Int(start), Int(end - start))
        if utf8Equals("trusted", name, count) || utf8Equals("trustedNamedLocation", name, count) { found.trustedNamedNetwork = true }
      }
    }
  }

  /// Reads the one scalar member `keys` names of the object (or null) that comes next, at
  /// nesting `depth`: whether it was an object, or nil when the walk must stop.
  private static func onlyMember(
    _ reader: inout JSONSkimmer, _ walk: Walk, _ kind: ObjectKind, _ keys: JSONKeyTable, depth: Int, into value: inout Value
  ) -> Bool? {
    guard let isObject = objectOrNull(&reader) else { return nil }
    guard isObject else { return false }
    return eachMember(&reader, walk, kind, keys, depth: depth) { _, reader in readScalar(&reader, into: &value) } ? true : nil
  }

  /// True when an object comes next (not read yet), false after reading a null, nil for
  /// anything else.
  private static func objectOrNull(_ reader: inout JSONSkimmer) -> Bool? {
    switch reader.peek() {
    case .object?: return true
    case .null?: return reader.scalar() != nil ? false : nil
    default: return nil
    }
  }

  /// The index in `SignInCategory.all` of the sign-in category the string that comes next names;
  /// nil for any other value (the document path names an unknown category).
  private static func signInCategory(_ reader: inout JSONSkimmer, _ line: UnsafeBufferPointer<UInt8>) -> Int? {
    guard case .string(let start, let end, false)? = reader.scalar() else { return nil }
    return categoryNames.withProbe { $0.index(of: line.baseAddress! + start, end - start) }
  }

  /// `SignInCategory.all`'s names, by the same index: one probe, where comparing the name with
  /// each category's in turn cost about 350 instructions a record.
  private static let categoryNames = JSONKeyTable(EntraSignInNormalizer.SignInCategory.all.map(\.name))

  /// Reads a scalar value; false for a container, an escaped string or anything invalid.
  private static func readScalar(_ reader: inout JSONSkimmer, into value: inout Value) -> Bool {
    switch reader.scalar() {
    case .string(let start, let end, false)?: value = .string(start: Int32(start), end: Int32(end))
    case .number(let start, let end)?: value = .number(start: Int32(start), end: Int32(end))
    case .bool(let flag)?: value = .bool(flag)
    case .null?: value = .null
    default: return false
    }
    return true
  }

  // MARK: - The event, as `EntraSignInNormalizer.readFields` makes it

  /// A value the fast path does not read the way the document path would (a number where a
  /// string is expected, say): the line takes the document path.
  struct Unsupported: Error {}

  /// Reads values' text as the lenient readers (`LenientFields.swift`) do.
  struct Text {
    let base: UnsafePointer<UInt8>
    /// Unmanaged, as `JSONDocument` holds it: as a strong reference it was retained and released
    /// around every string made, about ten atomic pairs an event. `decode`'s caller keeps it alive.
    let strings: Unmanaged<JSONStringCache>?

    func bytes(_ start: Int32, _ end: Int32) -> UnsafeBufferPointer<UInt8> {
      UnsafeBufferPointer(start: base + Int(start), count: Int(end - start))
    }

    /// The bytes of a string value that says something: nil for null, booleans, `""` and
    /// `"null"` (as `lenientString`); a number is not read here.
    @inline(__always) private func text(_ value: Value) throws(Unsupported) -> UnsafeBufferPointer<UInt8>? {
      switch value {
      case .absent, .null, .bool: return nil
      case .number: throw Unsupported()
      case .string(let start, let end):
        let text = bytes(start, end)
        return meansNoValue(text) ? nil : text
      }
    }

    /// `lenientString`: nil for null, booleans, `""` and `"null"`.
    func string(_ value: Value) throws(Unsupported) -> String? {
      guard let text = try text(value) else { return nil }
      if let strings { return strings._withUnsafeGuaranteedRef { $0.string(text) } }
      return String(decoding: text, as: UTF8.self)
    }

    /// `string(value)` with its store key hash (`TableHash.hash32`), which the string cache keeps
    /// for a string it keeps: a user's or session's id is hashed once, not for every event.
    func keyString(_ value: Value) throws(Unsupported) -> (string: String, hash: UInt32)? {
      guard let text = try text(value) else { return nil }
      if let strings { return strings._withUnsafeGuaranteedRef { $0.string(text, hash: TableHash.hash32) } }
      return (String(decoding: text, as: UTF8.self), TableHash.hash32(UnsafeRawBufferPointer(text)))
    }

    /// `string(value).map(lowercasedLogin)`, testing the bytes first: a login that needs no
    /// lowering (nearly every one) is the cached string itself, where passing it through
    /// `lowercasedLogin` retained and released it once more.
    func login(_ value: Value) throws(Unsupported) -> String? {
      if case .string(let start, let end) = value, hasUpperCaseOrNonASCII(UnsafeRawBufferPointer(bytes(start, end))) {
        return try string(value).map(lowercasedLogin)
      }
      return try string(value)
    }

    /// An event id (`lenientEventID`), packed without a string when it can be.
    func eventID(_ value: Value) throws(Unsupported) -> PackedEventID? { try id(value, PackedEventID.init(utf8:)) }

    /// A token id (`lenientToken`), packed without a string when it can be.
    func token(_ value: Value) throws(Unsupported) -> TokenKey? { try id(value, TokenKey.init(utf8:)) }

    /// An id `make` reads straight from the bytes (ids never repeat: no string cache), with
    /// `string`'s nil cases.
    @inline(__always) private func id<ID>(_ value: Value, _ make: (UnsafeBufferPointer<UInt8>) -> ID) throws(Unsupported) -> ID? {
      try text(value).map(make)
    }

    /// `lenientBool` for JSON booleans.
    func bool(_ value: Value) throws(Unsupported) -> Bool? {
      switch value {
      case .absent, .null: return nil
      case .bool(let flag): return flag
      case .number, .string: throw Unsupported()
      }
    }

    /// `lenientInt64` for JSON integers and strings of digits (a diagnostic `resultType`).
    func integer(_ value: Value) throws(Unsupported) -> Int64? {
      switch value {
      case .absent, .null, .bool: return nil
      case .number(let start, let end), .string(let start, let end):
        if start == end { return nil }  // "" (a number is never empty)
        guard let integer = parseInteger(bytes(start, end)) else { throw Unsupported() }
        return integer
      }
    }

    /// `lenientDouble` for JSON numbers.
    func double(_ value: Value) throws(Unsupported) -> Double? {
      switch value {
      case .absent, .null, .bool: return nil
      case .string: throw Unsupported()
      case .number(let start, let end):
        guard let number = parseDouble(bytes(start, end)), number.isFinite else { return nil }
        return number
      }
    }

    /// `lenientASN` for JSON integers.
    func asn(_ value: Value) throws(Unsupported) -> UInt32? {
      if case .string = value { throw Unsupported() }
      return usableASN(try integer(value))
    }
  }

  private static func build(_ found: Found, _ text: Text) throws(Unsupported) -> NormalizedEvent {
    guard found.hasProperties, let index = found.category else { throw Unsupported() }
    let category = EntraSignInNormalizer.SignInCategory.all[index]
    // No fallback to the envelope's `time` here: a record without its own time is rare.
    guard case .string(let timeStart, let timeEnd) = found[.createdDateTime], let time = EventTime(utf8: text.bytes(timeStart, timeEnd)) else {
      throw Unsupported()
    }
    let kind = category.kind
    var event = NormalizedEvent(time: time, format: .entra, sourceDetail: category.sourceDetail, kind: kind.kind)
    try fill(&event, kind, found, text)
    return event
  }

  /// Through `inout`: when `build` set the fields itself, returning the event from a throwing
  /// function copied it (15 retains) and destroyed the original (15 releases). Inlined into
  /// `build`, where the event was just made: called, it released each field's old value (nil)
  /// before writing it, about 280 instructions a record.
  @inline(__always) private static func fill(_ event: inout NormalizedEvent, _ kind: EntraSignInNormalizer.CategoryKind, _ found: Found, _ text: Text) throws(Unsupported) {
    event.actor = kind.actor
    event.interactive = try text.bool(found[.isInteractive]) ?? kind.interactive

    var code = try text.integer(found.errorCode)
    if code == nil { code = try text.integer(found.resultType) }
    if let code {
      event.outcome = code == 0 ? .success : .failure
      if code != 0 { event.errorCode = code }
    }

    let user: (string: String, hash: UInt32)?
    if kind.servicePrincipal {
      user = try text.keyString(found[.servicePrincipalId])
      event.upn = try text.login(found[.servicePrincipalName])
    } else {
      user = try text.keyString(found[.userId])
      event.upn = try text.login(found[.userPrincipalName])
    }
    event.app = try text.string(found[.appId])
    event.packedEventID = try text.eventID(found[.id])
    event.packedToken = try text.token(found[.uniqueTokenIdentifier])
    if event.packedToken == nil, let eventID = event.eventID { event.token = uniqueTokenIdentifier(fromSignInID: eventID) }
    event.setKeys(user: user, session: try text.keyString(found[.sessionId]))
    event.issuerType = try text.string(found[.tokenIssuerType])
    event.issuer = try text.string(found[.tokenIssuerName])

    event.ip = try text.string(found[.ipAddress])
    if event.ip == nil { event.ip = try text.string(found.callerIpAddress) }
    event.asn = try text.asn(found[.autonomousSystemNumber])
    if found.hasLocation {
      event.country = try text.string(found.country).map(CountryCodes.isoCode(for:))
      event.city = try text.string(found.city)
      if found.hasCoordinates {
        event.latitude = try text.double(found.latitude)
        event.longitude = try text.double(found.longitude)
      }
    }
    if event.country == nil { event.country = try text.string(found.envelopeLocation).map(CountryCodes.isoCode(for:)) }

    event.userAgent = try text.string(found[.userAgent])
    event.device = try text.string(found.deviceID)
    if found.hasProtection, case .string(let start, let end) = found.sessionStatus {
      let (status, count) = (text.base + Int(start), Int(end - start))
      if utf8Equals("bound", status, count) {
        event.bound = true
      } else if utf8Equals("unbound", status, count) {
        event.bound = false
      }
    }
    event.trustedNetwork = try text.bool(found[.isThroughGlobalSecureAccess]) == true || found.trustedNamedNetwork
  }
}
