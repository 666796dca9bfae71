import Foundation
import PostgresClient
import Testing

extension PostgresIntegrationTests {
  @Suite("Lost connections", .timeLimit(.minutes(1)))
  struct LostConnectionTests {
    private func backendPID(_ connection: PostgresConnection) async throws -> Int64 {
      try await connection.query("SELECT pg_backend_pid()::int8 AS pid")[0].decode(
        Int64.self, "pid")
    }

    @Test("A call whose connection dies mid-statement fails with unavailable; the next reconnects")
    func inFlightLoss() async throws {
      let victim = try await TestServer.connect()
      let killer = try await TestServer.connect()
      let pid = try await self.backendPID(victim)
      try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
          let error = await #expect(throws: PostgresError.self) {
            try await victim.query("SELECT pg_sleep(10)")
          }
          #expect(error?.code == .unavailable)
          #expect(error?.message.contains("not retried") == true)
        }
        // Wait until the statement is running, then end that backend from outside.
        var terminated = false
        for _ in 0..<100 where !terminated {
          let active = try await killer.query(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE pid = $1 AND state = 'active'",
            [.int64(pid)])
          if try active[0].decode(Int.self, "n") == 1 {
            _ = try await killer.query("SELECT pg_terminate_backend($1::int)", [.int64(pid)])
            terminated = true
          } else {
            try await Task.sleep(for: .milliseconds(20))
          }
        }
        #expect(terminated)
        try await group.waitForAll()
      }
      #expect(try await self.backendPID(victim) != pid)
    }

    @Test("A transaction whose connection dies fails, and nothing runs outside it")
    func transactionLoss() async throws {
      let victim = try await TestServer.connect()
      let killer = try await TestServer.connect()
      let table = TestServer.uniqueName("lost")
      try await killer.execute("CREATE TABLE \(table) (id int)")
      let error = await #expect(throws: PostgresError.self) {
        try await victim.withTransaction { transaction in
          try await transaction.execute("INSERT INTO \(table) VALUES (1)")
          let pid = try await transaction.query("SELECT pg_backend_pid()::int8 AS pid")[0].decode(
            Int64.self, "pid")
          _ = try await killer.query("SELECT pg_terminate_backend($1::int)", [.int64(pid)])
          try await Task.sleep(for: .milliseconds(100))
          // Neither of these may reach a fresh session outside the transaction.
          _ = try? await transaction.execute("INSERT INTO \(table) VALUES (2)")
          try await transaction.execute("INSERT INTO \(table) VALUES (3)")
        }
      }
      #expect(error?.code == .unavailable)
      let ids = try await killer.query("SELECT id FROM \(table)")
      #expect(ids.isEmpty)
      // The connection itself recovers for the next, independent call.
      #expect(try await victim.query("SELECT 1 AS one").count == 1)
      try await killer.execute("DROP TABLE \(table)")
    }
  }
}
