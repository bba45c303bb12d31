/// What the caller records about a checkpoint besides the state itself.
public struct CheckpointMetadata: Sendable, Equatable {
  /// The newest event time when the checkpoint was taken.
  public var createdAt: EventTime?
  /// How many events had been read.
  public var events: Int
  /// Free text (e.g. which inputs, which build).
  public var note: String
  /// When the response planner last acted per user and level, so that a restart does not act
  /// again inside the cooldown.
  public var responseCooldowns: [String: EventTime]

  public init(createdAt: EventTime? = nil, events: Int = 0, note: String = "", responseCooldowns: [String: EventTime] = [:]) {
    self.createdAt = createdAt
    self.events = events
    self.note = note
    self.responseCooldowns = responseCooldowns
  }
}

extension CheckpointMetadata: FieldwiseCheckpointCodable {
  init() { self.init(createdAt: nil) }

  mutating func checkpointFields<F: CheckpointFieldVisitor>(_ f: inout F) throws(F.Failure) {
    try f.field(&createdAt)
    try f.naturalField(&events)
    try f.field(&note)
    try f.dictionaryField(&responseCooldowns)
  }
}

/// The engine's whole state (plus the pipeline's reorder state) as one self-checking file.
///
/// Layout: magic `TWSTATE\n` (8 bytes), format version (u32 LE), payload length (u64 LE), the
/// payload, then the SHA-256 of everything before it (32 bytes). Decoding checks magic, version,
/// length and checksum before it decodes anything, decodes into fresh values and returns only
/// once everything has been read: a checkpoint is loaded whole or not at all.
///
/// Payload (version 1): metadata; the engine (tokens, sessions, users, tasks, domains stores;
/// suppression windows by key; the address store; stream start; last housekeeping; counters;
/// shard); the reorder snapshot. Each store is its entries from least to most recently seen
/// (key, last seen, record) and its eviction and expiration counters.
public enum EngineCheckpoint {
  public static let formatVersion: UInt32 = 1
  public static let magic: [UInt8] = Array("TWSTATE\n".utf8)
  static let headerBytes = 8 + 4 + 8

  public static func encode(engine: Engine, reorder: ReorderSnapshot, metadata: CheckpointMetadata) -> [UInt8] {
    var payload = CheckpointWriter()
    payload.reserve(engine.estimatedCheckpointBytes + reorder.pending.count * 160 + 256)
    payload.write(metadata)
    engine.writeCheckpoint(to: &payload)
    payload.write(reorder)
    return seal(payload.bytes, version: formatVersion)
  }

  /// Header + payload + checksum (tests use it to seal payloads of their own).
  static func seal(_ payload: [UInt8], version: UInt32) -> [UInt8] {
    var file = CheckpointWriter()
    file.reserve(headerBytes + payload.count + SHA256.digestByteCount)
    file.raw(magic)
    file.fixed32(version)
    file.fixed64(UInt64(payload.count))
    file.raw(payload)
    var bytes = file.bytes
    bytes += SHA256.hash(bytes)
    return bytes
  }

  public static func decode(_ bytes: [UInt8], ruleSet: RuleSet) throws(CheckpointError) -> (engine: Engine, reorder: ReorderSnapshot, metadata: CheckpointMetadata) {
    let payload = try verify(bytes)
    var reader = CheckpointReader(bytes, range: payload)
    let metadata: CheckpointMetadata = try reader.read()
    let engine = try Engine(ruleSet: ruleSet, restoringFrom: &reader)
    let reorder: ReorderSnapshot = try reader.read()
    guard reader.isAtEnd else { throw reader.corrupt("\(reader.remaining) unexpected bytes after the state") }
    return (engine, reorder, metadata)
  }

  /// Only the metadata, after the same checks as `decode` (for `tokenwatch state` style reports).
  public static func metadata(_ bytes: [UInt8]) throws(CheckpointError) -> CheckpointMetadata {
    var reader = CheckpointReader(bytes, range: try verify(bytes))
    return try reader.read()
  }

  /// Checks magic, version, length and checksum; returns where the payload is.
  static func verify(_ bytes: [UInt8]) throws(CheckpointError) -> Range<Int> {
    let prefix = bytes.prefix(magic.count)
    guard prefix.elementsEqual(magic.prefix(prefix.count)) else {
      throw CheckpointError(.notACheckpoint, "not a tokenwatch state file (it does not start with \"TWSTATE\")", offset: 0)
    }
    guard bytes.count >= headerBytes else {
      throw CheckpointError(.truncated, bytes.isEmpty ? "checkpoint is truncated (the file is empty)" : "checkpoint is truncated (\(bytes.count) bytes, shorter than its \(headerBytes)-byte header)", offset: bytes.count)
    }
    var header = CheckpointReader(bytes, range: magic.count..<headerBytes)
    let version = try header.fixed32()
    guard version == formatVersion else {
      throw CheckpointError(.unsupportedVersion(version), "checkpoint format \(version) is not supported by this build (reads \(formatVersion)); move it aside or restart with --discard-state", offset: magic.count)
    }
    let length = try header.fixed64()
    let available = bytes.count - headerBytes
    guard length <= UInt64(available), available - Int(length) >= SHA256.digestByteCount else {
      throw CheckpointError(.truncated, "checkpoint is truncated (the header announces \(length) bytes of state and a \(SHA256.digestByteCount)-byte checksum; the file has \(available) bytes after the header)", offset: bytes.count)
    }
    let payloadEnd = headerBytes + Int(length)
    let extra = bytes.count - payloadEnd - SHA256.digestByteCount
    guard extra == 0 else {
      throw CheckpointError(.corrupt, "checkpoint is corrupt (\(extra) unexpected bytes after the checksum)", offset: payloadEnd + SHA256.digestByteCount)
    }
    guard SHA256.hash(bytes[0..<payloadEnd]).elementsEqual(bytes[payloadEnd...]) else {
      throw CheckpointError(.corrupt, "checkpoint is corrupt (checksum mismatch)", offset: payloadEnd)
    }
    return headerBytes..<payloadEnd
  }
}

// MARK: - Engine state

extension Engine {
  /// A guess for the payload size, to allocate once.
  var estimatedCheckpointBytes: Int {
    tokens.count * 120 + sessions.count * 80 + users.count * 200 + tasks.count * 24 + domains.count * 64 + addresses.count * 32 + suppression.count * 96
  }

  func writeCheckpoint(to w: inout CheckpointWriter) {
    tokens.writeCheckpoint(to: &w, strings: strings)
    sessions.writeCheckpoint(to: &w, strings: strings)
    users.writeCheckpoint(to: &w)
    tasks.writeCheckpoint(to: &w)
    domains.writeCheckpoint(to: &w)
    w.dictionary(suppression)
    addresses.prefixes.writeCheckpoint(to: &w)
    w.write(streamStart)
    w.write(lastHousekeeping)
    let counted = counters
    w.dictionary(counted.events)
    w.dictionary(counted.alerts)
    w.write(counted.suppressed)
    w.write(counted.otherShards)
    if let shard {
      w.u8(1)
      w.write(shard.index)
      w.write(shard.count)
    } else {
      w.u8(0)
    }
  }

  /// An engine for `ruleSet` holding the state `reader` is at. Stores take the new rule set's
  /// limits: a store holding more than its new maximum drops its least recently seen records
  /// (counted as evictions).
  init(ruleSet: RuleSet, restoringFrom r: inout CheckpointReader) throws(CheckpointError) {
    self.init(ruleSet: ruleSet)
    let limits = ruleSet.state
    // The records' strings are interned as they are read (the numbering is this engine's own).
    tokens = try KeyedStore(restoring: &r, limit: limits.tokens, what: "tokens", strings: &strings)
    sessions = try KeyedStore(restoring: &r, limit: limits.sessions, what: "sessions", strings: &strings)
    users = try KeyedStore(restoring: &r, limit: limits.users, what: "users")
    tasks = try KeyedStore(restoring: &r, limit: limits.tasks, what: "tasks")
    domains = try KeyedStore(restoring: &r, limit: limits.domains, what: "domains")
    suppression = try r.dictionary(SuppressionWindow.self)
    addresses.prefixes = try KeyedStore(restoring: &r, limit: limits.addresses, what: "addresses")
    streamStart = try r.read()
    lastHousekeeping = try r.read()
    var counters = EngineCounters()
    counters.events = try r.dictionary(Int.self)
    counters.alerts = try r.dictionary(Int.self)
    counters.suppressed = try r.natural()
    counters.otherShards = try r.natural()
    recordedCounters = counters
    switch try r.u8() {
    case 0:
      shard = nil
    case 1:
      let index = try r.int()
      guard let restored = Shard(index: index, count: try r.int()) else { throw r.corrupt("invalid shard") }
      shard = restored
    case let code:
      throw r.unknown("shard presence", code)
    }
  }
}

/// Keys as a checkpoint holds them: text, whatever form the store keeps them in.
protocol CheckpointKey: StoreKey {
  var checkpointText: String { get }
  init?(checkpointText: String)
}

extension String: CheckpointKey {
  var checkpointText: String { self }
  init?(checkpointText: String) { self = checkpointText }
}

extension PackedNetworkKey: CheckpointKey {
  /// `203.0.113.0/24` or `2001:db8::/48` (`IPAddress.prefixDescription`), as the address
  /// enricher's keys were before they were packed, so older checkpoints read the same.
  var checkpointText: String { key.description }

  /// Exactly the texts `checkpointText` writes: a /24 or /48 with no host bits, spelled as
  /// `prefixDescription` spells it.
  init?(checkpointText text: String) {
    guard let block = CIDRBlock(text), block.bits == (block.network.isIPv4 ? 96 + 24 : 48),
      block.network.prefixDescription == text
    else { return nil }
    self.init(prefixOf: block.network)
  }
}

extension KeyedStore where Key: CheckpointKey {
  /// Entries from least to most recently seen (key, last seen, record), then the eviction and
  /// expiration counters.
  func writeCheckpoint(to w: inout CheckpointWriter, record writeRecord: (Record, inout CheckpointWriter) -> Void) {
    w.count(count)
    var i = oldest
    while i >= 0 {
      w.uniqueString(slots[Int(i)].key.checkpointText)
      w.write(slots[Int(i)].lastSeen)
      writeRecord(slots[Int(i)].record, &w)
      i = slots[Int(i)].newer
    }
    w.write(evictions)
    w.write(expirations)
  }

  /// Entries are replayed from least to most recently seen, so the recency order (which decides
  /// eviction and expiry) comes back exactly; beyond `limit.maxEntries`, the oldest are evicted.
  init(
    restoring r: inout CheckpointReader, limit: StatePolicy.Limit, what: String,
    record readRecord: (inout CheckpointReader) throws(CheckpointError) -> Record
  ) throws(CheckpointError) {
    self.init(maxEntries: limit.maxEntries, ttl: limit.ttl)
    // Each entry is at least a key length, a time and a record: three bytes.
    let n = try r.count(minimumElementBytes: 3)
    for _ in 0..<n {
      let at = r.position
      let text = try r.string()
      guard let key = Key(checkpointText: text) else {
        throw CheckpointError(.corrupt, "checkpoint is corrupt: key \"\(text)\" in \(what) at byte \(at) is not a valid key", offset: at)
      }
      let lastSeen: EventTime = try r.read()
      let record = try readRecord(&r)
      guard slot(of: key) == nil else {
        throw CheckpointError(.corrupt, "checkpoint is corrupt: key \"\(text)\" appears twice in \(what) at byte \(at)", offset: at)
      }
      let slot = touch(key, at: lastSeen).slot
      put(record, slot)
    }
    let (total, overflow) = evictions.addingReportingOverflow(try r.natural())
    guard !overflow else { throw r.corrupt("eviction count out of range in \(what)") }
    evictions = total
    expirations = try r.natural()
  }
}

extension KeyedStore where Key: CheckpointKey, Record: CheckpointCodable {
  func writeCheckpoint(to w: inout CheckpointWriter) {
    writeCheckpoint(to: &w) { record, w in record.write(to: &w) }
  }

  init(restoring r: inout CheckpointReader, limit: StatePolicy.Limit, what: String) throws(CheckpointError) {
    try self.init(restoring: &r, limit: limit, what: what) { (r: inout CheckpointReader) throws(CheckpointError) in try Record(from: &r) }
  }
}

extension KeyedStore where Key: CheckpointKey, Record: InternedCheckpointCodable {
  func writeCheckpoint(to w: inout CheckpointWriter, strings: StringInterner) {
    writeCheckpoint(to: &w) { record, w in record.write(to: &w, strings: strings) }
  }

  init(restoring r: inout CheckpointReader, limit: StatePolicy.Limit, what: String, strings: inout StringInterner) throws(CheckpointError) {
    try self.init(restoring: &r, limit: limit, what: what) { (r: inout CheckpointReader) throws(CheckpointError) in
      try Record(from: &r, strings: &strings)
    }
  }
}
