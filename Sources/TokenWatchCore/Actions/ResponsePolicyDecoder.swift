/// Decodes and validates `policy: response`, reporting every problem with its position.
enum ResponsePolicyDecoder {
  static let ssfEvents = ["session-revoked", "credential-change", "account-disabled", "credential-compromise"]
  static let hookKinds = ["exec", "webhook", "ssf", "file"]

  static func decode(_ reader: inout MappingReader, sink: inout DiagnosticSink) -> ResponsePolicy? {
    var policy = ResponsePolicy()
    policy.file = sink.file
    let errorsBefore = sink.diagnostics.count
    if let cooldown = reader.duration("cooldown", sink: &sink) { policy.cooldown = cooldown }
    if let max = reader.number("max_actions_per_minute", sink: &sink) {
      if max < 1 || max != max.rounded() { sink.error(.badValue, "max_actions_per_minute must be a whole number of at least 1", at: reader.node("max_actions_per_minute")!.position) }
      else { policy.maxActionsPerMinute = Int(max) }
    }
    if let capacity = reader.number("queue_capacity", sink: &sink) {
      if capacity < 1 || capacity != capacity.rounded() { sink.error(.badValue, "queue_capacity must be a whole number of at least 1", at: reader.node("queue_capacity")!.position) }
      else { policy.queueCapacity = Int(capacity) }
    }
    if let retry = reader.node("retry"), var retryReader = MappingReader(retry, context: "retry", sink: &sink) {
      if let attempts = retryReader.number("attempts", sink: &sink) {
        if attempts < 1 || attempts != attempts.rounded() || attempts > 1000 { sink.error(.badValue, "retry attempts must be a whole number from 1 to 1000", at: retryReader.node("attempts")!.position) }
        else { policy.retryAttempts = Int(attempts) }
      }
      if let backoff = retryReader.duration("backoff", sink: &sink) { policy.retryBackoff = backoff }
      if let maxBackoff = retryReader.duration("max_backoff", sink: &sink) { policy.retryMaxBackoff = maxBackoff }
      if policy.retryMaxBackoff < policy.retryBackoff { sink.error(.badValue, "retry max_backoff is shorter than backoff", at: retry.position) }
      retryReader.finish(sink: &sink)
    }
    for (name, _) in reader.strings("never_act", sink: &sink) ?? [] { policy.neverAct.insert(name.lowercased()) }

    var declaredHooks: Set<String> = []
    if let hooksNode = reader.requireNode("hooks", sink: &sink), var hooksReader = MappingReader(hooksNode, context: "hooks", sink: &sink) {
      declaredHooks = Set(hooksReader.entries.map(\.key))
      for entry in hooksReader.entries {
        _ = hooksReader.node(entry.key)
        if let hook = decodeHook(entry.key, entry.value, sink: &sink) { policy.hooks[entry.key] = hook }
      }
      hooksReader.finish(sink: &sink)
    }
    if let routesNode = reader.requireNode("routes", sink: &sink) {
      if case .sequence(let items) = routesNode.value {
        for item in items {
          if let route = decodeRoute(item, declaredHooks: declaredHooks, sink: &sink) { policy.routes.append(route) }
        }
      } else {
        sink.error(.wrongType, "\"routes\" must be a list of routes", at: routesNode.position)
      }
    }
    reader.finish(sink: &sink)
    return sink.diagnostics.count == errorsBefore ? policy : nil
  }

  private static func decodeRoute(_ node: ConfigNode, declaredHooks: Set<String>, sink: inout DiagnosticSink) -> ResponseRoute? {
    guard var reader = MappingReader(node, context: "route", sink: &sink) else { return nil }
    var route = ResponseRoute(levels: [], rules: [], actors: [], hooks: [])
    let levelNames = [RiskLevel.low, .medium, .high].map(\.name)
    if let levels = reader.node("level") {
      for (name, at) in levels.stringList("level", sink: &sink) ?? [] {
        if let level = RiskLevel.allCases.first(where: { $0.name == name && $0 != .none }) { route.levels.append(level) }
        else { sink.error(.badValue, "unknown risk level \"\(name)\"\(didYouMean(name, levelNames)) (use \(levelNames.joined(separator: ", ")))", at: at) }
      }
    } else {
      sink.error(.missingKey, "missing required key \"level\" in route", at: node.position)
    }
    let rules = reader.strings("rules", sink: &sink) ?? []
    route.rules = rules.map(\.0)
    route.rulePositions = rules.map(\.1)
    for (name, at) in reader.strings("actor", sink: &sink) ?? [] {
      if let actor = ActorType(rawValue: name), actor != .unknown { route.actors.append(actor) }
      else { sink.error(.badValue, "unknown actor \"\(name)\"\(didYouMean(name, ["human", "agent", "service"])) (use human, agent or service)", at: at) }
    }
    for (name, at) in reader.strings("hooks", sink: &sink) ?? [] {
      // A declared hook that failed to compile has its own error; only undeclared names are reported here.
      if !declaredHooks.contains(name) { sink.error(.unknownList, "unknown hook \"\(name)\"\(didYouMean(name, declaredHooks.sorted()))", at: at) }
      else { route.hooks.append(name) }
    }
    if reader.node("hooks") == nil { sink.error(.missingKey, "missing required key \"hooks\" in route", at: node.position) }
    reader.finish(sink: &sink)
    return route
  }

  private static func decodeHook(_ name: String, _ node: ConfigNode, sink: inout DiagnosticSink) -> Hook? {
    guard var reader = MappingReader(node, context: "hook \"\(name)\"", sink: &sink) else { return nil }
    let errorsBefore = sink.diagnostics.count
    let kindName = reader.string("kind", required: true, sink: &sink)
    let timeout = reader.duration("timeout", sink: &sink) ?? .seconds(10)
    var secret: SecretSource?
    let secretEnv = reader.string("secret_env", sink: &sink)
    let secretFile = reader.string("secret_file", sink: &sink)
    if secretEnv != nil, secretFile != nil { sink.error(.badValue, "give secret_env or secret_file, not both", at: node.position) }
    if let secretEnv { secret = .environment(secretEnv) } else if let secretFile { secret = .file(secretFile) }

    var kind: HookKind?
    switch kindName {
    case "exec":
      let items = reader.strings("argv", sink: &sink) ?? []
      let argv = items.map(\.0)
      if argv.isEmpty { sink.error(.missingKey, "exec hook \"\(name)\" needs an argv list (program first)", at: node.position) }
      else if !argv[0].hasPrefix("/") { sink.error(.badValue, "argv[0] must be an absolute path (no PATH lookup, no shell): \"\(argv[0])\"", at: items[0].1) }
      else { kind = .exec(argv: argv) }
    case "webhook":
      let url = httpURL(&reader, sink: &sink)
      var headers: [(String, String)] = []
      if let headersNode = reader.node("headers"), var headerReader = MappingReader(headersNode, context: "headers", sink: &sink) {
        for entry in headerReader.entries {
          if let value = headerReader.string(entry.key, sink: &sink) { headers.append((entry.key, value)) }
        }
        headerReader.finish(sink: &sink)
      }
      if let url { kind = .webhook(url: url, headers: headers) }
    case "ssf":
      let url = httpURL(&reader, sink: &sink)
      let event = reader.string("event", required: true, sink: &sink)
      if let event, !ssfEvents.contains(event) {
        sink.error(.badValue, "unknown SSF event \"\(event)\"\(didYouMean(event, ssfEvents)) (use \(ssfEvents.joined(separator: ", ")))", at: reader.node("event")!.position)
      }
      let issuer = reader.string("issuer", required: true, sink: &sink)
      let audience = reader.string("audience", required: true, sink: &sink)
      var subject = SubjectFormat.email
      if let format = reader.string("subject", sink: &sink) {
        if let parsed = SubjectFormat(rawValue: format) { subject = parsed }
        else { sink.error(.badValue, "unknown subject format \"\(format)\" (use email, iss_sub or opaque)", at: reader.node("subject")!.position) }
      }
      let subjectIssuer = reader.string("subject_issuer", sink: &sink)
      if subject == .issSub, subjectIssuer == nil { sink.error(.missingKey, "subject iss_sub needs subject_issuer (e.g. https://login.microsoftonline.com/<tenant>/v2.0)", at: node.position) }
      let unsecured = reader.bool("unsecured", sink: &sink) ?? false
      if secret == nil, !unsecured { sink.error(.missingKey, "ssf hook \"\(name)\" needs secret_env or secret_file to sign its tokens (or unsecured: true, explicitly)", at: node.position) }
      let credentialType = reader.string("credential_type", sink: &sink)
      if let event, event.hasPrefix("credential-"), credentialType == nil {
        sink.error(.missingKey, "the \(event) event needs credential_type (password, pin, x509, fido2-platform, fido2-roaming, fido-u2f, verifiable-credential, phone-voice, phone-sms, app)", at: node.position)
      }
      if let url, let event, let issuer, let audience {
        kind = .ssf(SSFHookOptions(url: url, event: event, issuer: issuer, audience: audience, subject: subject, subjectIssuer: subjectIssuer, unsecured: unsecured, credentialType: credentialType))
      }
    case "file":
      if let path = reader.string("path", required: true, sink: &sink) { kind = .file(path: path) }
    case let other?:
      sink.error(.badValue, "unknown hook kind \"\(other)\"\(didYouMean(other, hookKinds)) (use \(hookKinds.joined(separator: ", ")))", at: reader.node("kind")!.position)
      markEveryHookKeyRead(&reader)
    case nil:
      markEveryHookKeyRead(&reader)
    }
    reader.finish(sink: &sink)
    guard let kind, sink.diagnostics.count == errorsBefore else { return nil }
    return Hook(name: name, kind: kind, secret: secret, timeout: timeout)
  }

  /// With the kind unknown, any kind's keys may be meant: don't also report them as unknown.
  private static func markEveryHookKeyRead(_ reader: inout MappingReader) {
    for key in ["argv", "url", "headers", "event", "issuer", "audience", "subject", "subject_issuer", "unsecured", "credential_type", "path"] {
      _ = reader.node(key)
    }
  }

  private static func httpURL(_ reader: inout MappingReader, sink: inout DiagnosticSink) -> String? {
    guard let url = reader.string("url", required: true, sink: &sink) else { return nil }
    guard url.hasPrefix("https://") || url.hasPrefix("http://"), url.count > 8 else {
      sink.error(.badValue, "url must start with https:// or http://", at: reader.node("url")!.position)
      return nil
    }
    return url
  }

  /// Routes may name rules; each must exist.
  static func checkRouteRules(_ policy: ResponsePolicy, ruleIDs: Set<String>, sink: inout DiagnosticSink) {
    for route in policy.routes {
      for (rule, position) in zip(route.rules, route.rulePositions) where !ruleIDs.contains(rule) {
        sink.error(.unknownList, "route names unknown rule \"\(rule)\"\(didYouMean(rule, ruleIDs.sorted()))", at: position)
      }
    }
  }
}
