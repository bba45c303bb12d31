@preconcurrency import Glibc

// The Glibc module map leaves out <sys/epoll.h> and <sys/eventfd.h>, and accept4 is declared only
// under _GNU_SOURCE, so these are declared here against their C symbols. They take and return
// plain integers and pointers, which Swift passes exactly as C does on the Linux ABIs we build for.
@_silgen_name("epoll_create1") private func c_epoll_create1(_ flags: Int32) -> Int32
@_silgen_name("epoll_ctl") private func c_epoll_ctl(_ epfd: Int32, _ op: Int32, _ fd: Int32, _ event: UnsafeMutableRawPointer?) -> Int32
@_silgen_name("epoll_wait") private func c_epoll_wait(_ epfd: Int32, _ events: UnsafeMutableRawPointer, _ maxEvents: Int32, _ timeout: Int32) -> Int32
@_silgen_name("eventfd") private func c_eventfd(_ initial: UInt32, _ flags: Int32) -> Int32
@_silgen_name("accept4") private func c_accept4(_ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>?, _ length: UnsafeMutablePointer<socklen_t>?, _ flags: Int32) -> Int32

/// Level-triggered epoll with a 64-bit token per descriptor.
enum Epoll {
  static let readable: UInt32 = 0x001  // EPOLLIN
  // struct epoll_event is packed on x86-64 (12 bytes) and naturally aligned elsewhere (16 bytes).
  #if arch(x86_64)
    static let eventSize = 12
    static let tokenOffset = 4
  #else
    static let eventSize = 16
    static let tokenOffset = 8
  #endif

  /// EPOLL_CLOEXEC is O_CLOEXEC.
  static func create() -> Int32 { c_epoll_create1(O_CLOEXEC) }

  static func add(_ epfd: Int32, _ fd: Int32, token: UInt64) -> Bool {
    withUnsafeTemporaryAllocation(byteCount: eventSize, alignment: 8) { event in
      event.storeBytes(of: readable, toByteOffset: 0, as: UInt32.self)
      event.storeBytes(of: token, toByteOffset: tokenOffset, as: UInt64.self)
      return c_epoll_ctl(epfd, 1 /* EPOLL_CTL_ADD */, fd, event.baseAddress) == 0
    }
  }

  static func wait(_ epfd: Int32, _ events: UnsafeMutableRawPointer, capacity: Int, timeoutMillis: Int32) -> Int32 {
    c_epoll_wait(epfd, events, Int32(capacity), timeoutMillis)
  }

  static func token(_ events: UnsafeMutableRawPointer, at index: Int) -> UInt64 {
    UnsafeRawPointer(events).loadUnaligned(fromByteOffset: index * eventSize + tokenOffset, as: UInt64.self)
  }
}

enum LinuxSockets {
  /// An eventfd for waking the loop: EFD_NONBLOCK and EFD_CLOEXEC are O_NONBLOCK and O_CLOEXEC.
  static func eventFD() -> Int32 { c_eventfd(0, O_NONBLOCK | O_CLOEXEC) }

  static func accept(_ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>?, _ length: UnsafeMutablePointer<socklen_t>?) -> Int32 {
    c_accept4(fd, address, length, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
  }

  static func signal(_ eventFD: Int32) {
    var one: UInt64 = 1
    _ = Glibc.write(eventFD, &one, 8)
  }

  static func drain(_ eventFD: Int32) {
    var value: UInt64 = 0
    _ = Glibc.read(eventFD, &value, 8)
  }

  /// Raises the soft open-file limit to the hard limit so thousands of connections fit under a
  /// default soft limit of 1024. Returns the soft limit in force afterwards.
  static func raiseOpenFileLimit(atLeast needed: Int) -> Int {
    let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    var limit = rlimit()
    guard getrlimit(resource, &limit) == 0 else { return needed }
    let unlimited = rlim_t.max  // RLIM_INFINITY
    let target = limit.rlim_max == unlimited ? max(limit.rlim_cur, rlim_t(needed)) : limit.rlim_max
    if target > limit.rlim_cur {
      var raised = limit
      raised.rlim_cur = target
      if setrlimit(resource, &raised) == 0 { limit = raised }
    }
    return limit.rlim_cur == unlimited ? Int.max : Int(limit.rlim_cur)
  }
}
