@preconcurrency import Glibc

/// A bound, listening socket.
struct ListeningSocket {
  var fd: Int32
  /// The address with the port the kernel picked for port 0.
  var address: ListenAddress
  /// The socket file a unix listener created, so only that very file is removed at the end.
  var socketFile: (device: UInt, inode: UInt)?

  /// Creates, binds and listens. tcp sockets get SO_REUSEADDR; a unix socket file left behind by
  /// a process that is gone is replaced, and the new one is made private to this user (0600).
  static func open(_ address: ListenAddress) throws(ListenError) -> ListeningSocket {
    switch address {
    case .tcp(let host, let port):
      var (storage, length) = SocketAddresses.tcp(host: host, port: port)
      let fd = socket(Int32(storage.ss_family), Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
      guard fd >= 0 else { throw .cannotBind(address, reason: Posix.errorDescription(errno)) }
      var on: Int32 = 1
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
      let bound = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
      guard bound == 0, listen(fd, SOMAXCONN) == 0 else {
        let code = errno
        Glibc.close(fd)
        throw .cannotBind(address, reason: Posix.errorDescription(code))
      }
      return ListeningSocket(fd: fd, address: .tcp(host: host, port: SocketAddresses.localPort(fd) ?? port), socketFile: nil)

    case .unix(let path):
      try removeStaleSocketFile(path, address)
      var (storage, length) = SocketAddresses.unix(path)
      let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
      guard fd >= 0 else { throw .cannotBind(address, reason: Posix.errorDescription(errno)) }
      let bound = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
      guard bound == 0 else {
        let code = errno
        Glibc.close(fd)
        throw .cannotBind(address, reason: Posix.errorDescription(code))
      }
      // Nobody can connect before listen(), so there is no window with looser permissions.
      var info = stat()
      guard chmod(path, 0o600) == 0, lstat(path, &info) == 0, listen(fd, SOMAXCONN) == 0 else {
        let code = errno
        Glibc.close(fd)
        unlink(path)
        throw .cannotBind(address, reason: Posix.errorDescription(code))
      }
      return ListeningSocket(fd: fd, address: address, socketFile: (UInt(info.st_dev), UInt(info.st_ino)))
    }
  }

  /// A socket file nobody accepts on is what a killed process leaves behind: remove it. Anything
  /// else at the path (a live socket, a regular file) is an error, never silently replaced.
  private static func removeStaleSocketFile(_ path: String, _ address: ListenAddress) throws(ListenError) {
    var info = stat()
    guard lstat(path, &info) == 0 else { return }
    guard info.st_mode & S_IFMT == S_IFSOCK else { throw .cannotBind(address, reason: "the path exists and is not a socket") }
    var (storage, length) = SocketAddresses.unix(path)
    let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard probe >= 0 else { throw .cannotBind(address, reason: Posix.errorDescription(errno)) }
    let connected = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(probe, $0, length) } }
    let code = errno
    Glibc.close(probe)
    if connected == 0 { throw .cannotBind(address, reason: "another process is listening on it") }
    guard code == ECONNREFUSED else { throw .cannotBind(address, reason: Posix.errorDescription(code)) }
    unlink(path)
  }

  /// Closes the socket and removes the unix socket file it created (if it is still that file).
  mutating func close() {
    guard fd >= 0 else { return }
    Glibc.close(fd)
    fd = -1
    if case .unix(let path) = address, let file = socketFile {
      var info = stat()
      if lstat(path, &info) == 0, UInt(info.st_dev) == file.device, UInt(info.st_ino) == file.inode { unlink(path) }
    }
  }
}

enum SocketAddresses {
  /// localhost means 127.0.0.1; `host` is a valid literal (ListenAddress checked it).
  static func tcp(host: String, port: Int) -> (sockaddr_storage, socklen_t) {
    var storage = sockaddr_storage()
    let literal = host == "localhost" ? "127.0.0.1" : host
    var v4 = in_addr()
    if inet_pton(AF_INET, literal, &v4) == 1 {
      var address = sockaddr_in()
      address.sin_family = sa_family_t(AF_INET)
      address.sin_port = in_port_t(UInt16(port).bigEndian)
      address.sin_addr = v4
      withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: address, as: sockaddr_in.self) }
      return (storage, socklen_t(MemoryLayout<sockaddr_in>.size))
    }
    var address = sockaddr_in6()
    address.sin6_family = sa_family_t(AF_INET6)
    address.sin6_port = in_port_t(UInt16(port).bigEndian)
    _ = inet_pton(AF_INET6, literal, &address.sin6_addr)
    withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: address, as: sockaddr_in6.self) }
    return (storage, socklen_t(MemoryLayout<sockaddr_in6>.size))
  }

  /// `path` fits sun_path (ListenAddress checked it).
  static func unix(_ path: String) -> (sockaddr_un, socklen_t) {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
      for (index, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[index] = byte }
    }
    return (address, socklen_t(MemoryLayout<sockaddr_un>.size))
  }

  static func localPort(_ fd: Int32) -> Int? {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let ok = withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    guard ok == 0 else { return nil }
    return describe(&storage)?.port
  }

  /// "127.0.0.1:40522" or "[::1]:40522"; nil for other families.
  static func describe(_ storage: inout sockaddr_storage) -> (text: String, port: Int)? {
    var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
    switch Int32(storage.ss_family) {
    case AF_INET:
      var address = withUnsafeBytes(of: &storage) { $0.load(as: sockaddr_in.self) }
      guard inet_ntop(AF_INET, &address.sin_addr, &buffer, socklen_t(buffer.count)) != nil else { return nil }
      let port = Int(UInt16(bigEndian: address.sin_port))
      return ("\(Posix.string(fromCBuffer: buffer)):\(port)", port)
    case AF_INET6:
      var address = withUnsafeBytes(of: &storage) { $0.load(as: sockaddr_in6.self) }
      guard inet_ntop(AF_INET6, &address.sin6_addr, &buffer, socklen_t(buffer.count)) != nil else { return nil }
      let port = Int(UInt16(bigEndian: address.sin6_port))
      return ("[\(Posix.string(fromCBuffer: buffer))]:\(port)", port)
    default:
      return nil
    }
  }
}
