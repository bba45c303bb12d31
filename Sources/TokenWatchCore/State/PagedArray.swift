/// An append-only array kept in fixed-size pages, so that growing never copies what is already
/// there. A plain array of a million 160-byte slots doubles by copying: for a moment it holds
/// the old and the new buffer (up to twice the memory), and the allocator may keep the old
/// blocks afterwards. Here the peak is the size, plus at most one partly filled page.
///
/// Indexing is two array lookups; elements are mutated in place through `_modify`. A value type
/// with copy-on-write per page, like `Array`.
struct PagedArray<Element> {
  private var pages: [[Element]] = []
  private(set) var count = 0

  static var pageShift: Int { 12 }
  static var pageSize: Int { 1 << pageShift }
  private static var pageMask: Int { pageSize - 1 }

  init() {}

  subscript(index: Int) -> Element {
    // `_read` lends the element instead of copying it (no retain of its references).
    _read { yield pages[index >> Self.pageShift][index & Self.pageMask] }
    _modify { yield &pages[index >> Self.pageShift][index & Self.pageMask] }
  }

  /// Consuming: a borrowed element was copied into the page (retaining each reference in it).
  mutating func append(_ element: consuming Element) {
    if count & Self.pageMask == 0 {
      var page: [Element] = []
      // The first page grows as needed (small stores stay small); later ones are made whole.
      if !pages.isEmpty { page.reserveCapacity(Self.pageSize) }
      pages.append(page)
    }
    pages[pages.count - 1].append(consume element)
    count += 1
  }
}

extension PagedArray: Sequence {
  func makeIterator() -> FlattenSequence<[[Element]]>.Iterator { pages.joined().makeIterator() }
}
