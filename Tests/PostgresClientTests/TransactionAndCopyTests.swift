import Foundation
import PostgresClient
import Testing

extension PostgresIntegrationTests {
  @Suite("Transactions")
  struct TransactionTests {
    struct Abort: Error {}

    private func count(_ connection: PostgresConnection, _ table: String) async throws -> Int {
      try await connection.query("SELECT count(*) AS n FROM \(table)")[0].decode(Int.self, "n")
    }

    @Test("A transaction commits when its body returns")
    func commits() async throws {
      let connection = try await TestServer.connect()
      let table = TestServer.uniqueName("tx")
      try await connection.execute("CREATE TEMP TABLE \(table) (id int)")
      let inserted = try await connection.withTransaction { transaction in
        try await transaction.execute(
          "INSERT INTO \(table) VALUES ($1), ($2)", [.int32(1), .int32(2)])
      }
      #expect(inserted == 2)
      #expect(try await self.count(connection, table) == 2)
    }

    @Test("A transaction rolls back when its body throws, and the error comes through")
    func rollsBack() async throws {
      let connection = try await TestServer.connect()
      let table = TestServer.uniqueName("tx")
      try await connection.execute("CREATE TEMP TABLE \(table) (id int)")
      await #expect(throws: Abort.self) {
        try await connection.withTransaction { transaction in
          try await transaction.execute("INSERT INTO \(table) VALUES ($1)", [.int32(1)])
          throw Abort()
        }
      }
      #expect(try await self.count(connection, table) == 0)
    }

    @Test("A failed statement whose error was caught makes COMMIT report the rollback")
    func caughtFailureStillRollsBack() async throws {
      let connection = try await TestServer.connect()
      let table = TestServer.uniqueName("tx")
      try await connection.execute("CREATE TEMP TABLE \(table) (id int PRIMARY KEY)")
      let error = await #expect(throws: PostgresError.self) {
        try await connection.withTransaction { transaction in
          try await transaction.execute("INSERT INTO \(table) VALUES (1)")
          _ = try? await transaction.execute("INSERT INTO \(table) VALUES (1)")
        }
      }
      #expect(error?.code == .transactionFailed)
      #expect(try await self.count(connection, table) == 0)
    }

    @Test("A COMMIT that fails (deferred constraint) ends the transaction and reports why")
    func failingCommit() async throws {
      let connection = try await TestServer.connect()
      let table = TestServer.uniqueName("deferred")
      try await connection.execute(
        """
        CREATE TEMP TABLE \(table) (id int,
          CONSTRAINT \(table)_unique UNIQUE (id) DEFERRABLE INITIALLY DEFERRED)
        """)
      let error = await #expect(throws: PostgresError.self) {
        try await connection.withTransaction { transaction in
          try await transaction.execute("INSERT INTO \(table) VALUES (1), (1)")
        }
      }
      #expect(error?.sqlState == "23505")
      // The connection is free for the next transaction.
      try await connection.withTransaction { transaction in
        try await transaction.execute("INSERT INTO \(table) VALUES (2)")
      }
      let count = try await connection.query("SELECT count(*) AS n FROM \(table)")
      #expect(try count[0].decode(Int.self, "n") == 1)
    }

    @Test("A transaction cannot be used after it ended, nor nested")
    func misuse() async throws {
      let connection = try await TestServer.connect()
      let escaped = try await connection.withTransaction { transaction in transaction }
      let late = await #expect(throws: PostgresError.self) { try await escaped.query("SELECT 1") }
      #expect(late?.code == .transactionFailed)
      let nested = await #expect(throws: PostgresError.self) {
        try await connection.withTransaction { _ in
          try await connection.withTransaction { _ in }
        }
      }
      #expect(nested?.code == .transactionFailed)
      #expect(try await connection.query("SELECT 1 AS one").count == 1)
    }

    @Test("Pool transactions commit and roll back")
    func poolTransactions() async throws {
      let pool = PostgresPool(configuration: TestServer.configuration(), maximumConnections: 2)
      let table = TestServer.uniqueName("pooltx")
      try await pool.execute("CREATE TABLE \(table) (id int)")
      try await pool.withTransaction { transaction in
        try await transaction.execute("INSERT INTO \(table) VALUES (1)")
      }
      _ = try? await pool.withTransaction { transaction in
        try await transaction.execute("INSERT INTO \(table) VALUES (2)")
        throw Abort()
      }
      let ids = try await pool.query("SELECT id FROM \(table)").map {
        try $0.decode(Int.self, "id")
      }
      #expect(ids == [1])
      let stored = try await pool.copyFrom(
        table: PostgresTableName(table, schema: "public"), columns: ["id"],
        rows: [[.int32(5)], [.null]])
      #expect(stored == 2)
      let counted = try await pool.query(
        PostgresPreparedStatement("SELECT count(id) AS n FROM \(table) WHERE id > $1"), [.int32(0)])
      #expect(try counted[0].decode(Int.self, "n") == 2)
      try await pool.execute("DROP TABLE \(table)")
      await pool.close()
    }
  }

  @Suite("COPY FROM STDIN")
  struct CopyTests {
    static let awkwardTexts = [
      "tab\there", "new\nline", "carriage\rreturn", "back\\slash", "\\N", "\\.", "", "ünï ☀️",
      "'); DROP TABLE x; --",
    ]

    @Test("100,000 rows load, awkward text survives escaping (rate printed)")
    func bulkLoad() async throws {
      let connection = try await TestServer.connect()
      let table = TestServer.uniqueName("copy")
      try await connection.execute(
        """
        CREATE TEMP TABLE \(table) (id bigint, site text, value double precision, ok boolean,
          raw bytea, at timestamptz, note text)
        """)
      let base = Date(timeIntervalSinceReferenceDate: 786_475_149)
      let rowCount = 100_000
      var rows: [[PostgresValue]] = []
      rows.reserveCapacity(rowCount)
      for index in 0..<rowCount {
        let note = Self.awkwardTexts[index % Self.awkwardTexts.count]
        rows.append([
          .int64(Int64(index)), .text("site-\(index % 37)"), .double(Double(index) * 0.25),
          .bool(index % 2 == 0), .bytea([0, UInt8(index % 256), 0, 92]),
          .timestamp(base.addingTimeInterval(Double(index))),
          index % 11 == 0 ? .null : .text(note),
        ])
      }
      let clock = ContinuousClock()
      var stored = 0
      let elapsed = try await clock.measure {
        stored = try await connection.copyFrom(
          table: PostgresTableName(table),
          columns: ["id", "site", "value", "ok", "raw", "at", "note"],
          rows: rows)
      }
      #expect(stored == rowCount)
      let seconds =
        Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
      print(
        "postgres COPY: \(rowCount) rows in \(elapsed), \(Int(Double(rowCount) / seconds)) rows/s")

      let summary = try #require(
        try await connection.query("SELECT count(*) AS n, sum(value) AS total FROM \(table)").first)
      #expect(try summary.decode(Int.self, "n") == rowCount)
      #expect(
        try summary.decode(Double.self, "total") == Double((0..<rowCount).reduce(0, +)) * 0.25)
      // Every row that came back equals the row that was sent.
      let back = try await connection.query(
        "SELECT * FROM \(table) WHERE id < $1 ORDER BY id", [.int64(500)])
      #expect(back.map(\.values) == Array(rows[0..<500]))
    }

    @Test("A bad row aborts the whole COPY and the connection stays usable")
    func badRowsStoreNothing() async throws {
      let connection = try await TestServer.connect()
      let table = TestServer.uniqueName("copy")
      try await connection.execute("CREATE TEMP TABLE \(table) (id int NOT NULL, name text)")
      let wrongWidth = await #expect(throws: PostgresError.self) {
        try await connection.copyFrom(
          table: PostgresTableName(table), columns: ["id", "name"],
          rows: [[.int32(1), .text("a")], [.int32(2)]])
      }
      #expect(wrongWidth?.code == .invalidValue)
      let nullID = await #expect(throws: PostgresError.self) {
        try await connection.copyFrom(
          table: PostgresTableName(table), columns: ["id", "name"],
          rows: [[.int32(1), .text("a")], [.null, .text("b")]])
      }
      #expect(nullID?.sqlState == "23502")
      #expect(
        try await connection.query("SELECT count(*) AS n FROM \(table)")[0].decode(Int.self, "n")
          == 0)
      let notCopy = await #expect(throws: PostgresError.self) {
        try await connection.query("COPY \(table) FROM STDIN")
      }
      #expect(notCopy?.code == .queryFailed)
      #expect(try await connection.query("SELECT 1 AS one").count == 1)
    }

    @Test("Identifiers are quoted, so a hostile column name cannot escape")
    func quotedIdentifiers() async throws {
      let connection = try await TestServer.connect()
      let table = TestServer.uniqueName("Copy Mixed")
      try await connection.execute(#"CREATE TEMP TABLE "\#(table)" ("we""ird" text)"#)
      let stored = try await connection.copyFrom(
        table: PostgresTableName(table), columns: [#"we"ird"#], rows: [[.text("ok")]])
      #expect(stored == 1)
      let error = await #expect(throws: PostgresError.self) {
        try await connection.copyFrom(
          table: PostgresTableName(table), columns: [#"x") FROM STDIN; DROP TABLE y; --"#],
          rows: [[.text("no")]])
      }
      #expect(error?.sqlState == "42703")
    }
  }
}
