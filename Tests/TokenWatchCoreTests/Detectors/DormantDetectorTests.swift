import Testing
@testable import TokenWatchCore

@Suite struct DormantDetectorTests {
  let dormant = rule(.dormant, params: ["idle": .duration(.days(30))])

  @Test func tokenIdleFortyFiveDaysFires() {
    let found = alerts([dormant], [
      event("2026-01-01T09:00:00Z", .access, token: "int-1", actor: .service),
      event("2026-01-02T09:00:00Z", .access, token: "int-1", actor: .service),
      event("2026-02-16T09:00:00Z", .access, token: "int-1", ip: "167.99.1.1", asn: 14061, actor: .service),
    ])
    #expect(found.count == 1)
    #expect(found[0].evidence("idle_days") == .number(45, decimals: 1))
  }

  @Test func regularUseEveryTenDaysNeverFires() {
    let events = (0..<12).map { i in
      event("2026-01-\(format2(1 + i * 2))T09:00:00Z", .access, token: "int-2")
    } + [event("2026-02-05T09:00:00Z", .access, token: "int-2")]
    #expect(alerts([dormant], events).isEmpty)
  }

  @Test func failuresDoNotCountAsUse() {
    // The failed attempt in between does not reset the idle clock, and is not itself a use.
    let found = alerts([dormant], [
      event("2026-01-01T09:00:00Z", .access, token: "t"),
      event("2026-01-20T09:00:00Z", .access, token: "t", outcome: .failure),
      event("2026-02-05T09:00:00Z", .access, token: "t"),
    ])
    #expect(found.count == 1)
  }
}
