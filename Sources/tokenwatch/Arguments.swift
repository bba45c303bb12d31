import TokenWatchCore

/// A usage error: printed with the command's usage line, exit status 64.
struct UsageError: Error {
  var message: String
}

/// Parses `--flag`, `--option value`, `--option=value` and positionals; `--` ends options.
struct Arguments {
  private(set) var options: [String: String] = [:]
  /// Every value of an option given more than once (`--listen A --listen B`), in order.
  private(set) var repeated: [String: [String]] = [:]
  private(set) var flags: Set<String> = []
  private(set) var positionals: [String] = []

  init(_ raw: [String], options known: [String], flags knownFlags: [String]) throws(UsageError) {
    var i = 0
    var onlyPositionals = false
    while i < raw.count {
      let arg = raw[i]
      i += 1
      if onlyPositionals || !arg.hasPrefix("--") || arg == "-" {
        if !onlyPositionals, arg.hasPrefix("-"), arg != "-", arg.count > 1 {
          if arg == "-h" { flags.insert("--help"); continue }
          throw UsageError(message: "unknown option '\(arg)'")
        }
        positionals.append(arg)
        continue
      }
      if arg == "--" {
        onlyPositionals = true
        continue
      }
      var name = arg
      var value: String?
      if let eq = arg.firstIndex(of: "=") {
        name = String(arg[..<eq])
        value = String(arg[arg.index(after: eq)...])
      }
      if knownFlags.contains(name) {
        guard value == nil else { throw UsageError(message: "\(name) takes no value") }
        flags.insert(name)
      } else if known.contains(name) {
        if value == nil {
          guard i < raw.count else { throw UsageError(message: "\(name) needs a value") }
          value = raw[i]
          i += 1
        }
        options[name] = value
        repeated[name, default: []].append(value!)
      } else {
        let hint = closestMatch(to: name, in: known + knownFlags).map { "; did you mean '\($0)'?" } ?? ""
        throw UsageError(message: "unknown option '\(name)'\(hint)")
      }
    }
  }

  func has(_ flag: String) -> Bool { flags.contains(flag) }
  func value(_ name: String) -> String? { options[name] }
  func values(_ name: String) -> [String] { repeated[name] ?? [] }
}
