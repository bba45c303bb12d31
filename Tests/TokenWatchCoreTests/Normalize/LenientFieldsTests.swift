import Testing
import TokenWatchJSON

@testable import TokenWatchCore

private typealias T = NormalizeTestData

@Suite("Lenient fields and country codes")
struct LenientFieldsTests {
  /// The value of `"v"` in `{"v": <json>}`.
  private func field(_ json: String) throws -> LenientView {
    let document = try T.parse(#"{"v":"# + json + "}")
    return LenientView(document, document.root)
  }

  @Test("strings: null, \"\" and \"null\" are absent; numbers keep their text", arguments: [
    ("null", String?.none), (#""""#, nil), (#""null""#, nil), (#""NULL""#, nil), (#""x""#, "x"),
    (#""a\u00e9""#, "aé"), ("94568", "94568"), ("true", nil), ("{}", nil),
  ])
  func strings(_ json: String, _ expected: String?) throws {
    #expect(try field(json).string("v") == expected)
  }

  @Test("integers from numbers and strings", arguments: [
    ("9009", Int64?.some(9009)), (#""9009""#, 9009), (#"" 97 ""#, 97), ("9009.0", 9009), (#""-3""#, -3),
    ("9009.5", nil), (#""nine""#, nil), (#""""#, nil), ("null", nil), ("false", nil),
  ])
  func integers(_ json: String, _ expected: Int64?) throws {
    #expect(try field(json).int64("v") == expected)
  }

  @Test("doubles from numbers and strings", arguments: [
    ("17.51", Double?.some(17.51)), (#""-10.2""#, -10.2), ("-37", -37), (#""nan""#, nil), (#""abc""#, nil), ("[]", nil),
  ])
  func doubles(_ json: String, _ expected: Double?) throws {
    #expect(try field(json).double("v") == expected)
  }

  @Test("booleans: true/false, \"true\"/\"FALSE\", \"1\"/\"0\", 1/0", arguments: [
    ("true", Bool?.some(true)), ("false", false), (#""true""#, true), (#""FALSE""#, false), (#""True""#, true),
    (#""1""#, true), ("0", false), (#""yes""#, nil), ("2", nil), ("null", nil),
  ])
  func booleans(_ json: String, _ expected: Bool?) throws {
    #expect(try field(json).bool("v") == expected)
  }

  @Test("ASNs as int, string, \"AS9009\"; 0 and out of range are unknown", arguments: [
    ("9009", UInt32?.some(9009)), (#""9009""#, 9009), (#""AS9009""#, 9009), (#""as 9009""#, 9009), ("9009.0", 9009),
    ("4294967295", 4_294_967_295), ("4294967296", nil), ("0", nil), ("-5", nil), (#""ASN""#, nil), (#""""#, nil),
  ])
  func asns(_ json: String, _ expected: UInt32?) throws {
    #expect(try field(json).asn("v") == expected)
  }

  @Test("JSON inside a string is read like a nested object")
  func nestedJSONText() throws {
    let view = try field(#""{\"deviceId\":\"d1\",\"geo\":{\"lat\":1.5}}""#)
    let nested = try #require(view.nested("v"))
    #expect(nested.string("deviceId") == "d1")
    #expect(nested.nested("geo")?.double("lat") == 1.5)
    #expect(try field(#""[{\"networkType\":\"trusted\"}]""#).nested("v")?.elements.first?.string("networkType") == "trusted")
    #expect(try field(#""{broken""#).nested("v") == nil)
    #expect(try field(#""plain text""#).nested("v") == nil)
    #expect(try field(#""null""#).nested("v") == nil)
  }

  @Test("logins are lower-cased")
  func logins() {
    #expect(lowercasedLogin("Freja.Holm@Contoso.DK") == "freja.holm@contoso.dk")
    #expect(lowercasedLogin("already@lower.case") == "already@lower.case")
    #expect(lowercasedLogin("ÅSA@example.se") == "åsa@example.se")
  }

  /// The test runs 8 bytes at a time with a byte-wise tail: a capital or a non-ASCII byte is
  /// found at every position, and the neighbours of A–Z ("@", "[", "`", "{") are not capitals.
  @Test("a capital or non-ASCII byte is found wherever it is")
  func capitalsAnywhere() {
    func flagged(_ login: String) -> Bool { login.utf8.span.withUnsafeBytes(hasUpperCaseOrNonASCII) }
    let plain = "rosa.alvarez72@contoso.example"
    #expect(lowercasedLogin(plain) == plain)
    #expect(!flagged(plain))
    let neighbours = "@[`{@[`{@[`{@[`{@[`{"
    #expect(!flagged(neighbours))
    for position in plain.utf8.indices {
      let offset = plain.utf8.distance(from: plain.utf8.startIndex, to: position)
      for replacement in ["A", "Z", "Å"] {
        let login = String(plain.prefix(offset)) + replacement + String(plain.dropFirst(offset + 1))
        #expect(flagged(login), "\(login)")
        #expect(lowercasedLogin(login) == login.lowercased())
      }
    }
  }

  // MARK: - Country codes

  @Test("Okta's full names map to alpha-2", arguments: [
    ("United States", "US"), ("United Kingdom", "GB"), ("Germany", "DE"), ("Russia", "RU"), ("Russian Federation", "RU"),
    ("South Korea", "KR"), ("Korea, Republic of", "KR"), ("North Korea", "KP"), ("Sweden", "SE"), ("Netherlands", "NL"),
    ("The Netherlands", "NL"), ("Côte d'Ivoire", "CI"), ("COTE D'IVOIRE", "CI"), ("Co\u{0302}te d'Ivoire", "CI"),
    ("Czech Republic", "CZ"), ("Türkiye", "TR"), ("Turkey", "TR"), ("Vietnam", "VN"), ("Hashemite Kingdom of Jordan", "JO"),
    ("Republic of Lithuania", "LT"), ("DR Congo", "CD"), ("Congo Republic", "CG"), ("Åland", "AX"), ("Kosovo", "XK"),
    ("São Tomé and Príncipe", "ST"), ("Bonaire, Sint Eustatius, and Saba", "BQ"), ("united  states", "US"),
  ])
  func names(_ name: String, _ code: String) {
    #expect(CountryCodes.isoCode(for: name) == code)
  }

  @Test("two letters are upper-cased and kept; unknown names pass through")
  func passThrough() {
    #expect(CountryCodes.isoCode(for: "us") == "US")
    #expect(CountryCodes.isoCode(for: "DK") == "DK")
    #expect(CountryCodes.isoCode(for: "zz") == "ZZ")
    #expect(CountryCodes.isoCode(for: "uk") == "GB")
    #expect(CountryCodes.isoCode(for: "UK") == "GB")
    #expect(CountryCodes.isoCode(for: "uK") == "GB")
    #expect(CountryCodes.isoCode(for: "gB") == "GB")
    #expect(CountryCodes.isoCode(for: "U1") == "U1")  // not two letters: no code, passed through
    #expect(CountryCodes.isoCode(for: "Atlantis") == "Atlantis")
    #expect(CountryCodes.isoCode(for: "") == "")
  }

  @Test("the table covers every ISO 3166-1 country once, and no alias names two countries")
  func tableIsConsistent() {
    let codes = CountryCodes.allCodes
    #expect(codes.count == 250)  // 249 ISO 3166-1 codes + XK
    #expect(Set(codes).count == codes.count)
    #expect(codes.allSatisfy { $0.count == 2 && $0 == $0.uppercased() })
    var owner: [String: String] = [:]
    for line in CountryCodes.table.split(separator: "\n") {
      let code = String(line.prefix(2))
      for name in line.dropFirst(3).split(separator: ";") {
        let key = CountryCodes.foldedKey(String(name))
        #expect(owner[key] == nil || owner[key] == code, "\(name) is both \(owner[key] ?? "") and \(code)")
        owner[key] = code
        #expect(CountryCodes.isoCode(for: String(name).trimmingSpaces) == code)
      }
    }
  }
}

extension String {
  fileprivate var trimmingSpaces: String {
    String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
  }
}
