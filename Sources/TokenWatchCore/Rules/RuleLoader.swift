/// One file of a rules directory, read by the I/O layer and handed to the pure loader.
public struct RuleFile: Sendable {
  public var path: String
  public var text: String
  public init(path: String, text: String) {
    self.path = path
    self.text = text
  }
}

/// Rules go spec → validate → compile. Every problem in every file is collected before anything
/// is compiled; a `RuleSet` is produced only when there are no errors.
public enum RuleLoader {
  public struct Result: Sendable {
    public var ruleSet: RuleSet?
    public var diagnostics: [Diagnostic]
    public init(ruleSet: RuleSet?, diagnostics: [Diagnostic]) {
      self.ruleSet = ruleSet
      self.diagnostics = diagnostics
    }
    public var errorCount: Int { diagnostics.filter { $0.severity == .error }.count }
    public var warningCount: Int { diagnostics.filter { $0.severity == .warning }.count }
  }

  public static func load(_ files: [RuleFile]) -> Result {
    var all: [Diagnostic] = []
    var rules: [RuleSpec] = []
    var lists: [NamedList] = []
    var listPositions: [String: (String, SourcePosition)] = [:]
    var risk = RiskPolicy()
    var state = StatePolicy()
    var response: ResponsePolicy?
    var responsePosition: (String, SourcePosition)?
    var ruleFiles = 0

    for file in files.sorted(by: { $0.path < $1.path }) {
      var sink = DiagnosticSink(file: file.path)
      let root: ConfigNode
      do {
        root = try file.path.hasSuffix(".json") ? ConfigJSONReader.parse(file.text) : YAMLReader.parse(file.text)
      } catch {
        sink.error(.syntax, error.message, at: error.position)
        all += sink.diagnostics
        continue
      }
      if case .mapping(let entries) = root.value, entries.contains(where: { $0.key == "detector" }) { ruleFiles += 1 }
      switch RuleFileDecoder.decode(root, sink: &sink) {
      case .rule(let spec): rules.append(spec)
      case .list(let list, let position):
        if let first = listPositions[list.name] {
          sink.error(.duplicateList, "list \"\(list.name)\" is already defined at \(first.0):\(first.1)", at: position)
        } else {
          listPositions[list.name] = (file.path, position)
          lists.append(list)
        }
      case .risk(let policy): risk = policy
      case .state(let policy): state = policy
      case .response(let policy, let position):
        if let first = responsePosition {
          sink.error(.badPolicy, "a response policy is already defined at \(first.0):\(first.1)", at: position)
        } else {
          response = policy
          responsePosition = (file.path, position)
        }
      case nil: break
      }
      all += sink.diagnostics
    }

    let listsByName = Dictionary(uniqueKeysWithValues: lists.map { ($0.name, $0) })
    var compiled: [CompiledRule] = []
    var seenIDs: [String: RuleSpec] = [:]
    var referenced: Set<String> = []
    for spec in rules {
      var sink = DiagnosticSink(file: spec.file)
      sink.rule = spec.id
      if let first = seenIDs[spec.id] {
        sink.error(.duplicateID, "rule id \"\(spec.id)\" is already used in \(first.file):\(first.idPosition)", at: spec.idPosition)
      } else {
        seenIDs[spec.id] = spec
      }
      if let rule = RuleCompiler.compile(spec, lists: listsByName, referenced: &referenced, sink: &sink) {
        if rule.enabled, let other = compiled.first(where: { $0.enabled && $0.detector == rule.detector }) {
          sink.error(.detectorInUse, "detector \"\(rule.detector.rawValue)\" is already driven by rule \(other.id) (\(other.file)); disable one of them", at: spec.idPosition)
        }
        compiled.append(rule)
      }
      all += sink.diagnostics
    }
    if ruleFiles == 0 {
      all.append(Diagnostic(.error, DiagnosticCode.noRules.rawValue, "no rule files found", file: files.first?.path ?? "rules", at: SourcePosition(line: 1, column: 1)))
    }
    for list in lists where !referenced.contains(list.name) {
      let (file, position) = listPositions[list.name]!
      all.append(Diagnostic(.warning, DiagnosticCode.unusedList.rawValue, "list \"\(list.name)\" is never referenced by a rule", file: file, at: position))
    }

    if let response, let (file, _) = responsePosition {
      var sink = DiagnosticSink(file: file)
      ResponsePolicyDecoder.checkRouteRules(response, ruleIDs: Set(rules.map(\.id)), sink: &sink)
      all += sink.diagnostics
    }
    let hasErrors = all.contains { $0.severity == .error }
    let ruleSet = hasErrors ? nil : RuleSet(rules: compiled.sorted { $0.id < $1.id }, lists: listsByName, risk: risk, state: state, response: response)
    return Result(ruleSet: ruleSet, diagnostics: all.sorted(by: diagnosticOrder))
  }

  private static func diagnosticOrder(_ a: Diagnostic, _ b: Diagnostic) -> Bool {
    (a.file, a.position.line, a.position.column, a.code) < (b.file, b.position.line, b.position.column, b.code)
  }
}

/// A rule as written in its file, before cross-file validation.
public struct RuleSpec: Sendable {
  public var id: String
  public var idPosition: SourcePosition
  public var detector: DetectorKind
  public var title: String
  public var description: String
  public var enabled: Bool
  public var severity: Severity
  public var points: Double
  public var cap: Double?
  public var mitre: [String]
  public var suppress: Duration
  public var params: ConfigNode?
  public var file: String
}

enum DecodedFile {
  case rule(RuleSpec)
  case list(NamedList, SourcePosition)
  case risk(RiskPolicy)
  case state(StatePolicy)
  case response(ResponsePolicy, SourcePosition)
}

/// Decodes one file's tree into a spec, reporting unknown keys and wrong types on the way.
enum RuleFileDecoder {
  static func decode(_ root: ConfigNode, sink: inout DiagnosticSink) -> DecodedFile? {
    guard case .mapping(let entries) = root.value else {
      sink.error(.unknownFileType, "expected a mapping with a \"detector\", \"list\" or \"policy\" key", at: root.position)
      return nil
    }
    let keys = entries.map(\.key)
    if keys.contains("detector") { return decodeRule(root, sink: &sink).map(DecodedFile.rule) }
    if keys.contains("list") { return decodeList(root, sink: &sink) }
    if keys.contains("policy") { return decodePolicy(root, sink: &sink) }
    sink.error(.unknownFileType, "expected a \"detector\", \"list\" or \"policy\" key", at: root.position)
    return nil
  }

  static func decodeRule(_ root: ConfigNode, sink: inout DiagnosticSink) -> RuleSpec? {
    guard var reader = MappingReader(root, context: "rule", sink: &sink) else { return nil }
    let id = reader.string("id", required: true, sink: &sink)
    let idPosition = reader.node("id")?.position ?? root.position
    sink.rule = id
    var detector: DetectorKind?
    if let name = reader.string("detector", required: true, sink: &sink) {
      detector = DetectorKind(rawValue: name)
      if detector == nil {
        let names = DetectorKind.allCases.map(\.rawValue)
        sink.error(.unknownDetector, "unknown detector \"\(name)\"\(didYouMean(name, names)) (known: \(names.joined(separator: ", ")))", at: reader.node("detector")!.position)
      }
    }
    let title = reader.string("title", required: true, sink: &sink)
    let description = reader.string("description", sink: &sink) ?? ""
    let enabled = reader.bool("enabled", sink: &sink) ?? true
    var severity: Severity?
    if let name = reader.string("severity", required: true, sink: &sink) {
      severity = Severity(name: name)
      if severity == nil {
        let names = Severity.allCases.map(\.name)
        sink.error(.badValue, "unknown severity \"\(name)\"\(didYouMean(name, names)) (use \(names.joined(separator: ", ")))", at: reader.node("severity")!.position)
      }
    }
    var points: Double?
    var cap: Double?
    if let riskNode = reader.requireNode("risk", sink: &sink), var risk = MappingReader(riskNode, context: "risk", sink: &sink) {
      points = risk.number("points", required: true, sink: &sink)
      cap = risk.number("cap", sink: &sink)
      if let p = points, p < 0 { sink.error(.badValue, "risk points must be zero or more", at: risk.node("points")!.position) }
      if let c = cap, let p = points, c < p { sink.error(.badValue, "risk cap (\(formatNumber(c))) is below the points (\(formatNumber(p)))", at: risk.node("cap")!.position) }
      risk.finish(sink: &sink)
    }
    let mitre = reader.strings("mitre", sink: &sink)?.map(\.0) ?? []
    for (technique, position) in reader.strings("mitre", sink: &sink) ?? [] where !isMitreTechnique(technique) {
      sink.error(.badValue, "\"\(technique)\" is not a MITRE ATT&CK technique id such as T1550.001", at: position)
    }
    let suppress = reader.duration("suppress", sink: &sink) ?? .hours(1)
    let params = reader.node("params")
    reader.finish(sink: &sink)
    // With a known id and detector the rule goes on to parameter validation even when other
    // fields were wrong (those errors are already recorded), so every problem is reported at once.
    guard let id, let detector else { return nil }
    return RuleSpec(
      id: id, idPosition: idPosition, detector: detector, title: title ?? "", description: description, enabled: enabled,
      severity: severity ?? .medium, points: points ?? 0, cap: cap, mitre: mitre, suppress: suppress, params: params, file: sink.file)
  }

  static func decodeList(_ root: ConfigNode, sink: inout DiagnosticSink) -> DecodedFile? {
    guard var reader = MappingReader(root, context: "list", sink: &sink) else { return nil }
    let name = reader.string("list", required: true, sink: &sink)
    let position = reader.node("list")?.position ?? root.position
    let description = reader.string("description", sink: &sink) ?? ""
    var kind: ListKind?
    if let kindName = reader.string("kind", required: true, sink: &sink) {
      kind = ListKind(rawValue: kindName)
      if kind == nil {
        let names = ListKind.allCases.map(\.rawValue)
        sink.error(.badValue, "unknown list kind \"\(kindName)\"\(didYouMean(kindName, names)) (use \(names.joined(separator: ", ")))", at: reader.node("kind")!.position)
      }
    }
    guard let name, let kind else {
      _ = reader.node("items")
      _ = reader.node("domains")
      reader.finish(sink: &sink)
      return nil
    }
    var list = NamedList(name: name, kind: kind, file: sink.file, description: description)
    switch kind {
    case .cidr:
      for (item, at) in reader.strings("items", sink: &sink) ?? [] {
        if let block = CIDRBlock(item) { list.cidrs.append(block) } else { sink.error(.badListItem, "\"\(item)\" is not a CIDR block or IP address", at: at) }
      }
    case .asn:
      for (item, at) in reader.strings("items", sink: &sink) ?? [] {
        if let asn = parseASN(item) { list.asns.insert(asn) } else { sink.error(.badListItem, "\"\(item)\" is not an AS number (use 64500 or AS64500)", at: at) }
      }
    case .issuers:
      if let domains = reader.node("domains"), var domainReader = MappingReader(domains, context: "domains", sink: &sink) {
        for entry in domainReader.entries {
          let issuers = domainReader.strings(entry.key, sink: &sink) ?? []
          if issuers.isEmpty { sink.error(.badListItem, "domain \"\(entry.key)\" lists no issuers", at: entry.keyPosition) }
          list.issuers[entry.key.lowercased(), default: []] += issuers.map(\.0)
        }
        domainReader.finish(sink: &sink)
      }
    }
    reader.finish(sink: &sink)
    return .list(list, position)
  }

  static func decodePolicy(_ root: ConfigNode, sink: inout DiagnosticSink) -> DecodedFile? {
    guard var reader = MappingReader(root, context: "policy", sink: &sink), let kind = reader.string("policy", required: true, sink: &sink) else {
      return nil
    }
    switch kind {
    case "risk":
      var policy = RiskPolicy()
      if let halfLife = reader.duration("half_life", sink: &sink) {
        if halfLife.millis <= 0 { sink.error(.badPolicy, "half_life must be positive", at: reader.node("half_life")!.position) }
        policy.halfLife = halfLife
      }
      if let multiplier = reader.number("cap_multiplier", sink: &sink) { policy.capMultiplier = multiplier }
      if let levels = reader.node("levels"), var levelReader = MappingReader(levels, context: "levels", sink: &sink) {
        policy.low = levelReader.number("low", required: true, sink: &sink) ?? policy.low
        policy.medium = levelReader.number("medium", required: true, sink: &sink) ?? policy.medium
        policy.high = levelReader.number("high", required: true, sink: &sink) ?? policy.high
        if !(0 < policy.low && policy.low < policy.medium && policy.medium < policy.high) {
          sink.error(.badPolicy, "levels must increase: 0 < low < medium < high", at: levels.position)
        }
        levelReader.finish(sink: &sink)
      }
      reader.finish(sink: &sink)
      return .risk(policy)
    case "state":
      var policy = StatePolicy()
      for kind in StatePolicy.kinds {
        guard let node = reader.node(kind), var limitReader = MappingReader(node, context: kind, sink: &sink) else { continue }
        if let ttl = limitReader.duration("ttl", sink: &sink) { policy[kind].ttl = ttl }
        if let max = limitReader.number("max_entries", sink: &sink) {
          if max < 1 || max != max.rounded() { sink.error(.badPolicy, "max_entries must be a whole number of at least 1", at: limitReader.node("max_entries")!.position) }
          else { policy[kind].maxEntries = Int(max) }
        }
        limitReader.finish(sink: &sink)
      }
      reader.finish(sink: &sink)
      return .state(policy)
    case "response":
      let position = reader.node("policy")!.position
      return ResponsePolicyDecoder.decode(&reader, sink: &sink).map { .response($0, position) }
    default:
      sink.error(.badValue, "unknown policy \"\(kind)\"\(didYouMean(kind, ["risk", "state", "response"])) (use risk, state or response)", at: reader.node("policy")!.position)
      return nil
    }
  }

  private static func isMitreTechnique(_ text: String) -> Bool {
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    guard (1...2).contains(parts.count), parts[0].count == 5, parts[0].first == "T", parts[0].dropFirst().allSatisfy(\.isNumber) else {
      return false
    }
    return parts.count == 1 || (parts[1].count == 3 && parts[1].allSatisfy(\.isNumber))
  }
}

/// `64500`, `AS64500` or `as64500`.
public func parseASN(_ text: String) -> UInt32? {
  var digits = Substring(text)
  if digits.count > 2, digits.prefix(2).lowercased() == "as" { digits = digits.dropFirst(2) }
  guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
  return UInt32(digits)
}

/// Turns a rule spec into its runtime form: parameters checked against the detector's schema,
/// defaults filled in, list references resolved.
enum RuleCompiler {
  static func compile(_ spec: RuleSpec, lists: [String: NamedList], referenced: inout Set<String>, sink: inout DiagnosticSink) -> CompiledRule? {
    let schema = spec.detector.parameters
    var values: [String: ParameterValue] = [:]
    for parameter in schema { values[parameter.name] = parameter.defaultValue }
    let errorsBefore = sink.diagnostics.count
    if let params = spec.params, params.value != .null, var reader = MappingReader(params, context: "params of detector \(spec.detector.rawValue)", sink: &sink) {
      for parameter in schema {
        guard let node = reader.node(parameter.name) else { continue }
        if let value = decodeParameter(parameter, node, lists: lists, sink: &sink) { values[parameter.name] = value }
      }
      reader.finish(sink: &sink)
    }
    for parameter in schema {
      if case .lists(let names) = values[parameter.name] { referenced.formUnion(names) }
    }
    guard sink.diagnostics.count == errorsBefore else { return nil }
    return CompiledRule(
      id: spec.id, detector: spec.detector, title: spec.title, description: spec.description, enabled: spec.enabled,
      severity: spec.severity, points: spec.points, cap: spec.cap ?? spec.points * 2, mitre: spec.mitre, suppress: spec.suppress,
      parameters: values, file: spec.file)
  }

  private static func decodeParameter(_ parameter: ParameterSpec, _ node: ConfigNode, lists: [String: NamedList], sink: inout DiagnosticSink) -> ParameterValue? {
    let name = parameter.name
    switch parameter.type {
    case .duration:
      guard let d = node.durationValue(name, sink: &sink) else { return nil }
      if d.millis <= 0 { sink.error(.badValue, "\"\(name)\" must be longer than zero", at: node.position); return nil }
      return .duration(d)
    case .number:
      guard let n = node.numberValue(name, sink: &sink) else { return nil }
      if n <= 0 { sink.error(.badValue, "\"\(name)\" must be greater than zero", at: node.position); return nil }
      return .number(n)
    case .count:
      guard let n = node.numberValue(name, sink: &sink) else { return nil }
      if n < 1 || n != n.rounded() || n > 1_000_000 { sink.error(.badValue, "\"\(name)\" must be a whole number from 1 to 1000000", at: node.position); return nil }
      return .count(Int(n))
    case .choices(let allowed):
      guard let words = node.stringList(name, sink: &sink) else { return nil }
      var chosen: [String] = []
      for (word, position) in words {
        if allowed.contains(word) { if !chosen.contains(word) { chosen.append(word) } }
        else { sink.error(.badValue, "\"\(word)\" is not allowed in \"\(name)\"\(didYouMean(word, allowed)) (use \(allowed.joined(separator: ", ")))", at: position) }
      }
      if chosen.isEmpty, !words.isEmpty { return nil }
      if chosen.isEmpty { sink.error(.badValue, "\"\(name)\" needs at least one of \(allowed.joined(separator: ", "))", at: node.position); return nil }
      return .choices(chosen)
    case .lists(let kinds):
      guard let words = node.stringList(name, sink: &sink) else { return nil }
      var names: [String] = []
      for (word, position) in words {
        guard let list = lists[word] else {
          sink.error(.unknownList, "unknown list \"\(word)\" in \"\(name)\"\(didYouMean(word, lists.keys.sorted()))", at: position)
          continue
        }
        guard kinds.contains(list.kind) else {
          sink.error(.unknownList, "list \"\(word)\" is of kind \(list.kind.rawValue), but \"\(name)\" takes \(kinds.map(\.rawValue).joined(separator: " or ")) lists", at: position)
          continue
        }
        names.append(word)
      }
      return .lists(names)
    }
  }
}
