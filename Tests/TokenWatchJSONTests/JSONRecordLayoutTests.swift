import Testing

@testable import TokenWatchJSON

/// How the layout tree grows: shared beginnings, one branch per difference, bounded room.
@Suite struct JSONRecordLayoutTests {
  /// Records `text` as a layout whose values are its digits, each one step of kind 1 with the
  /// digit as operand, and an end step of kind 9.
  func record(_ layouts: JSONRecordLayout, _ text: String, flagBefore digit: UInt8? = nil) {
    let bytes = Array(text.utf8)
    bytes.withUnsafeBufferPointer { line in
      let base = line.baseAddress!
      layouts.beginRecording(at: 0)
      for (i, byte) in bytes.enumerated() where byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
        if byte - UInt8(ascii: "0") == digit { layouts.flag(4) }
        layouts.record(base, valueFrom: i, to: i + 1, kind: 1, operand: byte - UInt8(ascii: "0"))
      }
      layouts.finishRecording(base, at: bytes.count, kind: 9)
    }
  }

  /// Every layout in the tree, each as its steps' separators and codes, in the tree's order.
  func layouts(_ tree: JSONRecordLayout) -> [[String]] {
    tree.withTree { steps, separators in
      func paths(from index: Int) -> [[String]] {
        let step = steps[index]
        let text = String(decoding: UnsafeBufferPointer(start: separators + Int(step.separatorStart), count: Int(step.separatorCount)), as: UTF8.self)
        let here = index == 0 ? [] : ["\(text)\(step.kind)/\(step.operand)/\(step.flags)"]
        guard step.firstChild >= 0 else { return [here] }
        var result: [[String]] = []
        var child = Int(step.firstChild)
        while child >= 0 {
          result += paths(from: child).map { here + $0 }
          child = Int(steps[child].nextSibling)
        }
        return result
      }
      return steps[0].firstChild < 0 ? [] : paths(from: 0)
    }
  }

  @Test func layoutsThatBeginAlikeShareTheirFirstSteps() {
    let tree = JSONRecordLayout()
    #expect(layouts(tree).isEmpty)
    record(tree, #"{"a":1,"b":2}"#)
    #expect(layouts(tree) == [[#"{"a":1/1/0"#, #","b":1/2/0"#, "}9/0/0"]])
    #expect(tree.count == 4)
    record(tree, #"{"a":1,"c":{"d":3}}"#)
    #expect(layouts(tree) == [[#"{"a":1/1/0"#, #","b":1/2/0"#, "}9/0/0"], [#"{"a":1/1/0"#, #","c":{"d":1/3/0"#, "}}9/0/0"]])
    #expect(tree.count == 6)
    // A layout already in the tree adds nothing; one that differs in a code alone branches.
    record(tree, #"{"a":1,"b":2}"#)
    #expect(tree.count == 6)
    record(tree, #"{"a":1,"b":5}"#)
    #expect(tree.count == 8)
    #expect(tree.recordings == 4)
  }

  @Test func flagsGoIntoTheNextStepRecorded() {
    let tree = JSONRecordLayout()
    record(tree, #"{"a":1,"b":{"c":2}}"#, flagBefore: 2)
    #expect(layouts(tree) == [[#"{"a":1/1/0"#, #","b":{"c":1/2/4"#, "}}9/0/0"]])
  }

  @Test func abandonedAndOverlongRecordingsAddNothing() {
    let tree = JSONRecordLayout()
    let bytes = Array(#"{"a":1}"#.utf8)
    bytes.withUnsafeBufferPointer { line in
      tree.beginRecording(at: 0)
      tree.record(line.baseAddress!, valueFrom: 5, to: 6, kind: 1, operand: 1)
      tree.abandonRecording()
      #expect(!tree.isRecording)
      // Nothing happens outside a recording.
      tree.record(line.baseAddress!, valueFrom: 5, to: 6, kind: 1, operand: 1)
      tree.finishRecording(line.baseAddress!, at: 7, kind: 9)
    }
    #expect(tree.count == 1)
    let long = "[" + String(repeating: "1,", count: JSONRecordLayout.maxSteps) + "1]"
    record(tree, long)
    #expect(tree.count == 1)
    let justFits = "[" + String(repeating: "1,", count: JSONRecordLayout.maxSteps - 2) + "1]"
    record(tree, justFits)
    #expect(tree.count == 1 + JSONRecordLayout.maxSteps)
  }

  @Test func aFullTreeStartsAgainFromTheNextLayout() {
    let tree = JSONRecordLayout()
    // Layouts of 65 steps that differ from the first step on: 63 fit in 4,096 steps.
    func layout(_ n: Int) -> String { "{\"" + String(repeating: "k", count: n + 1) + "\":" + String(repeating: "1,", count: 63) + "1}" }
    for n in 0..<63 { record(tree, layout(n)) }
    #expect(tree.count == 1 + 63 * 65)
    #expect(layouts(tree).count == 63)
    record(tree, layout(63))
    #expect(tree.count == 1 + 65)
    #expect(layouts(tree).count == 1)
    #expect(layouts(tree)[0][0] == "{\"" + String(repeating: "k", count: 64) + "\":1/1/0")
  }

  @Test func aFeedThatKeepsNeedingRecordingsPausesTheTree() {
    let tree = JSONRecordLayout()
    // A window where most records follow the tree: no pause.
    for n in 0..<JSONRecordLayout.window {
      #expect(tree.shouldFollow())
      if n % 8 == 0 { record(tree, "{\"" + String(repeating: "a", count: n + 1) + "\":1}") } else { tree.noteFollowed() }
    }
    #expect(tree.pauses == 0)
    // A window where more than a quarter needed recording: the next `pause` records leave the
    // tree alone, and the one after tries it again.
    for n in 0..<JSONRecordLayout.window {
      #expect(tree.shouldFollow())
      if n % 3 == 0 { record(tree, "{\"" + String(repeating: "b", count: n + 1) + "\":1}") } else { tree.noteFollowed() }
    }
    #expect(tree.pauses == 1)
    for _ in 0..<JSONRecordLayout.pause { #expect(!tree.shouldFollow()) }
    #expect(tree.shouldFollow())
  }
}
