import Foundation
import Testing

/// Runs the built `dcmms-protogen` on small .proto files: what it refuses, and that it names
/// the reason. (`swift build --build-tests` builds it next to the test bundle.)
@Suite("dcmms-protogen rules", .enabled(if: ProtoGenBinary.path != nil))
struct GeneratorRulesTests {
  @Test(
    "Refuses what protoc-c or Swift cannot take, saying why",
    arguments: [
      ("message A { optional int32 x = 1; }", "proto3 'optional' is not supported"),
      ("message A { repeated A children = 1; }", "recursive messages are not allowed"),
      ("message A { B b = 1; } message B { map<string, A> a = 1; }", "recursive messages"),
      ("message Params {} message A { oneof params { Params p = 1; } }", "rename the oneof"),
      ("message Duration { int64 us = 1; }", "would shadow a Swift type"),
      ("message A { string base = 1; }", "must not be 'base'"),
      ("message A { Missing m = 1; }", "unknown type Missing"),
      ("message A { int32 x = 1; int32 y = 1; }", "duplicate field"),
      ("enum E { E_ONE = 1; }", "must be 0"),
      ("message A { int32 x = 1 }", "expected ';'"),
    ])
  func refusals(body: String, expectedMessage: String) throws {
    let result = try ProtoGenBinary.run(protoBody: body)
    #expect(result.status != 0)
    #expect(result.errors.contains(expectedMessage), "stderr: \(result.errors)")
  }

  @Test("Generates types, enums with the prefix dropped, oneofs, maps and service descriptors")
  func generates() throws {
    let result = try ProtoGenBinary.run(
      protoBody: """
        // A thing.
        message Thing {
          string thing_id = 1;  // a trailing comment documents nothing
          map<string, double> scores = 2;
          oneof source { string url = 3; int64 count = 4; }
          Color color = 5;
        }
        enum Color { COLOR_UNSPECIFIED = 0; COLOR_DARK_RED = 1; }
        service Things { rpc Watch(Thing) returns (stream Thing); }
        """)
    #expect(result.status == 0, "stderr: \(result.errors)")
    let types = result.files["t.pb.swift"] ?? ""
    #expect(types.contains("/// A thing.\npackage struct Thing: ProtoMessage, Hashable {"))
    #expect(types.contains("package var thingID: String = \"\""))
    #expect(types.contains("package var scores: [String: Double] = [:]"))
    #expect(types.contains("package var source: Source? = nil"))
    #expect(types.contains("case url(String)"))
    #expect(types.contains("package static let darkRed = Self(rawValue: 1)"))
    #expect(types.contains("package var color: Color = Color.unspecified"))
    #expect(types.contains("package static let watch = Watch.info"))
    #expect(types.contains("kind: .serverStreaming"))
    #expect(!types.contains("trailing comment"))
    let bridging = result.files["t.pb-c.swift"] ?? ""
    #expect(bridging.contains("dcmms__v1__thing__scores_entry__init(entry)"))
    #expect(bridging.contains("message.pointee.source_case = .init(rawValue: 3)"))
  }
}

enum ProtoGenBinary {
  /// `dcmms-protogen` in the build directory that holds the running test bundle.
  static let path: String? = {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
      let candidate = directory.appendingPathComponent("dcmms-protogen").path
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
      directory.deleteLastPathComponent()
    }
    return nil
  }()

  struct Result {
    var status: Int32
    var errors: String
    var files: [String: String]
  }

  /// Writes `dcmms/v1/t.proto` (package dcmms.v1) with `protoBody` in a temporary directory and
  /// runs the generator on it.
  static func run(protoBody: String) throws -> Result {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent(
      "protogen-test-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    let protoDirectory = root.appendingPathComponent("proto/dcmms/v1")
    let output = root.appendingPathComponent("out")
    try FileManager.default.createDirectory(at: protoDirectory, withIntermediateDirectories: true)
    let proto = protoDirectory.appendingPathComponent("t.proto")
    try Data("syntax = \"proto3\";\npackage dcmms.v1;\n\(protoBody)\n".utf8).write(to: proto)

    let process = Process()
    process.executableURL = URL(fileURLWithPath: Self.path ?? "/nonexistent")
    process.arguments = [
      "--proto-path", root.appendingPathComponent("proto").path, "--swift-out", output.path,
      proto.path,
    ]
    let stderr = Pipe()
    process.standardError = stderr
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    let errors = stderr.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()

    var files: [String: String] = [:]
    for name in (try? FileManager.default.contentsOfDirectory(atPath: output.path)) ?? [] {
      files[name] = try String(contentsOf: output.appendingPathComponent(name), encoding: .utf8)
    }
    return Result(
      status: process.terminationStatus, errors: String(decoding: errors, as: UTF8.self),
      files: files)
  }
}
