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
    var pages: [UnsafeMutablePointer<Element>] = []
    var count = 0
    /// Room in the first page while it is the only one: it grows by doubling (small stores stay
    /// small), and every later page is made whole.
    var firstPageCapacity = 0

    deinit {
      for (page, start) in zip(pages, stride(from: 0, to: count, by: PagedArray.pageSize)) {
        page.deinitialize(count: Swift.min(PagedArray.pageSize, count - start))
      }
      for page in pages { page.deallocate() }
    }

    @inline(__always) func address(_ index: Int) -> UnsafeMutablePointer<Element> {
      pages[index >> PagedArray.pageShift] + (index & PagedArray.pageMask)
    }

    func append(_ element: consuming Element) {
      if count == firstPageCapacity, firstPageCapacity < PagedArray.pageSize {
        // The first page fills: double it, moving what it holds.
        let capacity = Swift.max(16, Swift.min(PagedArray.pageSize, firstPageCapacity * 2))
        let page = UnsafeMutablePointer<Element>.allocate(capacity: capacity)
        if let old = pages.first {
          page.moveInitialize(from: old, count: count)
          old.deallocate()
          pages[0] = page
        } else {
          pages.append(page)
        }
        firstPageCapacity = capacity
      } else if count & PagedArray.pageMask == 0, count >= PagedArray.pageSize {
        pages.append(.allocate(capacity: PagedArray.pageSize))
      }
      (pages[count >> PagedArray.pageShift] + (count & PagedArray.pageMask)).initialize(to: element)
      count += 1
    }

    /// A storage of its own with copies of every element.
    func copy() -> Storage {
      let copy = Storage()
      for (page, start) in zip(pages, stride(from: 0, to: count, by: PagedArray.pageSize)) {
        let capacity = start == 0 ? firstPageCapacity : PagedArray.pageSize
        let made = UnsafeMutablePointer<Element>.allocate(capacity: capacity)
        made.initialize(from: page, count: Swift.min(PagedArray.pageSize, count - start))
        copy.pages.append(made)
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

  /// Where element `index` lives, in storage of this array's own: valid, and the only way to
  /// it, until the array is next changed or copied (an append may move the first page).
  mutating func uniqueAddress(_ index: Int) -> UnsafeMutablePointer<Element> {
    precondition(index >= 0 && index < storage.count, "index out of range")
    makeUnique()
    return storage.address(index)
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
