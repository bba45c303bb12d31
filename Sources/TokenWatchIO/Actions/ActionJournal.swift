@preconcurrency import Glibc
import Synchronization
import TokenWatchCore
import TokenWatchJSON

/// The append-only record of every action: `pending` before it is dispatched, `done` after it
/// succeeded or failed for good. Each line is written whole and fsync'd before the call returns,
/// so an action that was planned survives a crash; on start, pending minus done is delivered
/// again (receivers de-duplicate by the action id: at least once, effectively once).
public final class ActionJournal: Sendable {
  public let path: String
  private let fd: Int32
  private let lock = Mutex(())

  public struct Loaded: Sendable {
    public var pending: [ActionRequest]
    public var done: Int
    /// Lines that could not be read (a torn last line after a crash), with their numbers.
    public var unreadableLines: [Int]
  }

  /// Opens (creating) the journal and returns what it holds: the actions still pending.
  public init(path: String) throws(PosixError) {
    self.path = path
    let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw PosixError(code: errno, context: path) }
    self.fd = fd
  }

  deinit { close(fd) }

  public static func load(path: String) -> Loaded {
    guard case .success(let bytes) = Posix.readFile(path) else { return Loaded(pending: [], done: 0, unreadableLines: []) }
    var pending: [String: ActionRequest] = [:]
    var order: [String] = []
    var done: Set<String> = []
    var unreadable: [Int] = []
    var document = JSONDocument()
    for (index, line) in bytes.split(separator: 0x0A, omittingEmptySubsequences: true).enumerated() {
      guard (try? document.parse(line)) != nil, let op = document.member(document.root, "op").flatMap(document.string) else {
        unreadable.append(index + 1)
        continue
      }
      switch op {
      case "pending":
        if let actionRef = document.member(document.root, "action"), let action = ActionEncoder.parseRequest(document, actionRef) {
          if pending[action.id] == nil { order.append(action.id) }
          pending[action.id] = action
        } else {
          unreadable.append(index + 1)
        }
      case "done":
        if let id = document.member(document.root, "id").flatMap(document.string) { done.insert(id) }
      default:
        unreadable.append(index + 1)
      }
    }
    let stillPending = order.filter { !done.contains($0) }.compactMap { pending[$0] }
    return Loaded(pending: stillPending, done: done.count, unreadableLines: unreadable)
  }

  public func recordPending(_ action: ActionRequest) {
    var writer = JSONWriter()
    writer.beginObject()
    writer.field("op", "pending")
    writer.key("action")
    ActionEncoder.request(action, into: &writer)
    writer.endObject()
    append(writer.bytes)
  }

  public func recordDone(_ id: String, result: String) {
    var writer = JSONWriter()
    writer.beginObject()
    writer.field("op", "done")
    writer.field("id", id)
    writer.field("result", result)
    writer.endObject()
    append(writer.bytes)
  }

  private func append(_ line: [UInt8]) {
    lock.withLock { _ in
      let bytes = line + [0x0A]
      // One write(2) per line on an O_APPEND descriptor: lines never interleave.
      if bytes.withUnsafeBytes({ Posix.writeAll(fd, $0) }) {
        _ = fdatasync(fd)
      } else {
        StandardError.write("tokenwatch: error: cannot write the action journal \(path): \(Posix.errorDescription(errno))")
      }
    }
  }
}
