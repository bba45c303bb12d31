@preconcurrency import Glibc

/// Where `watch --listen` accepts connections: `tcp://HOST:PORT` (an IPv4 literal, `[IPv6]` or
/// `localhost`; port 0 picks a free port) or `unix:/path/to.sock` (also `unix:///path`).
public enum ListenAddress: Sendable, Hashable, CustomStringConvertible {
  /// `host` is canonical: dotted IPv4, IPv6 without brackets, or "localhost".
  case tcp(host: String, port: Int)
  case unix(path: String)

  public init(parsing text: String) throws(ListenError) {
    func invalid(_ reason: String) -> ListenError { .invalidAddress(text, reason: reason) }
    if text.hasPrefix("tcp://") {
      let rest = text.dropFirst(6)
      let host: String
      let portText: Substring
      if rest.hasPrefix("[") {
        guard let close = rest.firstIndex(of: "]") else { throw invalid("missing ] after the IPv6 address") }
        let literal = String(rest[rest.index(after: rest.startIndex)..<close])
        guard let canonical = Self.canonicalIP(literal, family: AF_INET6) else { throw invalid("\"\(literal)\" is not an IPv6 address") }
        let after = rest[rest.index(after: close)...]
        guard after.hasPrefix(":") else { throw invalid("expected tcp://[IPV6]:PORT") }
        host = canonical
        portText = after.dropFirst()
      } else {
        guard let colon = rest.lastIndex(of: ":") else { throw invalid("expected tcp://HOST:PORT") }
        let name = String(rest[..<colon])
        portText = rest[rest.index(after: colon)...]
        if name.lowercased() == "localhost" {
          host = "localhost"
        } else if let canonical = Self.canonicalIP(name, family: AF_INET) {
          host = canonical
        } else if name.contains(":") {
          throw invalid("write an IPv6 address in brackets, as in tcp://[::1]:5170")
        } else {
          throw invalid("\"\(name)\" is not an IPv4 address, [IPv6] address or localhost (host names are not resolved)")
        }
      }
      guard !portText.isEmpty, portText.utf8.count <= 5, portText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
        let port = Int(portText), port <= 65535
      else { throw invalid("invalid port \"\(portText)\" (expected 0 to 65535)") }
      self = .tcp(host: host, port: port)
    } else if text.hasPrefix("unix:") {
      var path = text.dropFirst(5)
      if path.hasPrefix("//") {
        path = path.dropFirst(2)
        guard path.hasPrefix("/") else { throw invalid("expected unix:/PATH or unix:///PATH") }
      }
      guard !path.isEmpty else { throw invalid("missing socket path") }
      guard !path.utf8.contains(0) else { throw invalid("the path contains a NUL byte") }
      // sun_path holds 108 bytes including the terminating NUL.
      guard path.utf8.count <= 107 else { throw invalid("the socket path is longer than 107 bytes") }
      self = .unix(path: String(path))
    } else {
      throw invalid("expected tcp://HOST:PORT or unix:/PATH")
    }
  }

  public var description: String {
    switch self {
    case .tcp(let host, let port): host.contains(":") ? "tcp://[\(host)]:\(port)" : "tcp://\(host):\(port)"
    case .unix(let path): "unix:\(path)"
    }
  }

  /// 127.0.0.0/8, ::1 (also as ::ffff:127.x.y.z), localhost, and every unix socket.
  public var isLoopback: Bool {
    switch self {
    case .unix: return true
    case .tcp(let host, _):
      if host == "localhost" { return true }
      var v4 = in_addr()
      if inet_pton(AF_INET, host, &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
      var v6 = in6_addr()
      guard inet_pton(AF_INET6, host, &v6) == 1 else { return false }
      return withUnsafeBytes(of: &v6) { b in
        if b[0..<15].allSatisfy({ $0 == 0 }) && b[15] == 1 { return true }
        return b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xFF && b[11] == 0xFF && b[12] == 127
      }
    }
  }

  public var port: Int? {
    if case .tcp(_, let port) = self { return port }
    return nil
  }

  /// The literal re-printed by inet_ntop (so "::0001" becomes "::1"); nil if it is not one.
  static func canonicalIP(_ text: String, family: Int32) -> String? {
    var address = in6_addr()  // large enough for either family
    guard inet_pton(family, text, &address) == 1 else { return nil }
    var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
    guard inet_ntop(family, &address, &buffer, socklen_t(buffer.count)) != nil else { return nil }
    return Posix.string(fromCBuffer: buffer)
  }
}

public enum ListenError: Error, CustomStringConvertible, Sendable, Equatable {
  case invalidAddress(String, reason: String)
  /// Listening beyond this machine needs explicit consent.
  case notLoopback(ListenAddress)
  case cannotBind(ListenAddress, reason: String)
  /// The event loop or its thread could not be set up.
  case system(String)

  public var description: String {
    switch self {
    case .invalidAddress(let text, let reason): "invalid listen address \(text): \(reason)"
    case .notLoopback(let address): "\(address) is not a loopback address; pass --allow-remote to listen on it"
    case .cannotBind(let address, let reason): "cannot bind \(address): \(reason)"
    case .system(let reason): "cannot listen: \(reason)"
    }
  }
}
