import Foundation
import NetworkIO
import PostgresClient
import RPC
import Testing
import WireProtos

@testable import RegistryService

@Suite("registry-service start", .timeLimit(.minutes(1)))
struct ServiceStartTests {
  /// The executable SwiftPM built next to the test bundle (`.build/<configuration>/`).
  static let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    .appendingPathComponent("registry-service").path

  private func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (
    Int32, String
  ) {
    try #require(
      FileManager.default.isExecutableFile(atPath: Self.executable),
      "build registry-service first: \(Self.executable)")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Self.executable)
    process.arguments = arguments
    process.environment = ["PATH": "/usr/bin:/bin"].merging(environment) { $1 }
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    let output = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self))
  }

  @Test("With --no-wait and PostgreSQL unreachable, it exits non-zero naming PostgreSQL")
  func noWait() throws {
    let (status, errors) = try self.run(
      ["--no-wait", "--rpc-listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"],
      environment: [
        "DCMMS_POSTGRES": "host=127.0.0.1 port=1 user=dcmms dbname=postgres",
        "DCMMS_TOKEN_SECRET": String(repeating: "k", count: 32),
      ])
    #expect(status == 1)
    #expect(errors.contains("registry-service: unavailable: PostgreSQL is unreachable"))
    #expect(errors.contains("DCMMS_POSTGRES"))
  }

  @Test("Without a PostgreSQL connection string, it exits non-zero saying which option is missing")
  func missingOption() throws {
    let (status, errors) = try self.run(
      ["--rpc-listen", "127.0.0.1:0"],
      environment: ["DCMMS_TOKEN_SECRET": String(repeating: "k", count: 32)])
    #expect(status == 1)
    #expect(errors.contains("--postgres is required"))
  }

  @Test(
    "With PostgreSQL up it migrates its schema, serves health, and stops on SIGTERM",
    .enabled(if: TestDatabase.isAvailable))
  func startsAndStops() async throws {
    try #require(FileManager.default.isExecutableFile(atPath: Self.executable))
    let schema = TestDatabase.uniqueSchema()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Self.executable)
    process.arguments = ["--rpc-listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0"]
    process.environment = [
      "DCMMS_POSTGRES": TestDatabase.connectionString ?? "", "DCMMS_POSTGRES_SCHEMA": schema,
      "DCMMS_TOKEN_SECRET": String(repeating: "k", count: 32),
    ]
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    // Read log lines until the one that says where the RPC server listens.
    var log = ""
    var rpcAddress: HostAndPort?
    while rpcAddress == nil {
      let data = errors.fileHandleForReading.availableData
      if data.isEmpty { break }
      log += String(decoding: data, as: UTF8.self)
      for line in log.split(separator: "\n") where line.contains("\"message\":\"serving\"") {
        if let range = line.range(of: #""rpc":"([0-9.:]+)""#, options: .regularExpression) {
          let text = line[range].dropFirst(7).dropLast()
          rpcAddress = HostAndPort(parsing: String(text))
        }
      }
    }
    let address = try #require(rpcAddress, "no 'serving' line in: \(log)")
    let client = RPCClient(configuration: .init(endpoints: [address]))
    let health = try await client.call(Health.Method.Check.self, HealthCheckRequest())
    #expect(health.status == .serving)
    client.close()
    let pool = TestDatabase.makePool()
    let applied = try await pool.query(
      "SELECT count(*)::int8 AS n FROM \(schema).schema_migrations")
    #expect(try applied[0].decode(Int.self, "n") == RegistrySchema.migrations.count)
    process.terminate()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
  }
}
