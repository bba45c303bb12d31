import TokenWatchCore

/// Finds and reads a rules directory; the pure `RuleLoader` does the rest.
public enum RulesDirectory {
  /// `--rules DIR`, else `$TOKENWATCH_RULES`, else `./rules`.
  public static func resolve(_ explicit: String?) -> String {
    explicit ?? Posix.environment("TOKENWATCH_RULES") ?? "rules"
  }

  public static func load(_ directory: String) -> RuleLoader.Result {
    guard Posix.isDirectory(directory) else {
      let diagnostic = Diagnostic(.error, DiagnosticCode.noRules.rawValue, "rules directory not found (use --rules DIR or set TOKENWATCH_RULES)", file: directory, at: SourcePosition(line: 1, column: 1))
      return RuleLoader.Result(ruleSet: nil, diagnostics: [diagnostic])
    }
    var files: [RuleFile] = []
    for path in Posix.listFiles(directory) where path.hasSuffix(".yaml") || path.hasSuffix(".yml") || path.hasSuffix(".json") {
      if case .success(let bytes) = Posix.readFile(path) {
        files.append(RuleFile(path: path, text: String(decoding: bytes, as: UTF8.self)))
      }
    }
    return RuleLoader.load(files)
  }
}
