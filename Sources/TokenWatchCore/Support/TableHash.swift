/// The hash of the in-memory tables (`SlotIndex`, so every keyed store and the string interner):
/// a string's exact UTF-8 bytes, 16 at a time through wyhash's mix (one 64×64→128-bit multiply;
/// four chains of them beyond 64 bytes), with a seed drawn at random per process, as Go's and
/// Zig's hash maps do.
///
/// Swift's `Hasher` (SipHash-1-3) cost several times more per key, and every event hashes five
/// or so. With the seed unknown, token ids an attacker picks cannot be aimed at one bucket. The
/// value differs from run to run: nothing may depend on it but where a table puts a key (use
/// `StableHash` for what must not change).
enum TableHash {
  private static let seed = UInt64.random(in: .min ... .max)
  private static let p0: UInt64 = 0xa076_1d64_78bd_642f
  private static let p1: UInt64 = 0xe703_7ed1_a0b4_28db
  private static let p2: UInt64 = 0x8ebc_6af0_9c88_c6e3
  /// Where every hash starts: the seed, mixed once.
  private static let start = seed ^ mix(seed ^ p0, p1)

  /// Borrowed through a span: `withContiguousStorageIfAvailable` retained and released the
  /// string's storage around every hash (an atomic pair each, on the engine thread's hot path).
  static func hash(_ string: String) -> UInt64 {
    string.utf8.span.withUnsafeBytes { hash($0) }
  }

  /// The 32 bits a `SlotIndex` keeps.
  static func hash32(_ string: String) -> UInt32 { fold(hash(string)) }

  /// The same as `hash32` of the string these UTF-8 bytes spell.
  static func hash32(_ bytes: UnsafeRawBufferPointer) -> UInt32 { fold(hash(bytes)) }

  /// A number's 32 bits for a `SlotIndex`: one multiply, seeded like the rest.
  static func hash32(_ value: UInt64) -> UInt32 { fold(mix(value ^ p1, start ^ p2)) }

  /// Sixteen bytes' 32 bits (a packed `TokenKey`): two multiplies, seeded like the rest.
  static func hash32(high: UInt64, low: UInt64) -> UInt32 { fold(mix(mix(high ^ p1, start ^ p2) ^ low, p0)) }

  @inline(__always) private static func fold(_ h: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: h ^ h >> 32) }

  static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 { hash(bytes, from: start) }

  /// The same mix from a given starting state: `StableHash` runs it from a fixed one.
  static func hash(_ bytes: UnsafeRawBufferPointer, from initial: UInt64) -> UInt64 {
    let n = bytes.count
    var state = initial
    let a: UInt64
    let b: UInt64
    if n <= 16 {
      if n >= 4 {
        // Two overlapping pairs of 4-byte words cover any length from 4 to 16.
        let step = (n >> 3) << 2
        a = UInt64(load32(bytes, 0)) << 32 | UInt64(load32(bytes, step))
        b = UInt64(load32(bytes, n - 4)) << 32 | UInt64(load32(bytes, n - 4 - step))
      } else if n > 0 {
        a = UInt64(bytes[0]) << 16 | UInt64(bytes[n >> 1]) << 8 | UInt64(bytes[n - 1])
        b = 0
      } else {
        a = 0
        b = 0
      }
    } else {
      var i = 0
      if n > 64 {
        // Four chains, 64 bytes a round: one chain waited out each multiply before the next
        // (a whole record is hashed for every event's tie-break).
        var (s1, s2, s3) = (state ^ p0, state ^ p2, state ^ p0 ^ p2)
        while n - i > 64 {
          state = mix(load64(bytes, i) ^ p1, load64(bytes, i + 8) ^ state)
          s1 = mix(load64(bytes, i + 16) ^ p1, load64(bytes, i + 24) ^ s1)
          s2 = mix(load64(bytes, i + 32) ^ p1, load64(bytes, i + 40) ^ s2)
          s3 = mix(load64(bytes, i + 48) ^ p1, load64(bytes, i + 56) ^ s3)
          i += 64
        }
        state = mix(state ^ p0, s1 ^ p1) ^ mix(s2 ^ p2, s3)
      }
      while n - i > 16 {
        state = mix(load64(bytes, i) ^ p1, load64(bytes, i + 8) ^ state)
        i += 16
      }
      // The last 16 bytes, overlapping what was mixed already.
      a = load64(bytes, n - 16)
      b = load64(bytes, n - 8)
    }
    return mix(p1 ^ UInt64(n), mix(a ^ p1, b ^ state) ^ p2)
  }

  @inline(__always) private static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
    let (high, low) = a.multipliedFullWidth(by: b)
    return high ^ low
  }

  @inline(__always) private static func load64(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
    UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
  }

  @inline(__always) private static func load32(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
    UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
  }
}
