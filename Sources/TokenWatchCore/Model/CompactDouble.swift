/// A `Double?` kept in 8 bytes, nil as one NaN bit pattern: as an optional it took 9, and 16
/// with the padding after it. For values that are never NaN, such as an event's coordinates
/// (JSON has no NaN, and the readers keep only finite numbers); equality compares bits, so two
/// nils are equal.
@propertyWrapper
public struct CompactDouble: Equatable, Sendable {
  private static let noneBits = Double.nan.bitPattern
  private var bits: UInt64

  public init(wrappedValue: Double?) { bits = wrappedValue?.bitPattern ?? Self.noneBits }

  public var wrappedValue: Double? {
    get { bits == Self.noneBits ? nil : Double(bitPattern: bits) }
    set { bits = newValue?.bitPattern ?? Self.noneBits }
  }
}
