/// SHA-256 (FIPS 180-4 §6.2), written here because the core links nothing but the standard library.
///
/// Used to sign the Security Event Tokens sent to revocation hooks (HMAC-SHA256, see HMAC.swift).
/// Not a general-purpose crypto library: no SHA-224, no length-extension protection beyond HMAC.
public enum SHA256 {
  /// Size of a digest in bytes.
  public static let digestByteCount = 32
  /// Size of a message block in bytes (also HMAC's key block size).
  public static let blockByteCount = 64

  /// The digest of `data` in one call.
  ///
  /// Contiguous inputs ([UInt8], ArraySlice, String.UTF8View of a native string, …) are hashed in
  /// place; anything else is copied once into an array, so no byte goes through a generic witness.
  /// Inlinable so that copy is specialised for the caller's collection type, even across modules.
  @inlinable
  public static func hash<Bytes: Collection>(_ data: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
    var hasher = SHA256Hasher()
    let hashedInPlace: Void? = data.withContiguousStorageIfAvailable { hasher.update(UnsafeRawBufferPointer($0)) }
    if hashedInPlace == nil { hasher.update(Array(data)) }
    return hasher.finalize()
  }
}

/// Incremental SHA-256: feed bytes in any chunk sizes with `update`, then `finalize`.
///
/// The hasher holds no heap memory: the partial block lives inline and the message schedule of each
/// `update` call is a stack allocation, so hashing allocates nothing per block.
public struct SHA256Hasher: Sendable {
  /// The eight working hash words H0…H7.
  private struct State: Sendable {
    var h0, h1, h2, h3, h4, h5, h6, h7: UInt32
  }

  private var state: State
  /// Bytes of an incomplete block waiting for more input (64 bytes inline, no heap).
  private var pending: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
  /// How many bytes of `pending` are in use (always < 64 between calls).
  private var pendingCount = 0
  /// Total message length so far in bytes; the padding records it in bits, modulo 2^64 as FIPS allows.
  private var messageByteCount: UInt64 = 0

  public init() {
    state = SHA256Hasher.initialState
  }

  public mutating func update(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { update($0) }
  }

  public mutating func update(_ bytes: UnsafeRawBufferPointer) {
    guard let input = bytes.baseAddress, bytes.count > 0 else { return }
    let count = bytes.count
    messageByteCount &+= UInt64(count)
    // Work on locals so the closure below does not overlap accesses to `self`.
    var state = self.state
    var used = pendingCount
    withUnsafeMutableBytes(of: &pending) { block in
      let blockStart = block.baseAddress!
      var offset = 0
      // First top up a partially filled block.
      if used > 0 {
        let take = min(SHA256.blockByteCount - used, count)
        (blockStart + used).copyMemory(from: input, byteCount: take)
        used += take
        offset = take
        if used == SHA256.blockByteCount {
          SHA256Hasher.compress(&state, blocks: UnsafeRawPointer(blockStart), count: 1)
          used = 0
        }
      }
      // Whole blocks are compressed straight from the caller's memory, without copying.
      let wholeBlocks = (count - offset) / SHA256.blockByteCount
      if wholeBlocks > 0 {
        SHA256Hasher.compress(&state, blocks: input + offset, count: wholeBlocks)
        offset += wholeBlocks * SHA256.blockByteCount
      }
      // Keep the tail for the next call (only reached with an empty pending block).
      if offset < count {
        (blockStart + used).copyMemory(from: input + offset, byteCount: count - offset)
        used += count - offset
      }
    }
    self.state = state
    pendingCount = used
  }

  /// Pads the message (FIPS 180-4 §5.1.1), returns the 32-byte digest and resets the hasher to empty.
  public mutating func finalize() -> [UInt8] {
    let bitLength = messageByteCount &* 8
    // 0x80, then zeros up to 56 mod 64, then the length as a 64-bit big-endian number.
    let zeroCount = (SHA256.blockByteCount + 55 - pendingCount) % SHA256.blockByteCount
    var padding: [UInt8] = [0x80]
    padding.reserveCapacity(1 + zeroCount + 8)
    padding.append(contentsOf: repeatElement(0, count: zeroCount))
    for shift in stride(from: 56, through: 0, by: -8) { padding.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
    update(padding)

    var digest: [UInt8] = []
    digest.reserveCapacity(SHA256.digestByteCount)
    for word in [state.h0, state.h1, state.h2, state.h3, state.h4, state.h5, state.h6, state.h7] {
      digest.append(UInt8(truncatingIfNeeded: word >> 24))
      digest.append(UInt8(truncatingIfNeeded: word >> 16))
      digest.append(UInt8(truncatingIfNeeded: word >> 8))
      digest.append(UInt8(truncatingIfNeeded: word))
    }
    self = SHA256Hasher()
    return digest
  }

  // MARK: - Compression (FIPS 180-4 §6.2.2)

  /// Runs the compression function over `count` consecutive 64-byte blocks starting at `blocks`.
  private static func compress(_ state: inout State, blocks: UnsafeRawPointer, count: Int) {
    // The 64-word message schedule lives on the stack, once per call rather than once per block.
    withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { schedule in
      roundConstants.withUnsafeBufferPointer { k in
        for blockIndex in 0..<count {
          let block = blocks + blockIndex * SHA256.blockByteCount
          for t in 0..<16 {
            schedule[t] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: t * 4, as: UInt32.self))
          }
          for t in 16..<64 {
            schedule[t] = smallSigma1(schedule[t - 2]) &+ schedule[t - 7] &+ smallSigma0(schedule[t - 15]) &+ schedule[t - 16]
          }

          var a = state.h0, b = state.h1, c = state.h2, d = state.h3
          var e = state.h4, f = state.h5, g = state.h6, h = state.h7
          for t in 0..<64 {
            let t1 = h &+ bigSigma1(e) &+ choose(e, f, g) &+ k[t] &+ schedule[t]
            let t2 = bigSigma0(a) &+ majority(a, b, c)
            h = g
            g = f
            f = e
            e = d &+ t1
            d = c
            c = b
            b = a
            a = t1 &+ t2
          }
          state.h0 &+= a
          state.h1 &+= b
          state.h2 &+= c
          state.h3 &+= d
          state.h4 &+= e
          state.h5 &+= f
          state.h6 &+= g
          state.h7 &+= h
        }
      }
    }
  }

  // The six logical functions of FIPS 180-4 §4.1.2.
  @inline(__always) private static func rotateRight(_ x: UInt32, _ n: UInt32) -> UInt32 { x >> n | x << (32 - n) }
  @inline(__always) private static func choose(_ x: UInt32, _ y: UInt32, _ z: UInt32) -> UInt32 { (x & y) ^ (~x & z) }
  @inline(__always) private static func majority(_ x: UInt32, _ y: UInt32, _ z: UInt32) -> UInt32 { (x & y) ^ (x & z) ^ (y & z) }
  @inline(__always) private static func bigSigma0(_ x: UInt32) -> UInt32 { rotateRight(x, 2) ^ rotateRight(x, 13) ^ rotateRight(x, 22) }
  @inline(__always) private static func bigSigma1(_ x: UInt32) -> UInt32 { rotateRight(x, 6) ^ rotateRight(x, 11) ^ rotateRight(x, 25) }
  @inline(__always) private static func smallSigma0(_ x: UInt32) -> UInt32 { rotateRight(x, 7) ^ rotateRight(x, 18) ^ (x >> 3) }
  @inline(__always) private static func smallSigma1(_ x: UInt32) -> UInt32 { rotateRight(x, 17) ^ rotateRight(x, 19) ^ (x >> 10) }

  /// H(0), FIPS 180-4 §5.3.3: the first 32 bits of the fractional parts of the square roots of the
  /// first eight primes.
  private static let initialState = State(
    h0: 0x6a09_e667, h1: 0xbb67_ae85, h2: 0x3c6e_f372, h3: 0xa54f_f53a,
    h4: 0x510e_527f, h5: 0x9b05_688c, h6: 0x1f83_d9ab, h7: 0x5be0_cd19)

  /// K, FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first
  /// sixty-four primes, one per round.
  private static let roundConstants: [UInt32] = [
    0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
    0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
    0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
    0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
    0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
    0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
    0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
    0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
  ]
}
