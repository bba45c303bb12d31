@preconcurrency import Glibc
import Foundation
import Synchronization

/// Serves `GET /metrics` (Prometheus text exposition) from the latest published snapshot.
///
/// One thread, one request at a time: a scrape every few seconds needs nothing more, and a
/// misbehaving client is cut off by a short receive timeout. The engine thread publishes the
/// text; this thread never touches engine state.
final class MetricsServer: @unchecked Sendable {
  private let fd: Int32
  private let published = Mutex("")
  private let stopping = Atomic<Bool>(false)
  private var thread: Thread?

  init(listeningSocket fd: Int32) {
    self.fd = fd
  }

  func publish(_ text: String) { published.withLock { $0 = text } }

  func start() {
    let thread = Thread { [self] in serve() }
    thread.name = "tokenwatch-metrics"
    thread.start()
    self.thread = thread
  }

  func stop() {
    stopping.store(true, ordering: .relaxed)
    shutdown(fd, Int32(SHUT_RDWR))  // wakes the blocked accept
  }

  private func serve() {
    while !stopping.load(ordering: .relaxed) {
      let client = accept(fd, nil, nil)
      if client < 0 {
        if errno == EINTR || errno == ECONNABORTED { continue }
        break
      }
      respond(client)
      close(client)
    }
    close(fd)
  }

  private func respond(_ client: Int32) {
    var timeout = timeval(tv_sec: 2, tv_usec: 0)
    setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    // Read the request head (up to a blank line, 8 KiB at most); only its first line matters.
    var request: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 2048)
    while request.count < 8192 {
      let n = chunk.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
      if n <= 0 { break }
      request.append(contentsOf: chunk[0..<n])
      if request.count >= 4, request.suffix(4) == [13, 10, 13, 10] || request.suffix(2) == [10, 10] { break }
    }
    let firstLine = String(decoding: request.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self)
    let parts = firstLine.split(separator: " ")
    let status: String
    var body: String
    var contentType = "text/plain; charset=utf-8"
    if parts.count >= 2, parts[0] == "GET" || parts[0] == "HEAD" {
      let path = parts[1].split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
      if path == "/metrics" {
        status = "200 OK"
        body = published.withLock { $0 }
        contentType = "text/plain; version=0.0.4; charset=utf-8"
      } else {
        status = "404 Not Found"
        body = "tokenwatch serves /metrics only\n"
      }
      if parts[0] == "HEAD" { body = "" }
    } else {
      status = "405 Method Not Allowed"
      body = "GET /metrics\n"
    }
    let head = "HTTP/1.1 \(status)\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
    _ = Posix.writeAll(client, head + body)
  }
}
