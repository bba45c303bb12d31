import Foundation

/// Reads and decodes stdin on its own thread and hands each line to the frame queue, so `watch`
/// can take stdin and sockets at once with the same back-pressure (when the queue is full the
/// pump stops reading and the writer into the pipe blocks), and parses on a second core.
final class StdinPump: @unchecked Sendable {
  private let reader: LineReader
  private let queue: FrameQueue
  private let source: Int
  private let onEnd: @Sendable () -> Void
  private let decoder: FrameDecoder
  private var thread: Thread?

  static let origin = "<stdin>"

  init(maxLineBytes: Int, queue: FrameQueue, source: Int, decoder: FrameDecoder, onEnd: @escaping @Sendable () -> Void) {
    self.decoder = decoder
    reader = LineReader(fd: 0, ownsDescriptor: false, maxLineBytes: maxLineBytes)
    reader.shouldStop = { Signals.isStopRequested }
    self.queue = queue
    self.source = source
    self.onEnd = onEnd
  }

  func start() {
    let thread = Thread { [self] in pump() }
    thread.name = "tokenwatch-stdin"
    thread.start()
    self.thread = thread
  }

  private func pump() {
    // Decoded lines are handed over before a read that may block (`FrameQueue.handOverBatch`).
    var batch: [Frame] = []
    batch.reserveCapacity(FrameQueue.handOverBatch)
    while let line = reader.next() {
      let frame: Frame
      switch line {
      case .idle: continue
      case .text(let bytes, let number): frame = Frame(source: source, origin: StdinPump.origin, line: number, payload: .line(Array(bytes)))
      case .oversized(let number, let bytes): frame = Frame(source: source, origin: StdinPump.origin, line: number, payload: .oversized(bytes: bytes))
      }
      batch.append(decoder.decode(frame))
      if batch.count >= FrameQueue.handOverBatch || !reader.hasBufferedLine {
        guard queue.push(contentsOf: batch, interrupted: { false }) else { return }
        batch.removeAll(keepingCapacity: true)
      }
    }
    guard queue.push(contentsOf: batch, interrupted: { false }) else { return }
    if let error = reader.readError { StandardError.write("tokenwatch: error: <stdin>: \(error)") }
    onEnd()
  }
}
