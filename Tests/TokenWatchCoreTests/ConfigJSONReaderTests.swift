import Testing

@testable import TokenWatchCore

struct ConfigJSONReaderTests {
  private func jsonAt(_ line: Int, _ column: Int) -> SourcePosition { SourcePosition(line: line, column: column) }
  private func jsonPlain(_ text: String, _ line: Int, _ column: Int) -> ConfigNode {
    ConfigNode(.scalar(text, quoted: false), at: jsonAt(line, column))
  }
  private func jsonString(_ text: String, _ line: Int, _ column: Int) -> ConfigNode {
    ConfigNode(.scalar(text, quoted: true), at: jsonAt(line, column))
  }
  private func jsonEntry(_ key: String, _ line: Int, _ column: Int, _ value: ConfigNode) -> ConfigEntry {
    ConfigEntry(key: key, keyPosition: jsonAt(line, column), value: value)
  }

  private func jsonError(_ text: String) -> ConfigSyntaxError? {
    do {
      _ = try ConfigJSONReader.parse(text)
      return nil
    } catch {
      return error
    }
  }

  @Test func jsonTreeWithExactPositions() throws {
    let text = """
      {
        "id": "TW-001",
        "enabled": true,
        "off": false,
        "risk": {"points": 40, "scale": -1.5e3},
        "mitre": [ "T1550.001", null, [], {} ],
        "none": null
      }
      """
    let expected = ConfigNode(.mapping([
      jsonEntry("id", 2, 3, jsonString("TW-001", 2, 9)),
      jsonEntry("enabled", 3, 3, jsonPlain("true", 3, 14)),
      jsonEntry("off", 4, 3, jsonPlain("false", 4, 10)),
      jsonEntry("risk", 5, 3, ConfigNode(.mapping([
        jsonEntry("points", 5, 12, jsonPlain("40", 5, 22)),
        jsonEntry("scale", 5, 26, jsonPlain("-1.5e3", 5, 35)),
      ]), at: jsonAt(5, 11))),
      jsonEntry("mitre", 6, 3, ConfigNode(.sequence([
        jsonString("T1550.001", 6, 14),
        ConfigNode(.null, at: jsonAt(6, 27)),
        ConfigNode(.sequence([]), at: jsonAt(6, 33)),
        ConfigNode(.mapping([]), at: jsonAt(6, 37)),
      ]), at: jsonAt(6, 12))),
      jsonEntry("none", 7, 3, ConfigNode(.null, at: jsonAt(7, 11))),
    ]), at: jsonAt(1, 1))
    #expect(try ConfigJSONReader.parse(text) == expected)
  }

  @Test func jsonStringsAreDecodedAndAlwaysQuoted() throws {
    let node = try ConfigJSONReader.parse(#"{"k\u0065y": "a\"b\\c\n\u00e9\ud83d\ude00", "n": "40", "t": "true"}"#)
    #expect(node == ConfigNode(.mapping([
      jsonEntry("key", 1, 2, jsonString("a\"b\\c\né😀", 1, 14)),
      jsonEntry("n", 1, 45, jsonString("40", 1, 50)),
      jsonEntry("t", 1, 56, jsonString("true", 1, 61)),
    ]), at: jsonAt(1, 1)))
  }

  @Test func jsonRootScalarsAndByteColumns() throws {
    #expect(try ConfigJSONReader.parse("  42 ") == jsonPlain("42", 1, 3))
    #expect(try ConfigJSONReader.parse("\n\"x\"") == jsonString("x", 2, 1))
    // "é" is two bytes, so the value after it starts at byte column 8.
    #expect(try ConfigJSONReader.parse(#"{"é": 1}"#) == ConfigNode(.mapping([jsonEntry("é", 1, 2, jsonPlain("1", 1, 8))]), at: jsonAt(1, 1)))
  }

  @Test func jsonCRLFAndByteOrderMark() throws {
    let expected = ConfigNode(.mapping([jsonEntry("a", 2, 3, jsonPlain("1", 2, 8))]), at: jsonAt(1, 1))
    #expect(try ConfigJSONReader.parse("{\r\n  \"a\": 1\r\n}\r\n") == expected)
    #expect(try ConfigJSONReader.parse("\u{FEFF}{\n  \"a\": 1\n}") == expected)
  }

  @Test func jsonDuplicateKeysAreRejectedAtTheSecondKey() {
    let text = "{\n  \"id\": 1,\n  \"x\": {\"id\": 0},\n  \"id\": 3\n}"
    #expect(jsonError(text) == ConfigSyntaxError(position: jsonAt(4, 3), message: "duplicate key \"id\" (first at 2:3)"))
    // Keys are compared after decoding escapes.
    let escaped = #"{"ab": 1, "a\u0062": 2}"#
    #expect(jsonError(escaped) == ConfigSyntaxError(position: jsonAt(1, 11), message: "duplicate key \"ab\" (first at 1:2)"))
    // The same key in sibling objects is fine.
    #expect(jsonError(#"[{"id": 1}, {"id": 2}]"#) == nil)
  }

  @Test func jsonSyntaxErrorsCarryLineAndColumn() {
    #expect(jsonError("{\n  \"a\": tru\n}") == ConfigSyntaxError(position: jsonAt(2, 11), message: "invalid literal, expected true"))
    #expect(jsonError("[1, 2") == ConfigSyntaxError(position: jsonAt(1, 6), message: "unterminated array"))
    #expect(jsonError("{\"a\": \"x") == ConfigSyntaxError(position: jsonAt(1, 7), message: "unterminated string"))
    #expect(jsonError("{\"a\" 1}") == ConfigSyntaxError(position: jsonAt(1, 6), message: "expected ':' after object key"))
    #expect(jsonError("[1]\n\n  x") == ConfigSyntaxError(position: jsonAt(3, 3), message: "unexpected 'x' after the JSON value"))
    #expect(jsonError("") == ConfigSyntaxError(position: jsonAt(1, 1), message: "empty input"))
    #expect(jsonError("{\"a\": \"\\q\"}") == ConfigSyntaxError(position: jsonAt(1, 8), message: "invalid escape \\'q'"))
  }
}
