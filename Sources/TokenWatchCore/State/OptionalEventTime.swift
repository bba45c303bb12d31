/// An `EventTime?` in 8 bytes. `EventTime?` takes 9, which pads to 16 inside a record; a million
/// records with four such times waste 32 MB on padding. Absence is `Int64.min`, a time no event
/// can carry (parsed times stay within years 0000–9999); a checkpoint that claims it is refused.
public struct OptionalEventTime: Equatable, Sendable {
  private var millis: Int64

  static let absentMillis = Int64.min

  public static let none = OptionalEventTime(nil)

  public init(_ time: EventTime?) { millis = time?.millis ?? Self.absentMillis }

  public var value: EventTime? { millis == Self.absentMillis ? nil : EventTime(millis: millis) }

  public var isNone: Bool { millis == Self.absentMillis }
}

/// A record's `EventTime?` kept as an `OptionalEventTime`: read and written as the optional,
/// its compact form (`$name`) is what a checkpoint lists.
@propertyWrapper
public struct CompactEventTime: Equatable, Sendable {
  public var projectedValue: OptionalEventTime

  public init(wrappedValue: EventTime?) { projectedValue = OptionalEventTime(wrappedValue) }

  public var wrappedValue: EventTime? {
    get { projectedValue.value }
    set { projectedValue = OptionalEventTime(newValue) }
  }
}
