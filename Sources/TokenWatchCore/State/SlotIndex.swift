/// The hash index of a `KeyedStore` (and of the `StringInterner`): key hash → slot number, in one
/// flat array of 8-byte buckets (the key's 32-bit hash and the slot number + 1; 0 is an empty
/// bucket). The keys themselves stay in the store's slots and the caller compares them, so a key
/// is kept once. A `[String: Int32]` holds a second 16-byte copy of each key and 20 bytes a bucket.
///
/// Linear probing, at most 3/4 full, deletion by backward shift (no tombstones, so a store that
/// evicts and inserts forever never degrades). The hash is seeded at random per process
/// (`TableHash`), so token ids chosen by an attacker cannot be aimed at one bucket.
struct SlotIndex {
  private var buckets: [UInt64] = []
  private(set) var count = 0

  private static func bucket(hash: UInt32, slot: Int32) -> UInt64 { UInt64(hash) << 32 | UInt64(UInt32(slot) + 1) }

  /// The slot of the entry with `hash` for which `isKey` is true.
  func find(hash: UInt32, where isKey: (Int32) -> Bool) -> Int32? {
    guard count > 0 else { return nil }
    let mask = buckets.count - 1
    var b = Int(hash) & mask
    while true {
      let entry = buckets[b]
      if entry == 0 { return nil }
      if UInt32(truncatingIfNeeded: entry >> 32) == hash {
        let slot = Int32(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1
        if isKey(slot) { return slot }
      }
      b = (b + 1) & mask
    }
  }

  /// Adds an entry; the caller has checked that the key is not there yet.
  mutating func insert(hash: UInt32, slot: Int32) {
    precondition(slot >= 0 && slot < Int32.max)
    if (count + 1) * 4 > buckets.count * 3 { grow() }
    place(Self.bucket(hash: hash, slot: slot))
    count += 1
  }

  /// Removes the entry of `slot`, whose key has `hash`.
  mutating func remove(hash: UInt32, slot: Int32) {
    let target = Self.bucket(hash: hash, slot: slot)
    let mask = buckets.count - 1
    var hole = Int(hash) & mask
    while buckets[hole] != target {
      precondition(buckets[hole] != 0, "slot \(slot) is not in the index")
      hole = (hole + 1) & mask
    }
    // Backward shift: move later entries of the probe run into the hole when that does not put
    // them before their home bucket.
    var next = (hole + 1) & mask
    while buckets[next] != 0 {
      let home = Int(truncatingIfNeeded: buckets[next] >> 32) & mask
      if (next &- home) & mask >= (next &- hole) & mask {
        buckets[hole] = buckets[next]
        hole = next
      }
      next = (next + 1) & mask
    }
    buckets[hole] = 0
    count -= 1
  }

  private mutating func place(_ entry: UInt64) {
    let mask = buckets.count - 1
    var b = Int(truncatingIfNeeded: entry >> 32) & mask
    while buckets[b] != 0 { b = (b + 1) & mask }
    buckets[b] = entry
  }

  private mutating func grow() {
    let old = buckets
    buckets = Array(repeating: 0, count: max(16, old.count * 2))
    for entry in old where entry != 0 { place(entry) }
  }
}
