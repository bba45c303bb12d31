import TokenWatchJSON

/// Okta System Log events (`GET /api/v1/logs`, or unwrapped from an event hook by the registry).
///
/// Okta's fields drift: `client.zone` and `externalSessionId` can be the string "null", `version`
/// is "0" or 0, `postalCode` a string or a number, `country` a full English name. Only the fields
/// the detectors use are read, each leniently.
public enum OktaNormalizer: EventNormalizer {
  public static let format = InputFormat.okta

  /// `eventType` alone is not enough: CloudTrail has one too ("AwsApiCall"). An Okta event also has
  /// `published`, `uuid` or an `actor`.
  public static func claims(_ keys: RoutingKeys) -> Bool {
    guard let type = keys.eventType, keys.isString(type), !keys.names(type, "com.okta.event_hook") else { return false }
    return keys.published != nil || keys.uuid != nil || keys.actor != nil
  }

  public static func normalize(_ document: JSONDocument, _ record: JSONRef) throws(NormalizeFailure) -> NormalizedEvent {
    guard let okta = FieldView<Field>(LenientView(document, record), Field.table) else {
      throw NormalizeFailure(.invalid, "an Okta event must be a JSON object")
    }
    guard let eventType = okta.string(.eventType) else {
      throw NormalizeFailure(.invalid, "missing \"eventType\"")
    }
    guard let time = okta.time(.published) else {
      if let bad = okta.string(.published) {
        throw NormalizeFailure(.invalid, "missing or invalid published: \"\(bad)\"")
      }
      throw NormalizeFailure(.invalid, "missing or invalid published")
    }
    let meaning = classify(eventType)
    var event = NormalizedEvent(time: time, format: .okta, sourceDetail: "okta:" + eventType, kind: meaning.kind)
    readFields(okta, meaning: meaning, into: &event)
    return event
  }

  /// The top-level fields read, found in one pass over the event (`JSONKeyTable`), where a
  /// lookup per field scanned its sixteen or so keys each time.
  enum Field: Int, CaseIterable {
    case eventType, published, uuid, outcome, target, actor, authenticationContext, debugContext, device
    case securityContext, client

    static let table = JSONKeyTable(allCases.map { "\($0)" })
  }

  /// Inside `client`, found in one pass too.
  static let clientKeys = JSONKeyTable(["ipAddress", "id", "userAgent", "geographicalContext"])

  /// Out of line and in place, like `EntraSignInNormalizer.readFields`: built up field by field
  /// in the function returning it, the event was copied whole into the result.
  @inline(never)
  private static func readFields(_ okta: FieldView<Field>, meaning: Meaning, into event: inout NormalizedEvent) {
    event.packedEventID = okta.eventID(.uuid)  // one per record: not through the string cache
    event.outcome = outcome(okta.nested(.outcome))
    if meaning.kind == .signIn { event.interactive = true }

    let targets = okta.nested(.target)?.elements ?? []
    if meaning.subjectIsTarget {
      // The actor is the admin (or Okta itself) acting on someone else. The subject is the target
      // user; the admin's session, device and network say nothing about that user, so they are
      // left out rather than attributed to the wrong person.
      if let user = targets.first(where: { $0.equals("type", "User") }) {
        event.user = user.string("id")
        event.upn = user.string("alternateId").map(lowercasedLogin)
        event.actor = .human
      }
      return
    }

    if let actor = okta.nested(.actor) {
      event.user = actor.string("id")
      event.upn = actor.string("alternateId").map(lowercasedLogin)
      event.actor = actor.equals("type", "User") ? .human : .service
    }
    if meaning.tokenFromTarget {
      event.token = targets.first(where: isTokenTarget)?.string("id")
    }

    let authentication = okta.nested(.authenticationContext)
    if let session = authentication?.string("externalSessionId"), session != "unknown" {
      event.session = session
    }
    if let issuer = authentication?.nested("issuer") {
      event.issuer = issuer.string("id")
      event.issuerType = issuer.string("type")
    }
    // dtHash binds the session to Okta's device token; `device.id` only exists with Okta Verify.
    event.device = okta.nested(.debugContext)?.nested("debugData")?.string("dtHash") ?? okta.nested(.device)?.string("id")
    event.asn = okta.nested(.securityContext)?.asn("asNumber")

    if let client = okta.nested(.client), let fields = client.document.members(client.ref, clientKeys) {
      event.ip = client.string(fields[0])
      event.app = client.string(fields[1])
      event.userAgent = client.nested(fields[2])?.string("rawUserAgent")
      if let geo = client.nested(fields[3]) {
        event.country = geo.string("country").map(CountryCodes.isoCode(for:))
        event.city = geo.string("city")
        if let point = geo.nested("geolocation") {
          event.latitude = point.double("lat")
          event.longitude = point.double("lon")
        }
      }
    }
  }

  // MARK: - Event types

  struct Meaning {
    var kind: EventKind
    /// `user.lifecycle.*`, `user.session.clear`: the `target[]` user is the subject, not the actor.
    var subjectIsTarget = false
    /// OAuth grants and revocations name the token in `target[]`.
    var tokenFromTarget = false
  }

  static func classify(_ eventType: String) -> Meaning {
    switch eventType {
    case "user.session.start":
      return Meaning(kind: .signIn)
    case "user.authentication.sso", "user.authentication.auth_via_mfa", "user.authentication.verify", "policy.evaluate_sign_on":
      return Meaning(kind: .access)
    case "user.session.end", "user.session.expire":
      return Meaning(kind: .sessionEnd)
    case "user.session.clear":
      return Meaning(kind: .tokenRevoked, subjectIsTarget: true)  // every session of the user
    case "app.oauth2.as.token.revoke", "app.oauth2.token.revoke":
      return Meaning(kind: .tokenRevoked, tokenFromTarget: true)
    case "user.lifecycle.deactivate", "user.lifecycle.suspend":
      return Meaning(kind: .userDisabled, subjectIsTarget: true)
    case "user.lifecycle.activate", "user.lifecycle.reactivate", "user.lifecycle.unsuspend":
      return Meaning(kind: .userEnabled, subjectIsTarget: true)
    default:
      if eventType.hasPrefix("app.oauth2.as.token.grant") || eventType.hasPrefix("app.oauth2.token.grant")
        || eventType.hasPrefix("app.oauth2.as.authorize")
      {
        return Meaning(kind: .tokenIssued, tokenFromTarget: true)
      }
      // Any other lifecycle change (create, password reset, …) is still about the target user.
      return Meaning(kind: .other, subjectIsTarget: eventType.hasPrefix("user.lifecycle."))
    }
  }

  private static func isTokenTarget(_ target: LenientView) -> Bool {
    guard let type = target.member("type") else { return false }
    let document = target.document
    return document.stringEquals(type, "access_token") || document.stringEquals(type, "refresh_token")
      || document.stringEquals(type, "id_token")
  }

  /// SUCCESS and ALLOW are successes, FAILURE and DENY failures; SKIPPED, CHALLENGE and UNKNOWN say neither.
  static func outcome(_ outcome: LenientView?) -> Outcome {
    guard let result = outcome?.member("result"), let document = outcome?.document,
      document.kind(result) == .string
    else { return .unknown }
    let raw = document.rawBytes(result)
    if asciiEqualsIgnoringCase(raw, "SUCCESS") || asciiEqualsIgnoringCase(raw, "ALLOW") { return .success }
    if asciiEqualsIgnoringCase(raw, "FAILURE") || asciiEqualsIgnoringCase(raw, "DENY") { return .failure }
    return .unknown
  }
}
