import Testing
@testable import TokenWatchCore

@Suite struct EventTimeTests {
  @Test(arguments: [
    ("2022-01-24T05:10:08.6816663Z", "2022-01-24T05:10:08.681Z"),
    ("2022-01-24T05:10:08.6816663+00:00", "2022-01-24T05:10:08.681Z"),
    ("2019-10-18T04:45:48.0729893-05:00", "2019-10-18T09:45:48.072Z"),
    ("2024-08-13T15:58:20.353Z", "2024-08-13T15:58:20.353Z"),
    ("2026-02-01 14:31:52", "2026-02-01T14:31:52.000Z"),
    ("1969-12-31T23:59:59.5Z", "1969-12-31T23:59:59.500Z"),
    ("2024-02-29T00:00:00+0530", "2024-02-28T18:30:00.000Z"),
  ])
  func parsesWhatLogsWrite(_ input: String, _ expected: String) {
    #expect(EventTime(rfc3339: input)?.rfc3339 == expected)
  }

  /// The text written digit by digit into one buffer is the text padded piece by piece, and it
  /// parses back to the same millisecond, across the years logs can hold and either side of them.
  @Test func formattingMatchesThePaddedTextAndRoundTrips() {
    var rng = SystemRandomNumberGenerator()
    let edges: [Int64] = [0, -1, 1, 999, -86_400_000, 253_402_300_799_999, -62_167_219_200_000, 253_402_300_800_000, -62_167_219_200_001, EventTime.distantPast.millis]
    for millis in edges + (0..<5000).map({ _ in Int64.random(in: -62_167_219_200_000...253_402_300_799_999, using: &rng) }) {
      let time = EventTime(millis: millis)
      let civil = CivilTime(millis: millis)
      #expect(time.rfc3339 == civil.padded, "\(millis)")
      if civil.year >= 0, civil.year <= 9999 { #expect(EventTime(rfc3339: time.rfc3339) == time, "\(millis)") }
    }
  }

  @Test(arguments: ["", "yesterday", "2024-13-01T00:00:00Z", "2024-01-01", "2024-01-01T25:00:00Z", "2024-01-01T00:00:00Zjunk", "2024-01-01T00:00:00."])
  func rejectsWhatIsNotADateTime(_ input: String) {
    #expect(EventTime(rfc3339: input) == nil)
  }

  /// The parser reads what the simple digit-by-digit parser reads, and refuses what it refuses:
  /// date-times of every shape logs write, each also cut short, lengthened and with one byte
  /// changed to a digit, a separator, a zone sign or anything else.
  @Test func parsesExactlyWhatTheDigitByDigitParserParses() {
    var rng = SeededGenerator(seed: 77)
    func pick<T>(_ choices: [T]) -> T { choices[Int(rng.next() % UInt64(choices.count))] }
    func number(_ width: Int, below limit: UInt64) -> String {
      let text = String(rng.next() % limit)
      return String(repeating: "0", count: max(0, width - text.count)) + text
    }
    let noise: [UInt8] = Array("0123456789-:.,+TtZz /x".utf8) + [0x00, 0x7F, 0xC3, 0xFF]
    var checked = 0
    for _ in 0..<4000 {
      let fraction = pick(["", ".", ".5", ".12", ".123", ".6816663", ",25", ".0000000000"])
      let zone = pick(["", "Z", "z", "+00:00", "-05:00", "+0530", "+05", "+05:", "-23:59", "+24:00", "+05:60"])
      let text = number(4, below: 10_000) + "-" + number(2, below: 14) + "-" + number(2, below: 33) + pick(["T", "t", " ", "_"])
        + number(2, below: 25) + ":" + number(2, below: 61) + ":" + number(2, below: 62) + fraction + zone
      var variants = [Array(text.utf8)]
      let bytes = Array(text.utf8)
      variants.append(Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count + 1)))))
      variants.append(bytes + [pick(noise)])
      var changed = bytes
      changed[Int(rng.next() % UInt64(bytes.count))] = pick(noise)
      variants.append(changed)
      for variant in variants {
        let got = variant.withUnsafeBufferPointer { EventTime(utf8: $0) }
        let expected = variant.withUnsafeBufferPointer { EventTime.referenceParse($0) }
        #expect(got == expected, "\(String(decoding: variant, as: UTF8.self))")
        if got != nil { checked += 1 }
      }
    }
    #expect(checked > 2000)  // the inputs are mostly date-times, not mostly refused
  }

  @Test func durations() {
    #expect(Duration(parsing: "10m")?.millis == 600_000)
    #expect(Duration(parsing: "500ms")?.millis == 500)
    #expect(Duration(parsing: "30d")?.description == "30d")
    #expect(Duration(parsing: "90s")?.description == "90s")
    #expect(Duration(parsing: "1.5h") == nil)
    #expect(Duration(parsing: "10") == nil)
    #expect(Duration(parsing: "m") == nil)
  }
}

@Suite struct NetworkTests {
  @Test func cidrMatching() {
    let v4 = CIDRBlock("203.0.113.0/24")!
    #expect(v4.contains(IPAddress("203.0.113.77")!))
    #expect(!v4.contains(IPAddress("203.0.114.1")!))
    let v6 = CIDRBlock("2001:db8::/32")!
    #expect(v6.contains(IPAddress("2001:db8:abcd::1")!))
    #expect(!v6.contains(IPAddress("2001:db9::1")!))
    #expect(CIDRBlock("10.0.0.0/33") == nil)
    #expect(IPAddress("1.2.3") == nil)
    #expect(IPAddress("::ffff:1.2.3.4") == IPAddress("1.2.3.4"))
  }

  @Test func ipv6ParsingAgreesWithASplittingReferenceParser() {
    #expect(IPAddress("2a02:cf40:add:4002::1") != nil)
    #expect(IPAddress("::ffff:1.2.3.4") == IPAddress("1.2.3.4"))
    #expect(IPAddress("fe80::1%eth0") == IPAddress("fe80::1"))
    for bad in ["", ":", ":::", "1:", ":1", "1:::2", "1::2::3", "12345::", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1::2:3:4:5:6:7:8", "1.2.3.4::", "::1.2.3", "g::"] {
      #expect(IPAddress(bad) == nil, "\(bad)")
    }
    // Random texts over the characters an address uses, and random valid addresses with a gap.
    var rng = SystemRandomNumberGenerator()
    let alphabet = Array("0123456789abcdefABCDEF:::..%")
    for round in 0..<20_000 {
      var text: String
      if round % 2 == 0 {
        text = String((0..<Int.random(in: 0...24, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
      } else {
        var groups = (0..<8).map { _ in String(UInt16.random(in: 0...0xFFFF, using: &rng) >> UInt16.random(in: 0...16, using: &rng), radix: 16) }
        if Bool.random(using: &rng) { groups[6...] = ["\(Int.random(in: 0...255, using: &rng)).\(Int.random(in: 0...300, using: &rng)).1.2"] }
        let from = Int.random(in: 0..<groups.count, using: &rng)
        let to = Int.random(in: from...groups.count, using: &rng)
        text = groups[..<from].joined(separator: ":") + (to > from ? "::" : ":") + groups[to...].joined(separator: ":")
      }
      guard text.utf8.contains(UInt8(ascii: ":")) else { continue }
      let parsed = IPAddress.parseV6(Substring(text))
      let reference = referenceParseV6(Substring(text))
      #expect(parsed?.0 == reference?.0 && parsed?.1 == reference?.1, "\(text)")
    }
  }

  @Test func prefixDescriptionsReadLikeTheirNetworks() {
    #expect(IPAddress("203.0.113.77")!.networkPrefix.prefixDescription == "203.0.113.0/24")
    #expect(IPAddress("0.0.0.0")!.prefixDescription == "0.0.0.0/24")
    #expect(IPAddress("255.255.255.255")!.networkPrefix.prefixDescription == "255.255.255.0/24")
    #expect(IPAddress("2a02:cf40:add:4002::1")!.networkPrefix.prefixDescription == "2a02:cf40:add::/48")
    #expect(IPAddress("ffff:ffff:ffff::")!.prefixDescription == "ffff:ffff:ffff::/48")
    #expect(IPAddress("2001:0:db8::")!.prefixDescription == "2001:0:db8::/48")
    // Against the plain interpolated form, over random addresses of both families.
    var rng = SystemRandomNumberGenerator()
    for _ in 0..<2000 {
      let v4 = UInt32.random(in: .min ... .max, using: &rng)
      let dotted = "\(v4 >> 24).\(v4 >> 16 & 0xFF).\(v4 >> 8 & 0xFF).\(v4 & 0xFF)"
      #expect(IPAddress(dotted)!.networkPrefix.prefixDescription == "\(v4 >> 24).\(v4 >> 16 & 0xFF).\(v4 >> 8 & 0xFF).0/24")
      let groups = (0..<8).map { _ in UInt16.random(in: .min ... .max, using: &rng) }
      let v6 = IPAddress(groups.map { String($0, radix: 16) }.joined(separator: ":"))!
      guard !v6.isIPv4 else { continue }
      #expect(v6.networkPrefix.prefixDescription == groups[0..<3].map { String($0, radix: 16) }.joined(separator: ":") + "::/48")
    }
  }

  @Test func baselinesCompareASNsWhenKnownAndPrefixesOtherwise() {
    var strings = StringInterner()
    var baseline = NetworkBaseline()
    baseline.add(address: IPAddress("1.2.3.4"), asn: 7922, country: "US", limit: 4, strings: &strings)
    baseline.add(address: IPAddress("2a02:cf40:add:4002::1"), asn: nil, country: nil, limit: 4, strings: &strings)
    #expect(baseline.networks.map(\.description) == ["AS7922", "1.2.3.0/24", "2a02:cf40:add::/48"])
    func contains(_ ip: String, _ asn: UInt32?, _ country: String?) -> Bool {
      baseline.contains(address: IPAddress(ip), asn: asn, country: country, strings: strings)
    }
    #expect(contains("9.9.9.9", 7922, "US"))      // same ASN, other /24
    #expect(contains("1.2.3.200", nil, nil))     // no ASN: same /24
    #expect(!contains("1.2.4.1", nil, nil))      // no ASN: other /24
    #expect(contains("2a02:cf40:add:ffff::9", nil, nil))
    #expect(!contains("9.9.9.9", 7922, "DE"))   // a new country counts
    #expect(!contains("1.2.3.4", 14061, "US"))  // a new ASN from the same address
  }

  @Test func haversineKnownDistances() {
    #expect(abs(haversineKilometres(51.5074, -0.1278, 40.7128, -74.0060) - 5570) < 10)
    #expect(abs(haversineKilometres(0, 0, 0, 180) - 20_015) < 5)
    #expect(haversineKilometres(10, 10, 10, 10) == 0)
  }

  @Test func kilometreBoundsHoldTheHaversineBetweenThem() {
    var rng = SystemRandomNumberGenerator()
    for round in 0..<20_000 {
      let lat1 = Double.random(in: -90...90, using: &rng)
      let lon1 = Double.random(in: -180...180, using: &rng)
      // Half the pairs close together (the case the bounds exist for), half anywhere.
      let spread = round % 2 == 0 ? 2.0 : 360.0
      let lat2 = min(90, max(-90, lat1 + Double.random(in: -spread...spread, using: &rng) / 2))
      let lon2 = round % 4 == 1 ? lon1 - 360 : lon1 + Double.random(in: -spread...spread, using: &rng)
      let km = haversineKilometres(lat1, lon1, lat2, lon2)
      let bounds = kilometreBounds(lat1, lon1, lat2, lon2)
      #expect(bounds.lower <= km && km <= bounds.upper, "\((lat1, lon1, lat2, lon2)): \(bounds.lower) ≤ \(km) ≤ \(bounds.upper)")
    }
    let bounds = kilometreBounds(0, 179.5, 0, -179.5)  // across the antimeridian: 1 degree apart
    #expect(bounds.upper < 112 && bounds.lower <= 0)
  }
}

@Suite struct TerminalTextTests {
  @Test func controlAndBidiCharactersAreMadeVisible() {
    #expect(TerminalText.escape("evil\u{1B}[31mred\u{07}") == "evil\\x1B[31mred\\x07")
    #expect(TerminalText.escape("a\u{202E}b\u{9B}c") == "a\\u{202E}b\\x9Bc")
    #expect(TerminalText.escape("back\\slash") == "back\\\\slash")
    #expect(TerminalText.escape("plain ünïcode") == "plain ünïcode")
  }

  @Test func textLinesNeverCarryEscapesFromEvents() {
    let found = alerts([rule(.replay)], [
      event("2026-03-02T09:00:00Z", .signIn, upn: "x\u{1B}]0;pwned\u{07}@contoso.example", session: "s", asn: 1, country: "US"),
      event("2026-03-02T09:10:00Z", .access, upn: "x\u{1B}]0;pwned\u{07}@contoso.example", session: "s", asn: 2, country: "US"),
    ])
    let line = TextFormatter(color: false).format(.alert(found[0]))
    #expect(!line.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
    #expect(line.contains("x\\x1B]0;pwned\\x07@contoso.example"))
  }
}

/// The first IPv6 parser, on Substrings and splits: slow, but plainly RFC 4291. Kept to check the
/// byte-level one against. (A sign on a group, `+1`, is the one thing it accepted by accident.)
private func referenceParseV6(_ raw: Substring) -> (UInt64, UInt64)? {
  var text = raw
  if let percent = text.firstIndex(of: "%") { text = text[..<percent] }
  var halves: [Substring] = []
  var rest = text
  while let range = rest.firstRange(of: "::") {
    halves.append(rest[..<range.lowerBound])
    rest = rest[range.upperBound...]
  }
  halves.append(rest)
  guard halves.count <= 2 else { return nil }
  func parseGroups(_ part: Substring, allowV4Tail: Bool) -> [UInt16]? {
    if part.isEmpty { return [] }
    var result: [UInt16] = []
    let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
    for (i, piece) in pieces.enumerated() {
      if allowV4Tail, i == pieces.count - 1, piece.contains(".") {
        guard let v4 = IPAddress.parseV4(piece) else { return nil }
        result.append(UInt16(v4 >> 16))
        result.append(UInt16(v4 & 0xFFFF))
      } else {
        guard !piece.isEmpty, piece.count <= 4, piece.first != "+", let g = UInt16(piece, radix: 16) else { return nil }
        result.append(g)
      }
    }
    return result
  }
  var groups: [UInt16]
  if halves.count == 2 {
    guard let head = parseGroups(halves[0], allowV4Tail: false), let tail = parseGroups(halves[1], allowV4Tail: true),
      head.count + tail.count < 8
    else { return nil }
    groups = head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
  } else {
    guard let all = parseGroups(halves[0], allowV4Tail: true), all.count == 8 else { return nil }
    groups = all
  }
  var high: UInt64 = 0
  var low: UInt64 = 0
  for i in 0..<4 { high = high << 16 | UInt64(groups[i]) }
  for i in 4..<8 { low = low << 16 | UInt64(groups[i]) }
  return (high, low)
}

extension EventTime {
  /// The grammar the parser reads, written out another way (as slices of the text, checked
  /// piece by piece) so that the two can be held to each other: `yyyy-mm-dd`, `T`, `t` or a
  /// space, `hh:mm:ss`, an optional fraction after `.` or `,` (kept to the millisecond), then
  /// nothing (UTC), `Z`, `z`, or a sign and `hh:mm` or `hhmm`.
  static func referenceParse(_ s: UnsafeBufferPointer<UInt8>) -> EventTime? {
    let text = Array(s)
    func number(_ range: Range<Int>) -> Int64? {
      guard range.upperBound <= text.count, !range.isEmpty, text[range].allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
      return text[range].reduce(0) { $0 * 10 + Int64($1 - 0x30) }
    }
    func byte(_ at: Int, in allowed: String) -> Bool { at < text.count && allowed.utf8.contains(text[at]) }
    guard let year = number(0..<4), byte(4, in: "-"), let month = number(5..<7), byte(7, in: "-"), let day = number(8..<10),
      byte(10, in: "Tt "), let hour = number(11..<13), byte(13, in: ":"), let minute = number(14..<16), byte(16, in: ":"),
      let second = number(17..<19), (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second <= 60
    else { return nil }
    var rest = Array(text.dropFirst(19))
    var millis: Int64 = 0
    if let first = rest.first, first == UInt8(ascii: ".") || first == UInt8(ascii: ",") {
      let digits = rest.dropFirst().prefix { (0x30...0x39).contains($0) }
      guard !digits.isEmpty else { return nil }
      let kept = Array(digits.prefix(3)) + Array(repeating: UInt8(ascii: "0"), count: max(0, 3 - digits.count))
      millis = kept.reduce(0) { $0 * 10 + Int64($1 - 0x30) }
      rest = Array(rest.dropFirst(1 + digits.count))
    }
    var offset: Int64 = 0
    switch String(decoding: rest, as: UTF8.self) {
    case "", "Z", "z":
      break
    case let zone where zone.hasPrefix("+") || zone.hasPrefix("-"):
      let unsigned = zone.dropFirst()
      let digits = unsigned.count == 5 && unsigned.dropFirst(2).first == ":" ? String(unsigned.prefix(2) + unsigned.suffix(2)) : String(unsigned)
      guard digits.utf8.count == 4, digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let hh = Int64(digits.prefix(2)), let mm = Int64(digits.suffix(2)),
        hh < 24, mm < 60
      else { return nil }
      offset = (zone.hasPrefix("-") ? -1 : 1) * (hh * 60 + mm)
    default:
      return nil
    }
    let seconds = daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + min(second, 59) - offset * 60
    return EventTime(millis: seconds * 1000 + millis)
  }
}
