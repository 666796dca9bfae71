import FeatureService
import Foundation
import NetworkIO
import PostgresClient
import RPC
import RPCCore
import Testing
import WireProtos

/// Volume checks that also print the figures quoted in the report. They run against an
/// in-process server built with the tests (debug), or, with `FEATURE_BENCH_ENDPOINT=host:port`
/// and `FEATURE_BENCH_TOKEN_SECRET`, against a running `feature-service` (for example a release
/// build) that uses the same PostgreSQL. No thresholds: the machine is shared.
@Suite(
  "Feature service throughput", .enabled(if: TestEnvironment.isAvailable), .timeLimit(.minutes(5)))
struct FeatureServiceThroughputTests {
  static let columns = [
    "ac_power_kw", "dc_power_kw", "temperature_c", "irradiance_wm2", "dc_voltage_v", "dc_current_a",
    "grid_frequency_hz", "efficiency_pct",
  ]
  static let environment = ProcessInfo.processInfo.environment

  @Test(
    "Rows of 100 assets stream in over RPC, then online features of 100 assets are read")
  func ingestAndServe() async throws {
    if let endpoint = Self.environment["FEATURE_BENCH_ENDPOINT"],
      let secret = Self.environment["FEATURE_BENCH_TOKEN_SECRET"]
    {
      let parts = endpoint.split(separator: ":")
      let port = try #require(
        parts.count == 2 ? Int(parts[1]) : nil, "FEATURE_BENCH_ENDPOINT must be host:port")
      var configuration = RPCClient.Configuration(endpoints: [
        HostAndPort(host: String(parts[0]), port: port)
      ])
      configuration.bearerToken = TokenAuthority(secret: Array(secret.utf8))
        .makeToken(subject: "throughput-test", role: .service, lifetime: .seconds(3600))
      let client = RPCClient(configuration: configuration)
      defer { client.close() }
      let prefix = TestEnvironment.uniqueName("bench")
      let pool = PostgresPool(
        configuration: PostgresConfiguration(
          connectionString: TestEnvironment.postgresConnectionString ?? ""))
      do {
        try await Self.run(client: client, prefix: prefix) {
          try await pool.query(
            "SELECT count(*) AS n FROM \(FeatureSchema.defaultName).telemetry WHERE starts_with(asset_id, $1)",
            [.text(prefix)])[0].decode(Int.self, "n")
        }
      } catch {
        await pool.close()
        throw error
      }
      await pool.close()
    } else {
      try await Fixture.run { fixture in
        let (server, client) = try fixture.startServer()
        defer { client.close() }
        try await Self.run(client: client, prefix: "bench") {
          try await fixture.telemetryRowCount()
        }
        await server.shutdownGracefully(gracePeriod: .seconds(1))
      }
    }
  }

  static func run(client: RPCClient, prefix: String, countRows: () async throws -> Int) async throws
  {
    var fleet = UpsertAssetsRequest()
    var site = Site()
    site.siteID = "\(prefix)-site"
    site.kind = .solarPlant
    fleet.sites = [site]
    fleet.assets = (0..<100).map { index in
      var asset = Asset()
      asset.assetID = "\(prefix)-inv-\(index)"
      asset.siteID = site.siteID
      asset.kind = .inverter
      return asset
    }
    _ = try await client.call(Feature.Method.UpsertAssets.self, fleet)
    let assets = fleet.assets.map(\.assetID)

    // 100,000 rows against a running (release) service; 20,000 in the suite's debug build.
    let minutes = Self.environment["FEATURE_BENCH_ENDPOINT"] == nil ? 200 : 1000
    let start = Telemetry.recentMinute(minutesAgo: Int64(minutes))
    let rowsPerBatch = 5000
    var batches: [TelemetryBatch] = []
    var rows: [TelemetryRow] = []
    for minute in 0..<minutes {
      for (index, asset) in assets.enumerated() {
        let power = Double((minute * 7 + index * 13) % 100)
        rows.append(
          Telemetry.row(
            asset, start + Int64(minute) * Telemetry.minuteUs,
            [power, power * 1.03, 25 + Double(index % 10), 800, 600, power / 0.6, 50, 97]))
        if rows.count == rowsPerBatch {
          batches.append(Telemetry.batch("\(prefix)-\(batches.count)", rows, columns: Self.columns))
          rows = []
        }
      }
    }
    let allBatches = batches
    let clock = ContinuousClock()
    let began = clock.now
    let summary = try await client.call(Feature.Method.IngestTelemetry.self) { writer in
      for batch in allBatches { try await writer.write(IngestTelemetryRequest(batch: batch)) }
    }
    let elapsed = clock.now - began
    let rowCount = minutes * assets.count
    #expect(summary.rowsLoaded == UInt64(rowCount))
    #expect(try await countRows() == rowCount)
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    print(
      "ingestion: \(rowCount) rows in \(seconds) s = \(Int(Double(rowCount) / seconds)) rows/s "
        + "(\(allBatches.count) batches of \(rowsPerBatch), 8 columns, materialized after each batch)")

    var request = GetOnlineFeaturesRequest()
    request.features = ["telemetry_latest:*", "telemetry_1h:*"]
    request.assetIDs = assets
    let check = try await client.call(Feature.Method.GetOnlineFeatures.self, request)
    let matrix = try #require(check.features)
    #expect(
      matrix.entityIDs.count == 100 && matrix.featureNames.count == Self.columns.count + 2 + 3)
    #expect(matrix.statuses.allSatisfy { $0 == .present })
    // The latest row of asset i is minute 999: its AC power and the 1-hour mean of minutes 940…999.
    for index in [0, 57, 99] {
      let row = index * matrix.featureNames.count
      let power = try #require(matrix.featureNames.firstIndex(of: "telemetry_latest:ac_power_kw"))
      let mean = try #require(
        matrix.featureNames.firstIndex(of: "telemetry_1h:ac_power_kw_mean_1h"))
      #expect(matrix.values[row + power] == Double((999 * 7 + index * 13) % 100))
      let window = (940...999).map { Double(($0 * 7 + index * 13) % 100) }
      #expect(abs(matrix.values[row + mean] - window.reduce(0, +) / 60) < 1e-9)
    }

    for (label, assetIDs) in [("100 assets", assets), ("1 asset", [assets[0]])] {
      request.assetIDs = assetIDs
      var samples: [Duration] = []
      for _ in 0..<20 { _ = try await client.call(Feature.Method.GetOnlineFeatures.self, request) }
      for _ in 0..<300 {
        let callStart = clock.now
        _ = try await client.call(Feature.Method.GetOnlineFeatures.self, request)
        samples.append(clock.now - callStart)
      }
      samples.sort()
      print(
        "GetOnlineFeatures over RPC, \(label) × \(matrix.featureNames.count) features, 300 calls: "
          + "median \(samples[samples.count / 2]), p99 \(samples[samples.count * 99 / 100])")
    }
  }
}
