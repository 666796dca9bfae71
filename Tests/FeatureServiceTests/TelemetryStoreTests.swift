import FeatureService
import Foundation
import PostgresClient
import Testing
import WireProtos

@Suite(
  "Telemetry store (PostgreSQL)", .enabled(if: TestEnvironment.isAvailable), .timeLimit(.minutes(2))
)
struct TelemetryStoreTests {
  @Test("Migrations create the schema; running them again applies nothing")
  func migrationsAreIdempotent() async throws {
    try await Fixture.run { fixture in
      // Fixture.make() migrated once already.
      #expect(try await fixture.telemetry.migrate() == [])
      #expect(
        try await FeatureSchema.migrator(schema: fixture.schema).migrate(on: fixture.postgres) == []
      )
      let tables = try await fixture.postgres.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name",
        [.text(fixture.schema)])
      let names = try tables.map { try $0.decode(String.self, "table_name") }
      for table in [
        "assets", "sites", "telemetry", "column_sets", "ingested_batches", "feature_views",
      ] {
        #expect(names.contains(table), "missing table \(table)")
      }
      let partitioned = try await fixture.postgres.query(
        "SELECT count(*) AS n FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
          + "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = 'telemetry'",
        [.text(fixture.schema)])
      #expect(try partitioned[0].decode(Int.self, "n") == 1)
    }
  }

  @Test("Sites and assets are created, then updated, with counts of each")
  func upsertAssets() async throws {
    try await Fixture.run { fixture in
      var request = UpsertAssetsRequest()
      var site = Site()
      site.siteID = "wind-1"
      site.kind = .windFarm
      request.sites = [site]
      var turbine = Asset()
      turbine.assetID = "wtg-1"
      turbine.siteID = "wind-1"
      turbine.kind = .windTurbine
      turbine.attributes = ["hub_height_m": "90"]
      request.assets = [turbine]
      let first = try await fixture.telemetry.upsertAssets(request)
      #expect(
        first.sitesCreated == 1 && first.assetsCreated == 1 && first.sitesUpdated == 0
          && first.assetsUpdated == 0)
      let second = try await fixture.telemetry.upsertAssets(request)
      #expect(
        second.sitesCreated == 0 && second.assetsCreated == 0 && second.sitesUpdated == 1
          && second.assetsUpdated == 1)
      let stored = try await fixture.postgres.query(
        "SELECT kind, attributes->>'hub_height_m' AS hub FROM \(fixture.schema).assets WHERE asset_id = 'wtg-1'"
      )
      #expect(try stored[0].decode(Int32.self, "kind") == AssetKind.windTurbine.rawValue)
      #expect(try stored[0].decode(String.self, "hub") == "90")

      var orphan = UpsertAssetsRequest()
      var asset = Asset()
      asset.assetID = "inv-x"
      asset.siteID = "no-such-site"
      orphan.assets = [asset]
      let error = await #expect(throws: FeatureError.self) {
        try await fixture.telemetry.upsertAssets(orphan)
      }
      #expect(error?.code == .invalidArgument)
      #expect(error?.message.contains("no-such-site") == true)

      var nul = UpsertAssetsRequest()
      var named = Site()
      named.siteID = "s-nul"
      named.name = "bad\0name"
      nul.sites = [named]
      let nulError = await #expect(throws: FeatureError.self) {
        try await fixture.telemetry.upsertAssets(nul)
      }
      #expect(nulError?.code == .invalidArgument)
    }
  }

  @Test(
    "A batch is loaded with event and ingestion time per row, into day partitions made on demand")
  func loadsBatchIntoDayPartitions() async throws {
    try await Fixture.run { fixture in
      try await fixture.makeFleet(inverters: 2)
      // 2026-03-01T23:58Z to 2026-03-02T00:01Z: two days.
      let start: Int64 = 1_772_409_480_000_000
      let rows = (0..<4).flatMap { minute in
        ["inv-0", "inv-1"].map { asset in
          Telemetry.row(
            asset, start + Int64(minute) * Telemetry.minuteUs + 123, [Double(minute), .nan, 20.5])
        }
      }
      let ingestedUs: Int64 = 1_780_000_000_123_456
      let outcome = try await fixture.telemetry.ingest(
        Telemetry.batch("b-1", rows), ingestedTimeUs: ingestedUs)
      #expect(
        outcome
          == .loaded(
            rows: 8, events: 0, assetIDs: ["inv-0", "inv-1"],
            eventTimeRange: start + 123...start + 3 * Telemetry.minuteUs + 123))
      let stored = try await fixture.postgres.query(
        """
        SELECT asset_id, (extract(epoch FROM event_time) * 1000000)::bigint AS event_us,
          (extract(epoch FROM ingested_time) * 1000000)::bigint AS ingested_us, measurements::text AS m, batch_id
        FROM \(fixture.schema).telemetry ORDER BY event_time, asset_id
        """)
      #expect(stored.count == 8)
      for (row, expected) in zip(
        stored, rows.sorted { ($0.eventTimeUs, $0.assetID) < ($1.eventTimeUs, $1.assetID) })
      {
        #expect(try row.decode(String.self, "asset_id") == expected.assetID)
        #expect(try row.decode(Int64.self, "event_us") == expected.eventTimeUs)
        #expect(try row.decode(Int64.self, "ingested_us") == ingestedUs)
        #expect(try row.decode(String.self, "batch_id") == "b-1")
        #expect(try row.decode(String.self, "m") == "{\(Int(expected.values[0])),NaN,20.5}")
      }
      let partitions = try await fixture.postgres.query(
        """
        SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace n ON n.oid = p.relnamespace
        WHERE n.nspname = $1 AND p.relname = 'telemetry' ORDER BY 1
        """, [.text(fixture.schema)])
      #expect(
        try partitions.map { try $0.decode(String.self, "name") } == [
          "telemetry_20260301", "telemetry_20260302",
        ])
    }
  }

  @Test("A batch id loaded before is skipped, not stored twice")
  func duplicateBatchIsSkipped() async throws {
    try await Fixture.run { fixture in
      try await fixture.makeFleet(inverters: 1)
      let batch = Telemetry.batch(
        "same", [Telemetry.row("inv-0", Telemetry.recentMinute(minutesAgo: 5), [1, 2, 3])])
      #expect(try await fixture.telemetry.ingest(batch) != .duplicate)
      #expect(try await fixture.telemetry.ingest(batch) == .duplicate)
      #expect(try await fixture.telemetryRowCount() == 1)
    }
  }

  /// Bad batches: each has two good rows and a bad third row.
  static let badRows: [(String, String, @Sendable (inout TelemetryBatch) -> Void)] = [
    ("unknown asset", "asset ghost is unknown", { $0.rows[2].assetID = "ghost" }),
    ("infinite value", "temperature_c is inf", { $0.rows[2].values[2] = .infinity }),
    ("wrong value count", "2 values for 3 columns", { $0.rows[2].values = [1, 2] }),
    (
      "event time before 2000", "is before 2000-01-01",
      { $0.rows[2].eventTimeUs = 900_000_000_000_000 }
    ),
    (
      "event time in the future", "is in the future",
      { $0.rows[2].eventTimeUs = TelemetryStore.nowMicroseconds() + Telemetry.hourUs }
    ),
    (
      "repeated asset and time", "a second row for event time",
      { $0.rows[2].eventTimeUs = $0.rows[0].eventTimeUs }
    ),
    ("empty asset id", "the asset id is empty", { $0.rows[2].assetID = "" }),
  ]

  @Test(
    "A bad row is refused with INVALID_ARGUMENT naming it, and nothing of its batch is stored",
    arguments: Self.badRows.indices)
  func badRowRefusesBatch(case index: Int) async throws {
    let (_, expectedText, corrupt) = Self.badRows[index]
    try await Fixture.run { fixture in
      try await fixture.makeFleet(inverters: 1)
      let start = Telemetry.recentMinute(minutesAgo: 30)
      var batch = Telemetry.batch(
        "bad",
        (0..<3).map { Telemetry.row("inv-0", start + Int64($0) * Telemetry.minuteUs, [1, 2, 3]) })
      corrupt(&batch)
      let error = await #expect(throws: FeatureError.self) {
        try await fixture.telemetry.ingest(batch)
      }
      #expect(error?.code == .invalidArgument)
      #expect(error?.message.contains("batch 'bad', row 3") == true, "\(error?.message ?? "")")
      #expect(error?.message.contains(expectedText) == true, "\(error?.message ?? "")")
      #expect(try await fixture.telemetryRowCount() == 0)
    }
  }

  @Test("A row already stored by an earlier batch is refused by name, and the batch is not stored")
  func rowAlreadyStored() async throws {
    try await Fixture.run { fixture in
      try await fixture.makeFleet(inverters: 1)
      let start = Telemetry.recentMinute(minutesAgo: 30)
      _ = try await fixture.telemetry.ingest(
        Telemetry.batch("first", [Telemetry.row("inv-0", start, [1, 2, 3])]))
      let second = Telemetry.batch(
        "second",
        [
          Telemetry.row("inv-0", start + Telemetry.minuteUs, [4, 5, 6]),
          Telemetry.row("inv-0", start, [7, 8, 9]),
        ])
      let error = await #expect(throws: FeatureError.self) {
        try await fixture.telemetry.ingest(second)
      }
      #expect(error?.code == .invalidArgument)
      #expect(
        error?.message.contains("batch 'second', row 2 (asset inv-0)") == true,
        "\(error?.message ?? "")")
      #expect(error?.message.contains("already stored") == true)
      #expect(try await fixture.telemetryRowCount() == 1)
      // The batch id of the refused batch was not recorded: a corrected batch under that id loads.
      let corrected = Telemetry.batch(
        "second", [Telemetry.row("inv-0", start + Telemetry.minuteUs, [4, 5, 6])])
      #expect(try await fixture.telemetry.ingest(corrected) != .duplicate)
      #expect(try await fixture.telemetryRowCount() == 2)
    }
  }

  @Test(
    "Snapshots hold each asset's latest row and 1-hour means that skip NaN, also after late rows")
  func snapshots() async throws {
    try await Fixture.run { fixture in
      try await fixture.makeFleet(inverters: 2)
      let latest = Telemetry.recentMinute(minutesAgo: 1)
      // 90 minutes of inv-0, irregular values with NaN gaps; inv-1 gets one row.
      var rows: [TelemetryRow] = []
      var generator = SystemRandomNumberGenerator()
      for minute in stride(from: 90, through: 0, by: -1) {
        let power = minute % 7 == 0 ? Double.nan : Double.random(in: 0...100, using: &generator)
        let temperature =
          minute % 5 == 0 ? Double.nan : Double.random(in: -10...60, using: &generator)
        rows.append(
          Telemetry.row(
            "inv-0", latest - Int64(minute) * Telemetry.minuteUs, [power, 1, temperature]))
      }
      // Loaded newest-first in two batches: the later batch holds older rows.
      _ = try await fixture.telemetry.ingest(Telemetry.batch("recent", Array(rows.suffix(30))))
      _ = try await fixture.telemetry.ingest(
        Telemetry.batch(
          "older",
          Array(rows.prefix(rows.count - 30)) + [
            Telemetry.row("inv-1", latest, [5, 6, 7], status: .fault)
          ]))

      let snapshots = try await fixture.telemetry.snapshots(of: ["inv-0", "inv-1", "inv-9"])
      #expect(snapshots.map(\.assetID) == ["inv-0", "inv-1"])
      let first = try #require(snapshots.first)
      let newest = try #require(rows.last)
      #expect(first.eventTimeUs == latest)
      #expect(first.columns == Telemetry.columns)
      #expect(first.values.count == 3 && first.values[1] == newest.values[1])
      // Reference: the rows in (latest - 1 h, latest], NaN left out.
      let window = rows.filter { $0.eventTimeUs > latest - Telemetry.hourUs }
      let powers = window.map { $0.values[0] }.filter { !$0.isNaN }
      let temperatures = window.map { $0.values[2] }.filter { !$0.isNaN }
      #expect(window.count == 60)
      #expect(first.sampleCount1h == 60)
      let powerMean = try #require(first.acPowerMean1h)
      let temperatureMean = try #require(first.temperatureMean1h)
      #expect(abs(powerMean - powers.reduce(0, +) / Double(powers.count)) < 1e-9)
      #expect(abs(temperatureMean - temperatures.reduce(0, +) / Double(temperatures.count)) < 1e-9)
      let second = snapshots[1]
      #expect(second.status == .fault && second.values == [5, 6, 7] && second.sampleCount1h == 1)
    }
  }
}

extension TelemetryStoreTests {
  @Test(
    "Two stores (as two replicas) loading into the same new day create its partition once, both load"
  )
  func concurrentPartitionCreation() async throws {
    try await Fixture.run { fixture in
      try await fixture.makeFleet(inverters: 2)
      let replica = TelemetryStore(pool: fixture.postgres, schema: fixture.schema)
      // 2025-06-15, a day no other batch touched.
      let noon: Int64 = 1_749_988_800_000_000
      async let first = fixture.telemetry.ingest(
        Telemetry.batch(
          "r1",
          (0..<50).map { Telemetry.row("inv-0", noon + Int64($0) * Telemetry.minuteUs, [1, 2, 3]) })
      )
      async let second = replica.ingest(
        Telemetry.batch(
          "r2",
          (0..<50).map { Telemetry.row("inv-1", noon + Int64($0) * Telemetry.minuteUs, [1, 2, 3]) })
      )
      let outcomes = try await [first, second]
      #expect(outcomes.allSatisfy { $0 != .duplicate })
      #expect(try await fixture.telemetryRowCount() == 100)
    }
  }
}
