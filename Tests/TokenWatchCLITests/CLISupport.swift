import Foundation

/// Paths and a runner for the built `tokenwatch` binary.
enum CLI {
  /// The repository root, found from this file's path.
  static let root: URL = {
    var url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
    while url.path != "/" {
      url.deleteLastPathComponent()
      if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path),
        FileManager.default.fileExists(atPath: url.appendingPathComponent("rules").path)
      {
        return url
      }
    }
    fatalError("repository root not found from \(#filePath)")
  }()

  /// The binary sits next to the test bundle in the build products directory.
  static let binary: URL = {
    var products = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    while products.path != "/" {
      products.deleteLastPathComponent()
      let candidate = products.appendingPathComponent("tokenwatch")
      var isDirectory: ObjCBool = false
      if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue { return candidate }
    }
    for configuration in ["debug", "release"] {
      let candidate = root.appendingPathComponent(".build/\(configuration)/tokenwatch")
      if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
    }
    fatalError("tokenwatch binary not found near \(CommandLine.arguments[0])")
  }()

  struct Result {
    var status: Int32
    var stdout: Data
    var stderr: String
    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    var stdoutLines: [String] { stdoutText.split(separator: "\n").map(String.init) }
  }

  /// Runs tokenwatch in the repository root with `arguments`, feeding `input` on stdin.
  static func run(_ arguments: [String], input: Data? = nil, environment: [String: String] = [:]) throws -> Result {
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    process.currentDirectoryURL = root
    var env = ProcessInfo.processInfo.environment
    env["NO_COLOR"] = nil
    for (k, v) in environment { env[k] = v }
    process.environment = env
    // stdin comes from a file and stderr goes to one, so only stdout is a pipe: nothing to
    // interleave, nothing that can fill up and deadlock.
    let stdinURL = try temporaryFile("stdin-\(UUID().uuidString)", input ?? Data())
    let stderrURL = try temporaryFile("stderr-\(UUID().uuidString)", Data())
    defer {
      try? FileManager.default.removeItem(at: stdinURL)
      try? FileManager.default.removeItem(at: stderrURL)
    }
    let stdout = Pipe()
    process.standardOutput = stdout
    process.standardInput = try FileHandle(forReadingFrom: stdinURL)
    process.standardError = try FileHandle(forWritingTo: stderrURL)
    try process.run()
    let out = stdout.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let err = (try? Data(contentsOf: stderrURL)) ?? Data()
    return Result(status: process.terminationStatus, stdout: out, stderr: String(decoding: err, as: UTF8.self))
  }

  static func temporaryFile(_ name: String, _ contents: Data) throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tokenwatch-tests-\(ProcessInfo.processInfo.processIdentifier)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let url = directory.appendingPathComponent(name)
    try contents.write(to: url)
    return url
  }
}

