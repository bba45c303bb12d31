import Testing
@testable import TokenWatchCore

@Suite struct PagedArrayTests {
  @Test func appendsAcrossPagesAndMutatesInPlace() {
    var paged = PagedArray<[Int]>()
    let n = PagedArray<[Int]>.pageSize * 2 + 17
    for i in 0..<n { paged.append([i]) }
    #expect(paged.count == n)
    for i in [0, 1, PagedArray<[Int]>.pageSize - 1, PagedArray<[Int]>.pageSize, n - 1] { #expect(paged[i] == [i]) }
    paged[PagedArray<[Int]>.pageSize].append(-1)
    #expect(paged[PagedArray<[Int]>.pageSize] == [PagedArray<[Int]>.pageSize, -1])
    #expect(Array(paged).map { $0[0] } == Array(0..<n))
  }

  @Test func copiesAreIndependent() {
    var a = PagedArray<String>()
    for i in 0..<10 { a.append("\(i)") }
    var b = a
    b[3] = "changed"
    b.append("new")
    #expect(a[3] == "3" && a.count == 10)
    #expect(b[3] == "changed" && b.count == 11)
  }

  /// Copies made at every stage of growth (the first page doubling, then whole pages) keep
  /// their elements, and writing to either side leaves the other as it was.
  @Test func copiesAtEverySizeAreIndependent() {
    var original = PagedArray<String>()
    var copies: [(PagedArray<String>, Int)] = []
    for i in 0..<(PagedArray<String>.pageSize + 40) {
      if [0, 1, 16, 17, 100, PagedArray<String>.pageSize, PagedArray<String>.pageSize + 1].contains(i) { copies.append((original, i)) }
      original.append("element \(i)")
    }
    for (copy, count) in copies {
      var copy = copy
      #expect(copy.count == count)
      #expect(Array(copy) == (0..<count).map { "element \($0)" })
      copy.append("only in the copy")
      if count > 0 { copy[count - 1] = "changed in the copy" }
    }
    #expect(Array(original) == (0..<(PagedArray<String>.pageSize + 40)).map { "element \($0)" })
  }

  /// An element's address is the array's own: writing through it changes this array, not a
  /// copy that shared its storage, and the address is where subscripting finds the element.
  @Test func aUniqueAddressIsOnlyThisArrays() {
    var a = PagedArray<String>()
    for i in 0..<(PagedArray<String>.pageSize + 3) { a.append("\(i)") }
    let b = a
    for index in [2, PagedArray<String>.pageSize + 1] {
      a.uniqueAddresses()[index].pointee = "written"
      #expect(a[index] == "written")
      #expect(b[index] == "\(index)")
    }
  }

  @Test func anEmptyArrayHasNothingToVisit() {
    let empty = PagedArray<Int>()
    #expect(empty.count == 0)
    #expect(Array(empty).isEmpty)
  }
}
