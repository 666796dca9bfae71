import Foundation
import PostgresClient
import Testing

extension PostgresIntegrationTests {
  @Suite("Schema migrations")
  struct MigrationTests {
    /// Plain `CREATE TABLE` (no IF NOT EXISTS): running a step twice would fail loudly.
    static func steps() -> [PostgresMigration] {
      [
        PostgresMigration(
          version: 2, name: "add_sites",
          sql: "CREATE TABLE sites (id bigint PRIMARY KEY); INSERT INTO sites VALUES (1), (2);"),
        PostgresMigration(
          version: 1, name: "create_readings",
          sql: "SELECT pg_sleep(0.3); CREATE TABLE readings (site bigint, value double precision);"),
      ]
    }

    @Test("Migrations apply in version order once; running again is a no-op")
    func twiceIsNoOp() async throws {
      let schema = TestServer.uniqueName("svc")
      let pool = PostgresPool(configuration: TestServer.configuration(), maximumConnections: 1)
      let migrator = PostgresMigrator(schema: schema, migrations: Self.steps())
      #expect(try await migrator.migrate(on: pool) == [1, 2])
      #expect(try await migrator.migrate(on: pool) == [])
      let recorded = try await pool.query(
        "SELECT version, name FROM \(schema).schema_migrations ORDER BY version")
      #expect(
        try recorded.map { try $0.decode(String.self, "name") } == ["create_readings", "add_sites"])
      #expect(
        try await pool.query("SELECT count(*) AS n FROM \(schema).sites")[0].decode(Int.self, "n")
          == 2)

      // A later build adds a step: only that one runs.
      let grown = PostgresMigrator(
        schema: schema,
        migrations: Self.steps() + [
          PostgresMigration(
            version: 3, name: "index", sql: "CREATE INDEX readings_site ON readings (site);")
        ])
      #expect(try await grown.migrate(on: pool) == [3])
      try await pool.execute("DROP SCHEMA \(schema) CASCADE")
      await pool.close()
    }

    @Test("Two replicas migrating at once apply each step exactly once")
    func concurrentReplicas() async throws {
      let schema = TestServer.uniqueName("svc")
      let migrator = PostgresMigrator(schema: schema, migrations: Self.steps())
      let first = try await TestServer.connect()
      let second = try await TestServer.connect()
      async let a = migrator.migrate(on: first)
      async let b = migrator.migrate(on: second)
      let results = try await [a, b]
      #expect(results.contains([1, 2]))
      #expect(results.contains([]))
      let recorded = try await first.query("SELECT count(*) AS n FROM \(schema).schema_migrations")
      #expect(try recorded[0].decode(Int.self, "n") == 2)
      #expect(try await migrator.appliedVersions(on: second) == [1, 2])
      try await first.execute("DROP SCHEMA \(schema) CASCADE")
    }

    @Test("A failing step rolls back the whole run; a renamed step is refused")
    func failuresRollBack() async throws {
      let schema = TestServer.uniqueName("svc")
      let connection = try await TestServer.connect()
      let broken = PostgresMigrator(
        schema: schema,
        migrations: Self.steps() + [
          PostgresMigration(version: 3, name: "typo", sql: "CREATE TABLEE x ();")
        ])
      let failure = await #expect(throws: PostgresError.self) {
        try await broken.migrate(on: connection)
      }
      #expect(failure?.code == .migrationFailed)
      #expect(failure?.sqlState == "42601")
      #expect(try await broken.appliedVersions(on: connection) == [])

      try await PostgresMigrator(schema: schema, migrations: Self.steps()).migrate(on: connection)
      let renamed = PostgresMigrator(
        schema: schema,
        migrations: [PostgresMigration(version: 1, name: "other_name", sql: "SELECT 1;")])
      let mismatch = await #expect(throws: PostgresError.self) {
        try await renamed.migrate(on: connection)
      }
      #expect(mismatch?.code == .migrationFailed)
      let duplicate = PostgresMigrator(
        schema: schema,
        migrations: [
          PostgresMigration(version: 4, name: "a", sql: ""),
          PostgresMigration(version: 4, name: "b", sql: ""),
        ])
      await #expect(throws: PostgresError.self) { try await duplicate.migrate(on: connection) }
      try await connection.execute("DROP SCHEMA \(schema) CASCADE")
    }
  }

  @Suite("Pool")
  struct PoolTests {
    @Test("An exhausted pool times out, then serves the next caller once a lease ends")
    func exhaustion() async throws {
      let pool = PostgresPool(
        configuration: TestServer.configuration(), maximumConnections: 1,
        acquireTimeout: .milliseconds(300))
      let clock = ContinuousClock()
      try await withThrowingTaskGroup(of: Void.self) { group in
        let (leased, signal) = AsyncStream.makeStream(of: Void.self)
        group.addTask {
          try await pool.withConnection { connection in
            _ = try await connection.query("SELECT 1")
            signal.yield()
            try await Task.sleep(for: .seconds(2))
          }
        }
        for await _ in leased { break }
        let start = clock.now
        let error = await #expect(throws: PostgresError.self) {
          try await pool.query("SELECT 1")
        }
        let waited = clock.now - start
        #expect(error?.code == .timeout)
        #expect(waited >= .milliseconds(250) && waited < .milliseconds(1_800))
        try await group.waitForAll()
      }
      // Capacity is back: a waiter with a long enough timeout gets the connection.
      #expect(try await pool.query("SELECT 1 AS one").count == 1)
      await pool.close()
      let closed = await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1") }
      #expect(closed?.code == .closed)
    }

    @Test("Cancelling a caller that waits for a connection ends its wait at once")
    func cancelledWaiter() async throws {
      let pool = PostgresPool(
        configuration: TestServer.configuration(), maximumConnections: 1,
        acquireTimeout: .seconds(30))
      let clock = ContinuousClock()
      try await pool.withConnection { _ in
        await withTaskGroup(of: (any Error)?.self) { group in
          group.addTask {
            do {
              _ = try await pool.query("SELECT 1")
              return nil
            } catch {
              return error
            }
          }
          try? await Task.sleep(for: .milliseconds(100))
          let start = clock.now
          group.cancelAll()
          let error = await group.next() ?? nil
          #expect(clock.now - start < .seconds(2))
          #expect(error is CancellationError)
        }
      }
      // The cancelled waiter left no trace: the next caller gets the connection.
      #expect(try await pool.query("SELECT 1 AS one").count == 1)
      await pool.close()
    }

    @Test("Many tasks share a small pool without exceeding it")
    func sharing() async throws {
      let pool = PostgresPool(configuration: TestServer.configuration(), maximumConnections: 3)
      let marker = TestServer.uniqueName("pool")
      let pids = try await withThrowingTaskGroup(of: Int.self) { group in
        for _ in 0..<30 {
          group.addTask {
            try await pool.query(
              "SELECT pg_backend_pid() AS pid, pg_sleep(0.01), $1::text", [.text(marker)])[0]
              .decode(Int.self, "pid")
          }
        }
        var pids = Set<Int>()
        for try await pid in group { pids.insert(pid) }
        return pids
      }
      #expect(pids.count <= 3 && pids.count >= 1)
      await pool.close()
    }
  }

  @Suite(
    "Server restart", .enabled(if: TestServer.canRestart),
    .timeLimit(.minutes(1)))
  struct RestartTests {
    @Test("After a restart, calls fail fast with unavailable, then the client recovers")
    func survivesRestart() async throws {
      let connection = try await TestServer.connect { $0.maximumBackoff = .milliseconds(400) }
      let pool = PostgresPool(configuration: TestServer.configuration(), maximumConnections: 2)
      let statement = PostgresPreparedStatement("SELECT $1::int8 + 1 AS next")
      #expect(try await connection.query(statement, [.int64(1)])[0].decode(Int.self, "next") == 2)
      #expect(try await pool.query("SELECT 1 AS one").count == 1)

      try TestServer.servers("pg-stop")
      var restarted = false
      defer { if !restarted { try? TestServer.servers("pg-start") } }

      // While the server is down every call fails quickly with unavailable; none hangs.
      let clock = ContinuousClock()
      var messages: [String] = []
      for _ in 0..<5 {
        let start = clock.now
        let error = await #expect(throws: PostgresError.self) {
          try await connection.query(statement, [.int64(1)])
        }
        #expect(error?.code == .unavailable)
        #expect(clock.now - start < .seconds(6))
        messages.append(error?.message ?? "")
        let poolError = await #expect(throws: PostgresError.self) {
          try await pool.query("SELECT 1")
        }
        #expect(poolError?.code == .unavailable)
      }
      // Calls inside the backoff window fail without a connection attempt, and say when
      // the next attempt will be.
      #expect(messages.contains { $0.contains("next reconnection attempt in") })
      #expect(messages.allSatisfy { $0.contains("PostgreSQL") })

      try TestServer.servers("pg-start")
      restarted = true
      // Recovery within a bounded time: backoff is at most 400 ms here.
      let deadline = clock.now + .seconds(20)
      var recovered = false
      while clock.now < deadline && !recovered {
        if let rows = try? await connection.query(statement, [.int64(41)]) {
          #expect(try rows[0].decode(Int.self, "next") == 42)
          recovered = true
        } else {
          try await Task.sleep(for: .milliseconds(100))
        }
      }
      #expect(recovered)
      var poolRecovered = false
      while clock.now < deadline && !poolRecovered {
        if (try? await pool.query("SELECT 1 AS one")) != nil {
          poolRecovered = true
        } else {
          try await Task.sleep(for: .milliseconds(100))
        }
      }
      #expect(poolRecovered)
      await pool.close()
    }
  }
}
