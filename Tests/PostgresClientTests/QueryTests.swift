import Foundation
import PostgresClient
import Testing

/// All PostgreSQL tests share one server and one of them restarts it, so they run one at a time.
@Suite(
  "PostgreSQL client (integration)", .serialized,
  .enabled(if: ProcessInfo.processInfo.environment["TEST_POSTGRES_CONNINFO"] != nil))
struct PostgresIntegrationTests {}

extension PostgresIntegrationTests {
  @Suite("Parameterised queries")
  struct QueryTests {
    /// 2025-12-03 17:19:09.123456 UTC: whole microseconds since Foundation's reference date.
    static let sampleDate = Date(timeIntervalSinceReferenceDate: 786_475_149.123456)
    static let injection = "x'); DROP TABLE everything; --\\ \" \t\n"

    @Test(
      "Every value type round-trips, NULL included",
      arguments: [PostgresParameterFormat.binary, .text])
    func everyTypeRoundTrips(format: PostgresParameterFormat) async throws {
      let connection = try await TestServer.connect { $0.parameterFormat = format }
      let table = TestServer.uniqueName("values")
      try await connection.execute(
        """
        CREATE TEMP TABLE \(table) (id int, b boolean, i4 integer, i8 bigint, d double precision,
          t text, raw bytea, ts timestamptz, plain_ts timestamp, j jsonb)
        """)
      let bytes: [UInt8] = [0, 1, 0, 255, 0, 92, 120, 0]
      let text = "Zürich ☀️ 風力 \(Self.injection)"
      let full: [PostgresValue] = [
        .int32(1), .bool(true), .int32(-2_147_483_648), .int64(Int64.max), .double(-1.5e-300),
        .text(text), .bytea(bytes), .timestamp(Self.sampleDate), .timestamp(Self.sampleDate),
        .json(#"{"site": "Ørsted", "kw": [1.5, null]}"#),
      ]
      let nulls: [PostgresValue] = [.int32(2)] + Array(repeating: .null, count: 9)
      for row in [full, nulls] {
        try await connection.execute(
          "INSERT INTO \(table) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)", row)
      }
      let rows = try await connection.query("SELECT * FROM \(table) ORDER BY id")
      try #require(rows.count == 2)
      #expect(rows[0].values[0...8] == full[0...8])
      // jsonb normalises the text; compare through JSONSerialization.
      let json = try #require(rows[0].decode(String.self, "j").data(using: .utf8))
      let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
      #expect(object["site"] as? String == "Ørsted")
      #expect(rows[1].values == nulls)
      #expect(try rows[1].decode(String?.self, "t") == nil)
      #expect(try rows[0].decode(Int64.self, "i8") == Int64.max)
      #expect(try rows[0].decode([UInt8].self, "raw") == bytes)
      #expect(try rows[0].decode(Date.self, "ts") == Self.sampleDate)
      #expect(rows.columns.names.first == "id")
    }

    @Test(
      "Special doubles and wide integers survive both directions",
      arguments: [
        PostgresParameterFormat.binary, .text,
      ])
    func specialNumbers(format: PostgresParameterFormat) async throws {
      let connection = try await TestServer.connect { $0.parameterFormat = format }
      for value in [Double.infinity, -Double.infinity, 0.1, 1e-5, 5e20, -0.0, .pi] {
        let rows = try await connection.query("SELECT $1::float8 AS v", [.double(value)])
        #expect(try rows[0].decode(Double.self, "v") == value)
      }
      let nan = try await connection.query("SELECT $1::float8 AS v", [.double(.nan)])
      #expect(try firstRow(nan).decode(Double.self, "v").isNaN)
      let big = try await connection.query("SELECT $1::int8 - 1 AS v", [.int64(Int64.min + 1)])
      #expect(try firstRow(big).decode(Int64.self, "v") == Int64.min)
    }

    private func firstRow(_ result: PostgresRows) throws -> PostgresRow {
      try #require(result.first)
    }

    @Test("An injection-looking string is stored literally and the table survives")
    func injectionIsStoredLiterally() async throws {
      let connection = try await TestServer.connect()
      let table = TestServer.uniqueName("names")
      try await connection.execute("CREATE TEMP TABLE \(table) (name text)")
      try await connection.execute(
        "INSERT INTO \(table) (name) VALUES ($1)", [.text("'); DROP TABLE \(table); --")])
      let rows = try await connection.query(
        "SELECT name FROM \(table) WHERE name = $1", [.text("'); DROP TABLE \(table); --")])
      #expect(
        try rows.map { try $0.decode(String.self, "name") } == ["'); DROP TABLE \(table); --"])
    }

    @Test("Server errors carry the SQLSTATE but never the parameter values")
    func errorsHideValues() async throws {
      let connection = try await TestServer.connect()
      let table = TestServer.uniqueName("unique")
      try await connection.execute("CREATE TEMP TABLE \(table) (id int PRIMARY KEY, secret text)")
      try await connection.execute("INSERT INTO \(table) VALUES ($1, $2)", [.int32(7), .text("a")])

      let duplicate = await #expect(throws: PostgresError.self) {
        try await connection.execute(
          "INSERT INTO \(table) VALUES ($1, $2)", [.int32(7), .text("hunter2-secret")])
      }
      #expect(duplicate?.code == .queryFailed)
      #expect(duplicate?.sqlState == "23505")
      #expect(duplicate?.message.contains("(7)") == false)
      #expect(duplicate?.message.contains("hunter2") == false)

      let badInput = await #expect(throws: PostgresError.self) {
        try await connection.query("SELECT $1::int AS v", [.text("hunter2-secret")])
      }
      #expect(badInput?.sqlState == "22P02")
      #expect(badInput?.message.contains("hunter2") == false)
      // The full diagnostics stay available locally.
      #expect((badInput?.cause as? PostgresServerError)?.message.contains("hunter2") == true)

      // The connection is still usable after errors.
      #expect(try await connection.query("SELECT 1 AS one")[0].decode(Int.self, "one") == 1)
    }

    @Test("Values the client cannot send are refused before anything is sent")
    func invalidValues() async throws {
      let connection = try await TestServer.connect()
      let nul = await #expect(throws: PostgresError.self) {
        try await connection.query("SELECT $1::text", [.text("a\u{0}b")])
      }
      #expect(nul?.code == .invalidValue)
      let twoStatements = await #expect(throws: PostgresError.self) {
        try await connection.query("SELECT 1; SELECT 2")
      }
      #expect(twoStatements?.sqlState == "42601")
    }

    @Test("Typed accessors reject missing columns, NULL and mismatched types")
    func typedAccessors() async throws {
      let connection = try await TestServer.connect()
      let row = try #require(
        try await connection.query(
          "SELECT 5::smallint AS small, NULL::text AS nothing, 2.5::numeric AS n"
        ).first)
      #expect(try row.decode(Int64.self, "small") == 5)
      #expect(try row.decode(Int32.self, at: 0) == 5)
      #expect(try row.decode(String.self, "n") == "2.5")
      #expect(row["nothing"] == .null)
      #expect(row["absent"] == nil)
      for attempt in [
        { try row.decode(String.self, "nothing") as Any },
        { try row.decode(Bool.self, "small") as Any },
        { try row.decode(Int.self, "absent") as Any },
        { try row.decode(Int.self, at: 9) as Any },
      ] as [() throws -> Any] {
        let error = #expect(throws: PostgresError.self) { try attempt() }
        #expect(error?.code == .decodingFailed)
      }
    }

    @Test("Prepared statements run repeatedly and on every pooled connection")
    func preparedStatements() async throws {
      let statement = PostgresPreparedStatement(
        "SELECT $1::bigint * 2 AS doubled, $2::text AS label")
      let connection = try await TestServer.connect()
      for value in [Int64(1), 21, -4] {
        let row = try #require(
          try await connection.query(statement, [.int64(value), .text("n\(value)")]).first)
        #expect(try row.decode(Int64.self, "doubled") == value * 2)
        #expect(try row.decode(String.self, "label") == "n\(value)")
      }
      let pool = PostgresPool(configuration: TestServer.configuration(), maximumConnections: 3)
      try await withThrowingTaskGroup(of: Int64.self) { group in
        for value in Int64(0)..<12 {
          group.addTask {
            try await pool.withConnection { connection in
              try await connection.query(statement, [.int64(value), .null])[0].decode(
                Int64.self, "doubled")
            }
          }
        }
        var total: Int64 = 0
        for try await doubled in group { total += doubled }
        #expect(total == (0..<12).reduce(0, +) * 2)
      }
      await pool.close()
    }

    @Test("A statement over statement_timeout fails with timeout")
    func statementTimeout() async throws {
      let connection = try await TestServer.connect { $0.statementTimeout = .milliseconds(100) }
      let error = await #expect(throws: PostgresError.self) {
        try await connection.query("SELECT pg_sleep(2)")
      }
      #expect(error?.code == .timeout)
      #expect(try await connection.query("SELECT 1 AS one").count == 1)
    }

    @Test("An unreachable server fails with connectionFailed and a clear message")
    func unreachableServer() async throws {
      let start = ContinuousClock.now
      let error = await #expect(throws: PostgresError.self) {
        _ = try await PostgresConnection.connect(
          configuration: PostgresConfiguration(
            connectionString: "host=127.0.0.1 port=1 user=x dbname=x"))
      }
      #expect(error?.code == .connectionFailed)
      #expect(error?.message.contains("could not connect to PostgreSQL") == true)
      #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test("Simple query round trip (figure printed)")
    func roundTripLatency() async throws {
      let connection = try await TestServer.connect()
      var samples: [Duration] = []
      let clock = ContinuousClock()
      for index in 0..<2_000 {
        let elapsed = try await clock.measure {
          _ = try await connection.query("SELECT $1::int8 AS v", [.int64(Int64(index))])
        }
        samples.append(elapsed)
      }
      samples.sort()
      print("postgres simple query round trip: median \(samples[1_000]), p99 \(samples[1_980])")
      #expect(samples[1_000] < .milliseconds(50))
    }
  }
}

extension PostgresIntegrationTests.QueryTests {
  /// Known answers: each `Date` is built from seconds since 1970 computed by hand, and the
  /// server's own text rendering (UTC, ISO) is the expected string.
  @Test(
    "Timestamps across eras match the server's rendering in both formats",
    arguments: [
      (0.0, "1970-01-01 00:00:00+00"),
      (946_684_799.999999, "1999-12-31 23:59:59.999999+00"),
      (946_684_800.0, "2000-01-01 00:00:00+00"),
      (-2_203_977_600.0, "1900-02-28 00:00:00+00"),
      (-62_135_596_800.0, "0001-01-01 00:00:00+00"),
      (253_402_300_799.0, "9999-12-31 23:59:59+00"),
      (951_782_400.5, "2000-02-29 00:00:00.5+00"),
    ] as [(Double, String)])
  func timestampKnownAnswers(secondsSince1970: Double, rendered: String) async throws {
    // Whole microseconds since 2001, so the Date is exactly representable on the wire.
    let micros = (secondsSince1970 * 1_000_000).rounded() - 978_307_200_000_000
    let date = Date(timeIntervalSinceReferenceDate: micros / 1_000_000)
    for format in [PostgresParameterFormat.binary, .text] {
      let connection = try await TestServer.connect { $0.parameterFormat = format }
      let row = try #require(
        try await connection.query(
          "SELECT $1::timestamptz AS ts, $1::timestamptz::text AS rendered", [.timestamp(date)]
        ).first)
      #expect(try row.decode(String.self, "rendered") == rendered)
      #expect(try row.decode(Date.self, "ts") == date)
    }
    let parsed = try await TestServer.connect().query(
      "SELECT $1::timestamptz AS ts", [.text(rendered)])
    #expect(try parsed[0].decode(Date.self, "ts") == date)
  }

  @Test("Dates a Date cannot hold come back as text instead of failing the query")
  func bcDates() async throws {
    let connection = try await TestServer.connect()
    let row = try #require(
      try await connection.query(
        "SELECT '0044-03-15 12:00:00+00 BC'::timestamptz AS ides, 'infinity'::timestamptz AS later"
      ).first)
    #expect(row["ides"] == .text("0044-03-15 12:00:00+00 BC"))
    #expect(try row.decode(Date.self, "later") == .distantFuture)
  }
}
