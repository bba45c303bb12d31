import Foundation
import Testing
import TokenWatchCore
@testable import TokenWatchIO

/// The decode stage (lines read and decoded on their own thread, replayed on the engine thread)
/// must be invisible: the same steps as `EventSource.readNext`, the same records, the same
/// counts, whatever the batch size, and every thread it starts stopped and joined.
/// Serialized: one test raises the process-wide stop flag.
@Suite(.serialized) struct ParallelDecodeTests {
  static let root: URL = {
    var url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
    while url.path != "/" {
      url.deleteLastPathComponent()
      if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path),
        FileManager.default.fileExists(atPath: url.appendingPathComponent("rules").path)
      {
        return url
      }
    }
    fatalError("repository root not found from \(#filePath)")
  }()

  static let ruleSet: RuleSet = {
    let result = RulesDirectory.load(root.appendingPathComponent("rules").path)
    guard let ruleSet = result.ruleSet else { fatalError("rules: \(result.diagnostics)") }
    return ruleSet
  }()

  static let demo = root.appendingPathComponent("datasets/demo/events.ndjson").path
  static let scenario = root.appendingPathComponent("datasets/scenarios/travel-same-user/events.ndjson").path

  static func temporary(_ name: String, _ bytes: [UInt8]) throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("tw-par-\(UUID().uuidString)-\(name)")
    try Data(bytes).write(to: url)
    return url.path
  }

  /// Demo lines with every kind of bad line between them, a late event, multi-record envelopes
  /// (some records bad), blank and CRLF lines, and a last line without a newline.
  static func messyInput(limit: Int = 4096) throws -> [UInt8] {
    let demo = try Data(contentsOf: URL(fileURLWithPath: demo))
    let lines = demo.split(separator: 0x0A).map { [UInt8]($0) }
    var out: [UInt8] = []
    for (i, line) in lines.prefix(1500).enumerated() {
      out += line + [0x0A]
      switch i % 41 {
      case 3: out += Array(#"{"time": "2026-01-01T00:00:00Z", "kind": "access", "user": broken"#.utf8) + [0x0A]
      case 5: out += Array(#"{"time":"2026-01-29T01:00:00Z","kind":"access","user":""#.utf8) + [0xFF, 0xFE] + Array(#""}"#.utf8) + [0x0A]
      case 7: out += Array(#"{"time":"2026-01-29T01:00:00Z","kind":"access","user":""#.utf8) + [UInt8](repeating: 0x61, count: limit + 10) + Array(#""}"#.utf8) + [0x0A]
      case 11: out += Array(#"{"hello":"world"}"#.utf8) + [0x0A]
      case 13: out += [0x0A, 0x20, 0x20, 0x0D, 0x0A]
      case 17: out += Array(#"{"time":"2026-01-28T00:00:00.000Z","kind":"access","outcome":"success","user":"late-user","ip":"192.0.2.7"}"#.utf8) + [0x0A]
      case 19: out += Array(#"{"records":[{"hello":1},"#.utf8) + line + Array(#",{"time":"x","kind":"access"}]}"#.utf8) + [0x0A]
      case 23: out += Array(#"{"time":"2026-03-02T09:00:00Z","category":"AuditLogs","operationName":"Add member","properties":{"id":"x"}}"#.utf8) + [0x0A]
      case 29: out += line + [0x0D, 0x0A]
      case 31: out += Array("[1,2]\n".utf8)
      default: break
      }
    }
    out += Array(#"{"time":"2026-01-29T23:00:00Z","kind":"access""#.utf8)
    return out
  }

  struct Step: Equatable {
    var events: [String]
    var diagnostics: [String]
    var stats: String
    var ends: Bool
  }

  /// What `readNext` does, step by step, with a capturing reporter (so nothing is printed).
  func inlineSteps(_ path: String, maxLineBytes: Int = 4096, strict: Bool = false, readsEntraDirectly: Bool = true) throws -> [Step] {
    let reporter = InputReporter(strict: strict, capturing: true)
    let source = try EventSource(path: path, registry: NormalizerRegistry(), reporter: reporter, maxLineBytes: maxLineBytes, maxDocumentBytes: 1 << 20)
    source.decoder.readsEntraDirectly = readsEntraDirectly
    var steps: [Step] = []
    while true {
      reporter.stats = InputStats()
      reporter.captured.removeAll()
      var events: [String] = []
      let result = source.readNext { event, tieBreak, line in events.append("\(line) \(tieBreak) \(event)") }
      if result == .end, events.isEmpty, reporter.captured.isEmpty, reporter.stats.lines == 0 { break }
      steps.append(Step(events: events, diagnostics: reporter.captured.map { "\($0.text) \($0.failsStrict)" }, stats: "\(reporter.stats)", ends: result == .end))
      if result == .end || reporter.strictFailure { break }
    }
    return steps
  }

  /// A decoded batch (in input order, before the hand-over) flattened back into steps.
  static func steps(of batch: DecodedBatch) -> [Step] {
    var steps: [Step] = []
    var event = 0
    var diagnostic = 0
    for step in batch.steps {
      var events: [String] = []
      while event < step.eventEnd {
        events.append("\(batch.keys[event].line) \(batch.keys[event].tieBreak) \(batch.events[event])")
        event += 1
      }
      let diagnostics = batch.diagnostics[diagnostic..<step.diagnosticEnd].map { "\($0.text) \($0.failsStrict)" }
      diagnostic = step.diagnosticEnd
      var stats = InputStats()
      batch.addStats(of: step, to: &stats)
      steps.append(Step(events: events, diagnostics: diagnostics, stats: "\(stats)", ends: step.endsInput))
    }
    return steps
  }

  /// The same input through `decodeBatch`, flattened back into steps.
  func batchedSteps(_ path: String, batchLines: Int, maxLineBytes: Int = 4096, strict: Bool = false) throws -> [Step] {
    let reporter = InputReporter(strict: strict, capturing: true)
    let source = try EventSource(path: path, registry: NormalizerRegistry(), reporter: reporter, maxLineBytes: maxLineBytes, maxDocumentBytes: 1 << 20)
    var steps: [Step] = []
    while true {
      var batch = DecodedBatch()
      source.decodeBatch(into: &batch, maxLines: batchLines) { false }
      #expect(batch.steps.count <= batchLines)
      steps += Self.steps(of: batch)
      if batch.ended { break }
    }
    return steps
  }

  @Test(arguments: [1, 7, 1000])
  func batchesHoldExactlyTheStepsReadNextTakes(batchLines: Int) throws {
    let path = try Self.temporary("messy.ndjson", try Self.messyInput())
    defer { try? FileManager.default.removeItem(atPath: path) }
    let inline = try inlineSteps(path)
    let batched = try batchedSteps(path, batchLines: batchLines)
    #expect(inline.count > 1500)
    #expect(inline.contains { !$0.diagnostics.isEmpty })
    Self.expectSameSteps(batched, inline)
  }

  /// Generated Entra sign-ins, some damaged (bad JSON, a wrong type, a repeated or escaped key,
  /// an unknown category), some in Event Hub batches, after the messy demo lines.
  static func entraInput() throws -> [UInt8] {
    var out = try messyInput()
    for (i, line) in ScenarioLibrary.bulk(count: 800, seed: 3, format: .entra).enumerated() {
      var line = line
      switch i % 9 {
      case 1: line = String(line.dropLast(5))
      case 2: line = line.replacingOccurrences(of: #""isInteractive":"#, with: #""isInteractive":"yes","x":"#)
      case 3: line = line.replacingOccurrences(of: #""userId":"#, with: #""userId":"dup","userId":"#)
      case 4: line = line.replacingOccurrences(of: #""userId":"#, with: #""user\u0049d":"#)
      case 5: line = line.replacingOccurrences(of: #""category":"SignInLogs""#, with: #""category":"AuditLogs""#)
      case 6: line = line.replacingOccurrences(of: #""autonomousSystemNumber":"#, with: #""autonomousSystemNumber":"AS1","y":"#)
      case 7: line = #"{"records":["# + line + "," + line + "]}"  // an Event Hub batch
      case 8: line = #"{"records":["# + line + #",{"category":"AuditLogs","properties":{}}]}"#
      default: break
      }
      out += Array(line.utf8) + [0x0A]
    }
    return out
  }

  @Test func entraFastPathTakesTheSameStepsAsTheDocumentPath() throws {
    let path = try Self.temporary("entra.ndjson", try Self.entraInput())
    defer { try? FileManager.default.removeItem(atPath: path) }
    let fast = try inlineSteps(path)
    let documentOnly = try inlineSteps(path, readsEntraDirectly: false)
    #expect(fast.filter { $0.events.contains { $0.contains("sourceDetail: \"entra:") } }.count > 500)
    Self.expectSameSteps(fast, documentOnly)
  }

  /// A feed of another format stops paying for the fast path: after `fastPathPatience` lines in
  /// a row that it declined, only every `fastPathProbeInterval`th line tries it, and the first
  /// sign-in it reads puts it back on every line. The events are the document path's either way.
  @Test func aFeedOfAnotherFormatTriesTheFastPathOnlyNowAndThen() throws {
    let graph = Array(ScenarioLibrary.bulk(count: 400, seed: 5, format: .graph))
    let entra = Array(ScenarioLibrary.bulk(count: 100, seed: 6, format: .entra))
    func decode(_ readsEntraDirectly: Bool) -> (decoder: RecordDecoder, events: [String], attemptsAfterGraph: Int) {
      let decoder = RecordDecoder(registry: NormalizerRegistry(), reporter: InputReporter(strict: false, capturing: true))
      decoder.readsEntraDirectly = readsEntraDirectly
      var events: [String] = []
      var attemptsAfterGraph = 0
      for (number, line) in (graph + entra).enumerated() {
        if number == graph.count { attemptsAfterGraph = decoder.fastPathAttempts }
        decoder.decodeLine(ArraySlice(line.utf8), source: "feed", line: number + 1) { event, tieBreak in events.append("\(tieBreak) \(event)") }
      }
      return (decoder, events, attemptsAfterGraph)
    }
    let adaptive = decode(true)
    let patience = RecordDecoder.fastPathPatience
    let interval = RecordDecoder.fastPathProbeInterval
    #expect(adaptive.attemptsAfterGraph >= patience)
    #expect(adaptive.attemptsAfterGraph <= patience + graph.count / interval + 1)
    // Back on every line within one probe interval of the first sign-in.
    #expect(adaptive.decoder.fastPathAttempts - adaptive.attemptsAfterGraph >= entra.count - interval)
    let documentOnly = decode(false)
    #expect(documentOnly.decoder.fastPathAttempts == 0)
    #expect(adaptive.events.count == graph.count + entra.count)
    #expect(adaptive.events == documentOnly.events)
  }

  /// The same steps, or the first that differs (whole step lists are too long to print).
  static func expectSameSteps(_ steps: [Step], _ expected: [Step], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(steps.count == expected.count, sourceLocation: sourceLocation)
    if let (a, b) = zip(expected, steps).first(where: { $0 != $1 }) {
      Issue.record("first differing step:\n\(a)\n\(b)", sourceLocation: sourceLocation)
    }
  }

  /// Lines read ahead (after the first batch) and decoded by other decoders, as the stage does
  /// when several threads share one file: flattened, the same steps as `readNext`. Two decoders
  /// take turns, and a strict failure in one batch does not carry over into the next.
  func readAheadSteps(_ path: String, batchLines: Int, maxLineBytes: Int = 4096, strict: Bool = false) throws -> [Step] {
    let source = try EventSource(path: path, registry: NormalizerRegistry(), reporter: InputReporter(strict: strict, capturing: true), maxLineBytes: maxLineBytes, maxDocumentBytes: 1 << 20)
    let workers = (0..<2).map { _ in
      let reporter = InputReporter(strict: strict, capturing: true)
      return (decoder: RecordDecoder(registry: NormalizerRegistry(), reporter: reporter), reporter: reporter)
    }
    var steps: [Step] = []
    var round = 0
    while true {
      var batch = DecodedBatch()
      if source.readsAhead {
        var lines = ReadAheadLines()
        source.readAhead(into: &lines, maxLines: batchLines, maxBytes: 1 << 20) { false }
        #expect(lines.entries.count <= batchLines)
        let worker = workers[round % 2]
        source.decode(lines, into: &batch, with: worker.decoder, reporter: worker.reporter) { false }
      } else {
        source.decodeBatch(into: &batch, maxLines: batchLines) { false }
      }
      round += 1
      steps += Self.steps(of: batch)
      if batch.ended { break }
    }
    #expect(round > 1)
    return steps
  }

  @Test(arguments: [1, 7, 1000])
  func linesReadAheadDecodeToTheStepsReadNextTakes(batchLines: Int) throws {
    let path = try Self.temporary("messy.ndjson", try Self.messyInput())
    defer { try? FileManager.default.removeItem(atPath: path) }
    let inline = try inlineSteps(path)
    Self.expectSameSteps(try readAheadSteps(path, batchLines: batchLines), inline)
    // A small limit: most lines are oversized, and reported as such from the read-ahead.
    #expect(try readAheadSteps(path, batchLines: batchLines, maxLineBytes: 300) == inlineSteps(path, maxLineBytes: 300))
  }

  @Test(arguments: [1, 7])
  func aStrictFailureInLinesReadAheadEndsThere(batchLines: Int) throws {
    // Clean lines first, so that the first bad line comes after the first batch.
    let demo = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.demo))).split(separator: 0x0A).prefix(30)
    let clean: [UInt8] = demo.flatMap { Array($0) + [0x0A] }
    let path = try Self.temporary("strict.ndjson", clean + (try Self.messyInput()))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let inline = try inlineSteps(path, strict: true)
    #expect(try readAheadSteps(path, batchLines: batchLines, strict: true) == inline)
  }

  @Test func aJSONArrayDocumentIsOneStepThatEndsTheInput() throws {
    let array = "[\n" + (try String(contentsOfFile: Self.scenario, encoding: .utf8)).split(separator: "\n").joined(separator: ",\n") + ",\n{\"hello\":1}\n]\n"
    let path = try Self.temporary("array.json", Array(array.utf8))
    defer { try? FileManager.default.removeItem(atPath: path) }
    let inline = try inlineSteps(path)
    let batched = try batchedSteps(path, batchLines: 7)
    #expect(inline.count == 1 && inline[0].ends && inline[0].events.count > 10 && inline[0].diagnostics.count == 1)
    #expect(batched == inline)
  }

  @Test(arguments: [1, 7, 1000])
  func strictInputStopsTheBatchAtTheFirstBadLine(batchLines: Int) throws {
    let path = try Self.temporary("strict.ndjson", try Self.messyInput())
    defer { try? FileManager.default.removeItem(atPath: path) }
    let inline = try inlineSteps(path, strict: true)
    let batched = try batchedSteps(path, batchLines: batchLines, strict: true)
    #expect(batched == inline)
    #expect(batched.last?.diagnostics.last?.hasSuffix(" true") == true)
    #expect(batched.count == 5)  // four good lines, then the broken one
  }

  // MARK: Whole pipeline

  struct RunResult: Equatable {
    var outcome: Pipeline.Outcome
    var output: [UInt8]
    var stats: String
    var counters: String
    var lastEventTime: EventTime?
  }

  func run(_ paths: [String], threads: Int, batchLines: Int = 512, strict: Bool = false, maxLineBytes: Int = 4096) throws -> RunResult {
    let outPath = FileManager.default.temporaryDirectory.appendingPathComponent("tw-par-out-\(UUID().uuidString)").path
    let fd = open(outPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    #expect(fd >= 0)
    defer {
      close(fd)
      unlink(outPath)
    }
    var options = PipelineOptions()
    options.decodeThreads = threads
    options.decodeBatchLines = batchLines
    options.strictInput = strict
    options.maxLineBytes = maxLineBytes
    let pipeline = Pipeline(ruleSet: Self.ruleSet, options: options, sink: OutputSink(fd: fd))
    let outcome = pipeline.run(paths: paths)
    let output = [UInt8](try Data(contentsOf: URL(fileURLWithPath: outPath)))
    let counters = pipeline.engine.counters
    return RunResult(
      outcome: outcome, output: output, stats: "\(pipeline.stats)",
      counters: "\(counters.events.sorted { $0.key < $1.key }) \(counters.alerts.sorted { $0.key < $1.key }) \(counters.suppressed)",
      lastEventTime: pipeline.lastEventTime)
  }

  @Test func pipelineGivesTheSameRecordsAndCountsOnEveryPath() throws {
    let paths = [Self.demo, Self.scenario]
    let inline = try run(paths, threads: 0)
    #expect(inline.outcome == .finished)
    #expect(inline.output.count > 1000)
    for (threads, batch) in [(1, 1), (1, 7), (1, 1000), (2, 7), (2, 512)] {
      let threaded = try run(paths, threads: threads, batchLines: batch)
      #expect(threaded == inline, "\(threads) thread(s), batches of \(batch)")
    }
  }

  /// Several threads decoding one file, batches finishing out of order: the engine still sees
  /// them in order (bad lines, oversized lines and late events included).
  @Test func severalThreadsOnOneFileGiveTheSameRun() throws {
    let path = try Self.temporary("messy-one.ndjson", try Self.messyInput())
    defer { try? FileManager.default.removeItem(atPath: path) }
    let inline = try run([path], threads: 0)
    #expect(inline.outcome == .finished)
    #expect(inline.output.count > 1000)
    for (threads, batch) in [(2, 1), (3, 7), (4, 3), (3, 512)] {
      let threaded = try run([path], threads: threads, batchLines: batch)
      #expect(threaded == inline, "\(threads) threads, batches of \(batch)")
    }
    let strict = try run([path], threads: 0, strict: true)
    #expect(strict.outcome == .strictInputFailure)
    for (threads, batch) in [(3, 1), (3, 7)] {
      #expect(try run([path], threads: threads, batchLines: batch, strict: true) == strict, "strict, \(threads) threads, batches of \(batch)")
    }
  }

  @Test func strictInputStopsTheThreadedRunAtTheSameLine() throws {
    var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: Self.demo)))
    let cut = bytes.indices.filter { bytes[$0] == 0x0A }[2999]
    bytes.insert(contentsOf: Array(#"{"broken": "#.utf8) + [0x0A], at: cut + 1)
    let path = try Self.temporary("strict-late.ndjson", bytes)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let inline = try run([Self.scenario, path], threads: 0, strict: true)
    #expect(inline.outcome == .strictInputFailure)
    #expect(inline.stats.contains("invalidJSON: 1"))
    for batch in [1, 7, 1000] {
      #expect(try run([Self.scenario, path], threads: 1, batchLines: batch, strict: true) == inline, "batches of \(batch)")
    }
  }

  @Test func aClosedStdoutStopsTheRunAndTheWorkers() throws {
    var fds: [Int32] = [0, 0]
    #expect(pipe(&fds) == 0)
    close(fds[0])
    signal(SIGPIPE, SIG_IGN)
    defer { close(fds[1]) }
    var options = PipelineOptions()
    options.decodeThreads = 1
    options.decodeBatchLines = 16
    let sink = OutputSink(fd: fds[1])
    let pipeline = Pipeline(ruleSet: Self.ruleSet, options: options, sink: sink)
    _ = pipeline.run(paths: [Self.demo, Self.demo])
    #expect(sink.isBroken)
    // It stopped at the first failed flush, long before the end of the input.
    #expect(pipeline.stats.lines < 2 * 4066)
  }

  @Test func shutdownJoinsWorkersWhateverTheyAreDoing() throws {
    let registry = NormalizerRegistry()
    let sources = try [Self.demo, Self.demo, Self.scenario].map {
      try EventSource(path: $0, registry: registry, reporter: InputReporter(strict: false, capturing: true), maxLineBytes: 4096, maxDocumentBytes: 1 << 20)
    }
    let stage = DecodeStage(sources: sources, batchLines: 3)
    stage.start(threads: 2)
    #expect(stage.runningWorkers == 2)
    // Take a little from one input, leave the others full: workers are waiting for room.
    for _ in 0..<3 { #expect(stage.take(0) != nil) }
    stage.shutdown()
    #expect(stage.runningWorkers == 0)
  }

  /// The first worker fills the queue; a second helps only while few batches wait, so with
  /// nothing taken it begins at most `helpersJoinBelow` of them and the lead the rest.
  @Test(.timeLimit(.minutes(1)))
  func aHelperDecodesOnlyWhileFewBatchesWait() throws {
    let source = try EventSource(
      path: Self.demo, registry: NormalizerRegistry(), reporter: InputReporter(strict: false, capturing: true), maxLineBytes: 4096, maxDocumentBytes: 1 << 20)
    let stage = DecodeStage(sources: [source], batchLines: 3)
    stage.start(threads: 2)
    defer { stage.shutdown() }
    var workload = stage.workload
    while workload.queued < DecodeStage.maxQueuedPerInput || workload.inProgress > 0 {
      usleep(1000)
      workload = stage.workload
    }
    #expect(workload.begun.reduce(0, +) == DecodeStage.maxQueuedPerInput)
    // The second worker may begin only after the lead has filled the queue alone.
    let helped = workload.begun.count > 1 ? workload.begun[1] : 0
    #expect(helped <= DecodeStage.helpersJoinBelow)
  }

  /// While it would wait for a file's next batch and no worker holds the file's reader, the
  /// engine thread decodes the batch itself: taking batches as fast as it can, it begins some,
  /// and still gets every event once, in order (as decoding on the engine thread alone gives them).
  @Test(.timeLimit(.minutes(1)))
  func theEngineThreadDecodesWhileItWouldWait() throws {
    func events(threads: Int) throws -> (events: [NormalizedEvent], engineBatches: Int) {
      let source = try EventSource(
        path: Self.demo, registry: NormalizerRegistry(), reporter: InputReporter(strict: false, capturing: true), maxLineBytes: 4096,
        maxDocumentBytes: 1 << 20)
      let stage = DecodeStage(sources: [source], batchLines: 1)
      stage.start(threads: threads)
      defer { stage.shutdown() }
      var events: [NormalizedEvent] = []
      while var batch = stage.take(0) {
        while let event = batch.events.popLast() { events.append(event) }
      }
      return (events, stage.workload.engine)
    }
    let alone = try events(threads: 0)
    let helped = try events(threads: 1)
    #expect(alone.events.count > 4000)
    #expect(helped.events == alone.events)
    #expect(helped.engineBatches > 0)
  }

  /// A pipe (stdin, say) whose writer stays open: a strict stop must not wait for it, and the
  /// worker reading it must notice the stop and exit.
  @Test(.timeLimit(.minutes(1)))
  func aSilentPipeDoesNotHoldUpTheEnd() throws {
    var fds: [Int32] = [0, 0]
    #expect(pipe(&fds) == 0)
    defer {
      close(fds[0])
      close(fds[1])
    }
    let head = try Data(contentsOf: URL(fileURLWithPath: Self.scenario)) + Data("not json\n".utf8)
    head.withUnsafeBytes { _ = write(fds[1], $0.baseAddress, $0.count) }
    var options = PipelineOptions()
    options.decodeThreads = 1
    options.strictInput = true
    let null = open("/dev/null", O_WRONLY | O_CLOEXEC)
    defer { close(null) }
    let pipeline = Pipeline(ruleSet: Self.ruleSet, options: options, sink: OutputSink(fd: null))
    #expect(pipeline.run(paths: ["/proc/self/fd/\(fds[0])"]) == .strictInputFailure)
  }

  /// A stop request (SIGINT/SIGTERM set the flag) ends a run that waits on a silent pipe: what was
  /// read is processed, and the worker exits.
  @Test(.timeLimit(.minutes(1)))
  func aStopRequestEndsARunWaitingOnAPipe() throws {
    var fds: [Int32] = [0, 0]
    #expect(pipe(&fds) == 0)
    defer {
      close(fds[0])
      close(fds[1])
    }
    let head = try Data(contentsOf: URL(fileURLWithPath: Self.scenario))
    head.withUnsafeBytes { _ = write(fds[1], $0.baseAddress, $0.count) }
    let stopper = Thread {
      usleep(300_000)
      Signals.stopRequested.store(true, ordering: .relaxed)
    }
    stopper.start()
    defer { Signals.stopRequested.store(false, ordering: .relaxed) }
    let outcome = try run(["/proc/self/fd/\(fds[0])"], threads: 1)
    #expect(outcome.outcome == .finished)
  }

  /// Lines that trickle in through a pipe, with pauses, give what the same bytes give from a file.
  @Test(.timeLimit(.minutes(1)))
  func aTricklingPipeGivesWhatTheFileGives() throws {
    let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: Self.demo)))
    let expected = try run([Self.demo], threads: 0)
    for batch in [7, 1000] {
      var fds: [Int32] = [0, 0]
      #expect(pipe(&fds) == 0)
      let writer = fds[1]
      let chunks = stride(from: 0, to: bytes.count, by: 300_000).map { Array(bytes[$0..<min($0 + 300_000, bytes.count)]) }
      let thread = Thread {
        for chunk in chunks {
          chunk.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
              let n = write(writer, buffer.baseAddress! + offset, buffer.count - offset)
              if n <= 0 { break }
              offset += n
            }
          }
          usleep(20_000)
        }
        close(writer)
      }
      thread.start()
      let result = try run(["/proc/self/fd/\(fds[0])"], threads: 1, batchLines: batch)
      close(fds[0])
      #expect(result == expected, "batches of \(batch)")
    }
  }
}
