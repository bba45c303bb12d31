import Testing

@testable import TokenWatchJSON

/// What a key order remembers per place, and where its places end.
@Suite struct JSONKeyOrderTests {
  func remember(_ place: JSONKeyOrder.Place, _ text: String, key: Int?) {
    let bytes = Array(text.utf8)
    bytes.withUnsafeBufferPointer { place.remember($0.baseAddress!, count: $0.count, key: key) }
  }

  func pattern(_ place: JSONKeyOrder.Place) -> String {
    String(decoding: UnsafeBufferPointer(start: place.pattern, count: place.count), as: UTF8.self)
  }

  @Test func aPlaceKeepsItsPatternAndKeyUntilReplaced() throws {
    let order = JSONKeyOrder(kinds: 2)
    var cursor = order.cursor(1)
    let firstPlace = cursor.advance()
    let first = try #require(firstPlace)
    #expect(first.count == 0)  // nothing remembered yet
    remember(first, #""userId":"#, key: 3)
    let secondPlace = cursor.advance()
    let second = try #require(secondPlace)
    remember(second, #""unknown":"#, key: nil)
    // A new walk over the same kind finds them in order; another kind shares nothing.
    var again = order.cursor(1)
    let onePlace = again.advance()
    let one = try #require(onePlace)
    #expect(pattern(one) == #""userId":"#)
    #expect(one.key == 3)
    let twoPlace = again.advance()
    let two = try #require(twoPlace)
    #expect(pattern(two) == #""unknown":"#)
    #expect(two.key == nil)
    var other = order.cursor(0)
    let otherFirstPlace = other.advance()
    let otherFirst = try #require(otherFirstPlace)
    #expect(otherFirst.count == 0)
    // Replaced by a shorter key, and forgotten for one too long to keep.
    remember(one, #""id":"#, key: 0)
    #expect(pattern(one) == #""id":"#)
    #expect(one.key == 0)
    remember(one, "\"" + String(repeating: "k", count: JSONKeyOrder.maxPattern) + "\":", key: 1)
    #expect(one.count == 0)
    // The longest pattern kept fills its place without touching the next one.
    let longest = "\"" + String(repeating: "k", count: JSONKeyOrder.maxPattern - 3) + "\":"
    remember(one, longest, key: 2)
    #expect(pattern(one) == longest)
    #expect(pattern(two) == #""unknown":"#)
    #expect(two.key == nil)
  }

  @Test func aCursorHasExactlyPlacesPlaces() {
    let order = JSONKeyOrder(kinds: 3)
    for kind in 0..<3 {
      var cursor = order.cursor(kind)
      var count = 0
      while let _ = cursor.advance() { count += 1 }
      #expect(count == JSONKeyOrder.places)
    }
    var none = JSONKeyOrder.Cursor.none
    let nothing = none.advance()
    #expect(nothing == nil)
  }
}
