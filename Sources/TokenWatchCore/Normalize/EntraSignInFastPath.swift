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
  /// that repeat from record to record come through `strings` when given, keys that come in
  /// the order of the last record are recognised through `keyOrder` (made by `makeKeyOrder`),
  /// and a record laid out as one read whole before is checked against `layout` (made by
  /// `makeLayout`) step by step.
  public static func decode(
    _ line: UnsafeBufferPointer<UInt8>, strings: JSONStringCache?, keyOrder: JSONKeyOrder? = nil, layout: JSONRecordLayout? = nil,
    _ emit: (consuming NormalizedEvent, UnsafeRawBufferPointer) -> Void
  ) -> Bool {
    // Spans are kept as `Int32` (`Value`): a longer line is left to the document path.
    guard let base = line.baseAddress, line.count < Int(Int32.max) else { return false }
    let text = Text(base: base, strings: strings.map { Unmanaged.passUnretained($0) })
    var reader = JSONSkimmer(line)
    let walk = Walk(line: line, order: keyOrder.map { Unmanaged.passUnretained($0) }, layout: layout.map { Unmanaged.passUnretained($0) })
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
    /// The scalar values read, by `Slot` (one array, so a layout's step names its value by a
    /// number): the fields of `properties` by `Field` raw value first (containers stay
    /// `.absent`), then the members of the envelope and of nested objects.
    var values = InlineArray<31, Value>(repeating: .absent)
    /// Which objects the record has (`Objects`), not null or absent.
    var objects: UInt8 = 0
    var trustedNamedNetwork = false

    subscript(_ field: Field) -> Value { values[field.rawValue] }
    subscript(_ slot: Slot) -> Value { values[slot.rawValue] }
    func has(_ object: Objects) -> Bool { objects & object.rawValue != 0 }
  }

  /// The places in `Found.values` past the fields of `properties`.
  enum Slot: Int {
    case resultType = 21, callerIpAddress, envelopeLocation, errorCode, country, city, latitude, longitude, deviceID, sessionStatus
  }

  /// The objects whose presence decides something, as bits of `Found.objects`.
  enum Objects: UInt8 {
    case properties = 1, location = 2, coordinates = 4, protection = 8
  }

  // MARK: - The walk

  /// The line being walked, and the key order and layout remembered from earlier records.
  struct Walk {
    let line: UnsafeBufferPointer<UInt8>
    /// Unmanaged, as `Text.strings`: `decode`'s caller keeps them alive.
    let order: Unmanaged<JSONKeyOrder>?
    let layout: Unmanaged<JSONRecordLayout>?
    /// Set while the walk records the record's layout into `layout`, with the record's depth
    /// (a step's depth is relative to it: one layout serves lines and batches).
    var recordsAtDepth: Int? = nil

    /// This walk without recording: for the parts a layout step reads as one (the networks).
    var notRecording: Walk {
      var walk = self
      walk.recordsAtDepth = nil
      return walk
    }

    /// Records the value just read or skipped (`start` to the reader's position) as a step.
    @inline(__always) func record(_ kind: StepKind, _ start: Int, _ reader: JSONSkimmer, operand: Int) {
      guard recordsAtDepth != nil, let layout else { return }
      layout._withUnsafeGuaranteedRef {
        $0.record(line.baseAddress!, valueFrom: start, to: reader.position, kind: kind.rawValue, operand: UInt8(truncatingIfNeeded: operand))
      }
    }

    /// The step's depth operand for a value at nesting `depth`.
    func relative(_ depth: Int) -> Int { depth - (recordsAtDepth ?? 0) }

    /// Marks `object` as present in `found`, and for the next step recorded (which sets it when
    /// a layout is followed).
    @inline(__always) func markPresent(_ object: Objects, in found: inout Found) {
      found.objects |= object.rawValue
      guard recordsAtDepth != nil, let layout else { return }
      layout._withUnsafeGuaranteedRef { $0.flag(object.rawValue) }
    }

    /// Where the value that comes next starts, when recording (0 otherwise: not used).
    @inline(__always) func valueStart(_ reader: inout JSONSkimmer) -> Int {
      recordsAtDepth == nil ? 0 : reader.valueStart()
    }

    /// The places of the kind of object `kind` walks, from the first.
    func places(_ kind: ObjectKind) -> JSONKeyOrder.Cursor {
      guard let order else { return .none }
      return order._withUnsafeGuaranteedRef { $0.cursor(kind.rawValue) }
    }
  }

  /// What a layout step does with its value (`JSONRecordLayout.Step.kind`).
  enum StepKind: UInt8 {
    /// Reads a scalar into `Found.values[operand]`.
    case scalar
    /// Skips a value at the record's depth + `operand`.
    case skip
    /// Reads the sign-in category.
    case category
    /// Reads `networkLocationDetails` at the record's depth + `operand`.
    case networks
    /// The record's last bytes.
    case end
  }

  /// A layout for `decode`, one per decoding thread.
  public static func makeLayout() -> JSONRecordLayout {
    // `Slot`'s places follow the fields of `properties` in `Found.values`.
    assert(Slot.resultType.rawValue == Field.allCases.count && Slot.sessionStatus.rawValue < Found().values.count)
    return JSONRecordLayout()
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

  /// The record object that comes next, at nesting `depth` (0 for a line that is one record):
  /// checked against the layouts of the records walked whole before, and walked whole (its
  /// layout recorded) where it matches none of them.
  private static func walkRecord(_ reader: inout JSONSkimmer, _ walk: Walk, depth: Int, into found: inout Found) -> Bool {
    guard reader.peek() == .object else { return false }
    let start = reader.position
    found.recordStart = start
    guard let layout = walk.layout, layout._withUnsafeGuaranteedRef({ $0.shouldFollow() }) else {
      let complete = walkMembers(&reader, walk, depth: depth, into: &found)
      found.recordEnd = reader.position
      return complete
    }
    if followLayout(&reader, walk, layout, depth: depth, into: &found) {
      found.recordEnd = reader.position
      layout._withUnsafeGuaranteedRef { $0.noteFollowed() }
      return true
    }
    reader.rewind(to: start)
    found = Found()
    found.recordStart = start
    var recording = walk
    recording.recordsAtDepth = depth
    layout._withUnsafeGuaranteedRef { $0.beginRecording(at: start) }
    let complete = walkMembers(&reader, recording, depth: depth, into: &found)
    found.recordEnd = reader.position
    layout._withUnsafeGuaranteedRef {
      if complete {
        $0.finishRecording(walk.line.baseAddress!, at: reader.position, kind: StepKind.end.rawValue)
      } else {
        $0.abandonRecording()
      }
    }
    return complete
  }

  /// The record's members, walked one by one.
  private static func walkMembers(_ reader: inout JSONSkimmer, _ walk: Walk, depth: Int, into found: inout Found) -> Bool {
    eachMember(&reader, walk, .record, envelopeKeys, depth: depth) { key, reader in
      switch key {
      case 0:
        let start = walk.valueStart(&reader)
        found.category = signInCategory(&reader, walk.line)
        walk.record(.category, start, reader, operand: 0)
        return found.category != nil
      case 1: return readField(&reader, walk, .resultType, into: &found)
      case 2: return readField(&reader, walk, .callerIpAddress, into: &found)
      case 3: return readField(&reader, walk, .envelopeLocation, into: &found)
      case 4:
        walk.markPresent(.properties, in: &found)
        return walkProperties(&reader, walk, depth: depth + 1, into: &found)
      default: return false
      }
    }
  }

  /// The record that comes next, at nesting `depth`, read by the steps of a layout in `layouts`
  /// (see `JSONRecordLayout`); false, with `found` and the reader somewhere in the record, where
  /// no step matches or a value does not read.
  private static func followLayout(
    _ reader: inout JSONSkimmer, _ walk: Walk, _ layouts: Unmanaged<JSONRecordLayout>, depth: Int, into found: inout Found
  ) -> Bool {
    layouts._withUnsafeGuaranteedRef { layouts in
      layouts.withTree { steps, separators in
        var step = steps[0]
        while true {
          // The child whose bytes come next.
          var child = Int(step.firstChild)
          while true {
            guard child >= 0 else { return false }
            step = steps[child]
            if reader.skipKey(ifExactly: separators + Int(step.separatorStart), count: Int(step.separatorCount)) { break }
            child = Int(step.nextSibling)
          }
          found.objects |= step.flags
          switch StepKind(rawValue: step.kind) {
          case .scalar?:
            // Most values are plain strings: read here, without `readScalar`'s call and dispatch.
            if let string = reader.plainString() {
              found.values[Int(step.operand)] = .string(start: Int32(truncatingIfNeeded: string.start), end: Int32(truncatingIfNeeded: string.end))
            } else {
              guard readScalar(&reader, into: &found.values[Int(step.operand)]) else { return false }
            }
          case .skip?: guard reader.skipString() || reader.skipValue(depth: depth + Int(step.operand)) else { return false }
          case .category?:
            found.category = signInCategory(&reader, walk.line)
            guard found.category != nil else { return false }
          case .networks?: guard walkNetworks(&reader, walk, depth: depth + Int(step.operand), into: &found) else { return false }
          case .end?: return true
          case nil: return false  // no step has another kind
          }
        }
      }
    }
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
        switch nextWanted(&reader, walk, probe, &places, depth: depth, seen: &seen) {
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
    _ reader: inout JSONSkimmer, _ walk: Walk, _ probe: JSONKeyTable.Probe, _ places: inout JSONKeyOrder.Cursor,
    depth: Int, seen: inout UInt32
  ) -> Wanted {
    let line = walk.line
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
        let start = walk.valueStart(&reader)
        guard reader.skipValue(depth: depth + 1) else { return .stop }
        walk.record(.skip, start, reader, operand: walk.relative(depth + 1))
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
  /// `found.values`; through `eachMember`'s closure they cost about 85 instructions each more
  /// (a call, the field's enum made from its index, a switch).
  private static func walkProperties(_ reader: inout JSONSkimmer, _ walk: Walk, depth: Int, into found: inout Found) -> Bool {
    guard reader.openObject(depth: depth) else { return false }
    var seen: UInt32 = 0
    var places = walk.places(.properties)
    return Field.camelCaseTable.withProbe { probe in
      while true {
        switch nextWanted(&reader, walk, probe, &places, depth: depth, seen: &seen) {
        case .key(let key):
          if nestedFields & (1 << key) == 0 {
            guard readField(&reader, walk, key, into: &found) else { return false }
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
      return onlyMember(&reader, walk, .status, statusKeys, depth: depth + 1, into: .errorCode, of: &found) != nil
    case .location:
      guard let isObject = objectOrNull(&reader) else { return false }
      guard isObject else { return true }
      walk.markPresent(.location, in: &found)
      return eachMember(&reader, walk, .location, EntraSignInNormalizer.locationKeys, depth: depth + 1) { key, reader in
        switch key {
        case 0: return readField(&reader, walk, .country, into: &found)
        case 1: return readField(&reader, walk, .city, into: &found)
        default:
          guard let isObject = objectOrNull(&reader) else { return false }
          guard isObject else { return true }
          walk.markPresent(.coordinates, in: &found)
          return eachMember(&reader, walk, .coordinates, EntraSignInNormalizer.coordinateKeys, depth: depth + 2) { key, reader in
            readField(&reader, walk, key == 0 ? .latitude : .longitude, into: &found)
          }
        }
      }
    case .deviceDetail:
      return onlyMember(&reader, walk, .device, deviceKeys, depth: depth + 1, into: .deviceID, of: &found) != nil
    case .tokenProtectionStatusDetails:
      guard let isObject = onlyMember(&reader, walk, .protection, protectionKeys, depth: depth + 1, into: .sessionStatus, of: &found) else {
        return false
      }
      if isObject { walk.markPresent(.protection, in: &found) }
      return true
    case .networkLocationDetails:
      // One step of a layout: the array's length and members vary from record to record.
      let start = walk.valueStart(&reader)
      guard walkNetworks(&reader, walk.notRecording, depth: depth + 1, into: &found) else { return false }
      walk.record(.networks, start, reader, operand: walk.relative(depth + 1))
      return true
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
  /// nesting `depth`, into `slot`: whether it was an object, or nil when the walk must stop.
  private static func onlyMember(
    _ reader: inout JSONSkimmer, _ walk: Walk, _ kind: ObjectKind, _ keys: JSONKeyTable, depth: Int, into slot: Slot, of found: inout Found
  ) -> Bool? {
    guard let isObject = objectOrNull(&reader) else { return nil }
    guard isObject else { return false }
    return eachMember(&reader, walk, kind, keys, depth: depth) { _, reader in readField(&reader, walk, slot, into: &found) } ? true : nil
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

  /// Reads a scalar value into `found.values[slot]`, and records it as a layout step.
  @inline(__always) private static func readField(_ reader: inout JSONSkimmer, _ walk: Walk, _ slot: Int, into found: inout Found) -> Bool {
    let start = walk.valueStart(&reader)
    guard readScalar(&reader, into: &found.values[slot]) else { return false }
    walk.record(.scalar, start, reader, operand: slot)
    return true
  }

  @inline(__always) private static func readField(_ reader: inout JSONSkimmer, _ walk: Walk, _ slot: Slot, into found: inout Found) -> Bool {
    readField(&reader, walk, slot.rawValue, into: &found)
  }

  /// Reads a scalar value; false for a container, an escaped string or anything invalid.
  private static func readScalar(_ reader: inout JSONSkimmer, into value: inout Value) -> Bool {
    switch reader.scalar() {
    // Lines are shorter than `Int32.max` (`decode`).
    case .string(let start, let end, false)?: value = .string(start: Int32(truncatingIfNeeded: start), end: Int32(truncatingIfNeeded: end))
    case .number(let start, let end)?: value = .number(start: Int32(truncatingIfNeeded: start), end: Int32(truncatingIfNeeded: end))
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
    guard found.has(.properties), let index = found.category else { throw Unsupported() }
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

    var code = try text.integer(found[.errorCode])
    if code == nil { code = try text.integer(found[.resultType]) }
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
    if event.ip == nil { event.ip = try text.string(found[.callerIpAddress]) }
    event.asn = try text.asn(found[.autonomousSystemNumber])
    if found.has(.location) {
      event.country = try text.string(found[.country]).map(CountryCodes.isoCode(for:))
      event.city = try text.string(found[.city])
      if found.has(.coordinates) {
        event.latitude = try text.double(found[.latitude])
        event.longitude = try text.double(found[.longitude])
      }
    }
    if event.country == nil { event.country = try text.string(found[.envelopeLocation]).map(CountryCodes.isoCode(for:)) }

    event.userAgent = try text.string(found[.userAgent])
    event.device = try text.string(found[.deviceID])
    if found.has(.protection), case .string(let start, let end) = found[.sessionStatus] {
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
