import FeatureService
import Foundation
import RPC
import Testing
import WireProtos

/// Volume checks that also print the figures the benchmarks table quotes (debug build unless
/// run with `-c release`; no thresholds: the machine is shared).
@Suite("Feature service throughput", .enabled(if: TestEnvironment.isAvailable), .timeLimit(.minutes(5)))
struct FeatureServiceThroughputTests {
  static let columns = [
    "ac_power_kw", "dc_power_kw", "temperature_c", "irradiance_wm2", "dc_voltage_v", "dc_current_a",
    "grid_frequency_hz", "efficiency_pct",
  ]

  @Test("100,000 rows of 100 assets stream in over RPC, then online features of 100 assets are read")
  func ingestAndServe() async throws {
    try await Fixture.run { fixture in
      let assets = try await fixture.makeFleet(inverters: 100)
      let (server, client) = try fixture.startServer()
      defer { client.close() }
      let minutes = 1000
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
            batches.append(Telemetry.batch("bulk-\(batches.count)", rows, columns: Self.columns))
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
      #expect(summary.rowsLoaded == 100_000)
      #expect(try await fixture.telemetryRowCount() == 100_000)
      let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
      print("ingestion: 100000 rows in \(seconds) s = \(Int(100_000 / seconds)) rows/s (20 batches of 5000, 8 columns, with materialization)")

      var request = GetOnlineFeaturesRequest()
      request.features = ["telemetry_latest:*", "telemetry_1h:*"]
      request.assetIDs = assets
      let check = try await client.call(Feature.Method.GetOnlineFeatures.self, request)
      let matrix = try #require(check.features)
      #expect(matrix.entityIDs.count == 100 && matrix.featureNames.count == Self.columns.count + 2 + 3)
      #expect(matrix.statuses.allSatisfy { $0 == .present })

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
          "GetOnlineFeatures over RPC, \(label) × \(matrix.featureNames.count) features: median \(samples[samples.count / 2]), "
            + "p99 \(samples[samples.count * 99 / 100])")
      }
      await server.shutdownGracefully(gracePeriod: .seconds(1))
    }
  }
}
