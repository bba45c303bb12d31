import Foundation
import TokenWatchJSON

// Number formatting for the human-readable report, and the one-line JSON report.

func grouped(_ n: Int) -> String {
  let digits = String(n.magnitude)
  var out = ""
  for (i, c) in digits.enumerated() {
    if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
    out.append(c)
  }
  return (n < 0 ? "-" : "") + out
}

func fixed(_ value: Double, _ decimals: Int) -> String {
  guard value.isFinite else { return "n/a" }
  return String(format: "%.\(decimals)f", value)
}

func mebibytes(_ bytes: Int) -> String { fixed(Double(bytes) / 1_048_576, 1) + " MiB" }

/// A JSON value whose objects keep their keys in the order written.
indirect enum JSON {
  case int(Int)
  case number(Double, decimals: Int)
  case string(String)
  case bool(Bool)
  case null
  case array([JSON])
  case object([(String, JSON)])

  static func double(_ value: Double, _ decimals: Int = 1) -> JSON { value.isFinite ? .number(value, decimals: decimals) : .null }

  /// Rendered by the project's own writer (escaping and number format included).
  var rendered: String {
    var writer = JSONWriter()
    write(to: &writer)
    return String(decoding: writer.bytes, as: UTF8.self)
  }

  private func write(to writer: inout JSONWriter) {
    switch self {
    case .int(let n): writer.int(n)
    case .number(let d, let decimals): writer.fixed(d, decimals: decimals)
    case .string(let s): writer.string(s)
    case .bool(let b): writer.bool(b)
    case .null: writer.null()
    case .array(let items):
      writer.beginArray()
      for item in items { item.write(to: &writer) }
      writer.endArray()
    case .object(let members):
      writer.beginObject()
      for (key, value) in members {
        writer.key(key)
        value.write(to: &writer)
      }
      writer.endObject()
    }
  }
}
