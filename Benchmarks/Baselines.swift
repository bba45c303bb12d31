import Foundation

// Figure 3: what decoding alone costs elsewhere, over the same Entra file: Foundation's
// JSONDecoder in this process, and a Python loop (msgspec or orjson). Neither detects anything;
// they only turn each line into the fields the detectors read.

/// The fields of an Entra sign-in record that tokenwatch's detectors use.
struct EntraSignIn: Decodable {
  struct Properties: Decodable {
    var createdDateTime: String?
    var userId: String?
    var userPrincipalName: String?
    var uniqueTokenIdentifier: String?
    var sessionId: String?
    var ipAddress: String?
    var autonomousSystemNumber: Int?
    var location: Location?
    var userAgent: String?
    var deviceDetail: DeviceDetail?
    var status: Status?
    var tokenIssuerType: String?
    var isInteractive: Bool?
  }
  struct Location: Decodable {
    var countryOrRegion: String?
    var city: String?
    var geoCoordinates: Coordinates?
  }
  struct Coordinates: Decodable {
    var latitude: Double?
    var longitude: Double?
  }
  struct DeviceDetail: Decodable { var deviceId: String? }
  struct Status: Decodable { var errorCode: Int? }

  var time: String?
  var properties: Properties?
}

struct DecodeRun {
  var events: Int
  var failures: Int
  var seconds: Double
}

/// Reads `path` in 4 MiB chunks and decodes every non-blank line with one JSONDecoder.
/// Timed from opening the file to the last line (so reading is included, as it is for tokenwatch).
func decodeWithJSONDecoder(path: String) throws -> DecodeRun {
  let start = monotonicNanos()
  let fd = open(path, O_RDONLY | O_CLOEXEC)
  guard fd >= 0 else { throw BenchError("cannot open \(path): \(errnoText())") }
  defer { close(fd) }
  let decoder = JSONDecoder()
  var events = 0, failures = 0
  var checksum = 0  // uses the decoded values, so nothing can be skipped as unused
  var pending: [UInt8] = []
  var chunk = [UInt8](repeating: 0, count: 4 << 20)

  func decodeLines(_ bytes: UnsafeRawBufferPointer, final: Bool) -> Int {
    var lineStart = 0
    var i = 0
    while i < bytes.count {
      if bytes[i] == 0x0A || (final && i == bytes.count - 1) {
        let end = bytes[i] == 0x0A ? i : i + 1
        if end > lineStart {
          let line = Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: bytes.baseAddress! + lineStart), count: end - lineStart, deallocator: .none)
          if let record = try? decoder.decode(EntraSignIn.self, from: line) {
            events += 1
            checksum &+= (record.properties?.status?.errorCode ?? 0) &+ (record.properties?.uniqueTokenIdentifier?.utf8.count ?? 0)
          } else {
            failures += 1
          }
        }
        lineStart = i + 1
      }
      i += 1
    }
    return lineStart
  }

  while true {
    let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    if n < 0 {
      if errno == EINTR { continue }
      throw BenchError("read \(path): \(errnoText())")
    }
    if n == 0 { break }
    pending.append(contentsOf: chunk[0..<n])
    let consumed = pending.withUnsafeBytes { decodeLines($0, final: false) }
    pending.removeFirst(consumed)
  }
  if !pending.isEmpty { _ = pending.withUnsafeBytes { decodeLines($0, final: true) } }
  let seconds = Double(monotonicNanos() - start) / 1e9
  if checksum == Int.min { print("") }  // never true; keeps `checksum` observable
  return DecodeRun(events: events, failures: failures, seconds: seconds)
}

// MARK: - Python

struct PythonResult {
  /// "msgspec" or "orjson".
  var module: String
  var moduleVersion: String
  var pythonVersion: String
  var events: Int
  var seconds: [Double]
  var eventsPerSecond: Double { Double(events) / median(seconds) }
}

enum PythonOutcome {
  case measured(PythonResult)
  case skipped(String)
}

/// The decode loop: msgspec typed Structs when msgspec imports, else orjson and dict access.
/// Prints one JSON object: implementation, Python version, events per run, seconds per run.
let pythonScript = #"""
import json, sys, time
from typing import Optional

path, runs = sys.argv[1], int(sys.argv[2])

try:
    import msgspec

    class Coordinates(msgspec.Struct):
        latitude: Optional[float] = None
        longitude: Optional[float] = None

    class Location(msgspec.Struct):
        countryOrRegion: Optional[str] = None
        city: Optional[str] = None
        geoCoordinates: Optional[Coordinates] = None

    class DeviceDetail(msgspec.Struct):
        deviceId: Optional[str] = None

    class Status(msgspec.Struct):
        errorCode: Optional[int] = None

    class Properties(msgspec.Struct):
        createdDateTime: Optional[str] = None
        userId: Optional[str] = None
        userPrincipalName: Optional[str] = None
        uniqueTokenIdentifier: Optional[str] = None
        sessionId: Optional[str] = None
        ipAddress: Optional[str] = None
        autonomousSystemNumber: Optional[int] = None
        location: Optional[Location] = None
        userAgent: Optional[str] = None
        deviceDetail: Optional[DeviceDetail] = None
        status: Optional[Status] = None
        tokenIssuerType: Optional[str] = None
        isInteractive: Optional[bool] = None

    class SignIn(msgspec.Struct):
        time: Optional[str] = None
        properties: Optional[Properties] = None

    decoder = msgspec.json.Decoder(SignIn)
    implementation, version = "msgspec", msgspec.__version__

    def run():
        events = 0
        with open(path, "rb") as f:
            for line in f:
                if len(line) > 1:
                    decoder.decode(line)
                    events += 1
        return events

except ImportError:
    import orjson
    loads = orjson.loads
    implementation, version = "orjson", orjson.__version__

    def run():
        events = 0
        with open(path, "rb") as f:
            for line in f:
                if len(line) <= 1:
                    continue
                r = loads(line)
                p = r.get("properties") or {}
                loc = p.get("location") or {}
                geo = loc.get("geoCoordinates") or {}
                fields = (
                    r.get("time") or p.get("createdDateTime"), p.get("userId"), p.get("userPrincipalName"),
                    p.get("uniqueTokenIdentifier"), p.get("sessionId"), p.get("ipAddress"),
                    p.get("autonomousSystemNumber"), loc.get("countryOrRegion"), loc.get("city"),
                    geo.get("latitude"), geo.get("longitude"), p.get("userAgent"),
                    (p.get("deviceDetail") or {}).get("deviceId"), (p.get("status") or {}).get("errorCode"),
                    p.get("tokenIssuerType"), p.get("isInteractive"),
                )
                events += 1
        return events

seconds, events = [], 0
for _ in range(runs):
    start = time.perf_counter()
    events = run()
    seconds.append(time.perf_counter() - start)
print(json.dumps({"implementation": implementation, "version": version,
                  "python": sys.version.split()[0], "events": events, "seconds": seconds}))
"""#

/// Finds a usable module (installing msgspec once if neither is there) and runs the loop.
func measurePython(scratch: String, file: String, runs: Int, progress: (String) -> Void) -> PythonOutcome {
  func imports(_ module: String) -> Bool {
    guard let (result, _, _) = try? runTimed(["python3", "-c", "import " + module], stderr: .devNull) else { return false }
    return result.exitedNormally && result.exitCode == 0
  }
  guard let (probe, _, _) = try? runTimed(["python3", "-c", "pass"], stderr: .devNull), probe.exitedNormally, probe.exitCode == 0 else {
    return .skipped("python3 not found")
  }
  if !imports("msgspec") && !imports("orjson") {
    progress("neither msgspec nor orjson imports; trying python3 -m pip install --quiet msgspec")
    let log = scratch + "/pip.log"
    let installed = (try? runTimed(["python3", "-m", "pip", "install", "--quiet", "msgspec"], stdout: .file(log), stderr: .file(log + ".err")))
      .map { $0.0.exitedNormally && $0.0.exitCode == 0 } ?? false
    guard installed, imports("msgspec") else { return .skipped("neither msgspec nor orjson importable, and pip install msgspec failed") }
  }

  let script = scratch + "/decode.py"
  let output = scratch + "/decode.out"
  let errors = scratch + "/decode.err"
  do {
    let writer = try FileWriter(path: script)
    try writer.writeLine(pythonScript)
    try writer.close()
    let (result, _, _) = try runTimed(["python3", script, file, String(runs)], stdout: .file(output), stderr: .file(errors))
    try requireSuccess(result, "python3 decode loop", stderrFile: errors)
  } catch {
    return .skipped("\(error)")
  }
  guard let bytes = readWholeFile(output),
    let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
    let implementation = object["implementation"] as? String, let version = object["version"] as? String,
    let python = object["python"] as? String, let events = object["events"] as? Int,
    let seconds = object["seconds"] as? [Double], !seconds.isEmpty
  else {
    return .skipped("could not read the Python loop's output")
  }
  return .measured(PythonResult(module: implementation, moduleVersion: version, pythonVersion: python, events: events, seconds: seconds))
}
