import Foundation
import Testing
import TokenWatchCore

@testable import TokenWatchIO

@Suite struct StateDirectoryTests {
  /// A fresh path under the temporary directory (not created).
  func scratch(_ name: String = "state") -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("tw-state-\(UUID().uuidString)").appendingPathComponent(name).path
  }

  func contents(_ path: String) -> [UInt8]? {
    FileManager.default.contents(atPath: path).map { Array($0) }
  }

  @Test func createsThePrivateDirectoryAndSavesAndLoads() throws {
    let path = scratch("nested/state")
    let state = try StateDirectory(path: path)
    var info = stat()
    #expect(stat(path, &info) == 0)
    #expect(info.st_mode & 0o777 == 0o700)
    #expect(state.path == path)
    #expect(state.file("actions.journal") == path + "/actions.journal")
    #expect(state.checkpointPath == path + "/checkpoint")
    #expect(try state.load() == nil)

    let first: [UInt8] = Array("TWSTATE\nfirst".utf8)
    try state.save(first)
    #expect(try state.load() == first)
    let second = [UInt8](repeating: 0xAB, count: 300_000)
    try state.save(second)
    #expect(try state.load() == second)
    #expect(!FileManager.default.fileExists(atPath: path + "/checkpoint.tmp"))
    #expect(stat(path + "/checkpoint", &info) == 0 && info.st_mode & 0o777 == 0o600)
    // The lock file names its owner.
    #expect(contents(path + "/lock") == Array("\(getpid())\n".utf8))
  }

  @Test func aTrailingSlashAndAnExistingDirectoryAreFine() throws {
    let path = scratch()
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    let state = try StateDirectory(path: path + "/")
    #expect(state.path == path)
    try state.save([1, 2, 3])
    #expect(contents(path + "/checkpoint") == [1, 2, 3])
  }

  @Test func aLeftoverTemporaryFileFromACrashIsIgnoredAndReplaced() throws {
    let path = scratch()
    let state = try StateDirectory(path: path)
    try state.save([1, 2, 3])
    // A crash between write and rename leaves a partial checkpoint.tmp behind.
    try Data([9, 9]).write(to: URL(fileURLWithPath: path + "/checkpoint.tmp"))
    #expect(try state.load() == [1, 2, 3])
    try state.save([4, 5, 6, 7])
    #expect(try state.load() == [4, 5, 6, 7])
    #expect(!FileManager.default.fileExists(atPath: path + "/checkpoint.tmp"))

    // Even a symlink planted there is replaced, never followed.
    let elsewhere = scratch("victim")
    try FileManager.default.createDirectory(atPath: (elsewhere as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data([42]).write(to: URL(fileURLWithPath: elsewhere))
    try FileManager.default.createSymbolicLink(atPath: path + "/checkpoint.tmp", withDestinationPath: elsewhere)
    try state.save([8])
    #expect(try state.load() == [8])
    #expect(contents(elsewhere) == [42])
  }

  @Test func aSecondInstanceOnTheSameDirectoryIsRefused() throws {
    let path = scratch()
    var first: StateDirectory? = try StateDirectory(path: path)
    #expect(first != nil)
    do throws(StateDirectoryError) {
      _ = try StateDirectory(path: path)
      Issue.record("a second StateDirectory on \(path) was allowed")
    } catch {
      #expect(error.kind == .inUse(pid: getpid()))
      #expect(error.description == "state directory \(path) is in use by another tokenwatch (pid \(getpid()))")
    }
    // flock locks belong to the open file description: a new descriptor cannot take it either.
    let fd = open(path + "/lock", O_RDWR)
    #expect(fd >= 0)
    #expect(flock(fd, LOCK_EX | LOCK_NB) == -1 && errno == EWOULDBLOCK)
    close(fd)
    // The refused attempt did not disturb the owner's pid, and closing it did not drop the lock.
    #expect(contents(path + "/lock") == Array("\(getpid())\n".utf8))
    #expect(throws: StateDirectoryError.self) { try StateDirectory(path: path) }
    // Released when the owner goes away.
    first = nil
    let again = try StateDirectory(path: path)
    #expect(try again.load() == nil)
  }

  @Test func quarantineMovesTheCheckpointAside() throws {
    let path = scratch()
    let state = try StateDirectory(path: path)
    try state.save([0xDE, 0xAD])
    let moved = try state.quarantine()
    #expect(moved.hasPrefix(path + "/checkpoint.corrupt-"))
    #expect(Int(moved.dropFirst((path + "/checkpoint.corrupt-").count)) != nil)
    #expect(contents(moved) == [0xDE, 0xAD])
    #expect(try state.load() == nil)
    // A second quarantine within the same second does not overwrite the first.
    try state.save([0xBE, 0xEF])
    let second = try state.quarantine()
    #expect(second != moved)
    #expect(contents(moved) == [0xDE, 0xAD])
    #expect(contents(second) == [0xBE, 0xEF])
    // Nothing to move aside: a clear error naming the file.
    do throws(StateDirectoryError) {
      try state.quarantine()
      Issue.record("quarantine without a checkpoint succeeded")
    } catch {
      #expect(error.kind == .system(ENOENT))
      #expect(error.description.contains(path + "/checkpoint"))
      #expect(error.description.contains("No such file or directory"))
    }
  }

  @Test func problemsNameThePathAndTheCause() throws {
    let file = scratch()
    try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data([1]).write(to: URL(fileURLWithPath: file))
    do throws(StateDirectoryError) {
      _ = try StateDirectory(path: file)
      Issue.record("a regular file was accepted as a state directory")
    } catch {
      #expect(error.kind == .notADirectory)
      #expect(error.description == "state directory \(file) exists and is not a directory")
    }
    do throws(StateDirectoryError) {
      _ = try StateDirectory(path: file + "/below")
      Issue.record("a path below a regular file was accepted")
    } catch {
      #expect(error.description.contains(file))
    }
  }

  @Test func aCheckpointSurvivesTheDirectoryRoundTrip() throws {
    let ruleSet = RuleSet(rules: [], lists: [:])
    var engine = Engine(ruleSet: ruleSet)
    var records: [EngineRecord] = []
    var event = NormalizedEvent(time: EventTime(millis: 1_773_100_800_000), format: .native, sourceDetail: "native:access", kind: .access)
    event.user = "u1"
    event.token = "t1"
    engine.process(event, into: &records)
    let bytes = EngineCheckpoint.encode(engine: engine, reorder: .empty, metadata: CheckpointMetadata(createdAt: event.time, events: 1, note: "io"))
    let state = try StateDirectory(path: scratch())
    try state.save(bytes)
    let loaded = try #require(try state.load())
    let decoded = try EngineCheckpoint.decode(loaded, ruleSet: ruleSet)
    #expect(decoded.metadata.events == 1)
    #expect(decoded.engine.stateSizes.map(\.1) == engine.stateSizes.map(\.1))
    // A damaged file is refused, then moved aside.
    var damaged = loaded
    damaged[damaged.count / 2] ^= 0x10
    try state.save(damaged)
    #expect(throws: CheckpointError.self) { try EngineCheckpoint.decode(try state.load()!, ruleSet: ruleSet) }
    _ = try state.quarantine()
    #expect(try state.load() == nil)
  }
}
