// swift-tools-version:6.0
import PackageDescription

// Four modules make the architecture visible:
//   TokenWatchJSON  byte-level JSON reader and writer (stdlib only)
//   TokenWatchCore  normalizers, rules, state, detectors, risk (stdlib only: no Foundation, no Glibc)
//   TokenWatchIO    sources, sinks, terminal, signals (Foundation, Glibc)
//   tokenwatch      the command line, nothing else
// and one small C target, CHTTPPost: webhook delivery through libcurl, opened only when needed.
// Whole-program style optimisation across our own modules: the hot path crosses JSON → Core → IO,
// and without it generic types such as the reorder buffer run unspecialised.
// Release builds also leave out the run-time exclusivity checks (`swift_beginAccess`) on class
// properties, about 870 instructions an event in the readers and the pipeline; debug builds, which
// `swift test` runs, keep them, so a conflicting access still fails the tests.
// And they destroy optional state records field by field (`-disable-type-layout`): by default an
// optional token, session or user record was destroyed through its type's metadata and the
// runtime's generic value witness, about 60 instructions each, seven times an event.
let optimize: [SwiftSetting] = [.unsafeFlags(["-cross-module-optimization", "-enforce-exclusivity=unchecked", "-Xfrontend", "-disable-type-layout"], .when(configuration: .release))]

let package = Package(
  name: "tokenwatch",
  platforms: [.macOS(.v15)],
  products: [.executable(name: "tokenwatch", targets: ["tokenwatch"])],
  dependencies: [],
  targets: [
    .target(name: "TokenWatchJSON", swiftSettings: optimize, linkerSettings: [.linkedLibrary("m", .when(platforms: [.linux]))]),
    .target(name: "TokenWatchCore", dependencies: ["TokenWatchJSON"], swiftSettings: optimize),
    // Webhook delivery through libcurl, opened with dlopen when first needed (see its source).
    .target(name: "CHTTPPost", linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),
    .target(name: "TokenWatchIO", dependencies: ["TokenWatchCore", "CHTTPPost"], swiftSettings: optimize),
    .executableTarget(name: "tokenwatch", dependencies: ["TokenWatchIO", "TokenWatchCore", "TokenWatchJSON"], swiftSettings: optimize),
    .executableTarget(name: "tokenwatch-bench", dependencies: ["TokenWatchIO", "TokenWatchCore", "TokenWatchJSON"], path: "Benchmarks", swiftSettings: optimize),
    .testTarget(name: "TokenWatchJSONTests", dependencies: ["TokenWatchJSON"]),
    .testTarget(name: "TokenWatchCoreTests", dependencies: ["TokenWatchCore", "TokenWatchJSON"], exclude: ["Fixtures"]),
    .testTarget(name: "TokenWatchIOTests", dependencies: ["TokenWatchIO", "TokenWatchCore"]),
    .testTarget(name: "TokenWatchCLITests", dependencies: ["tokenwatch", "TokenWatchIO", "TokenWatchCore"], exclude: ["Support"]),
  ]
)
