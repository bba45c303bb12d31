import Foundation
import Testing
import TokenWatchJSON

@testable import TokenWatchCore

/// Locates and reads the normalizer fixtures (`Tests/TokenWatchCoreTests/Fixtures`) and the public
/// samples (`<repo>/../shared/datasets/public`). Paths come from `#filePath`, tried as given and
/// with symlinks resolved, so the tests run from the repository and from a scratch package that
/// links these folders in.
enum NormalizeTestData {
  private static let candidateFiles: [URL] = {
    let given = URL(fileURLWithPath: #filePath)
    return [given, given.resolvingSymlinksInPath()]
  }()

  /// `<repo>/Tests/TokenWatchCoreTests/Fixtures`
  static let fixtures: URL? = candidateFiles.lazy
    .map { $0.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures") }
    .first { isDirectory($0) }

  /// `<repo>/../shared/datasets/public`
  static let sharedPublic: URL? = candidateFiles.lazy
    .map {
      $0.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("shared/datasets/public")
    }
    .first { isDirectory($0) }

  static var hasSharedData: Bool { sharedPublic != nil }

  private static func isDirectory(_ url: URL) -> Bool {
    var isDirectory: ObjCBool = false
    return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
  }

  static func fixture(_ name: String) throws -> String {
    let directory = try #require(fixtures, "Fixtures directory not found next to \(#filePath)")
    return try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
  }

  static func shared(_ relativePath: String) throws -> String {
    let directory = try #require(sharedPublic, "shared/datasets/public not found")
    return try String(contentsOf: directory.appendingPathComponent(relativePath), encoding: .utf8)
  }

  static func parse(_ json: String) throws -> JSONDocument {
    var document = JSONDocument()
    try document.parse(Array(json.utf8))
    return document
  }

  /// Every record in `text` (one JSON document, or NDJSON), envelopes expanded, each normalized.
  static func normalizeAll(_ text: String, registry: NormalizerRegistry = NormalizerRegistry()) throws
    -> [Result<NormalizedEvent, NormalizeFailure>]
  {
    let documents: [JSONDocument]
    if let whole = try? parse(text) {
      documents = [whole]
    } else {
      documents = try text.split(whereSeparator: \.isNewline).filter { !$0.allSatisfy(\.isWhitespace) }.map { try parse(String($0)) }
    }
    var results: [Result<NormalizedEvent, NormalizeFailure>] = []
    for document in documents {
      for record in registry.records(in: document, document.root) {
        do throws(NormalizeFailure) {
          results.append(.success(try registry.normalize(document, record)))
        } catch {
          results.append(.failure(error))
        }
      }
    }
    return results
  }

  /// Normalizes every record and requires all to succeed.
  static func events(_ text: String, registry: NormalizerRegistry = NormalizerRegistry()) throws -> [NormalizedEvent] {
    try normalizeAll(text, registry: registry).map { try $0.get() }
  }

  /// One JSON record through the registry (or through one normalizer).
  static func normalize(_ json: String, with normalizer: (any EventNormalizer.Type)? = nil) throws -> NormalizedEvent {
    let document = try parse(json)
    if let normalizer { return try normalizer.normalize(document, document.root) }
    return try NormalizerRegistry().normalize(document, document.root)
  }

  /// The failure a record produces, or nil when it normalizes.
  static func failure(_ json: String, with normalizer: (any EventNormalizer.Type)? = nil,
                      registry: NormalizerRegistry = NormalizerRegistry()) throws -> NormalizeFailure? {
    let document = try parse(json)
    do throws(NormalizeFailure) {
      if let normalizer {
        _ = try normalizer.normalize(document, document.root)
      } else {
        _ = try registry.normalize(document, document.root)
      }
      return nil
    } catch {
      return error
    }
  }

  static func matches(_ normalizer: any EventNormalizer.Type, _ json: String) throws -> Bool {
    let document = try parse(json)
    return normalizer.matches(document, document.root)
  }

  static func time(_ text: String) -> EventTime { EventTime(rfc3339: text)! }
}
