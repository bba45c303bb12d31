import Testing

@testable import TokenWatchCore

struct YAMLReaderTests {
  // MARK: - Helpers

  private func at(_ line: Int, _ column: Int) -> SourcePosition { SourcePosition(line: line, column: column) }
  private func plain(_ text: String, _ line: Int, _ column: Int) -> ConfigNode {
    ConfigNode(.scalar(text, quoted: false), at: at(line, column))
  }
  private func quoted(_ text: String, _ line: Int, _ column: Int) -> ConfigNode {
    ConfigNode(.scalar(text, quoted: true), at: at(line, column))
  }
  private func null(_ line: Int, _ column: Int) -> ConfigNode { ConfigNode(.null, at: at(line, column)) }
  private func sequence(_ line: Int, _ column: Int, _ items: [ConfigNode]) -> ConfigNode {
    ConfigNode(.sequence(items), at: at(line, column))
  }
  private func mapping(_ line: Int, _ column: Int, _ entries: [ConfigEntry]) -> ConfigNode {
    ConfigNode(.mapping(entries), at: at(line, column))
  }
  private func entry(_ key: String, _ line: Int, _ column: Int, _ value: ConfigNode) -> ConfigEntry {
    ConfigEntry(key: key, keyPosition: at(line, column), value: value)
  }

  /// A position-free rendering for tests about values: plain text bare, quoted text in "", `null`.
  private static func shape(_ node: ConfigNode) -> String {
    switch node.value {
    case .null: return "null"
    case .scalar(let text, quoted: false): return text
    case .scalar(let text, quoted: true): return "\"" + text + "\""
    case .sequence(let items): return "[" + items.map(Self.shape).joined(separator: ", ") + "]"
    case .mapping(let entries): return "{" + entries.map { "\($0.key): \(Self.shape($0.value))" }.joined(separator: ", ") + "}"
    }
  }

  private func yamlShape(_ text: String) throws -> String { Self.shape(try YAMLReader.parse(text)) }

  /// The text of the scalar under key `d`.
  private func scalarText(_ text: String) throws -> String? {
    guard case .mapping(let entries) = try YAMLReader.parse(text).value,
      let value = entries.first(where: { $0.key == "d" })?.value,
      case .scalar(let scalar, quoted: true) = value.value
    else { return nil }
    return scalar
  }

  private func yamlError(_ text: String) -> ConfigSyntaxError? {
    do {
      _ = try YAMLReader.parse(text)
      return nil
    } catch {
      return error
    }
  }

  // MARK: - Trees with positions

  @Test func readsTheRuleExampleWithExactPositions() throws {
    let text = """
      id: TW-001
      detector: replay
      title: "Token replayed from a new network"
      enabled: true
      mitre: [T1550.001, T1539]
      params:
        scope: [token, session]
        interleave_window: 30m
      risk:
        points: 40
      items:
        - 10.0.0.0/8   # office
        - name: x
          asn: 64500
      description: >
        Folded text
        continues here.

      """
    let expected = mapping(1, 1, [
      entry("id", 1, 1, plain("TW-001", 1, 5)),
      entry("detector", 2, 1, plain("replay", 2, 11)),
      entry("title", 3, 1, quoted("Token replayed from a new network", 3, 8)),
      entry("enabled", 4, 1, plain("true", 4, 10)),
      entry("mitre", 5, 1, sequence(5, 8, [plain("T1550.001", 5, 9), plain("T1539", 5, 20)])),
      entry("params", 6, 1, mapping(7, 3, [
        entry("scope", 7, 3, sequence(7, 10, [plain("token", 7, 11), plain("session", 7, 18)])),
        entry("interleave_window", 8, 3, plain("30m", 8, 22)),
      ])),
      entry("risk", 9, 1, mapping(10, 3, [entry("points", 10, 3, plain("40", 10, 11))])),
      entry("items", 11, 1, sequence(12, 3, [
        plain("10.0.0.0/8", 12, 5),
        mapping(13, 5, [
          entry("name", 13, 5, plain("x", 13, 11)),
          entry("asn", 14, 5, plain("64500", 14, 10)),
        ]),
      ])),
      entry("description", 15, 1, quoted("Folded text continues here.\n", 15, 14)),
    ])
    #expect(try YAMLReader.parse(text) == expected)
  }

  @Test func omittedAndExplicitNullsArePositioned() throws {
    // An omitted value sits just after its ':' or '-'; `~` and `null` sit where they are written.
    let text = "a:\nb: ~\nc: null   # none\nd:\n  -\n  - x\n"
    let expected = mapping(1, 1, [
      entry("a", 1, 1, null(1, 3)),
      entry("b", 2, 1, null(2, 4)),
      entry("c", 3, 1, null(3, 4)),
      entry("d", 4, 1, sequence(5, 3, [null(5, 4), plain("x", 6, 5)])),
    ])
    #expect(try YAMLReader.parse(text) == expected)
  }

  @Test func nestedSequencesAndCompactMappings() throws {
    let text = """
      - - a
        - b
      -   k: 1
          j:
            - z
      - c
      """
    let expected = sequence(1, 1, [
      sequence(1, 3, [plain("a", 1, 5), plain("b", 2, 5)]),
      mapping(3, 5, [
        entry("k", 3, 5, plain("1", 3, 8)),
        entry("j", 4, 5, sequence(5, 7, [plain("z", 5, 9)])),
      ]),
      plain("c", 6, 3),
    ])
    #expect(try YAMLReader.parse(text) == expected)
  }

  @Test func emptyDocumentsAreNullAtTheStart() throws {
    for text in ["", "\n\n", "# nothing here\n   \n", "---\n", "--- # start\n...\n", "...\n# done\n"] {
      #expect(try YAMLReader.parse(text) == null(1, 1), "\(text.debugDescription)")
    }
  }

  @Test func rootMayBeAScalarOrAnIndentedCollection() throws {
    #expect(try YAMLReader.parse("hello world  # greeting\n") == plain("hello world", 1, 1))
    #expect(try YAMLReader.parse("\n  'single'\n") == quoted("single", 2, 3))
    #expect(try YAMLReader.parse("  a: 1\n  b: 2\n") == mapping(1, 3, [
      entry("a", 1, 3, plain("1", 1, 6)), entry("b", 2, 3, plain("2", 2, 6)),
    ]))
    #expect(try YAMLReader.parse("[a, b]") == sequence(1, 1, [plain("a", 1, 2), plain("b", 1, 5)]))
  }

  @Test func flowCollectionPositions() throws {
    let expected = mapping(1, 1, [
      entry("f", 1, 1, mapping(1, 4, [
        entry("a", 1, 5, plain("1", 1, 8)),
        entry("b", 1, 11, sequence(1, 14, [quoted("x", 1, 15), sequence(1, 20, [])])),
        entry("c", 1, 25, null(1, 27)),
      ])),
    ])
    #expect(try YAMLReader.parse(#"f: {a: 1, b: ["x", []], c:}"#) == expected)
  }

  @Test func columnsCountBytes() throws {
    // "é" is two bytes in UTF-8, so the value starts at byte column 5.
    #expect(try YAMLReader.parse("é: x") == mapping(1, 1, [entry("é", 1, 1, plain("x", 1, 5))]))
  }

  @Test func crlfLineEndingsAndByteOrderMark() throws {
    let expected = mapping(1, 1, [
      entry("a", 1, 1, plain("1", 1, 4)),
      entry("b", 2, 1, quoted("two\n", 2, 4)),
    ])
    #expect(try YAMLReader.parse("a: 1\r\nb: |\r\n  two\r\n") == expected)
    #expect(try YAMLReader.parse("\u{FEFF}a: 1\nb: |\n  two\n") == expected)
  }

  // MARK: - Values

  @Test func plainScalarsStayText() throws {
    #expect(try yamlShape("a: true\nb: 40\nc: -5\nd: 1.5e3\ne: NULL\nf: yes") == "{a: true, b: 40, c: -5, d: 1.5e3, e: NULL, f: yes}")
    #expect(try yamlShape("a: trailing spaces   \nb:    lead") == "{a: trailing spaces, b: lead}")
    #expect(try yamlShape("a: x # comment\nb: x#not-a-comment") == "{a: x, b: x#not-a-comment}")
    #expect(try yamlShape("url: http://example.com:8080/p\ntime: 12:30\nratio: a:b") == "{url: http://example.com:8080/p, time: 12:30, ratio: a:b}")
    #expect(try yamlShape("a: foo, bar [x] {y}") == "{a: foo, bar [x] {y}}")
    #expect(try yamlShape("spaced key  : v\n-dash: w\n'quoted key': q") == "{spaced key: v, -dash: w, quoted key: q}")
    #expect(try yamlShape("null: 1\n~: 2") == "{null: 1, ~: 2}")  // keys are always text
  }

  @Test func nullForms() throws {
    #expect(try yamlShape("a: null\nb: ~\nc:\nd: 'null'\ne: \"~\"") == #"{a: null, b: null, c: null, d: "null", e: "~"}"#)
    #expect(try yamlShape("- \n- ~\n-") == "[null, null, null]")
  }

  @Test func doubleQuotedEscapes() throws {
    #expect(try yamlShape(#"a: "q\" b\\ s\/ n\n t\t r\r b\b f\f""#) == "{a: \"q\" b\\ s/ n\n t\t r\r b\u{8} f\u{C}\"}")
    #expect(try yamlShape(#"a: "\u00e9 \u263A \uD83D\uDE00 \x41\xe9""#) == "{a: \"é ☺ 😀 Aé\"}")
    #expect(try yamlShape("a: \"# not a comment: really\"") == "{a: \"# not a comment: really\"}")
    #expect(try yamlShape("a: \"tab\tinside\"") == "{a: \"tab\tinside\"}")
  }

  @Test func singleQuotedStrings() throws {
    #expect(try yamlShape(#"a: 'it''s \n not an escape'"#) == #"{a: "it's \n not an escape"}"#)
    #expect(try yamlShape("a: ''") == #"{a: ""}"#)
  }

  @Test func flowCollections() throws {
    #expect(try yamlShape("a: []\nb: {}\nc: [ ]") == "{a: [], b: {}, c: []}")
    #expect(try yamlShape("a: [[a, b], [c], x y]") == "{a: [[a, b], [c], x y]}")
    #expect(try yamlShape(#"a: ["c, d", 'e]', f ]"#) == #"{a: ["c, d", "e]", f]}"#)
    #expect(try yamlShape("a: [x, y, ]  # trailing comma is fine") == "{a: [x, y]}")
    #expect(try yamlShape("a: {k: 1, j: x, n: [1, 2], m: {z: ~}}") == "{a: {k: 1, j: x, n: [1, 2], m: {z: null}}}")
    #expect(try yamlShape(#"a: {"k":1, 'j': 2}"#) == "{a: {k: 1, j: 2}}")
    #expect(try yamlShape("a: [12:30, http://x/y, -1]") == "{a: [12:30, http://x/y, -1]}")
  }

  @Test func commentsAndBlankLinesAnywhereOutsideBlockScalars() throws {
    let text = """
      # header comment
      ---
      a:   # comment after key
           # comment deeper than anything

        b: 1
      # comment at column 1 inside a nested block
        c: 2

      d: x
      ...
      # trailing comment
      """
    #expect(try yamlShape(text) == "{a: {b: 1, c: 2}, d: x}")
  }

  @Test func sequencesOfMappingsWithNestedBlocks() throws {
    let text = """
      rules:
        - id: a
          tags:
            - x
            - y
          meta:
            k: v
        - id: b
          list: [1]
      after: z
      """
    #expect(try yamlShape(text) == "{rules: [{id: a, tags: [x, y], meta: {k: v}}, {id: b, list: [1]}], after: z}")
  }

  // MARK: - Block scalars

  @Test func literalBlockScalarChomping() throws {
    #expect(try scalarText("d: |\n  one\n  two\n\n\nnext: 1") == "one\ntwo\n")
    #expect(try scalarText("d: |-\n  one\n  two\n\n\nnext: 1") == "one\ntwo")
    #expect(try scalarText("d: |+\n  one\n  two\n\n\nnext: 1") == "one\ntwo\n\n\n")
  }

  @Test func foldedBlockScalarChomping() throws {
    #expect(try scalarText("d: >\n  one\n  two\n\n") == "one two\n")
    #expect(try scalarText("d: >-\n  one\n  two\n\n") == "one two")
    #expect(try scalarText("d: >+\n  one\n  two\n\n") == "one two\n\n")
  }

  @Test func foldingKeepsBlankLinesAndMoreIndentedLines() throws {
    let text = "d: >\n  a\n  b\n\n  c\n    code\n    more\n  d\n"
    #expect(try scalarText(text) == "a b\nc\n  code\n  more\nd\n")
  }

  @Test func literalKeepsInnerIndentationCommentsAndQuotes() throws {
    let text = "d: |\n    # not a comment\n      indented: \"x\" 'y' [z]\n\n    end\ne: 1\n"
    #expect(try scalarText(text) == "# not a comment\n  indented: \"x\" 'y' [z]\n\nend\n")
  }

  @Test func blockScalarEdges() throws {
    #expect(try scalarText("d: |\n\n  after a blank line\n") == "\nafter a blank line\n")
    #expect(try scalarText("d: |\n  no final newline") == "no final newline")
    #expect(try scalarText("d: |  # comment on the header\n  x\n") == "x\n")
    #expect(try scalarText("d: |\ne: 1") == "")  // nothing indented deeper: empty
    #expect(try scalarText("d: |+\n\n\ne: 1") == "\n\n")
    #expect(try scalarText("d: |\n  tab\tinside\n") == "tab\tinside\n")
    #expect(try yamlShape("- |\n  in a sequence\n- >-\n  folded\n  item\n- x") == "[\"in a sequence\n\", \"folded item\", x]")
    #expect(try yamlShape("- k: |\n    deep\n  j: 1") == "[{k: \"deep\n\", j: 1}]")
  }

  // MARK: - Rejections

  struct Rejection: Sendable, CustomTestStringConvertible {
    let yaml: String
    let position: String
    let message: String
    init(_ yaml: String, _ position: String, _ message: String) {
      self.yaml = yaml
      self.position = position
      self.message = message
    }
    var testDescription: String { "\(position) \(message)" }
  }

  static let rejections: [Rejection] = [
    // Tabs
    .init("a:\n\tb: 1", "2:1", "tabs are not allowed for indentation"),
    .init("a:\n  \tb: 1", "2:3", "tabs are not allowed for indentation"),
    .init("a: 1\n\t\nb: 2", "2:1", "tabs are not allowed for indentation"),
    .init("a:\t1", "1:3", "tabs are only allowed in quoted strings, block scalars and comments"),
    .init("a: x\ty", "1:5", "tabs are only allowed in quoted strings, block scalars and comments"),
    .init("-\tx", "1:2", "tabs are only allowed in quoted strings, block scalars and comments"),
    // Unsupported YAML features
    .init("a: &anchor 1", "1:4", "anchors and aliases are not supported"),
    .init("a: *alias", "1:4", "anchors and aliases are not supported"),
    .init("- &x a", "1:3", "anchors and aliases are not supported"),
    .init("a: [*x]", "1:5", "anchors and aliases are not supported"),
    .init("a: !!str 1", "1:4", "tags are not supported"),
    .init("<<: {a: 1}", "1:1", "merge keys are not supported"),
    .init("a:\n  b: 1\n  <<: x", "3:3", "merge keys are not supported"),
    .init("a: 1\n---\nb: 2", "2:1", "multiple documents are not supported"),
    .init("a: 1\n...\nb: 2", "3:1", "multiple documents are not supported"),
    .init("---\n---\n", "2:1", "multiple documents are not supported"),
    .init("? a\n: b", "1:1", "complex keys are not supported"),
    .init("a: {[x]: 1}", "1:5", "complex keys are not supported"),
    .init("%YAML 1.2\n---\na: 1", "1:1", "directives are not supported"),
    .init("--- a: 1", "1:5", "content on the '---' line is not supported"),
    .init("a: |2\n   x", "1:5", "block scalar indentation indicators are not supported"),
    // Duplicate keys
    .init("title: x\n\nid: a\nid: b", "4:1", "duplicate key \"id\" (first at 3:1)"),
    .init("id: a\n'id': b", "2:1", "duplicate key \"id\" (first at 1:1)"),
    .init("a:\n  b: 1\n  c: 2\n  b: 3", "4:3", "duplicate key \"b\" (first at 2:3)"),
    .init("a: {x: 1, x: 2}", "1:11", "duplicate key \"x\" (first at 1:5)"),
    .init("\"a\\nb\": 1\n\"a\\nb\": 2", "2:1", "duplicate key \"a\\nb\" (first at 1:1)"),
    .init("a: 1\n" + String(repeating: "x", count: 50), "2:51", "expected ':' after key \"" + String(repeating: "x", count: 40) + "...\""),
    // Indentation and structure
    .init("a:\n    b: 1\n  c: 2", "3:3", "inconsistent indentation"),
    .init("a:\n  - b\n c: 1", "3:2", "inconsistent indentation"),
    .init("- name: x\n asn: 1", "2:2", "inconsistent indentation"),
    .init("  a: 1\nb: 2", "2:1", "inconsistent indentation"),
    .init("a: 1\n  b: 2", "2:3", "unexpected indentation (multi-line plain scalars are not supported)"),
    .init("title: a long\n  title", "2:3", "unexpected indentation (multi-line plain scalars are not supported)"),
    .init("a: \"x\"\n  b", "2:3", "unexpected indentation"),
    .init("a: [x]\n  - b", "2:3", "unexpected indentation"),
    .init("a: 1\n- b", "2:1", "cannot mix mapping keys and sequence items at the same indentation"),
    .init("- a\nb: 1", "2:1", "cannot mix mapping keys and sequence items at the same indentation"),
    .init("- a\nb", "2:1", "expected a sequence item ('- ')"),
    .init("a: 1\nfoo", "2:4", "expected ':' after key \"foo\""),
    .init("a: 1\n\"foo\" bar", "2:6", "expected ':' after key \"foo\""),
    .init("a: 1\n[b]", "2:1", "expected a mapping key"),
    .init("foo\nbar: 1", "2:1", "unexpected content after the root value"),
    .init("a: b: c", "1:5", "a value containing ': ' must be quoted"),
    .init("a: \"b\": c", "1:7", "nested mappings must start on a new line"),
    .init("a: - b", "1:4", "a block sequence cannot start on the same line as its key"),
    .init(": x", "1:1", "missing key before ':'"),
    // Reserved indicators
    .init("a: @x", "1:4", "a plain scalar cannot start with '@' (quote it)"),
    .init("a: `x`", "1:4", "a plain scalar cannot start with '`' (quote it)"),
    .init("a: %x", "1:4", "a plain scalar cannot start with '%' (quote it)"),
    .init("@timestamp: x", "1:1", "a plain scalar cannot start with '@' (quote it)"),
    .init("a: [|x]", "1:5", "block scalars are not allowed in flow collections"),
    .init("a: [>]", "1:5", "block scalars are not allowed in flow collections"),
    .init("a: [- x]", "1:5", "block sequences are not allowed in flow collections"),
    .init("a: ]", "1:4", "unexpected ']'"),
    .init("a: ?x", "1:4", "a plain scalar cannot start with '?' (quote it)"),
    .init("a: :x", "1:4", "a plain scalar cannot start with ':' (quote it)"),
    .init("a: [a?b]", "1:6", "quote values containing '?' inside flow collections"),
    // Quotes and escapes
    .init("a: \"abc", "1:4", "unterminated double-quoted string"),
    .init("a: \"abc\\\"", "1:4", "unterminated double-quoted string"),
    .init("a: \"line \\\n  continued\"", "1:4", "unterminated double-quoted string"),
    .init("a: 'abc", "1:4", "unterminated single-quoted string"),
    .init("a: \"x\"y", "1:7", "unexpected text after quoted string"),
    .init("a: 'it's'", "1:8", "unexpected text after quoted string"),
    .init("a: \"\\q\"", "1:5", "invalid escape '\\q'"),
    .init("a: \"\\0\"", "1:5", "invalid escape '\\0'"),
    .init("a: \"\\u12\"", "1:5", "invalid \\u escape: expected 4 hex digits"),
    .init("a: \"\\uD83D\"", "1:5", "invalid \\u escape: unpaired surrogate"),
    .init("a: \"\\uDE00\"", "1:5", "invalid \\u escape: unpaired surrogate"),
    .init("a: \"\\xZZ\"", "1:5", "invalid \\x escape: expected 2 hex digits"),
    // Flow collections
    .init("a: [x, y", "1:4", "unterminated flow sequence (it must close on the same line)"),
    .init("a: [x,\n  y]", "1:4", "unterminated flow sequence (it must close on the same line)"),
    .init("a: [x # comment]", "1:4", "unterminated flow sequence (it must close on the same line)"),
    .init("a: {x: 1", "1:4", "unterminated flow mapping (it must close on the same line)"),
    .init("a: [x] y", "1:8", "unexpected text after flow sequence"),
    .init("a: [x, y]]", "1:10", "unexpected text after flow sequence"),
    .init("a: {x: 1} # ok\nb: {y: 2}, z", "2:10", "unexpected text after flow mapping"),
    .init("[a, b]: c", "1:7", "unexpected text after flow sequence"),
    .init("a: [x: 1]", "1:6", "mappings inside flow sequences are not supported"),
    .init("a: {x 1}", "1:8", "expected ':' after key \"x 1\""),
    .init("a: {x:1}", "1:8", "expected ':' after key \"x:1\""),
    .init("a: [a,,b]", "1:7", "unexpected ','"),
    .init("a: [\"x\" y]", "1:9", "expected ',' or ']' in flow sequence"),
    .init("a: {x: \"1\" y}", "1:12", "expected ',' or '}' in flow mapping"),
    // Block scalar headers and content
    .init("a: | x", "1:6", "unexpected text after block scalar indicator"),
    .init("a: |#x", "1:5", "unexpected text after block scalar indicator"),
    .init("a: |\n     \n  text", "2:3", "leading blank line is more indented than the block scalar content"),
    .init("a: |\n    x\n  y: 1", "3:3", "unexpected indentation"),
    .init("|\nroot text must be indented", "2:1", "unexpected content after the root value"),
    // Document end
    .init("a: 1\n... x", "2:5", "unexpected text after '...'"),
    // Control characters
    .init("a: b\u{7}", "1:5", "control character U+0007 is not allowed"),
    .init("a: b\rc", "1:5", "control character U+000D is not allowed"),
    .init("a: \"\u{85}\"", "1:5", "control character U+0085 is not allowed"),
    // Depth
    .init(String(repeating: "[", count: 150), "1:100", "nesting deeper than 100 levels is not supported"),
  ]

  @Test(arguments: YAMLReaderTests.rejections)
  func rejectsWithPositionAndMessage(_ rejection: Rejection) {
    let error = yamlError(rejection.yaml)
    #expect(error?.message == rejection.message)
    #expect(error?.position.description == rejection.position)
  }

  @Test func deepButReasonableNestingIsAccepted() throws {
    let text = String(repeating: "[", count: 90) + String(repeating: "]", count: 90)
    #expect(try YAMLReader.parse(text).position == at(1, 1))
  }

  @Test func duplicateKeysInDifferentMappingsAreFine() throws {
    #expect(try yamlShape("a:\n  id: 1\nb:\n  id: 2\nc: [{id: 3}, {id: 4}]") == "{a: {id: 1}, b: {id: 2}, c: [{id: 3}, {id: 4}]}")
  }
}

@Suite struct YAMLIndentlessSequenceTests {
  @Test func itemsAtTheKeyColumnBelongToTheKey() throws {
    let root = try YAMLReader.parse("id: X\ntags:\n- a\n- b: 1\n  c: 2\nnext: y\n")
    guard case .mapping(let entries) = root.value else { Issue.record("not a mapping"); return }
    #expect(entries.map(\.key) == ["id", "tags", "next"])
    guard case .sequence(let items) = entries[1].value.value else { Issue.record("tags not a sequence"); return }
    #expect(items.count == 2)
    #expect(items[0] == ConfigNode(.scalar("a", quoted: false), at: SourcePosition(line: 3, column: 3)))
    #expect(entries[1].value.position == SourcePosition(line: 3, column: 1))
    #expect(entries[2].value == ConfigNode(.scalar("y", quoted: false), at: SourcePosition(line: 6, column: 7)))
  }

  @Test func nestedIndentlessSequences() throws {
    let root = try YAMLReader.parse("a:\n  b:\n  - 1\n  - 2\n  c: 3\nd:\n- 4\n")
    guard case .mapping(let top) = root.value, case .mapping(let inner) = top[0].value.value else { Issue.record("shape"); return }
    #expect(inner.map(\.key) == ["b", "c"])
    #expect(top.map(\.key) == ["a", "d"])
  }

  @Test func aKeyBetweenItemsIsStillAnError() {
    #expect(throws: ConfigSyntaxError.self) { try YAMLReader.parse("tags:\n- a\nx\n- b\n") }
  }
}
