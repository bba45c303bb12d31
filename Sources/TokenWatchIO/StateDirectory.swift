@preconcurrency import Glibc

/// Why the state directory could not be used. The description names the path and the cause.
public struct StateDirectoryError: Error, CustomStringConvertible, Sendable, Equatable {
  public enum Kind: Sendable, Equatable {
    /// Another process (or another `StateDirectory` in this one) holds the lock.
    case inUse(pid: Int32?)
    /// A system call failed with this errno.
    case system(Int32)
    /// The path exists and is not a directory.
    case notADirectory
  }

  public var kind: Kind
  /// The file or directory concerned.
  public var path: String
  public var description: String

  init(_ kind: Kind, path: String, _ description: String) {
    self.kind = kind
    self.path = path
    self.description = description
  }

  /// `what path: strerror(code)`, e.g. `cannot write /var/lib/tw/checkpoint.tmp: No space left on device`.
  static func system(_ what: String, _ path: String, _ code: Int32) -> StateDirectoryError {
    StateDirectoryError(.system(code), path: path, "\(what) \(path): \(Posix.errorDescription(code))")
  }
}

/// `--state DIR`: where a watch keeps its checkpoint (and its action journal), owned by one
/// tokenwatch at a time.
///
/// - the directory is created 0700 if missing;
/// - `DIR/lock` holds an exclusive `flock` for the life of this object (released when it is
///   deallocated or the process dies) and the owner's pid;
/// - `save` writes `DIR/checkpoint.tmp`, fsyncs it, renames it over `DIR/checkpoint` and fsyncs
///   the directory, so after a crash `DIR/checkpoint` is the old or the new checkpoint, whole;
///   a `checkpoint.tmp` left by a crash is never read and is replaced by the next save.
public final class StateDirectory: Sendable {
  public let path: String
  private let lockFD: Int32

  public static let checkpointName = "checkpoint"
  public static let lockName = "lock"

  public init(path: String) throws(StateDirectoryError) {
    let path = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    self.path = path
    try StateDirectory.makeDirectory(path)
    let lockPath = StateDirectory.join(path, StateDirectory.lockName)
    let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
    guard fd >= 0 else { throw .system("cannot open lock file", lockPath, errno) }
    if flock(fd, LOCK_EX | LOCK_NB) != 0 {
      let code = errno
      if code == EWOULDBLOCK {
        let pid = StateDirectory.readPID(fd)
        close(fd)
        let owner = pid.map { "pid \($0)" } ?? "pid unknown"
        throw StateDirectoryError(.inUse(pid: pid), path: path, "state directory \(path) is in use by another tokenwatch (\(owner))")
      }
      close(fd)
      throw .system("cannot lock", lockPath, code)
    }
    let pid = Array("\(getpid())\n".utf8)
    // Nothing has moved the fresh descriptor's offset (readPID uses pread): this writes at 0.
    guard ftruncate(fd, 0) == 0, pid.withUnsafeBytes({ Posix.writeAll(fd, $0) }) else {
      let code = errno
      close(fd)
      throw .system("cannot write lock file", lockPath, code)
    }
    lockFD = fd
  }

  deinit { close(lockFD) }

  /// `DIR/name`.
  public func file(_ name: String) -> String { StateDirectory.join(path, name) }

  public var checkpointPath: String { file(StateDirectory.checkpointName) }

  /// The checkpoint's bytes, or nil when there is none.
  public func load() throws(StateDirectoryError) -> [UInt8]? {
    let target = checkpointPath
    let fd = open(target, O_RDONLY | O_CLOEXEC)
    if fd < 0 {
      let code = errno
      if code == ENOENT { return nil }
      throw .system("cannot open checkpoint", target, code)
    }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw .system("cannot stat checkpoint", target, errno) }
    guard (info.st_mode & S_IFMT) == S_IFREG else { throw StateDirectoryError(.system(EINVAL), path: target, "checkpoint \(target) is not a regular file") }
    var result: [UInt8] = []
    result.reserveCapacity(Int(info.st_size))
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if n < 0 {
        if errno == EINTR { continue }
        throw .system("cannot read checkpoint", target, errno)
      }
      if n == 0 { return result }
      result.append(contentsOf: buffer[0..<n])
    }
  }

  /// Replaces the checkpoint with `bytes`, crash-safely.
  public func save(_ bytes: [UInt8]) throws(StateDirectoryError) {
    let temporary = file(StateDirectory.checkpointName + ".tmp")
    // A leftover from a crash (whatever it is) goes first; then the file is created afresh.
    if unlink(temporary) != 0, errno != ENOENT { throw .system("cannot remove", temporary, errno) }
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
    guard fd >= 0 else { throw .system("cannot create", temporary, errno) }
    var failure: StateDirectoryError?
    if !bytes.withUnsafeBytes({ Posix.writeAll(fd, $0) }) {
      failure = .system("cannot write", temporary, errno)
    } else if fsync(fd) != 0 {
      failure = .system("cannot fsync", temporary, errno)
    }
    if close(fd) != 0, failure == nil { failure = .system("cannot close", temporary, errno) }
    if let failure {
      unlink(temporary)
      throw failure
    }
    if rename(temporary, checkpointPath) != 0 {
      let code = errno
      unlink(temporary)
      throw .system("cannot rename \(temporary) to", checkpointPath, code)
    }
    try syncDirectory()
  }

  /// Moves a checkpoint that could not be loaded aside as `checkpoint.corrupt-<unix seconds>`
  /// (with `-1`, `-2`… if that name is taken) and returns its new path.
  @discardableResult
  public func quarantine() throws(StateDirectoryError) -> String {
    let stamp = "\(checkpointPath).corrupt-\(time(nil))"
    var target = stamp
    var info = stat()
    var n = 0
    while lstat(target, &info) == 0 {
      n += 1
      target = "\(stamp)-\(n)"
    }
    guard rename(checkpointPath, target) == 0 else { throw .system("cannot move aside checkpoint", checkpointPath, errno) }
    try syncDirectory()
    return target
  }

  /// Makes renames in the directory durable.
  private func syncDirectory() throws(StateDirectoryError) {
    let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else { throw .system("cannot open state directory", path, errno) }
    defer { close(fd) }
    guard fsync(fd) == 0 else { throw .system("cannot fsync state directory", path, errno) }
  }

  // MARK: - Helpers

  static func join(_ directory: String, _ name: String) -> String {
    directory.hasSuffix("/") ? directory + name : directory + "/" + name
  }

  /// `mkdir -p`, the last component 0700; an existing directory is used as it is.
  static func makeDirectory(_ path: String) throws(StateDirectoryError) {
    var info = stat()
    if stat(path, &info) == 0 {
      guard (info.st_mode & S_IFMT) == S_IFDIR else {
        throw StateDirectoryError(.notADirectory, path: path, "state directory \(path) exists and is not a directory")
      }
      return
    }
    var prefix = path.hasPrefix("/") ? "/" : ""
    let parts = path.split(separator: "/")
    for (i, part) in parts.enumerated() {
      prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + part
      let last = i == parts.count - 1
      if mkdir(prefix, last ? 0o700 : 0o755) != 0 {
        let code = errno
        if code == EEXIST, stat(prefix, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR { continue }
        if code == EEXIST {
          throw StateDirectoryError(.notADirectory, path: prefix, "cannot create state directory \(path): \(prefix) is not a directory")
        }
        throw .system("cannot create state directory", prefix, code)
      }
    }
  }

  static func readPID(_ fd: Int32) -> Int32? {
    var buffer = [UInt8](repeating: 0, count: 32)
    let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
    guard n > 0 else { return nil }
    let text = String(decoding: buffer[0..<n], as: UTF8.self).split(whereSeparator: { $0 == "\n" || $0 == " " }).first
    return text.flatMap { Int32($0) }
  }
}
