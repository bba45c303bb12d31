/// Where a hook's secret comes from. Secrets never live in rule files and are never printed.
public enum SecretSource: Sendable, Equatable, CustomStringConvertible {
  case environment(String)
  case file(String)

  public var description: String {
    switch self {
    case .environment(let name): "environment variable \(name)"
    case .file(let path): "file \(path)"
    }
  }
}

/// How an SSF receiver identifies the user (RFC 9493 formats).
public enum SubjectFormat: String, CaseIterable, Sendable {
  /// `email` with the UPN.
  case email
  /// `iss_sub` with the configured subject issuer and the user id.
  case issSub = "iss_sub"
  /// `opaque` with the user id.
  case opaque
}

public enum HookKind: Sendable, Equatable {
  /// A program and its argv (never a shell); the action as JSON on stdin.
  case exec(argv: [String])
  /// HTTP(S) POST of the action JSON, signed with HMAC-SHA256 when a secret is configured.
  case webhook(url: String, headers: [(String, String)])
  /// Shared Signals push (RFC 8935) of a Security Event Token (RFC 8417).
  case ssf(SSFHookOptions)
  /// Append the action as one JSON line to a file, for a SOAR to pick up.
  case file(path: String)

  public var name: String {
    switch self {
    case .exec: "exec"
    case .webhook: "webhook"
    case .ssf: "ssf"
    case .file: "file"
    }
  }

  public static func == (a: HookKind, b: HookKind) -> Bool {
    switch (a, b) {
    case (.exec(let x), .exec(let y)): x == y
    case (.webhook(let u, let h), .webhook(let v, let k)): u == v && h.map { "\($0.0)=\($0.1)" } == k.map { "\($0.0)=\($0.1)" }
    case (.ssf(let x), .ssf(let y)): x == y
    case (.file(let x), .file(let y)): x == y
    default: false
    }
  }
}

public struct SSFHookOptions: Sendable, Equatable {
  public var url: String
  /// `session-revoked`, `credential-change`, `account-disabled` or `credential-compromise`.
  public var event: String
  /// Our `iss` and the receiver's `aud`.
  public var issuer: String
  public var audience: String
  public var subject: SubjectFormat
  /// The `iss` of `iss_sub` subjects (the IdP's issuer for the user's `sub`).
  public var subjectIssuer: String?
  /// Send unsigned (`alg: none`) tokens: only when explicitly configured.
  public var unsecured: Bool
  /// `credential_type` for the credential events (CAEP/RISC vocabulary: password, x509, fido2-platform, …).
  public var credentialType: String?
}

public struct Hook: Sendable, Equatable {
  public var name: String
  public var kind: HookKind
  public var secret: SecretSource?
  public var timeout: Duration
}

/// Which hooks fire when a user's risk level rises to `levels`, optionally only for some rules
/// or actor types.
public struct ResponseRoute: Sendable, Equatable {
  public var levels: [RiskLevel]
  public var rules: [String]
  public var actors: [ActorType]
  public var hooks: [String]
  /// Where each of `rules` was written, for diagnostics.
  public var rulePositions: [SourcePosition] = []

  public func matches(_ record: RiskRecord) -> Bool {
    levels.contains(record.level)
      && (rules.isEmpty || record.rules.contains(where: rules.contains))
      && (actors.isEmpty || actors.contains(record.actor))
  }
}

/// The compiled `policy: response` file.
public struct ResponsePolicy: Sendable, Equatable {
  public var routes: [ResponseRoute] = []
  public var hooks: [String: Hook] = [:]
  /// One incident fires once: the same user and level do not act again within this (event time).
  public var cooldown: Duration = .hours(6)
  /// Users (ids or UPNs, compared case-insensitively) that are never acted on: break-glass and
  /// service accounts named by the operator.
  public var neverAct: Set<String> = []
  /// The circuit breaker: more new actions than this in one minute pauses dispatch.
  public var maxActionsPerMinute = 30
  /// Actions held in memory for dispatch; beyond this they wait in the journal.
  public var queueCapacity = 10_000
  public var retryAttempts = 12
  public var retryBackoff: Duration = .seconds(1)
  public var retryMaxBackoff: Duration = .seconds(60)
  public var file: String = ""

  public init() {}
}
