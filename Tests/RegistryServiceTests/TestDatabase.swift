import Foundation
import PostgresClient
import Testing

@testable import RegistryService

/// A freshly migrated registry schema of its own on the test PostgreSQL
/// (`TEST_POSTGRES_CONNINFO` from `scripts/test-servers.sh`), so tests never see each other's rows.
struct TestDatabase {
  static let connectionString = ProcessInfo.processInfo.environment["TEST_POSTGRES_CONNINFO"]
  static var isAvailable: Bool { Self.connectionString != nil }

  let pool: PostgresPool
  let schema: String

  static func uniqueSchema() -> String { "registry_test_\(UInt32.random(in: 0...UInt32.max))" }

  static func makePool(maximumConnections: Int = 4) -> PostgresPool {
    PostgresPool(
      configuration: PostgresConfiguration(connectionString: Self.connectionString ?? ""),
      maximumConnections: maximumConnections)
  }

  /// Creates and migrates a new schema.
  static func make(maximumConnections: Int = 4) async throws -> TestDatabase {
    let database = TestDatabase(
      pool: Self.makePool(maximumConnections: maximumConnections), schema: Self.uniqueSchema())
    _ = try await RegistryDatabase.migrate(
      pool: database.pool, schema: database.schema, waitForServer: false)
    return database
  }

  var registry: RegistryStore { RegistryStore(pool: self.pool, schema: self.schema) }
  func artifacts(maxArtifactBytes: UInt64 = 2 << 30) -> ArtifactStore {
    ArtifactStore(pool: self.pool, schema: self.schema, maxArtifactBytes: maxArtifactBytes)
  }

  /// Counts rows of one of the schema's tables.
  func count(_ table: String) async throws -> Int {
    try await self.pool.query("SELECT count(*)::int8 AS n FROM \(self.schema).\(table)")[0].decode(
      Int.self, "n")
  }
}

/// Random bytes from a fixed seed (SplitMix64), so a failure can be reproduced.
func randomBytes(count: Int, seed: UInt64) -> [UInt8] {
  var state = seed
  var words = [UInt64](repeating: 0, count: (count + 7) / 8)
  for index in words.indices {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    words[index] = z ^ (z >> 31)
  }
  return words.withUnsafeBytes { Array($0.prefix(count)) }
}

/// Expects `body` to throw a `RegistryError` with `code`, and returns its message.
@discardableResult
func expectRegistryError(
  _ code: RegistryError.Code, sourceLocation: SourceLocation = #_sourceLocation,
  _ body: () async throws -> Void
) async -> String? {
  let error = await #expect(throws: RegistryError.self, sourceLocation: sourceLocation) {
    try await body()
  }
  #expect(error?.code == code, "got \(String(describing: error))", sourceLocation: sourceLocation)
  return error?.message
}

/// The integration suites, which need the test PostgreSQL.
@Suite(
  "Registry against PostgreSQL", .enabled(if: TestDatabase.isAvailable), .timeLimit(.minutes(5)))
struct RegistryIntegrationTests {}
