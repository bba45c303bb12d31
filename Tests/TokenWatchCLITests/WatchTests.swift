import Foundation
import Glibc
import Testing

/// `watch` on a live pipe: alerts must show up while the stream is still open, and SIGTERM must
/// drain, flush and exit 0.
@Suite struct WatchTests {
  let signIn = #"{"time":"2026-03-02T09:00:00Z","kind":"signin","user":"u1","upn":"alice@contoso.example","session":"s1","ip":"73.1.2.3","asn":7922,"country":"US"}"#
  let replay = #"{"time":"2026-03-02T09:03:00Z","kind":"access","user":"u1","upn":"alice@contoso.example","session":"s1","ip":"167.99.1.2","asn":14061,"country":"NL"}"#

  final class Running {
    let process = Process()
    let stdin = Pipe()
    let stdout = Pipe()
    var received = Data()

    init(_ arguments: [String]) throws {
      process.executableURL = CLI.binary
      process.arguments = arguments
      process.currentDirectoryURL = CLI.root
      process.standardInput = stdin
      process.standardOutput = stdout
      process.standardError = FileHandle(forWritingAtPath: "/dev/null")
      try process.run()
    }

    func send(_ line: String) { stdin.fileHandleForWriting.write(Data((line + "\n").utf8)) }

    /// Reads stdout until `predicate` holds or `seconds` pass, without blocking forever.
    func read(until predicate: (String) -> Bool, seconds: Double) -> String {
      let fd = stdout.fileHandleForReading.fileDescriptor
      let deadline = Date().addingTimeInterval(seconds)
      var buffer = [UInt8](repeating: 0, count: 65536)
      while Date() < deadline, !predicate(String(decoding: received, as: UTF8.self)) {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, 100) > 0 else { continue }
        let n = Glibc.read(fd, &buffer, buffer.count)
        if n <= 0 { break }
        received.append(contentsOf: buffer[0..<n])
      }
      return String(decoding: received, as: UTF8.self)
    }
  }

  @Test func alertsArePromptWhileTheStreamIsStillOpen() throws {
    let watch = try Running(["watch", "--quiet", "--output", "ndjson", "--idle-flush", "300ms"])
    watch.send(signIn)
    watch.send(replay)
    // stdin stays open: only the idle flush and the per-batch stdout flush can deliver this.
    let text = watch.read(until: { $0.contains("\"type\":\"alert\"") }, seconds: 10)
    #expect(text.contains("\"rule\":\"TW-001\""))
    try watch.stdin.fileHandleForWriting.close()
    watch.process.waitUntilExit()
    #expect(watch.process.terminationStatus == 0)
  }

  @Test func sigtermDrainsFlushesAndExitsZero() throws {
    // Idle flush off and a long max delay: the alert can only come out through the drain.
    let watch = try Running(["watch", "--quiet", "--output", "ndjson", "--idle-flush", "0s", "--max-delay", "1h"])
    watch.send(signIn)
    watch.send(replay)
    Thread.sleep(forTimeInterval: 0.5)
    #expect(!watch.read(until: { _ in false }, seconds: 0.3).contains("alert"))
    kill(watch.process.processIdentifier, SIGTERM)
    let text = watch.read(until: { $0.contains("\"type\":\"alert\"") }, seconds: 10)
    watch.process.waitUntilExit()
    #expect(watch.process.terminationStatus == 0)
    #expect(text.contains("\"rule\":\"TW-001\""))
  }

  @Test func lateEventsAreProcessedFlaggedAndCounted() throws {
    let lines = [
      #"{"time":"2026-03-02T09:00:00Z","kind":"signin","user":"u1","session":"s1","asn":7922,"country":"US"}"#,
      #"{"time":"2026-03-02T10:00:00Z","kind":"access","user":"u2","session":"s2","asn":7922,"country":"US"}"#,
      #"{"time":"2026-03-02T09:05:00Z","kind":"access","user":"u1","session":"s1","asn":14061,"country":"NL"}"#,
    ]
    let result = try CLI.run(["replay", "-"], input: Data((lines.joined(separator: "\n") + "\n").utf8))
    #expect(result.status == 0)
    #expect(result.stderr.contains("<stdin>:3: warning: [TW206] late event at 2026-03-02T09:05:00.000Z, 55m behind the stream (max delay 10m)"))
    #expect(result.stderr.contains("late events: 1"))
    #expect(result.stdoutText.contains("\"late\":true"))
  }
}
