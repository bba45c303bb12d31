import CHTTPPost
import Foundation
import TokenWatchCore

/// How one delivery attempt ended.
enum DeliveryResult: Sendable {
  case success(String)
  /// Worth trying again: a timeout, a network error, HTTP 408, 429 or 5xx, a non-zero exit.
  case retry(String)
  /// Trying again will not help: another 4xx, a program that cannot be started.
  case failure(String)
}

/// Delivers one action through one hook. Event data never passes through a shell: exec hooks
/// get a fixed argv from the policy and the action as JSON on stdin.
struct HookRunner: Sendable {
  let hook: Hook
  let secret: [UInt8]?
  /// Names of environment variables that hold hook secrets: never passed on to exec hooks.
  let secretVariables: Set<String>

  func deliver(_ action: ActionRequest) -> DeliveryResult {
    let body = ActionEncoder.requestJSON(action)
    switch hook.kind {
    case .exec(let argv): return runProgram(argv, body: body, action: action)
    case .webhook(let url, let headers): return postWebhook(url, headers: headers, body: body, action: action)
    case .ssf(let options):
      let token = SecurityEventTokenBuilder.compactToken(
        for: action, options: options, key: options.unsecured ? nil : secret, issuedAt: Int64(Date().timeIntervalSince1970))
      guard let token else { return .failure("the action cannot be expressed as an SSF \(options.event) event") }
      return post(options.url, body: Array(token.utf8), contentType: "application/secevent+jwt", extraHeaders: [("Accept", "application/json")], action: action)
    case .file(let path): return appendToFile(path, body: body)
    }
  }

  // MARK: exec

  private func runProgram(_ argv: [String], body: [UInt8], action: ActionRequest) -> DeliveryResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: argv[0])
    process.arguments = Array(argv.dropFirst())
    var environment = ProcessInfo.processInfo.environment.filter { !secretVariables.contains($0.key) }
    environment["TOKENWATCH_ACTION_ID"] = action.id
    environment["TOKENWATCH_HOOK"] = action.hook
    environment["TOKENWATCH_USER"] = action.risk.user
    environment["TOKENWATCH_LEVEL"] = action.risk.level.name
    process.environment = environment
    let stdin = Pipe()
    process.standardInput = stdin
    process.standardOutput = FileHandle.nullDevice
    do {
      try process.run()
    } catch {
      return .failure("cannot start \(argv[0]): \(error.localizedDescription)")
    }
    stdin.fileHandleForWriting.write(Data(body))
    try? stdin.fileHandleForWriting.close()
    let deadline = Date().addingTimeInterval(Double(hook.timeout.millis) / 1000)
    while process.isRunning, Date() < deadline { usleep(5_000) }
    if process.isRunning {
      process.terminate()
      let grace = Date().addingTimeInterval(1)
      while process.isRunning, Date() < grace { usleep(5_000) }
      if process.isRunning { kill(process.processIdentifier, SIGKILL) }
      process.waitUntilExit()
      return .retry("timed out after \(hook.timeout)")
    }
    process.waitUntilExit()
    let status = process.terminationStatus
    if process.terminationReason == .uncaughtSignal { return .retry("killed by signal \(status)") }
    return status == 0 ? .success("exit 0") : .retry("exit \(status)")
  }

  // MARK: webhook and SSF transport

  private func postWebhook(_ url: String, headers: [(String, String)], body: [UInt8], action: ActionRequest) -> DeliveryResult {
    var extra = headers
    if let secret {
      // As GitHub signs webhooks: HMAC-SHA256 of the exact body bytes, hex, behind "sha256=".
      extra.append(("X-Tokenwatch-Signature-256", "sha256=" + hexString(HMACSHA256.authenticate(message: body, key: secret))))
    }
    return post(url, body: body, contentType: "application/json", extraHeaders: extra, action: action)
  }

  private func post(_ url: String, body: [UInt8], contentType: String, extraHeaders: [(String, String)], action: ActionRequest) -> DeliveryResult {
    // "Expect:" (empty) stops curl waiting for a "100 Continue" before a larger body.
    let headers = [("Content-Type", contentType), ("Idempotency-Key", action.id), ("User-Agent", "tokenwatch/0.1")] + extraHeaders + [("Expect", "")]
    return HTTPClient.post(url, body: body, headers: headers, timeoutMillis: hook.timeout.millis)
  }

  /// 2xx succeeds; 408, 429 and 5xx are worth retrying; other statuses fail at once.
  static func classify(_ status: Int) -> DeliveryResult {
    switch status {
    case 200..<300: .success("HTTP \(status)")
    case 408, 429, 500..<600: .retry("HTTP \(status)")
    default: .failure("HTTP \(status)")
    }
  }

  // MARK: file

  private func appendToFile(_ path: String, body: [UInt8]) -> DeliveryResult {
    let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
    guard fd >= 0 else { return .retry("cannot open \(path): \(Posix.errorDescription(errno))") }
    defer { close(fd) }
    let line = body + [0x0A]
    guard line.withUnsafeBytes({ Posix.writeAll(fd, $0) }) else { return .retry("cannot write \(path): \(Posix.errorDescription(errno))") }
    _ = fsync(fd)
    return .success("appended to \(path)")
  }
}

/// HTTP POSTs through libcurl, loaded on first use (see `CHTTPPost.c` for why not URLSession).
public enum HTTPClient {
  /// Nil when libcurl can be loaded, else why not (for a start-up check of a policy with webhooks).
  public static func unavailableReason() -> String? {
    var error = [CChar](repeating: 0, count: 256)
    return tw_http_available(&error, error.count) != 0 ? nil : Posix.string(fromCBuffer: error)
  }

  static func post(_ url: String, body: [UInt8], headers: [(String, String)], timeoutMillis: Int64) -> DeliveryResult {
    // A line break in a header would start another header (or the body): never sent.
    for (name, value) in headers where (name + value).utf8.contains(where: { $0 == 0x0A || $0 == 0x0D || $0 == 0 }) {
      return .failure("header \(name) contains a line break or a NUL byte")
    }
    let lines = headers.map { $0.1.isEmpty ? "\($0.0):" : "\($0.0): \($0.1)" }
    var status = 0
    var error = [CChar](repeating: 0, count: 256)
    let code = withCStrings(lines) { pointers in
      body.withUnsafeBufferPointer { bytes in
        tw_http_post(url, bytes.baseAddress, bytes.count, pointers, pointers.count, Int(clamping: timeoutMillis), &status, &error, error.count)
      }
    }
    guard code == 0 else {
      let reason = Posix.string(fromCBuffer: error)
      // An unusable URL or a missing libcurl will not get better by trying again.
      if code == -1 || code == curlUnsupportedProtocol || code == curlMalformedURL { return .failure(reason) }
      return .retry("network error: \(reason)")
    }
    return HookRunner.classify(status)
  }

  private static let curlUnsupportedProtocol: Int32 = 1
  private static let curlMalformedURL: Int32 = 3

  /// `body` with the strings as C strings, which live until it returns.
  private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    return body(copies.map { UnsafePointer($0) })
  }
}

/// Reads hook secrets from the environment or files, once, at start. Never prints a value.
public enum SecretStore {
  public struct Failure: Error, CustomStringConvertible {
    public var description: String
  }

  public static func resolve(_ policy: ResponsePolicy, environment: [String: String] = ProcessInfo.processInfo.environment) throws(Failure) -> [String: [UInt8]] {
    var secrets: [String: [UInt8]] = [:]
    for name in policy.hooks.keys.sorted() {
      guard let source = policy.hooks[name]!.secret else { continue }
      switch source {
      case .environment(let variable):
        guard let value = environment[variable], !value.isEmpty else {
          throw Failure(description: "hook \"\(name)\": environment variable \(variable) is not set")
        }
        secrets[name] = Array(value.utf8)
      case .file(let path):
        guard case .success(var bytes) = Posix.readFile(path), !bytes.isEmpty else {
          throw Failure(description: "hook \"\(name)\": cannot read the secret file \(path)")
        }
        while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
        secrets[name] = bytes
      }
    }
    return secrets
  }

  public static func secretVariables(_ policy: ResponsePolicy) -> Set<String> {
    Set(policy.hooks.values.compactMap { if case .environment(let name)? = $0.secret { name } else { nil } })
  }
}
