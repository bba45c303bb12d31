import TokenWatchJSON

/// Writes a normalized event in the native schema v1, so `tokenwatch normalize` output can be
/// fed back in, and `tokenwatch trail` shows every source in one vocabulary.
public struct NativeEventEncoder {
  private var writer = JSONWriter()
  public init() {}

  public mutating func encode(_ event: NormalizedEvent) -> [UInt8] {
    writer.reset()
    writer.beginObject()
    writer.field("time", event.time.rfc3339)
    writer.field("kind", event.kind == .other ? "other" : event.kind.rawValue)
    writer.field("source", event.sourceDetail)
    writer.field("user", event.user)
    writer.field("upn", event.upn)
    if event.actor != .unknown { writer.field("actor", event.actor.rawValue) }
    writer.field("token", event.token)
    writer.field("session", event.session)
    writer.field("task", event.task)
    writer.field("app", event.app)
    writer.field("issuer", event.issuer)
    writer.field("issuer_type", event.issuerType)
    writer.field("ip", event.ip)
    if let asn = event.asn { writer.field("asn", Int64(asn)) }
    writer.field("country", event.country)
    writer.field("city", event.city)
    if let lat = event.latitude { writer.key("lat"); writer.fixed(lat, decimals: 6) }
    if let lon = event.longitude { writer.key("lon"); writer.fixed(lon, decimals: 6) }
    writer.field("user_agent", event.userAgent)
    writer.field("device", event.device)
    if event.outcome != .unknown { writer.field("outcome", event.outcome.rawValue) }
    if let code = event.errorCode { writer.field("error_code", code) }
    if let bound = event.bound { writer.field("bound", bound) }
    if event.trustedNetwork { writer.field("trusted", true) }
    if let interactive = event.interactive { writer.field("interactive", interactive) }
    if let issuedAt = event.tokenIssuedAt { writer.field("token_issued_at", issuedAt.rfc3339) }
    writer.field("id", event.eventID)
    writer.endObject()
    return writer.bytes
  }
}
