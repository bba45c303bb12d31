import Foundation
import Testing
@testable import TokenWatchIO

@Suite struct LineReaderTests {
  func lines(of bytes: [UInt8], chunk: Int, maxLine: Int = 1 << 20) throws -> [String] {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("lr-\(UUID().uuidString)")
    try Data(bytes).write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    guard case .success(let fd) = Posix.openForReading(url.path) else { throw CocoaError(.fileNoSuchFile) }
    let reader = LineReader(fd: fd, ownsDescriptor: true, maxLineBytes: maxLine, chunkSize: chunk)
    var out: [String] = []
    while let line = reader.next() {
      switch line {
      case .text(let bytes, let number): out.append("\(number):\(String(decoding: bytes, as: UTF8.self))")
      case .oversized(let number, let size): out.append("\(number):oversized \(size)")
      case .idle: out.append("idle")
      }
    }
    return out
  }

  @Test func everyChunkSizeFramesTheSameLines() throws {
    let text = Array("first\r\nsecond line\n\nthird, with no newline at the end".utf8)
    let expected = ["1:first", "2:second line", "3:", "4:third, with no newline at the end"]
    for chunk in 16...64 { #expect(try lines(of: text, chunk: chunk) == expected, "chunk \(chunk)") }
  }

  @Test func oversizedLinesAreSkippedAndCountedWithoutStoppingTheStream() throws {
    let text = Array(("ok\n" + String(repeating: "x", count: 5000) + "\nafter\n" + String(repeating: "y", count: 3000)).utf8)
    #expect(try lines(of: text, chunk: 64, maxLine: 1024) == ["1:ok", "2:oversized 5000", "3:after", "4:oversized 3000"])
  }

  @Test func sinkTurnsQuietWhenTheReaderIsGone() {
    var fds: [Int32] = [0, 0]
    #expect(pipe(&fds) == 0)
    close(fds[0])
    signal(SIGPIPE, SIG_IGN)
    let sink = OutputSink(fd: fds[1])
    sink.write("hello\n")
    sink.flush()
    #expect(sink.isBroken)
    close(fds[1])
  }
}
