/// An append-only array kept in fixed-size pages, so that growing never copies what is already
/// there. A plain array of a million 160-byte slots doubles by copying: for a moment it holds
/// the old and the new buffer (up to twice the memory), and the allocator may keep the old
/// blocks afterwards. Here the peak is the size, plus at most one partly filled page.
///
/// A value type with copy-on-write, like `Array`, over pages of raw memory in one shared
/// storage: writing an element checks that storage for uniqueness once. Pages that were arrays
/// in an array checked both levels on every write, two runtime calls, and a keyed store writes
/// its slots several times for every event.
struct PagedArray<Element> {
  static var pageShift: Int { 12 }
  static var pageSize: Int { 1 << pageShift }
  fileprivate static var pageMask: Int { pageSize - 1 }

  fileprivate final class Storage {
    /// The pages, in a table of raw pointers: found without an array's bounds check and
    /// uniqueness test, and stable for `Addresses` until a page is added.
    var pages: UnsafeMutablePointer<UnsafeMutablePointer<Element>>?
    var pageCount = 0
    var pageTableCapacity = 0
    var count = 0
    /// Room in the first page while it is the only one: it grows by doubling (small stores stay
    /// small), and every later page is made whole.
    var firstPageCapacity = 0

    deinit {
      for (pageIndex, start) in zip(0..<pageCount, stride(from: 0, to: count, by: PagedArray.pageSize)) {
        pages![pageIndex].deinitialize(count: Swift.min(PagedArray.pageSize, count - start))
      }
      for pageIndex in 0..<pageCount { pages![pageIndex].deallocate() }
      pages?.deallocate()
    }

    @inline(__always) func address(_ index: Int) -> UnsafeMutablePointer<Element> { PagedArray.address(index, in: pages) }

    func addPage(_ page: UnsafeMutablePointer<Element>) {
      if pageCount == pageTableCapacity {
        let capacity = Swift.max(4, pageTableCapacity * 2)
        let table = UnsafeMutablePointer<UnsafeMutablePointer<Element>>.allocate(capacity: capacity)
        if let pages {
          table.moveInitialize(from: pages, count: pageCount)
          pages.deallocate()
        }
        (pages, pageTableCapacity) = (table, capacity)
      }
      (pages.unsafelyUnwrapped + pageCount).initialize(to: page)
      pageCount += 1
    }

    func append(_ element: consuming Element) {
      if count == firstPageCapacity, firstPageCapacity < PagedArray.pageSize {
        // The first page fills: double it, moving what it holds.
        let capacity = Swift.max(16, Swift.min(PagedArray.pageSize, firstPageCapacity * 2))
        let page = UnsafeMutablePointer<Element>.allocate(capacity: capacity)
        if pageCount > 0 {
          let old = pages![0]
          page.moveInitialize(from: old, count: count)
          old.deallocate()
          pages![0] = page
        } else {
          addPage(page)
        }
        firstPageCapacity = capacity
      } else if count & PagedArray.pageMask == 0, count >= PagedArray.pageSize {
        addPage(.allocate(capacity: PagedArray.pageSize))
      }
      address(count).initialize(to: element)
      count += 1
    }

    /// A storage of its own with copies of every element.
    func copy() -> Storage {
      let copy = Storage()
      for (pageIndex, start) in zip(0..<pageCount, stride(from: 0, to: count, by: PagedArray.pageSize)) {
        let capacity = start == 0 ? firstPageCapacity : PagedArray.pageSize
        let made = UnsafeMutablePointer<Element>.allocate(capacity: capacity)
        made.initialize(from: pages![pageIndex], count: Swift.min(PagedArray.pageSize, count - start))
        copy.addPage(made)
      }
      (copy.count, copy.firstPageCapacity) = (count, firstPageCapacity)
      return copy
    }
  }

  private var storage = Storage()

  init() {}

  var count: Int { storage.count }

  subscript(index: Int) -> Element {
    // `_read` lends the element instead of copying it (no retain of its references).
    _read {
      precondition(index >= 0 && index < storage.count, "index out of range")
      yield storage.address(index).pointee
    }
    _modify {
      precondition(index >= 0 && index < storage.count, "index out of range")
      makeUnique()
      yield &storage.address(index).pointee
    }
  }

  /// `uniqueAddresses()[index]` for a caller that has just written to the array, which made its storage
  /// its own: the uniqueness test is not made again (checked in debug builds).
  mutating func addressAfterWrite(_ index: Int) -> UnsafeMutablePointer<Element> {
    assert(isKnownUniquelyReferenced(&storage), "no write made the storage unique")
    precondition(index >= 0 && index < storage.count, "index out of range")
    return storage.address(index)
  }

  /// Every element's address, in storage of this array's own, for a run of reads and writes
  /// that tests for uniqueness once (each write through the subscript tests again): valid, and
  /// the only way to the elements, until the array is next changed or copied (an append may
  /// move the first page).
  @inline(__always) mutating func uniqueAddresses() -> Addresses {
    makeUnique()
    return Addresses(pages: storage.pages, count: storage.count)
  }

  struct Addresses {
    fileprivate let pages: UnsafeMutablePointer<UnsafeMutablePointer<Element>>?
    fileprivate let count: Int

    subscript(index: Int) -> UnsafeMutablePointer<Element> {
      @inline(__always) get {
        precondition(index >= 0 && index < count, "index out of range")
        return PagedArray.address(index, in: pages)
      }
    }
  }

  /// Element `index` in a table of pages (there must be one).
  @inline(__always) fileprivate static func address(_ index: Int, in pages: UnsafeMutablePointer<UnsafeMutablePointer<Element>>?) -> UnsafeMutablePointer<Element> {
    pages.unsafelyUnwrapped[index >> pageShift] + (index & pageMask)
  }

  /// Consuming: a borrowed element was copied into the page (retaining each reference in it).
  mutating func append(_ element: consuming Element) {
    makeUnique()
    storage.append(element)
  }

  @inline(__always) private mutating func makeUnique() {
    if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
  }
}

extension PagedArray: Sequence {
  struct Iterator: IteratorProtocol {
    fileprivate let storage: Storage
    fileprivate var index = 0

    mutating func next() -> Element? {
      guard index < storage.count else { return nil }
      defer { index += 1 }
      return storage.address(index).pointee
    }
  }

  func makeIterator() -> Iterator { Iterator(storage: storage) }
}
