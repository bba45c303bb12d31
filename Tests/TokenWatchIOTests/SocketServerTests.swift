import Foundation
import Synchronization
import Testing
@testable import TokenWatchIO

// All suites sit under SocketServerTests so `--filter SocketServerTests` runs them together.
@Suite struct SocketServerTests {}

// MARK: - Framing (no sockets)

extension SocketServerTests {
  @Suite struct Framing {
    static func describe(_ payload: Frame.Payload) -> String {
      switch payload {
      case .line(let bytes): "line:" + String(decoding: bytes, as: UTF8.self)
      case .unterminated(let bytes): "unterminated:" + String(decoding: bytes, as: UTF8.self)
      case .oversized(let bytes): "oversized:\(bytes)"
      case .problem(let code, let message): "problem:\(code):\(message)"
      case .decoded(let decoded): "decoded:\(decoded.events.count)"
      }
    }

    /// Feeds `input` in pieces of the given sizes (cycled), then finishes.
    static func frames(_ input: [UInt8], pieces: [Int], maxLine: Int) -> [String] {
      var framer = StreamFramer(maxLineBytes: maxLine)
      var out: [String] = []
      var offset = 0
      var index = 0
      while offset < input.count {
        let size = max(1, pieces[index % pieces.count])
        let end = min(input.count, offset + size)
        framer.feed(Array(input[offset..<end])) { out.append(describe($0)) }
        #expect(framer.bufferedBytes <= maxLine + 1)
        offset = end
        index += 1
      }
      framer.finish { out.append(describe($0)) }
      return out
    }

    /// The frames must not depend on how the stream was cut: whole, 1-byte, 7-byte and random
    /// pieces, and (for short inputs) every single split point.
    static func expectSameFramesForEverySplit(_ input: [UInt8], maxLine: Int = 1 << 20, _ expected: [String]) {
      let whole = frames(input, pieces: [input.count], maxLine: maxLine)
      #expect(whole == expected)
      #expect(frames(input, pieces: [1], maxLine: maxLine) == expected, "1-byte pieces")
      #expect(frames(input, pieces: [7], maxLine: maxLine) == expected, "7-byte pieces")
      var random = SplitMix(seed: UInt64(input.count))
      for _ in 0..<20 {
        let pieces = (0..<16).map { _ in Int(random.next() % 40) + 1 }
        #expect(frames(input, pieces: pieces, maxLine: maxLine) == expected, "pieces \(pieces)")
      }
      if input.count <= 4096 {
        for split in 0...input.count {
          let got = frames(input, pieces: [max(split, 1), input.count], maxLine: maxLine)
          if got != expected {
            Issue.record("split at \(split): \(got)")
            return
          }
        }
      }
    }

    static func octet(_ message: String) -> String { "\(message.utf8.count) \(message)" }

    @Test func mixedStreamFramesTheSameWhereverItIsCut() {
      let rfc5424 = #"<14>1 2024-01-01T00:00:00.000Z host app 123 ID47 [ex@32473 k="v\]x" q="a\"b{"][ex@2 z="]"] "# + "\u{FEFF}" + #"{"c":3}"#
      let octetCounted = #"<13>1 2024-01-01T00:00:00Z host app - - - {"d":"line\nbreak {"}"#.replacingOccurrences(of: "\\n", with: "\n")
      let text = #"{"a":1}"# + "\r\n" + "\n" + "\r\n" + "   \n" + #"{"b":2}"# + "\n"
        + rfc5424 + "\n"
        + Self.octet(octetCounted)
        + Self.octet(#"<13>1 2024-01-01T00:00:00Z host app - - [x@1 a="1"] {"d2":true}"# + "\n")
        + #"<13>Jan  1 00:00:00 host app[12]: {"e":5}"# + "\n"
        + #"<13>2024-01-01T00:00:00+00:00 host tag: {"f":6}"# + "\r\n"
        + #"{"tail":"#
      Self.expectSameFramesForEverySplit(Array(text.utf8), [
        #"line:{"a":1}"#, #"line:{"b":2}"#, #"line:{"c":3}"#, "line:{\"d\":\"line\nbreak {\"}", #"line:{"d2":true}"#,
        #"line:{"e":5}"#, #"line:{"f":6}"#, #"unterminated:{"tail":"#,
      ])
    }

    @Test func syslogHeadersOfEveryKindGiveUpTheirJSONPayload() {
      let cases: [(String, String)] = [
        (#"<13>Feb 29 12:34:56 myhost sshd[1234]: [{"arr":1}]"#, #"line:[{"arr":1}]"#),
        (#"<13>Feb  3 12:34:56 tag: {"i":9}"#, #"line:{"i":9}"#),  // no host
        (#"<13>Feb 3 12:34:56 host tag[1]:{"k":1}"#, #"line:{"k":1}"#),  // unpadded day, no space before the payload
        (#"<13>Feb  3 12:34:56 host {"nohost":1}"#, #"line:{"nohost":1}"#),  // no tag
        (#"<13>Feb  3 12:34:56 host app[7]: event follows: {"j": 2} "# + "\u{0}", #"line:{"j": 2}"#),  // text before, NUL after
        (#"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 - {"n":1}"#, #"line:{"n":1}"#),
        (#"<165>1 2003-10-11T22:14:15.003Z host app - - [a@1 x="[{\"]"] "# + "\u{FEFF}" + #"{"bom":1}"#, #"line:{"bom":1}"#),
        (#"<134>2024-06-01T10:00:00.123456+02:00 web01 tokenwatch-fwd: {"rsyslog":1}"#, #"line:{"rsyslog":1}"#),
        (#"<13>Jan  1 00:00:00 host app: hello, no json here"#, "problem:TW209:syslog message without a JSON payload"),
        (#"<13>1 2024-01-01T00:00:00Z host app - - -"#, "problem:TW209:syslog message without a JSON payload"),  // no MSG
        (#"<13>1 2024-01-01T00:00:00Z host app - - [unterminated {"x":1}"#, "problem:TW209:syslog message without a JSON payload"),
      ]
      for (message, expected) in cases {
        #expect(Self.frames(Array((message + "\n").utf8), pieces: [1 << 20], maxLine: 1 << 20) == [expected], "\(message)")
        #expect(Self.frames(Array(Self.octet(message).utf8), pieces: [3], maxLine: 1 << 20) == [expected], "octet-counted \(message)")
      }
    }

    @Test func oversizedLinesAndMessagesAreSkippedAndTheNextOnesArrive() {
      let max = 64
      let long = String(repeating: "x", count: 200)
      let text = "\(long)\n" + #"{"after":1}"# + "\n"
        + String(repeating: "y", count: 100) + "\r\n"  // 100 bytes once the CR is dropped
        + String(repeating: "z", count: 64) + "\r\n"  // exactly the limit: kept
        + String(repeating: "w", count: 65) + "\r\n"  // one over
        + Self.octet("<13>1 - h a - - - {\"big\":\"" + long + "\"}") + Self.octet(#"{"octet":2}"#)
        + "999999999 " + String(repeating: "q", count: 10)  // the stream ends inside a message over the limit
      Self.expectSameFramesForEverySplit(Array(text.utf8), maxLine: max, [
        "oversized:200", #"line:{"after":1}"#, "oversized:100", "line:" + String(repeating: "z", count: 64), "oversized:65",
        "oversized:\(("<13>1 - h a - - - {\"big\":\"" + long + "\"}").utf8.count)", #"line:{"octet":2}"#, "oversized:999999999",
      ])
    }

    @Test func anOversizedLineNeverHoldsMoreThanTheLimit() {
      var framer = StreamFramer(maxLineBytes: 1 << 16)
      var out: [String] = []
      let chunk = [UInt8](repeating: 0x61, count: 65536)
      for _ in 0..<160 {  // 10 MiB without a line feed
        framer.feed(chunk) { out.append(Self.describe($0)) }
        #expect(framer.bufferedBytes <= 1 << 16)
      }
      framer.feed(Array("\n{\"ok\":1}\n".utf8)) { out.append(Self.describe($0)) }
      #expect(out == ["oversized:\(160 * 65536)", #"line:{"ok":1}"#])
    }

    @Test func aBadOctetCountIsReportedAndTheStreamResynchronisesAtTheNextLine() {
      let text = "12x34 junk {\n" + #"{"g":7}"# + "\n"
        + "123\n" + #"{"h":8}"# + "\n"  // the bad byte is the line feed itself
        + "123456789012 too many digits\n" + Self.octet(#"{"i":9}"#)
      Self.expectSameFramesForEverySplit(Array(text.utf8), [
        "problem:TW209:invalid syslog octet count: expected digits and a space, found byte 'x' after \"12\"; skipped to the next line feed",
        #"line:{"g":7}"#,
        "problem:TW209:invalid syslog octet count: expected digits and a space, found byte 0xA after \"123\"; skipped to the next line feed",
        #"line:{"h":8}"#,
        "problem:TW209:invalid syslog octet count: expected digits and a space, found more than 10 digits after \"1234567890\"; skipped to the next line feed",
        #"line:{"i":9}"#,
      ])
    }

    @Test func whatIsLeftAtTheEndOfTheStreamIsReported() {
      #expect(Self.frames(Array("{\"x\":1}\n{\"cut\":\r".utf8), pieces: [5], maxLine: 100) == [#"line:{"x":1}"#, #"unterminated:{"cut":"#])
      #expect(Self.frames(Array("40 <13>1 - h a - - - {\"x\":".utf8), pieces: [5], maxLine: 100) == [#"unterminated:{"x":"#])
      #expect(Self.frames(Array("12".utf8), pieces: [1], maxLine: 100) == [#"problem:TW209:the connection closed inside the syslog octet count "12""#])
      #expect(Self.frames(Array(String(repeating: "a", count: 300).utf8), pieces: [7], maxLine: 100) == ["oversized:300"])
      #expect(Self.frames(Array(" \r\n\n  ".utf8), pieces: [1], maxLine: 100) == [])
    }
  }
}

// MARK: - Addresses

extension SocketServerTests {
  @Suite struct Addresses {
    @Test func validAddressesParseAndPrintCanonically() throws {
      let cases: [(String, String, Bool)] = [
        ("tcp://127.0.0.1:5170", "tcp://127.0.0.1:5170", true),
        ("tcp://127.1.2.3:0", "tcp://127.1.2.3:0", true),
        ("tcp://localhost:65535", "tcp://localhost:65535", true),
        ("tcp://LocalHost:1", "tcp://localhost:1", true),
        ("tcp://[::1]:5170", "tcp://[::1]:5170", true),
        ("tcp://[0:0:0:0:0:0:0:1]:5170", "tcp://[::1]:5170", true),
        ("tcp://[::ffff:127.0.0.1]:9", "tcp://[::ffff:127.0.0.1]:9", true),
        ("tcp://0.0.0.0:5170", "tcp://0.0.0.0:5170", false),
        ("tcp://10.1.2.3:514", "tcp://10.1.2.3:514", false),
        ("tcp://[::]:514", "tcp://[::]:514", false),
        ("tcp://[2001:DB8::1]:514", "tcp://[2001:db8::1]:514", false),
        ("unix:/run/tw.sock", "unix:/run/tw.sock", true),
        ("unix:///run/tw.sock", "unix:/run/tw.sock", true),
        ("unix:relative.sock", "unix:relative.sock", true),
      ]
      for (text, canonical, loopback) in cases {
        let address = try ListenAddress(parsing: text)
        #expect(address.description == canonical)
        #expect(address.isLoopback == loopback, "\(text)")
        #expect(try ListenAddress(parsing: address.description) == address)
      }
    }

    @Test func invalidAddressesSayWhy() {
      let cases: [(String, String)] = [
        ("tcp://127.0.0.1:99999", "invalid port"),
        ("tcp://127.0.0.1:", "invalid port"),
        ("tcp://127.0.0.1:-1", "invalid port"),
        ("tcp://127.0.0.1:80/", "invalid port"),
        ("tcp://127.0.0.1", "expected tcp://HOST:PORT"),
        ("tcp://example.com:80", "not an IPv4 address"),
        ("tcp://::1:80", "brackets"),
        ("tcp://[::1:80", "missing ]"),
        ("tcp://[nope]:80", "not an IPv6 address"),
        ("udp://127.0.0.1:514", "expected tcp://HOST:PORT or unix:/PATH"),
        ("unix:", "missing socket path"),
        ("unix://run/x.sock", "expected unix:/PATH"),
        ("unix:/" + String(repeating: "a", count: 120), "longer than 107 bytes"),
      ]
      for (text, fragment) in cases {
        do {
          let address = try ListenAddress(parsing: text)
          Issue.record("\(text) parsed as \(address)")
        } catch {
          #expect(error.description.contains(fragment), "\(text): \(error)")
          #expect(error.description.hasPrefix("invalid listen address \(text): "))
        }
      }
    }
  }
}

// MARK: - Queue

extension SocketServerTests {
  @Suite struct Queue {
    static func frame(_ n: Int, bytes: Int = 36) -> Frame {
      Frame(source: 0, origin: "test", line: n, payload: .line([UInt8](repeating: 0x61, count: bytes)))
    }

    @Test func pushBlocksWhenFullAndResumesWhenDrained() {
      let queue = FrameQueue(maxBytes: 1000, maxFrames: 1000)  // 10 frames of 100 bytes
      let pushed = Atomic<Int>(0)
      let done = background {
        for n in 1...30 {
          queue.push(Self.frame(n))
          pushed.add(1, ordering: .relaxed)
        }
      }
      #expect(eventually { queue.stats.backpressurePauses > 0 })
      #expect(pushed.load(ordering: .relaxed) == 10)
      #expect(queue.stats.bytes <= 1000)
      var lines: [Int] = []
      while lines.count < 30, let frame = queue.pop(timeoutMillis: 30_000) { lines.append(frame.line) }
      #expect(lines == Array(1...30))
      #expect(done.wait(timeout: .now() + 30) == .success)
      let stats = queue.stats
      #expect(stats.maxBytesSeen <= 1000)
      #expect(stats.pushes == 30)
      #expect(stats.backpressureSeconds > 0)
    }

    @Test func aFrameLargerThanTheBudgetGoesIntoAnEmptyQueue() {
      let queue = FrameQueue(maxBytes: 100, maxFrames: 10)
      #expect(queue.push(Self.frame(1, bytes: 5000)))
      #expect(queue.stats.bytes == 5000 + 64)
      #expect(queue.pop(timeoutMillis: 0)?.line == 1)
      #expect(queue.pop(timeoutMillis: 10) == nil)  // times out
    }

    @Test func maxFramesBoundsTheDepthToo() {
      let queue = FrameQueue(maxBytes: 1 << 20, maxFrames: 3)
      let done = background { for n in 1...4 { queue.push(Self.frame(n)) } }
      #expect(eventually { queue.stats.backpressurePauses == 1 })
      #expect(queue.stats.depth == 3)
      var batch: [Frame] = []
      #expect(queue.popBatch(into: &batch, max: 10, timeoutMillis: 1000))
      #expect(batch.map(\.line) == [1, 2, 3])
      #expect(done.wait(timeout: .now() + 30) == .success)
      #expect(queue.pop(timeoutMillis: 1000)?.line == 4)
    }

    @Test func closeWakesEveryoneAndPopDrainsWhatIsLeft() {
      let queue = FrameQueue(maxBytes: 200, maxFrames: 100)
      queue.push(Self.frame(1))
      let blockedResult = Atomic<Int>(-1)
      let done = background {
        queue.push(Self.frame(2))
        blockedResult.store(queue.push(Self.frame(3)) ? 1 : 0, ordering: .relaxed)  // blocks: no room
      }
      #expect(eventually { queue.stats.backpressurePauses == 1 })
      queue.close()
      #expect(done.wait(timeout: .now() + 30) == .success)
      #expect(blockedResult.load(ordering: .relaxed) == 0)
      #expect(!queue.push(Self.frame(4)))
      #expect(!queue.isClosedAndEmpty)
      var batch: [Frame] = []
      #expect(queue.popBatch(into: &batch, max: 1, timeoutMillis: 0))
      #expect(queue.pop(timeoutMillis: 1000)?.line == 2)
      #expect(queue.pop(timeoutMillis: 1000) == nil)
      #expect(!queue.popBatch(into: &batch, max: 10, timeoutMillis: 1000))
      #expect(batch.map(\.line) == [1])
      #expect(queue.isClosedAndEmpty)
    }

    /// A batch goes in whole and in order, waits for room as one frame would, and counts each frame.
    @Test func aBatchIsPushedWholeInOrderAndWaitsForRoomAsOne() {
      let queue = FrameQueue(maxBytes: 1000, maxFrames: 1000)  // 10 frames of 100 bytes
      #expect(queue.push(contentsOf: (1...4).map { Self.frame($0) }, interrupted: { false }))
      #expect(queue.stats.depth == 4)
      #expect(queue.stats.bytes == 400)
      let done = background {
        _ = queue.push(contentsOf: (5...11).map { Self.frame($0) }, interrupted: { false })  // 700 more: no room
      }
      #expect(eventually { queue.stats.backpressurePauses == 1 })
      #expect(queue.stats.depth == 4)  // none of the batch went in
      var batch: [Frame] = []
      #expect(queue.popBatch(into: &batch, max: 2, timeoutMillis: 1000))
      #expect(queue.popBatch(into: &batch, max: 2, timeoutMillis: 1000))  // drained: the producer is woken
      #expect(done.wait(timeout: .now() + 30) == .success)
      while batch.count < 11, queue.popBatch(into: &batch, max: 10, timeoutMillis: 1000) {}
      #expect(batch.map(\.line) == Array(1...11))
      #expect(queue.stats.pushes == 11)
      #expect(queue.push(contentsOf: [], interrupted: { false }))
      #expect(queue.stats.pushes == 11)
    }

    @Test func anInterruptedPushIsAdmittedOverTheBudget() {
      let queue = FrameQueue(maxBytes: 100, maxFrames: 100)
      queue.push(Self.frame(1))
      let stop = Atomic<Bool>(false)
      let done = background { queue.push(Self.frame(2), interrupted: { stop.load(ordering: .relaxed) }) }
      #expect(eventually { queue.stats.backpressurePauses == 1 })
      stop.store(true, ordering: .relaxed)
      queue.wakeProducers()
      #expect(done.wait(timeout: .now() + 30) == .success)
      #expect(queue.stats.depth == 2)
    }
  }
}

// MARK: - Real sockets

extension SocketServerTests {
  @Suite(.serialized) struct Sockets {
    @Test func tcpAndUnixListenersTakeCRLFLinesFromSocat() throws {
      let unixPath = temporarySocketPath()
      let queue = FrameQueue(maxBytes: 1 << 24, maxFrames: 1 << 20)
      let server = try startServer(["tcp://127.0.0.1:0", "unix:" + unixPath], queue: queue)
      defer { server.stop() }
      let port = try #require(server.boundAddresses[0].port)
      #expect(port != 0)
      var info = stat()
      #expect(lstat(unixPath, &info) == 0 && info.st_mode & 0o777 == 0o600)

      let tcpFile = try temporaryFile((1...50).map { #"{"via":"tcp","n":\#($0)}"# + "\r\n" }.joined())
      let unixFile = try temporaryFile((1...50).map { #"{"via":"unix","n":\#($0)}"# + "\r\n" }.joined())
      let syslogFile = try temporaryFile((1...20).map { n in
        let message = #"<14>1 2024-05-01T12:00:00Z web01 app 42 - [meta k="\]"] {"via":"syslog","n":\#(n)}"#
        return "\(message.utf8.count) \(message)"
      }.joined())
      defer { for file in [tcpFile, unixFile, syslogFile] { unlink(file) } }
      #expect(try runSocat(["-u", "OPEN:" + tcpFile, "TCP:127.0.0.1:\(port)"]) == 0)
      #expect(try runSocat(["-u", "OPEN:" + unixFile, "UNIX-CONNECT:" + unixPath]) == 0)
      #expect(try runSocat(["-u", "OPEN:" + syslogFile, "TCP:127.0.0.1:\(port)"]) == 0)

      let frames = collect(queue) { $0.count >= 120 }
      #expect(frames.count == 120)
      let byOrigin = Dictionary(grouping: frames, by: \.origin)
      #expect(byOrigin.count == 3)
      for (origin, group) in byOrigin {
        let texts = group.map { Framing.describe($0.payload) }
        #expect(group.map(\.line) == Array(1...group.count), "\(origin)")
        if origin.hasPrefix("unix:") {
          #expect(origin == "unix:\(unixPath)<#1>")
          #expect(group.allSatisfy { $0.source == 1 })
          #expect(texts == (1...50).map { #"line:{"via":"unix","n":\#($0)}"# })
        } else {
          #expect(origin.hasPrefix("tcp://127.0.0.1:\(port)<127.0.0.1:") && origin.hasSuffix(">"), "\(origin)")
          #expect(group.allSatisfy { $0.source == 0 })
          let via = group.count == 50 ? "tcp" : "syslog"
          #expect(texts == (1...group.count).map { #"line:{"via":"\#(via)","n":\#($0)}"# })
        }
      }
      #expect(eventually { server.stats.listeners[0].open == 0 && server.stats.listeners[1].open == 0 })
      let stats = server.stats
      #expect(stats.listeners[0].accepted == 2 && stats.listeners[1].accepted == 1)
      #expect(stats.listeners[0].frames == 70 && stats.listeners[1].frames == 50)
      let sent = try fileSize(tcpFile) + fileSize(unixFile) + fileSize(syslogFile)
      #expect(stats.total.bytes == sent)
      server.stop()
      #expect(lstat(unixPath, &info) != 0)  // removed on stop
    }

    @Test func aThousandConcurrentConnectionsLoseNothing() throws {
      let queue = FrameQueue(maxBytes: 1 << 26, maxFrames: 1 << 20)
      let server = try startServer(["tcp://127.0.0.1:0"], queue: queue)
      defer { server.stop() }
      let port = try #require(server.boundAddresses[0].port)
      let connections = 1000
      let linesPerConnection = 12
      let sizes = [1, 3, 7, 13, 2, 29, 5, 17, 11, 41]
      var clients: [Int32] = []
      var pieces: [[[UInt8]]] = []
      var expected: [String] = []
      for c in 0..<connections {
        let fd = Client.tcp(port)
        try #require(fd >= 0, "connection \(c): \(String(cString: strerror(errno)))")
        clients.append(fd)
        var data: [UInt8] = []
        for j in 0..<linesPerConnection {
          let line = #"{"c":\#(c),"j":\#(j),"pad":"\#(String(repeating: "p", count: (c + j) % 23))"}"#
          expected.append(line)
          data += Array(line.utf8) + (j % 3 == 0 ? [0x0D, 0x0A] : [0x0A])
        }
        var split: [[UInt8]] = []
        var offset = 0
        var k = c
        while offset < data.count {
          let end = min(data.count, offset + sizes[k % sizes.count])
          split.append(Array(data[offset..<end]))
          offset = end
          k += 1
        }
        pieces.append(split)
      }
      // Round robin: every connection is open, with a partial line, while the others send.
      let rounds = pieces.map(\.count).max() ?? 0
      for round in 0..<rounds {
        for c in 0..<connections where round < pieces[c].count { #expect(Client.send(clients[c], pieces[c][round])) }
      }
      for fd in clients { close(fd) }

      let frames = collect(queue) { $0.count >= connections * linesPerConnection }
      let received = frames.map { Framing.describe($0.payload) }
      #expect(received.sorted() == expected.map { "line:" + $0 }.sorted())
      let byOrigin = Dictionary(grouping: frames, by: \.origin)
      #expect(byOrigin.count == connections)
      #expect(byOrigin.values.allSatisfy { $0.map(\.line) == Array(1...linesPerConnection) })
      #expect(eventually { server.stats.total.open == 0 })
      #expect(server.stats.total.accepted == connections)
    }

    @Test func aSlowSenderDoesNotHoldUpAFastOne() throws {
      let queue = FrameQueue(maxBytes: 1 << 26, maxFrames: 1 << 20)
      let server = try startServer(["tcp://127.0.0.1:0"], queue: queue)
      defer { server.stop() }
      let port = try #require(server.boundAddresses[0].port)
      let slowLine = Array(#"{"slow":"\#(String(repeating: "s", count: 200))","end":true}"#.utf8)
      let slowStarted = DispatchSemaphore(value: 0)
      let fastReceived = DispatchSemaphore(value: 0)
      let slow = Client.tcp(port)
      try #require(slow >= 0)
      // The slow sender dribbles its line in 20 pieces, 50 ms apart; halfway it waits until every
      // line of the fast sender has been received, so its line is unfinished all that time.
      let slowDone = background {
        let pieceSize = (slowLine.count + 19) / 20
        for (index, start) in stride(from: 0, to: slowLine.count, by: pieceSize).enumerated() {
          _ = Client.send(slow, Array(slowLine[start..<min(slowLine.count, start + pieceSize)]))
          if index == 0 { slowStarted.signal() }
          if index == 9 { _ = fastReceived.wait(timeout: .now() + 60) }
          usleep(50_000)
        }
        _ = Client.send(slow, [0x0A])
        close(slow)
      }
      #expect(slowStarted.wait(timeout: .now() + 30) == .success)
      let fast = Client.tcp(port)
      try #require(fast >= 0)
      var fastData: [UInt8] = []
      for n in 0..<10_000 { fastData += Array(#"{"fast":\#(n)}"#.utf8) + [0x0A] }
      #expect(Client.send(fast, fastData))
      close(fast)

      var frames = collect(queue) { $0.count >= 10_000 }
      #expect(frames.count == 10_000)
      #expect(frames.allSatisfy { Framing.describe($0.payload).hasPrefix(#"line:{"fast":"#) })
      #expect(frames.map(\.line) == Array(1...10_000))
      fastReceived.signal()
      frames = collect(queue) { $0.count >= 1 }
      #expect(frames.map { Framing.describe($0.payload) } == ["line:" + String(decoding: slowLine, as: UTF8.self)])
      #expect(frames.first?.line == 1)
      #expect(slowDone.wait(timeout: .now() + 30) == .success)
    }

    @Test func anOversizedLineIsSkippedAndTheConnectionGoesOn() throws {
      let queue = FrameQueue(maxBytes: 1 << 26, maxFrames: 1 << 20)
      var limits = ListenerLimits()
      limits.maxLineBytes = 1 << 20
      let server = try startServer(["tcp://127.0.0.1:0"], queue: queue, limits: limits)
      defer { server.stop() }
      let fd = Client.tcp(try #require(server.boundAddresses[0].port))
      try #require(fd >= 0)
      let big = 3 << 20
      var data = Array(#"{"before":1}"#.utf8) + [0x0A]
      data += Array(#"{"huge":""#.utf8) + [UInt8](repeating: 0x78, count: big - 11) + Array(#""}"#.utf8) + [0x0A]
      data += Array(#"{"after":2}"#.utf8) + [0x0A]
      let header = "<13>1 - h a - - - "
      data += Array("\(big) \(header)".utf8) + [UInt8](repeating: 0x79, count: big - header.utf8.count)
      let tail = #"<13>1 - h a - - - {"after":3}"#
      data += Array("\(tail.utf8.count) \(tail)".utf8)
      #expect(Client.send(fd, data))
      close(fd)
      let frames = collect(queue) { $0.count >= 5 }
      #expect(frames.map { Framing.describe($0.payload) } == [
        #"line:{"before":1}"#, "oversized:\(big)", #"line:{"after":2}"#, "oversized:\(big)", #"line:{"after":3}"#,
      ])
      #expect(frames.map(\.line) == [1, 2, 3, 4, 5])
      #expect(queue.stats.maxBytesSeen < 64 << 10)  // the big ones never went into the queue
      #expect(eventually { server.stats.total.oversized == 2 })
    }

    @Test func aSenderThatDisconnectsMidLineLeavesAnUnterminatedFrame() throws {
      let queue = FrameQueue(maxBytes: 1 << 26, maxFrames: 1 << 20)
      let server = try startServer(["tcp://127.0.0.1:0"], queue: queue)
      defer { server.stop() }
      let port = try #require(server.boundAddresses[0].port)
      let closing = Client.tcp(port)
      let resetting = Client.tcp(port)
      let steady = Client.tcp(port)
      try #require(closing >= 0 && resetting >= 0 && steady >= 0)
      #expect(Client.send(closing, Array("{\"a\":1}\n{\"a\":".utf8)))
      #expect(Client.send(resetting, Array("{\"r\":1}\n{\"r\":".utf8)))
      #expect(Client.send(steady, Array("{\"s\":0}\n".utf8)))
      #expect(collect(queue) { $0.count >= 3 }.count == 3)  // the partial lines have been read too
      close(closing)
      Client.resetAndClose(resetting)
      for n in 1..<100 { #expect(Client.send(steady, Array("{\"s\":\(n)}\n".utf8))) }
      close(steady)
      let frames = collect(queue) { $0.count >= 101 }
      let texts = Set(frames.map { Framing.describe($0.payload) })
      #expect(texts.contains(#"unterminated:{"a":"#))
      #expect(texts.contains(#"unterminated:{"r":"#))
      #expect(frames.filter { Framing.describe($0.payload).hasPrefix(#"line:{"s":"#) }.count == 99)
      #expect(frames.filter { if case .unterminated = $0.payload { true } else { false } }.map(\.line) == [2, 2])
    }

    @Test func connectionsOverTheLimitAreClosedAndCounted() throws {
      let queue = FrameQueue(maxBytes: 1 << 20, maxFrames: 1 << 16)
      var limits = ListenerLimits()
      limits.maxConnections = 2
      let notices = NoticeLog()
      let server = try startServer(["tcp://127.0.0.1:0"], queue: queue, limits: limits, notices: notices)
      defer { server.stop() }
      let port = try #require(server.boundAddresses[0].port)
      let first = Client.tcp(port)
      let second = Client.tcp(port)
      #expect(Client.send(first, Array("{\"n\":1}\n".utf8)) && Client.send(second, Array("{\"n\":2}\n".utf8)))
      #expect(collect(queue) { $0.count >= 2 }.count == 2)
      let third = Client.tcp(port)
      try #require(third >= 0)
      #expect(Client.waitForClose(third))
      close(third)
      #expect(eventually { server.stats.total.rejected == 1 })
      #expect(notices.lines.contains { $0.contains("closed a new connection from 127.0.0.1:") && $0.contains("2 connections are open, the maximum") })
      close(first)
      #expect(eventually { server.stats.total.open == 1 })
      let fourth = Client.tcp(port)
      #expect(Client.send(fourth, Array("{\"n\":4}\n".utf8)))
      #expect(collect(queue) { $0.count >= 1 }.map { Framing.describe($0.payload) } == [#"line:{"n":4}"#])
      close(second)
      close(fourth)
    }

    @Test func aFullQueueClosesTheSendersWindowAndLosesNothing() throws {
      let maxBytes = 64 << 10
      let queue = FrameQueue(maxBytes: maxBytes, maxFrames: 1 << 20)
      let server = try startServer(["tcp://127.0.0.1:0"], queue: queue)
      defer { server.stop() }
      let fd = Client.tcp(try #require(server.boundAddresses[0].port))
      try #require(fd >= 0)
      let pad = String(repeating: "b", count: 80)
      var data: [UInt8] = []
      var count = 0
      while data.count < 20 << 20 {
        data += Array(#"{"n":\#(count),"pad":"\#(pad)"}"#.utf8) + [0x0A]
        count += 1
      }
      // Nobody pops: the server must stop reading, and the kernel buffers fill up.
      var sent = 0
      var hitWouldBlock = false
      let deadline = Date().addingTimeInterval(30)
      while sent < data.count, Date() < deadline {
        let n = data[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL)) }
        if n > 0 {
          sent += n
        } else if errno == EAGAIN || errno == EWOULDBLOCK {
          // Full for now; with the server blocked on the queue it stays full while nobody pops.
          if !Client.writable(fd, timeoutMillis: 300), queue.stats.backpressurePauses > 0 {
            hitWouldBlock = true
            break
          }
        } else {
          Issue.record("send: \(String(cString: strerror(errno)))")
          break
        }
      }
      #expect(hitWouldBlock, "sent \(sent) of \(data.count) bytes without the window closing")
      #expect(sent < data.count)
      #expect(queue.stats.bytes <= maxBytes)
      #expect(queue.stats.maxBytesSeen <= maxBytes)
      let rest = Array(data[sent...])
      let writer = background {
        _ = Client.send(fd, rest)
        close(fd)
      }
      let frames = collect(queue) { $0.count >= count }
      #expect(writer.wait(timeout: .now() + 30) == .success)
      #expect(frames.count == count)
      #expect(frames.map(\.line) == Array(1...count))
      #expect(frames.last.map { Framing.describe($0.payload) } == #"line:{"n":\#(count - 1),"pad":"\#(pad)"}"#)
      let stats = queue.stats
      #expect(stats.backpressurePauses > 0)
      #expect(stats.maxBytesSeen <= maxBytes)
    }

    @Test func stopInterruptsABlockedPushAndDeliversUnfinishedLines() throws {
      let unixPath = temporarySocketPath()
      let queue = FrameQueue(maxBytes: 4096, maxFrames: 1 << 20)
      let server = try startServer(["unix:" + unixPath], queue: queue)
      let partial = Client.unix(unixPath)
      try #require(partial >= 0)
      #expect(Client.send(partial, Array("{\"p\":0}\n{\"p\":".utf8)))
      #expect(collect(queue) { $0.count >= 1 }.count == 1)
      let flood = Client.unix(unixPath)
      try #require(flood >= 0)
      let floodDone = background {
        var data: [UInt8] = []
        for n in 0..<20_000 { data += Array(#"{"flood":\#(n)}"#.utf8) + [0x0A] }
        _ = Client.send(flood, data)  // fails once the server has stopped
      }
      #expect(eventually { queue.stats.backpressurePauses > 0 })
      let stopped = background { server.stop() }
      #expect(stopped.wait(timeout: .now() + 30) == .success, "stop() did not return")
      var frames: [Frame] = []
      while let frame = queue.pop(timeoutMillis: 0) { frames.append(frame) }
      #expect(frames.contains { $0.origin == "unix:\(unixPath)<#1>" && $0.payload == .unterminated(Array("{\"p\":".utf8)) && $0.line == 2 })
      #expect(frames.contains { $0.origin == "unix:\(unixPath)<#2>" })
      var info = stat()
      #expect(lstat(unixPath, &info) != 0)
      #expect(floodDone.wait(timeout: .now() + 30) == .success)
      close(flood)
      close(partial)
    }

    @Test func idleConnectionsAreClosed() throws {
      let queue = FrameQueue(maxBytes: 1 << 20, maxFrames: 1 << 16)
      var limits = ListenerLimits()
      limits.idleTimeoutSeconds = 0.3
      let notices = NoticeLog()
      let server = try startServer(["tcp://127.0.0.1:0"], queue: queue, limits: limits, notices: notices)
      defer { server.stop() }
      let fd = Client.tcp(try #require(server.boundAddresses[0].port))
      try #require(fd >= 0)
      #expect(Client.send(fd, Array("{\"i\":1}\n{\"i\":".utf8)))
      #expect(Client.waitForClose(fd))
      close(fd)
      let frames = collect(queue) { $0.count >= 2 }
      #expect(frames.map { Framing.describe($0.payload) } == [#"line:{"i":1}"#, #"unterminated:{"i":"#])
      #expect(eventually { server.stats.total.idleClosed == 1 && server.stats.total.open == 0 })
      #expect(notices.lines.contains { $0.contains("closed after 0.3s without data") })
    }

    @Test func dataWaitingOutAStallOnAFullQueueIsNotMistakenForIdleness() throws {
      let queue = FrameQueue(maxBytes: 4096, maxFrames: 1 << 20)
      var limits = ListenerLimits()
      limits.idleTimeoutSeconds = 0.3
      let server = try startServer(["tcp://127.0.0.1:0"], queue: queue, limits: limits)
      defer { server.stop() }
      let port = try #require(server.boundAddresses[0].port)
      let quiet = Client.tcp(port)
      try #require(quiet >= 0)
      #expect(Client.send(quiet, Array("{\"q\":0}\n".utf8)))
      var frames = collect(queue) { $0.count >= 1 }
      let flood = Client.tcp(port)
      try #require(flood >= 0)
      let lines = 5000
      let floodDone = background {
        var data: [UInt8] = []
        for n in 0..<lines { data += Array(#"{"flood":\#(n)}"#.utf8) + [0x0A] }
        _ = Client.send(flood, data)
        close(flood)
      }
      #expect(eventually { queue.stats.backpressurePauses > 0 })
      #expect(Client.send(quiet, Array("{\"q\":1}\n".utf8)))  // waits in the kernel: the server is stalled
      usleep(1_000_000)  // well past the idle timeout, with nothing read
      frames += collect(queue) { $0.count >= lines + 1 }
      #expect(Client.send(quiet, Array("{\"q\":2}\n".utf8)))
      close(quiet)
      frames += collect(queue) { $0.count >= 1 }
      #expect(frames.filter { Framing.describe($0.payload).hasPrefix(#"line:{"q":"#) }.map(\.line) == [1, 2, 3])
      #expect(server.stats.total.idleClosed == 0)
      #expect(floodDone.wait(timeout: .now() + 30) == .success)
    }

    @Test func nonLoopbackNeedsConsentAndPortZeroReportsThePort() throws {
      let queue = FrameQueue(maxBytes: 1 << 20, maxFrames: 1 << 16)
      let refused = SocketServer(listeners: [try ListenAddress(parsing: "tcp://0.0.0.0:0")], allowNonLoopback: false, limits: ListenerLimits(), queue: queue, notice: { _ in })
      #expect(throws: ListenError.notLoopback(try ListenAddress(parsing: "tcp://0.0.0.0:0"))) { try refused.start() }
      do {
        try refused.start()
      } catch {
        #expect(error.description == "tcp://0.0.0.0:0 is not a loopback address; pass --allow-remote to listen on it")
      }

      let consented = SocketServer(listeners: [try ListenAddress(parsing: "tcp://0.0.0.0:0")], allowNonLoopback: true, limits: ListenerLimits(), queue: queue, notice: { _ in })
      try consented.start()
      #expect((consented.boundAddresses[0].port ?? 0) != 0)
      consented.stop()

      let server = try startServer(["tcp://127.0.0.1:0"], queue: queue)
      defer { server.stop() }
      let bound = server.boundAddresses[0]
      let port = try #require(bound.port)
      #expect(port > 0 && bound.description == "tcp://127.0.0.1:\(port)")
      let fd = Client.tcp(port)
      #expect(Client.send(fd, Array("{\"port\":0}\n".utf8)))
      close(fd)
      #expect(collect(queue) { $0.count >= 1 }.first?.origin.hasPrefix("tcp://127.0.0.1:\(port)<") == true)

      let clash = SocketServer(listeners: [bound], allowNonLoopback: false, limits: ListenerLimits(), queue: queue, notice: { _ in })
      #expect(throws: ListenError.cannotBind(bound, reason: "Address already in use")) { try clash.start() }
    }

    @Test func ipv6AndLocalhostListeners() throws {
      let queue = FrameQueue(maxBytes: 1 << 20, maxFrames: 1 << 16)
      let server = try startServer(["tcp://[::1]:0", "tcp://localhost:0"], queue: queue)
      defer { server.stop() }
      let v6 = try #require(server.boundAddresses[0].port)
      let local = try #require(server.boundAddresses[1].port)
      #expect(server.boundAddresses.map(\.description) == ["tcp://[::1]:\(v6)", "tcp://localhost:\(local)"])
      let a = Client.tcp(v6, host: "::1")
      let b = Client.tcp(local, host: "127.0.0.1")
      try #require(a >= 0 && b >= 0)
      #expect(Client.send(a, Array("{\"v\":6}\n".utf8)) && Client.send(b, Array("{\"v\":4}\n".utf8)))
      close(a)
      close(b)
      let origins = collect(queue) { $0.count >= 2 }.map(\.origin).sorted()
      #expect(origins.count == 2)
      #expect(origins.first?.hasPrefix("tcp://[::1]:\(v6)<[::1]:") == true)
      #expect(origins.last?.hasPrefix("tcp://localhost:\(local)<127.0.0.1:") == true)
    }

    @Test func unixSocketFilesAreReplacedOnlyWhenStale() throws {
      let queue = FrameQueue(maxBytes: 1 << 20, maxFrames: 1 << 16)
      let path = temporarySocketPath()
      let address = try ListenAddress(parsing: "unix:" + path)
      // A stale socket file: bound, never accepted on, closed without unlinking.
      let stale = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
      var (storage, length) = SocketAddresses.unix(path)
      #expect(withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(stale, $0, length) } } == 0)
      close(stale)
      let server = SocketServer(listeners: [address], allowNonLoopback: false, limits: ListenerLimits(), queue: queue, notice: { _ in })
      try server.start()
      // While it listens, a second server must not take the path over.
      let second = SocketServer(listeners: [address], allowNonLoopback: false, limits: ListenerLimits(), queue: queue, notice: { _ in })
      #expect(throws: ListenError.cannotBind(address, reason: "another process is listening on it")) { try second.start() }
      server.stopAccepting()
      var info = stat()
      #expect(lstat(path, &info) != 0)
      server.stop()

      let file = path + ".txt"
      #expect(FileManager.default.createFile(atPath: file, contents: Data("keep me".utf8)))
      defer { unlink(file) }
      let notASocket = try ListenAddress(parsing: "unix:" + file)
      let third = SocketServer(listeners: [notASocket], allowNonLoopback: false, limits: ListenerLimits(), queue: queue, notice: { _ in })
      #expect(throws: ListenError.cannotBind(notASocket, reason: "the path exists and is not a socket")) { try third.start() }
      #expect(FileManager.default.contents(atPath: file) == Data("keep me".utf8))
    }
  }
}

// MARK: - Helpers

private func startServer(_ addresses: [String], queue: FrameQueue, limits: ListenerLimits = ListenerLimits(), notices: NoticeLog = NoticeLog()) throws -> SocketServer {
  let server = SocketServer(listeners: try addresses.map { try ListenAddress(parsing: $0) }, allowNonLoopback: false, limits: limits, queue: queue, notice: { notices.append($0) })
  try server.start()
  return server
}

/// Pops until `done` holds or 30 seconds pass.
private func collect(_ queue: FrameQueue, timeout: Double = 30, until done: ([Frame]) -> Bool) -> [Frame] {
  var frames: [Frame] = []
  let deadline = Date().addingTimeInterval(timeout)
  while !done(frames), Date() < deadline {
    _ = queue.popBatch(into: &frames, max: 4096, timeoutMillis: 100)
  }
  return frames
}

/// Polls `condition` for up to 30 seconds.
private func eventually(_ condition: () -> Bool) -> Bool {
  let deadline = Date().addingTimeInterval(30)
  while Date() < deadline {
    if condition() { return true }
    usleep(5_000)
  }
  return condition()
}

private func background(_ body: @escaping @Sendable () -> Void) -> DispatchSemaphore {
  let done = DispatchSemaphore(value: 0)
  let thread = Thread {
    body()
    done.signal()
  }
  thread.start()
  return done
}

private final class NoticeLog: Sendable {
  private let storage = Mutex<[String]>([])
  func append(_ line: String) { storage.withLock { $0.append(line) } }
  var lines: [String] { storage.withLock { $0 } }
}

private let socketCounter = Atomic<Int>(0)

private func temporarySocketPath() -> String {
  "/tmp/twl-\(getpid())-\(socketCounter.add(1, ordering: .relaxed).newValue).sock"
}

private func temporaryFile(_ text: String) throws -> String {
  let path = "/tmp/twl-\(getpid())-\(socketCounter.add(1, ordering: .relaxed).newValue).txt"
  try Data(text.utf8).write(to: URL(fileURLWithPath: path))
  return path
}

private func fileSize(_ path: String) throws -> Int {
  (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
}

/// Runs socat to completion (killed after 30 s); its exit status.
private func runSocat(_ arguments: [String]) throws -> Int32 {
  guard let socat = ["/usr/bin/socat", "/bin/socat", "/usr/local/bin/socat"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
    Issue.record("socat is not installed")
    return -1
  }
  let process = Process()
  process.executableURL = URL(fileURLWithPath: socat)
  process.arguments = arguments
  try process.run()
  let deadline = Date().addingTimeInterval(30)
  while process.isRunning, Date() < deadline { usleep(10_000) }
  if process.isRunning {
    kill(process.processIdentifier, SIGKILL)  // children may inherit a blocked SIGTERM
    process.waitUntilExit()
    Issue.record("socat \(arguments) did not finish")
  }
  return process.terminationStatus
}

/// Plain blocking client sockets, for precise control over what is sent when.
private enum Client {
  static func tcp(_ port: Int, host: String = "127.0.0.1") -> Int32 {
    var (storage, length) = SocketAddresses.tcp(host: host, port: port)
    let fd = socket(Int32(storage.ss_family), Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { return -1 }
    let connected = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, length) } }
    if connected != 0 {
      close(fd)
      return -1
    }
    return fd
  }

  static func unix(_ path: String) -> Int32 {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { return -1 }
    var (storage, length) = SocketAddresses.unix(path)
    let connected = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, length) } }
    if connected != 0 {
      close(fd)
      return -1
    }
    return fd
  }

  /// Sends everything (blocking); false if the peer went away.
  static func send(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBytes { raw in
      var offset = 0
      while offset < raw.count {
        let n = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
        if n < 0 {
          if errno == EINTR { continue }
          return false
        }
        offset += n
      }
      return true
    }
  }

  static func writable(_ fd: Int32, timeoutMillis: Int32) -> Bool {
    var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
    return poll(&descriptor, 1, timeoutMillis) > 0
  }

  /// True once the server has closed the connection (EOF or reset) within 30 seconds.
  static func waitForClose(_ fd: Int32) -> Bool {
    let deadline = Date().addingTimeInterval(30)
    var byte: UInt8 = 0
    while Date() < deadline {
      var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      guard poll(&descriptor, 1, 100) > 0 else { continue }
      let n = recv(fd, &byte, 1, 0)
      if n == 0 || (n < 0 && errno == ECONNRESET) { return true }
    }
    return false
  }

  /// Closes with SO_LINGER 0, which sends a reset instead of a FIN.
  static func resetAndClose(_ fd: Int32) {
    var option = linger(l_onoff: 1, l_linger: 0)
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
    close(fd)
  }
}

/// A small deterministic generator for random split points.
private struct SplitMix {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
