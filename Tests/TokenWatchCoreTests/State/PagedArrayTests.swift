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

  @Test func anEmptyArrayHasNothingToVisit() {
    let empty = PagedArray<Int>()
    #expect(empty.count == 0)
    #expect(Array(empty).isEmpty)
  }
}
