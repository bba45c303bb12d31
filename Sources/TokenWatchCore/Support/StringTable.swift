/// A map from strings, built once and then only read: configuration looked up per event (the
/// expected issuers of a domain). Keys are hashed and compared as a keyed store's are (`StoreKey`:
/// `TableHash` into a `SlotIndex`, exact bytes), where a `Dictionary` hashed the key with SipHash
/// on every lookup, several times the cost.
struct StringTable<Value> {
  private var keys: [String] = []
  private var values: [Value] = []
  private var index = SlotIndex()

  init<Pairs: Sequence>(_ pairs: Pairs) where Pairs.Element == (String, Value) {
    for (key, value) in pairs {
      let hash = key.tableHash
      if let slot = index.find(hash: hash, where: { keys[Int($0)].isSame(as: key) }) {
        values[Int(slot)] = value  // a repeated key: the last one wins, as in a dictionary literal
        continue
      }
      index.insert(hash: hash, slot: Int32(keys.count))
      keys.append(key)
      values.append(value)
    }
  }

  subscript(_ key: String) -> Value? {
    guard !keys.isEmpty else { return nil }
    guard let slot = index.find(hash: key.tableHash, where: { keys[Int($0)].isSame(as: key) }) else { return nil }
    return values[Int(slot)]
  }
}
