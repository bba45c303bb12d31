import Foundation
import Testing
import TokenWatchJSON

@testable import TokenWatchCore

private let signingKey = Array("tokenwatch-test-key-0123456789abcdef".utf8)
private let issuedAt: Int64 = 1_772_442_000  // 2026-03-02T09:00:00Z

/// A CAEP session-revoked about a user, one of their sessions and their tenant.
private func sessionRevoked() -> SecurityEventToken {
  SecurityEventToken(
    issuer: "https://tokenwatch.example", audience: "https://receiver.example/ssf", jti: "tw-0001",
    issuedAt: issuedAt, transaction: "alert-42",
    subject: .complex(
      user: .issSub(iss: "https://login.example/contoso/v2.0", sub: "u1"), session: .opaque("sess-9"),
      tenant: .opaque("contoso")),
    event: .sessionRevoked, eventTimestamp: issuedAt - 10, reasonAdmin: "Token replayed from a second network",
    initiatingEntity: "policy")
}

/// A RISC account-disabled about an e-mail address, nothing optional.
private func accountDisabled() -> SecurityEventToken {
  SecurityEventToken(
    issuer: "https://tokenwatch.example", audience: "https://receiver.example/ssf", jti: "tw-0002",
    issuedAt: issuedAt, subject: .email("alice@contoso.example"), event: .accountDisabled)
}

private func parse(_ json: String) throws -> JSONDocument {
  var document = JSONDocument()
  try document.parse(json.utf8)
  return document
}

/// The parts of a compact JWS, decoded.
private func decodedParts(_ compact: String) -> [String] {
  compact.split(separator: ".", omittingEmptySubsequences: false).map {
    String(decoding: Base64URL.decode(String($0)) ?? [], as: UTF8.self)
  }
}

struct SecurityEventTokenTests {
  @Test func eventTypeURIs() {
    #expect(SSFEventType.sessionRevoked.uri == "https://schemas.openid.net/secevent/caep/event-type/session-revoked")
    #expect(SSFEventType.credentialChange.uri == "https://schemas.openid.net/secevent/caep/event-type/credential-change")
    #expect(SSFEventType.accountDisabled.uri == "https://schemas.openid.net/secevent/risc/event-type/account-disabled")
    #expect(SSFEventType.credentialCompromise.uri == "https://schemas.openid.net/secevent/risc/event-type/credential-compromise")
  }

  @Test func caepSessionRevokedWithComplexSubject() throws {
    let token = sessionRevoked()
    try token.validate()
    #expect(
      token.claimsJSON()
        == #"{"iss":"https://tokenwatch.example","iat":1772442000,"jti":"tw-0001","aud":"https://receiver.example/ssf","#
        + #""txn":"alert-42","sub_id":{"format":"complex","user":{"format":"iss_sub","iss":"https://login.example/contoso/v2.0","sub":"u1"},"#
        + #""session":{"format":"opaque","id":"sess-9"},"tenant":{"format":"opaque","id":"contoso"}},"#
        + #""events":{"https://schemas.openid.net/secevent/caep/event-type/session-revoked":{"initiating_entity":"policy","#
        + #""reason_admin":{"en":"Token replayed from a second network"},"event_timestamp":1772441990}}}"#)
  }

  @Test func riscAccountDisabledWithEmailSubject() throws {
    let token = accountDisabled()
    try token.validate()
    #expect(
      token.claimsJSON()
        == #"{"iss":"https://tokenwatch.example","iat":1772442000,"jti":"tw-0002","aud":"https://receiver.example/ssf","#
        + #""sub_id":{"format":"email","email":"alice@contoso.example"},"#
        + #""events":{"https://schemas.openid.net/secevent/risc/event-type/account-disabled":{"reason":"hijacking"}}}"#)
  }

  @Test func credentialEventsCarryTheirRequiredMembers() throws {
    var change = accountDisabled()
    change.event = .credentialChange
    change.credentialType = "password"
    change.changeType = "revoke"
    try change.validate()
    #expect(
      change.claimsJSON().hasSuffix(
        #""events":{"https://schemas.openid.net/secevent/caep/event-type/credential-change":{"credential_type":"password","change_type":"revoke"}}}"#))

    var compromise = accountDisabled()
    compromise.event = .credentialCompromise
    compromise.credentialType = "password"
    try compromise.validate()
    #expect(
      compromise.claimsJSON().hasSuffix(
        #""events":{"https://schemas.openid.net/secevent/risc/event-type/credential-compromise":{"credential_type":"password"}}}"#))
  }

  /// Whatever the event type and options: no `exp`, a top-level `sub_id`, exactly one event, and no
  /// legacy `subject` inside the event.
  @Test(arguments: SSFEventType.allCases)
  func noExpiryAndExactlyOneEvent(type: SSFEventType) throws {
    var token = sessionRevoked()
    token.event = type
    token.credentialType = "password"
    token.changeType = "update"
    try token.validate()
    let document = try parse(token.claimsJSON())
    #expect(document.member(document.root, "exp") == nil)
    #expect(document.member(document.root, "sub_id") != nil)
    let events = try #require(document.member(document.root, "events"))
    #expect(document.count(events) == 1)
    let event = try #require(document.member(events, type.uri))
    #expect(document.kind(event) == .object)
    #expect(document.member(event, "subject") == nil)
    var keys: [String] = []
    document.forEachMember(document.root) { key, _ in keys.append(key) }
    #expect(keys == ["iss", "iat", "jti", "aud", "txn", "sub_id", "events"])
  }

  @Test func missingRequiredMembersAreRejected() {
    var compromise = accountDisabled()
    compromise.event = .credentialCompromise
    #expect(throws: SSFError.missingMember("credential_type")) { try compromise.validate() }
    compromise.credentialType = ""
    #expect(throws: SSFError.missingMember("credential_type")) { try compromise.validate() }
    #expect(throws: SSFError.missingMember("credential_type")) {
      try compromise.validatedCompactSerialization(key: signingKey)
    }

    var change = accountDisabled()
    change.event = .credentialChange
    #expect(throws: SSFError.missingMember("credential_type")) { try change.validate() }
    change.credentialType = "fido2-roaming"
    #expect(throws: SSFError.missingMember("change_type")) { try change.validate() }
    change.changeType = "rotate"
    #expect(throws: SSFError.invalidMember("change_type")) { try change.validate() }
    change.changeType = "create"
    #expect(throws: Never.self) { try change.validate() }

    var token = sessionRevoked()
    token.jti = ""
    #expect(throws: SSFError.missingMember("jti")) { try token.validate() }
    token = sessionRevoked()
    token.issuer = ""
    #expect(throws: SSFError.missingMember("iss")) { try token.validate() }
    token = sessionRevoked()
    token.audience = ""
    #expect(throws: SSFError.missingMember("aud")) { try token.validate() }
    token = sessionRevoked()
    token.initiatingEntity = "robot"
    #expect(throws: SSFError.invalidMember("initiating_entity")) { try token.validate() }
  }

  @Test func subjectsAreChecked() {
    var token = sessionRevoked()
    token.subject = .complex(user: nil, session: nil, tenant: nil)
    #expect(throws: SSFError.missingMember("sub_id")) { try token.validate() }
    token.subject = .complex(user: .complex(user: .opaque("x"), session: nil, tenant: nil), session: nil, tenant: nil)
    #expect(throws: SSFError.invalidMember("sub_id.user")) { try token.validate() }
    token.subject = .complex(user: .issSub(iss: "https://idp.example", sub: ""), session: nil, tenant: nil)
    #expect(throws: SSFError.missingMember("sub_id.user.sub")) { try token.validate() }
    token.subject = .email("")
    #expect(throws: SSFError.missingMember("sub_id.email")) { try token.validate() }
    token.subject = .opaque("")
    #expect(throws: SSFError.missingMember("sub_id.id")) { try token.validate() }
    token.subject = .complex(user: nil, session: .opaque("s"), tenant: nil)
    #expect(throws: Never.self) { try token.validate() }
    #expect(token.claimsJSON().contains(#""sub_id":{"format":"complex","session":{"format":"opaque","id":"s"}}"#))
  }

  @Test func hs256SerializationVerifies() throws {
    let token = sessionRevoked()
    let compact = try token.validatedCompactSerialization(key: signingKey, keyID: "k1")
    let parts = compact.split(separator: ".", omittingEmptySubsequences: false)
    #expect(parts.count == 3 && parts.allSatisfy { !$0.isEmpty && !$0.contains("=") })
    let verified = try #require(JWS.verifyHS256(compact, key: signingKey))
    #expect(verified.header == #"{"typ":"secevent+jwt","alg":"HS256","kid":"k1"}"#)
    #expect(verified.payload == token.claimsJSON())

    // Without a key ID the header is just typ and alg.
    let withoutKeyID = token.compactSerialization(key: signingKey)
    #expect(JWS.verifyHS256(withoutKeyID, key: signingKey)?.header == #"{"typ":"secevent+jwt","alg":"HS256"}"#)
  }

  @Test func hs256RejectsWrongKeyAndTampering() throws {
    let token = sessionRevoked()
    let compact = token.compactSerialization(key: signingKey, keyID: "k1")
    let parts = compact.split(separator: ".", omittingEmptySubsequences: false).map(String.init)

    #expect(JWS.verifyHS256(compact, key: Array("another-key".utf8)) == nil)
    #expect(JWS.verifyHS256(compact, key: Array(signingKey.dropLast()) + [signingKey.last! ^ 1]) == nil)

    // A payload changed after signing (another jti), signature kept.
    var altered = token
    altered.jti = "tw-9999"
    let tamperedPayload = Base64URL.encode(Array(altered.claimsJSON().utf8))
    #expect(JWS.verifyHS256([parts[0], tamperedPayload, parts[2]].joined(separator: "."), key: signingKey) == nil)

    // A flipped signature character, a truncated signature, missing or extra parts.
    var signature = Array(parts[2].utf8)
    signature[0] = signature[0] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
    #expect(JWS.verifyHS256([parts[0], parts[1], String(decoding: signature, as: UTF8.self)].joined(separator: "."), key: signingKey) == nil)
    #expect(JWS.verifyHS256([parts[0], parts[1], String(parts[2].dropLast(2))].joined(separator: "."), key: signingKey) == nil)
    #expect(JWS.verifyHS256(parts[0] + "." + parts[1], key: signingKey) == nil)
    #expect(JWS.verifyHS256(compact + ".", key: signingKey) == nil)

    // A header that says "none" is refused even when the MAC over it is right.
    let noneHeader = Base64URL.encode(Array(#"{"typ":"secevent+jwt","alg":"none"}"#.utf8))
    let forgedInput = noneHeader + "." + parts[1]
    let forgedMAC = Base64URL.encode(HMACSHA256.authenticate(message: Array(forgedInput.utf8), key: signingKey))
    #expect(JWS.verifyHS256(forgedInput + "." + forgedMAC, key: signingKey) == nil)
  }

  @Test func unsecuredFormEndsWithADot() throws {
    let token = accountDisabled()
    let compact = token.compactSerialization(key: nil)
    #expect(compact.hasSuffix("."))
    let decoded = decodedParts(compact)
    #expect(decoded.count == 3)
    #expect(decoded[0] == #"{"typ":"secevent+jwt","alg":"none"}"#)
    #expect(decoded[1] == token.claimsJSON())
    #expect(decoded[2] == "")
    // Not even a key ID leaks into an unsecured header, and it never verifies as HS256.
    #expect(decodedParts(token.compactSerialization(key: nil, keyID: "k1"))[0] == #"{"typ":"secevent+jwt","alg":"none"}"#)
    #expect(JWS.verifyHS256(compact, key: signingKey) == nil)
  }

  @Test func claimStringsAreEscaped() throws {
    var token = accountDisabled()
    token.jti = "quote\" backslash\\ newline\n"
    let document = try parse(token.claimsJSON())
    #expect(document.string(try #require(document.member(document.root, "jti"))) == token.jti)
  }
}

// MARK: - Independent verification with Python

/// python3 from the usual places or PATH (pyenv shims included); nil when absent.
private let python3Path: String? = {
  var candidates = ["/usr/bin/python3", "/usr/local/bin/python3"]
  for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
    candidates.append(String(directory) + "/python3")
  }
  return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
}()

/// Verifies the HS256 signature and decodes the claims with nothing but Python's standard library
/// (`hmac`, `hashlib`, `base64`, `json`), then checks them against the values the token was built from.
private let pythonVerifier = #"""
  import base64, hashlib, hmac, json, sys

  token_path, key, expected_path = sys.argv[1], sys.argv[2].encode(), sys.argv[3]
  token = open(token_path).read().strip()
  expected = json.load(open(expected_path))

  def b64url(part):
      assert "=" not in part and "+" not in part and "/" not in part, part
      return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))

  header_b64, payload_b64, signature_b64 = token.split(".")
  mac = hmac.new(key, (header_b64 + "." + payload_b64).encode("ascii"), hashlib.sha256).digest()
  assert hmac.compare_digest(mac, b64url(signature_b64)), "bad signature"

  header = json.loads(b64url(header_b64))
  assert header == {"typ": "secevent+jwt", "alg": "HS256", "kid": expected["kid"]}, header

  claims = json.loads(b64url(payload_b64))
  for name in ("iss", "iat", "jti", "aud", "txn"):
      assert claims[name] == expected[name], (name, claims[name])
  assert isinstance(claims["iat"], int)
  assert "exp" not in claims, "SETs carry no exp"
  assert list(claims) == ["iss", "iat", "jti", "aud", "txn", "sub_id", "events"], list(claims)
  assert list(claims["events"]) == [expected["event_uri"]], claims["events"]
  event = claims["events"][expected["event_uri"]]
  assert isinstance(event, dict) and "subject" not in event, event
  assert event == expected["event"], event

  # RFC 9493 simple formats, and the SSF complex subject made of simple ones.
  SIMPLE = {"email": {"format", "email"}, "iss_sub": {"format", "iss", "sub"}, "opaque": {"format", "id"}}
  def check_simple(subject):
      assert set(subject) == SIMPLE[subject["format"]], subject
      assert all(isinstance(v, str) and v for v in subject.values()), subject
  sub_id = claims["sub_id"]
  if sub_id["format"] == "complex":
      members = set(sub_id) - {"format"}
      assert members and members <= {"user", "session", "tenant"}, sub_id
      for name in members:
          check_simple(sub_id[name])
  else:
      check_simple(sub_id)
  assert sub_id == expected["sub_id"], sub_id
  print("verified " + claims["jti"])
  """#

struct PythonCrossCheckTests {
  @Test(.enabled(if: python3Path != nil, "python3 not found"))
  func pythonVerifiesTheHS256TokenAndItsClaims() throws {
    let token = sessionRevoked()
    let compact = try token.validatedCompactSerialization(key: signingKey, keyID: "k1")

    // What Python must find, written here independently of the encoder's own output.
    let expected = """
      {"kid": "k1", "iss": "https://tokenwatch.example", "iat": 1772442000, "jti": "tw-0001",
       "aud": "https://receiver.example/ssf", "txn": "alert-42",
       "event_uri": "https://schemas.openid.net/secevent/caep/event-type/session-revoked",
       "event": {"initiating_entity": "policy", "reason_admin": {"en": "Token replayed from a second network"},
                 "event_timestamp": 1772441990},
       "sub_id": {"format": "complex",
                  "user": {"format": "iss_sub", "iss": "https://login.example/contoso/v2.0", "sub": "u1"},
                  "session": {"format": "opaque", "id": "sess-9"},
                  "tenant": {"format": "opaque", "id": "contoso"}}}
      """

    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tokenwatch-set-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let tokenFile = directory.appendingPathComponent("token.jwt")
    let expectedFile = directory.appendingPathComponent("expected.json")
    try compact.write(to: tokenFile, atomically: true, encoding: .utf8)
    try expected.write(to: expectedFile, atomically: true, encoding: .utf8)

    let result = try runPython(
      arguments: ["-c", pythonVerifier, tokenFile.path, String(decoding: signingKey, as: UTF8.self), expectedFile.path])
    #expect(result.status == 0, "python3 said: \(result.output)")
    #expect(result.output.hasSuffix("verified tw-0001\n"))  // stderr is merged in; tolerate interpreter notices

    // The same check fails when the key is not the signing key.
    let wrongKey = try runPython(arguments: ["-c", pythonVerifier, tokenFile.path, "wrong-key", expectedFile.path])
    #expect(wrongKey.status != 0)
    #expect(wrongKey.output.contains("bad signature"))
  }

  private func runPython(arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python3Path!)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }
}
