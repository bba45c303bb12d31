@preconcurrency import Glibc
import Synchronization

public struct ListenerLimits: Sendable {
  public var maxLineBytes = 1 << 20
  /// Open connections across all listeners; more are accepted and closed at once.
  public var maxConnections = 4096
  /// Close a connection silent this long (0 = never).
  public var idleTimeoutSeconds: Double = 600
  /// At most this many bytes are read from one connection per turn, so one busy sender cannot
  /// starve the others.
  public var readChunk = 65536

  public init() {}
}

/// Accepts NDJSON and syslog streams on tcp and unix sockets and hands their messages to a
/// `FrameQueue`.
///
/// One thread runs a level-triggered epoll loop over non-blocking sockets and reads at most
/// `readChunk` bytes per ready connection per turn. When the queue is full, `push` blocks and
/// nothing is read from any socket until the engine catches up: senders see their TCP windows
/// close instead of the server buffering without bound.
public final class SocketServer: Sendable {
  public struct ListenerStats: Sendable, Equatable {
    public var accepted = 0
    public var open = 0
    /// Connections closed at once because `maxConnections` were open (or file descriptors ran out).
    public var rejected = 0
    public var idleClosed = 0
    public var bytes = 0
    public var frames = 0
    public var oversized = 0
    public var framingErrors = 0

    public init() {}

    mutating func add(_ other: ListenerStats) {
      accepted += other.accepted
      open += other.open
      rejected += other.rejected
      idleClosed += other.idleClosed
      bytes += other.bytes
      frames += other.frames
      oversized += other.oversized
      framingErrors += other.framingErrors
    }
  }

  public struct Stats: Sendable {
    /// In the order of the listeners given to `init`.
    public var listeners: [ListenerStats]
    public var total: ListenerStats {
      var sum = ListenerStats()
      for listener in listeners { sum.add(listener) }
      return sum
    }
  }

  public let listeners: [ListenAddress]
  public let allowNonLoopback: Bool
  public let limits: ListenerLimits
  public let queue: FrameQueue
  private let notice: @Sendable (String) -> Void
  private let shared: ServerShared
  /// Applied to every frame on the network thread before it is queued (decoding it there, so
  /// the engine thread only detects).
  public let transform: (@Sendable (Frame) -> Frame)?

  public init(
    listeners: [ListenAddress], allowNonLoopback: Bool, limits: ListenerLimits, queue: FrameQueue, transform: (@Sendable (Frame) -> Frame)? = nil,
    notice: @escaping @Sendable (String) -> Void
  ) {
    self.transform = transform
    self.listeners = listeners
    self.allowNonLoopback = allowNonLoopback
    self.limits = limits
    self.queue = queue
    self.notice = notice
    shared = ServerShared(listeners: listeners)
  }

  deinit { stop() }

  /// Binds every listener, then runs the loop on its own thread. Nothing is left bound on failure.
  public func start() throws(ListenError) {
    if !allowNonLoopback, let remote = listeners.first(where: { !$0.isLoopback }) { throw .notLoopback(remote) }
    let fileLimit = LinuxSockets.raiseOpenFileLimit(atLeast: limits.maxConnections + 64 + listeners.count)
    if fileLimit < limits.maxConnections + 64 + listeners.count {
      notice("the open-file limit is \(fileLimit), too low for \(limits.maxConnections) connections: connections beyond it are refused (raise `ulimit -n`)")
    }
    try shared.state.withLock { state throws(ListenError) in
      guard case .idle = state.phase else { throw .system("the server was already started") }
      do throws(ListenError) {
        for address in listeners { state.listeners.append(try ListeningSocket.open(address)) }
        try startLoop(&state)
      } catch {
        state.closeAll()
        throw error
      }
    }
  }

  private func startLoop(_ state: inout ServerShared.State) throws(ListenError) {
    let epollFD = Epoll.create()
    guard epollFD >= 0 else { throw .system("epoll_create1: \(Posix.errorDescription(errno))") }
    state.epollFD = epollFD
    let wakeFD = LinuxSockets.eventFD()
    guard wakeFD >= 0 else { throw .system("eventfd: \(Posix.errorDescription(errno))") }
    state.wakeFD = wakeFD
    guard Epoll.add(epollFD, wakeFD, token: EventLoop.wakeToken) else { throw .system("epoll_ctl: \(Posix.errorDescription(errno))") }
    for (index, listener) in state.listeners.enumerated() where !Epoll.add(epollFD, listener.fd, token: EventLoop.listenerToken(index)) {
      throw .system("epoll_ctl: \(Posix.errorDescription(errno))")
    }
    let loop = EventLoop(shared: shared, queue: queue, limits: limits, notice: notice, epollFD: epollFD, wakeFD: wakeFD, listeners: state.listeners.map(\.address))
    loop.transform = transform
    let context = Unmanaged.passRetained(loop).toOpaque()
    var thread = pthread_t()
    let created = pthread_create(&thread, nil, { context in
      let loop = Unmanaged<EventLoop>.fromOpaque(context!).takeRetainedValue()
      loop.run()
      return nil
    }, context)
    guard created == 0 else {
      Unmanaged<EventLoop>.fromOpaque(context).release()
      throw .system("cannot start the network thread: \(Posix.errorDescription(created))")
    }
    state.thread = thread
    state.phase = .running
  }

  /// The listeners with the ports the kernel picked for port 0 (as configured before `start`).
  public var boundAddresses: [ListenAddress] {
    shared.state.withLock { state in state.listeners.isEmpty ? listeners : state.listeners.map(\.address) }
  }

  /// Closes the listening sockets (and removes unix socket files). Open connections keep being
  /// read until they close or `stop()`.
  public func stopAccepting() {
    shared.state.withLock { $0.closeListeners() }
  }

  /// Stops reading, closes every socket and joins the network thread. Frames already read stay in
  /// the queue, and the unfinished line of each open connection is delivered as `.unterminated`,
  /// even over the queue's budget (those bytes are in memory already): nothing silently vanishes.
  /// A push blocked on a full queue is interrupted. Do not call it from `notice`.
  public func stop() {
    let running: (thread: pthread_t, epollFD: Int32, wakeFD: Int32)? = shared.state.withLock { state in
      defer { state.phase = .stopped }
      guard case .running = state.phase, let thread = state.thread else {
        state.closeAll()
        return nil
      }
      return (thread, state.epollFD, state.wakeFD)
    }
    guard let running else { return }
    shared.stopping.store(true, ordering: .relaxed)
    LinuxSockets.signal(running.wakeFD)
    queue.wakeProducers()
    pthread_join(running.thread, nil)
    shared.state.withLock { $0.closeAll() }
  }

  public var stats: Stats {
    Stats(listeners: shared.state.withLock { $0.stats })
  }
}

/// What the caller's threads and the network thread share.
final class ServerShared: Sendable {
  enum Phase { case idle, running, stopped }

  struct State: ~Copyable {
    var phase = Phase.idle
    var listeners: [ListeningSocket] = []
    var stats: [SocketServer.ListenerStats]
    var thread: pthread_t?
    var epollFD: Int32 = -1
    var wakeFD: Int32 = -1

    mutating func closeListeners() {
      for index in listeners.indices { listeners[index].close() }
    }

    mutating func closeAll() {
      closeListeners()
      if epollFD >= 0 { close(epollFD) }
      if wakeFD >= 0 { close(wakeFD) }
      epollFD = -1
      wakeFD = -1
    }
  }

  let state: Mutex<State>
  let stopping = Atomic<Bool>(false)

  init(listeners: [ListenAddress]) {
    state = Mutex(State(stats: Array(repeating: SocketServer.ListenerStats(), count: listeners.count)))
  }

  func update(_ listener: Int, _ body: (inout SocketServer.ListenerStats) -> Void) {
    state.withLock { body(&$0.stats[listener]) }
  }
}

/// One accepted connection.
final class Connection {
  let fd: Int32
  let serial: UInt32
  let listener: Int
  let origin: String
  var framer: StreamFramer
  var messages = 0
  var lastActive: Double

  init(fd: Int32, serial: UInt32, listener: Int, origin: String, maxLineBytes: Int, now: Double) {
    self.fd = fd
    self.serial = serial
    self.listener = listener
    self.origin = origin
    framer = StreamFramer(maxLineBytes: maxLineBytes)
    lastActive = now
  }
}

/// The network thread's state; only that thread touches it.
final class EventLoop {
  // epoll tokens: 0 wakes the loop, 1 + index is a listener, and a connection's is its serial
  // (never 0) << 32 | fd, so a stale event for a closed descriptor number cannot reach the
  // connection that reused it.
  static let wakeToken: UInt64 = 0
  static func listenerToken(_ index: Int) -> UInt64 { 1 + UInt64(index) }

  private let shared: ServerShared
  private let queue: FrameQueue
  private let limits: ListenerLimits
  private let notice: @Sendable (String) -> Void
  private let epollFD: Int32
  private let wakeFD: Int32
  private let listeners: [ListenAddress]
  private var connectionsPerListener: [Int]
  /// Indexed by file descriptor.
  private var connections: [Connection?] = []
  private var openCount = 0
  private var nextSerial: UInt32 = 0
  private let buffer: UnsafeMutableBufferPointer<UInt8>
  private var queueClosed = false
  /// Frames delivered by the current read, not yet handed over (`handOver`).
  private var pending: [Frame] = []
  private var now = 0.0
  /// Kept open so that when descriptors run out, one can be freed to accept and close a connection
  /// (otherwise the listener stays readable and the loop spins).
  private var reserveFD: Int32
  private var refusedNotice = RateLimitedNotice()
  private var idleNotice = RateLimitedNotice()
  private var errorNotice = RateLimitedNotice()

  init(shared: ServerShared, queue: FrameQueue, limits: ListenerLimits, notice: @escaping @Sendable (String) -> Void, epollFD: Int32, wakeFD: Int32, listeners: [ListenAddress]) {
    self.shared = shared
    self.queue = queue
    self.limits = limits
    self.notice = notice
    self.epollFD = epollFD
    self.wakeFD = wakeFD
    self.listeners = listeners
    connectionsPerListener = Array(repeating: 0, count: listeners.count)
    buffer = .allocate(capacity: max(limits.readChunk, 1))
    reserveFD = open("/dev/null", O_RDONLY | O_CLOEXEC)
  }

  deinit {
    buffer.deallocate()
    if reserveFD >= 0 { Glibc.close(reserveFD) }
  }

  private var stopRequested: Bool { shared.stopping.load(ordering: .relaxed) }
  var transform: (@Sendable (Frame) -> Frame)?

  func run() {
    blockStopSignals()
    let capacity = 256
    let events = UnsafeMutableRawPointer.allocate(byteCount: Epoll.eventSize * capacity, alignment: 8)
    defer { events.deallocate() }
    let idle = limits.idleTimeoutSeconds
    // Idle connections are looked for a few times per timeout, at least once a second.
    let scanEvery = idle > 0 ? min(1, idle / 4) : 0
    var nextScan = Posix.monotonicSeconds() + scanEvery
    while !stopRequested, !queueClosed {
      let timeout: Int32 = idle > 0 ? Int32(max(10, scanEvery * 1000)) : -1
      let ready = Epoll.wait(epollFD, events, capacity: capacity, timeoutMillis: timeout)
      if ready < 0 {
        if errno == EINTR { continue }
        notice("listener stopped: epoll_wait: \(Posix.errorDescription(errno))")
        break
      }
      now = Posix.monotonicSeconds()
      for index in 0..<Int(ready) {
        if stopRequested || queueClosed { break }
        let token = Epoll.token(events, at: index)
        if token == Self.wakeToken {
          LinuxSockets.drain(wakeFD)
        } else if token < 1 << 32 {
          accept(listener: Int(token - 1))
        } else {
          let fd = Int(token & 0xFFFF_FFFF)
          if fd < connections.count, let connection = connections[fd], connection.serial == UInt32(token >> 32) { read(connection) }
        }
      }
      if idle > 0, now >= nextScan, !stopRequested, !queueClosed {
        now = Posix.monotonicSeconds()  // reading may have waited on a full queue
        closeIdleConnections(olderThan: now - idle)
        nextScan = now + scanEvery
      }
    }
    // Stopping: what each connection holds of an unfinished line is delivered, then all is closed.
    for case let connection? in connections { finishAndClose(connection) }
    shared.state.withLock { $0.closeListeners() }
  }

  /// SIGINT and SIGTERM are for the main thread, whose blocking calls they are meant to interrupt.
  private func blockStopSignals() {
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGINT)
    sigaddset(&signals, SIGTERM)
    pthread_sigmask(SIG_BLOCK, &signals, nil)
  }

  private func accept(listener: Int) {
    for _ in 0..<64 {  // a burst of connections must not starve reads; level-triggered epoll calls again
      var storage = sockaddr_storage()
      var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
      // The listener may be closed by stopAccepting on another thread: accept under its lock.
      let (fd, code): (Int32, Int32) = shared.state.withLock { state in
        let listenFD = state.listeners[listener].fd
        guard listenFD >= 0 else { return (-1, EBADF) }
        let fd = withUnsafeMutablePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { LinuxSockets.accept(listenFD, $0, &length) } }
        return (fd, fd < 0 ? errno : 0)
      }
      if fd < 0 {
        switch code {
        case EINTR, ECONNABORTED, EPROTO: continue
        case EMFILE, ENFILE: refuseWithoutDescriptors(listener)
        case EAGAIN, EWOULDBLOCK, EBADF: break
        default: errorNotice.say(now, notice, "\(listeners[listener]): accept: \(Posix.errorDescription(code))")
        }
        return
      }
      let peer = SocketAddresses.describe(&storage)?.text
      guard openCount < limits.maxConnections else {
        // Said, then counted, then closed: whoever sees the close or the count finds the notice.
        refusedNotice.say(now, notice, "\(listeners[listener]): closed a new connection\(peer.map { " from " + $0 } ?? ""): \(limits.maxConnections) connections are open, the maximum")
        shared.update(listener) { $0.rejected += 1 }
        Glibc.close(fd)
        continue
      }
      connectionsPerListener[listener] += 1
      nextSerial = nextSerial == UInt32.max ? 1 : nextSerial + 1
      let origin = "\(listeners[listener])<\(peer ?? "#\(connectionsPerListener[listener])")>"
      let connection = Connection(fd: fd, serial: nextSerial, listener: listener, origin: origin, maxLineBytes: limits.maxLineBytes, now: now)
      guard Epoll.add(epollFD, fd, token: UInt64(nextSerial) << 32 | UInt64(fd)) else {
        errorNotice.say(now, notice, "\(origin): epoll_ctl: \(Posix.errorDescription(errno))")
        Glibc.close(fd)
        continue
      }
      if connections.count <= Int(fd) { connections.append(contentsOf: repeatElement(nil, count: Int(fd) + 1 - connections.count)) }
      connections[Int(fd)] = connection
      openCount += 1
      shared.update(listener) {
        $0.accepted += 1
        $0.open += 1
      }
    }
  }

  /// Out of file descriptors: free the reserve one, accept and close the connection, take it back.
  private func refuseWithoutDescriptors(_ listener: Int) {
    guard reserveFD >= 0 else { return }
    Glibc.close(reserveFD)
    let fd = shared.state.withLock { state in
      state.listeners[listener].fd >= 0 ? LinuxSockets.accept(state.listeners[listener].fd, nil, nil) : -1
    }
    // Said, then counted, then closed, as for a connection over the limit.
    refusedNotice.say(now, notice, "\(listeners[listener]): closed a new connection: out of file descriptors (raise `ulimit -n` or lower the connection limit)")
    if fd >= 0 {
      shared.update(listener) { $0.rejected += 1 }
      Glibc.close(fd)
    }
    reserveFD = open("/dev/null", O_RDONLY | O_CLOEXEC)
  }

  /// One read per ready connection per turn: at most `readChunk` bytes.
  private func read(_ connection: Connection) {
    let count = Glibc.read(connection.fd, buffer.baseAddress, buffer.count)
    if count > 0 {
      connection.lastActive = now
      var counts = SocketServer.ListenerStats()
      counts.bytes = count
      connection.framer.feed(UnsafeBufferPointer(rebasing: buffer[0..<count])) { deliver($0, from: connection, counting: &counts) }
      handOver()
      shared.update(connection.listener) { $0.add(counts) }
    } else if count == 0 {
      finishAndClose(connection)
    } else {
      switch errno {
      case EAGAIN, EWOULDBLOCK, EINTR: return
      default: finishAndClose(connection)  // ECONNRESET and the like: what arrived is still delivered
      }
    }
  }

  private func deliver(_ payload: Frame.Payload, from connection: Connection, counting counts: inout SocketServer.ListenerStats) {
    connection.messages += 1
    counts.frames += 1
    switch payload {
    case .oversized: counts.oversized += 1
    case .problem: counts.framingErrors += 1
    case .line, .unterminated, .decoded: break
    }
    var frame = Frame(source: connection.listener, origin: connection.origin, line: connection.messages, payload: payload)
    if let transform { frame = transform(frame) }
    pending.append(frame)
    if pending.count >= FrameQueue.handOverBatch { handOver() }
  }

  /// Hands over the frames of one read together (see `FrameQueue.handOverBatch`).
  private func handOver() {
    guard !pending.isEmpty else { return }
    if !queue.push(contentsOf: pending, interrupted: { shared.stopping.load(ordering: .relaxed) }) { queueClosed = true }
    pending.removeAll(keepingCapacity: true)
  }

  /// Delivers the unfinished message, if any, and closes.
  private func finishAndClose(_ connection: Connection) {
    var counts = SocketServer.ListenerStats()
    connection.framer.finish { deliver($0, from: connection, counting: &counts) }
    handOver()
    Glibc.close(connection.fd)  // also removes it from the epoll set
    connections[Int(connection.fd)] = nil
    openCount -= 1
    counts.open = -1
    shared.update(connection.listener) { $0.add(counts) }
  }

  private func closeIdleConnections(olderThan cutoff: Double) {
    for case let connection? in connections where connection.lastActive < cutoff {
      // Not read for a while is not the same as silent: after a long stall on a full queue the
      // data may be waiting in the kernel. Readable (data or EOF) means not idle.
      var descriptor = pollfd(fd: connection.fd, events: Int16(POLLIN), revents: 0)
      if poll(&descriptor, 1, 0) > 0 {
        connection.lastActive = now
        continue
      }
      finishAndClose(connection)
      shared.update(connection.listener) { $0.idleClosed += 1 }
      idleNotice.say(now, notice, "\(connection.origin): closed after \(formatSeconds(limits.idleTimeoutSeconds)) without data")
    }
  }

  private func formatSeconds(_ seconds: Double) -> String {
    seconds == seconds.rounded() ? "\(Int(seconds))s" : "\(seconds)s"
  }
}

/// At most one notice per second of a kind; the ones held back are counted in the next.
struct RateLimitedNotice {
  private var last = -Double.infinity
  private var suppressed = 0

  mutating func say(_ now: Double, _ notice: (String) -> Void, _ text: @autoclosure () -> String) {
    guard now - last >= 1 else {
      suppressed += 1
      return
    }
    notice(suppressed > 0 ? text() + " (and \(suppressed) more like it since the last notice)" : text())
    last = now
    suppressed = 0
  }
}
