import PostgresClient
import Testing

@testable import RegistryService

extension RegistryIntegrationTests {
  @Suite("Schema migrations")
  struct MigrationTests {
    @Test("Migrating a new schema applies every step; a second run applies nothing")
    func twiceIsANoOp() async throws {
      let pool = TestDatabase.makePool()
      let schema = TestDatabase.uniqueSchema()
      let first = try await RegistryDatabase.migrate(
        pool: pool, schema: schema, waitForServer: false)
      #expect(first == RegistrySchema.migrations.map(\.version))
      let second = try await RegistryDatabase.migrate(
        pool: pool, schema: schema, waitForServer: false)
      #expect(second.isEmpty)
      let tables = try await pool.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name",
        [.text(schema)]
      ).map { try $0.decode(String.self, "table_name") }
      #expect(
        tables == [
          "artifact_blobs", "artifact_chunks", "artifacts", "model_versions", "models",
          "schema_migrations",
        ])
    }

    @Test("Replicas starting at once apply each step exactly once")
    func concurrentReplicas() async throws {
      let schema = TestDatabase.uniqueSchema()
      let applied = try await withThrowingTaskGroup(of: [Int64].self) { group in
        for _ in 0..<4 {
          group.addTask {
            try await RegistryDatabase.migrate(
              pool: TestDatabase.makePool(), schema: schema, waitForServer: false)
          }
        }
        return try await group.reduce(into: [Int64]()) { $0 += $1 }
      }
      #expect(applied.sorted() == RegistrySchema.migrations.map(\.version))
    }

    @Test("With --no-wait, an unreachable PostgreSQL fails at once with a message naming it")
    func noWaitFailsFast() async throws {
      let pool = PostgresPool(
        configuration: PostgresConfiguration(
          connectionString: "host=127.0.0.1 port=1 user=dcmms dbname=postgres"))
      let clock = ContinuousClock()
      let start = clock.now
      let message = await expectRegistryError(.unavailable) {
        _ = try await RegistryDatabase.migrate(pool: pool, schema: "registry", waitForServer: false)
      }
      #expect(message?.contains("PostgreSQL is unreachable") == true)
      #expect(message?.contains("DCMMS_POSTGRES") == true)
      #expect(clock.now - start < .seconds(10))
    }

    @Test("Without --no-wait, start keeps retrying until PostgreSQL answers or it is cancelled")
    func waitRetries() async throws {
      let pool = PostgresPool(
        configuration: PostgresConfiguration(
          connectionString: "host=127.0.0.1 port=1 user=dcmms dbname=postgres"))
      let task = Task {
        try await RegistryDatabase.migrate(
          pool: pool, schema: "registry", waitForServer: true, initialBackoff: .milliseconds(20),
          maximumBackoff: .milliseconds(50))
      }
      try await Task.sleep(for: .milliseconds(500))
      task.cancel()
      await #expect(throws: CancellationError.self) { _ = try await task.value }
    }
  }
}
