import Foundation

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

  var rendered: String {
    switch self {
    case .int(let n): return String(n)
    case .number(let d, let decimals): return String(format: "%.\(decimals)f", d)
    case .string(let s): return quoted(s)
    case .bool(let b): return b ? "true" : "false"
    case .null: return "null"
    case .array(let items): return "[" + items.map(\.rendered).joined(separator: ",") + "]"
    case .object(let members): return "{" + members.map { quoted($0.0) + ":" + $0.1.rendered }.joined(separator: ",") + "}"
    }
  }

  private func quoted(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case let c where c.value < 0x20: out += String(format: "\\u%04x", c.value)
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }
}
