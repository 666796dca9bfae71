import FeatureService
import Foundation
import RPC
import RPCCore
import Testing
import WireProtos

@Suite(
  "Feature service over RPC", .enabled(if: TestEnvironment.isAvailable), .timeLimit(.minutes(3)))
struct FeatureServiceRPCTests {
  @Test("Assets, a streamed ingestion and online features, end to end over a real RPC server")
  func walkingSkeleton() async throws {
    try await Fixture.run { fixture in
      let (server, client) = try fixture.startServer()
      defer { client.close() }

      var fleet = UpsertAssetsRequest()
      var site = Site()
      site.siteID = "site-rpc"
      site.kind = .solarPlant
      fleet.sites = [site]
      fleet.assets = ["inv-a", "inv-b"].map { id in
        var asset = Asset()
        asset.assetID = id
        asset.siteID = "site-rpc"
        asset.kind = .inverter
        return asset
      }
      let upserted = try await client.call(Feature.Method.UpsertAssets.self, fleet)
      #expect(upserted.sitesCreated == 1 && upserted.assetsCreated == 2)

      let start = Telemetry.recentMinute(minutesAgo: 20)
      let batches = (0..<3).map { index in
        Telemetry.batch(
          "rpc-\(index)",
          (0..<5).flatMap { minute in
            ["inv-a", "inv-b"].map { asset in
              let time = start + Int64(index * 5 + minute) * Telemetry.minuteUs
              return Telemetry.row(
                asset, time, [Double(index * 5 + minute), 10, asset == "inv-a" ? 40 : 30])
            }
          })
      }
      let summary = try await client.call(Feature.Method.IngestTelemetry.self) { writer in
        for batch in batches + [batches[0]] {
          try await writer.write(IngestTelemetryRequest(batch: batch))
        }
      }
      #expect(summary.batchesReceived == 4)
      #expect(summary.batchesDuplicate == 1)
      #expect(summary.rowsReceived == 40)
      #expect(summary.rowsLoaded == 30)
      #expect(summary.rowsRejected == 0)
      #expect(try await fixture.telemetryRowCount() == 30)

      var request = GetOnlineFeaturesRequest()
      request.features = [
        "telemetry_latest:ac_power_kw", "telemetry_latest:temperature_c",
        "telemetry_1h:ac_power_kw_mean_1h",
      ]
      request.assetIDs = ["inv-b", "inv-a", "inv-unknown"]
      let online = try await client.call(Feature.Method.GetOnlineFeatures.self, request)
      let matrix = try #require(online.features)
      #expect(matrix.entityIDs == request.assetIDs)
      let latestTime = start + 14 * Telemetry.minuteUs
      // Latest row: minute 14; mean over minutes 0…14 (all within the hour) is 7.
      #expect(Array(matrix.values.prefix(6)) == [14, 30, 7, 14, 40, 7])
      #expect(Array(matrix.statuses.prefix(6)) == Array(repeating: .present, count: 6))
      #expect(Array(online.valueTimeUs.prefix(6)) == Array(repeating: latestTime, count: 6))
      #expect(Array(matrix.statuses.suffix(3)) == Array(repeating: .missing, count: 3))

      await server.shutdownGracefully(gracePeriod: .seconds(1))
    }
  }

  @Test(
    "A bad row in the second batch ends the stream with INVALID_ARGUMENT naming it; the first batch stays"
  )
  func badRowOverRPC() async throws {
    try await Fixture.run { fixture in
      try await fixture.makeFleet(inverters: 1)
      let (server, client) = try fixture.startServer()
      defer { client.close() }
      let start = Telemetry.recentMinute(minutesAgo: 10)
      let good = Telemetry.batch("good", [Telemetry.row("inv-0", start, [1, 2, 3])])
      let bad = Telemetry.batch(
        "bad",
        [
          Telemetry.row("inv-0", start + Telemetry.minuteUs, [1, 2, 3]),
          Telemetry.row("inv-0", start + 2 * Telemetry.minuteUs, [1, .infinity, 3]),
        ])
      let error = await #expect(throws: RPCError.self) {
        _ = try await client.call(Feature.Method.IngestTelemetry.self) { writer in
          try await writer.write(IngestTelemetryRequest(batch: good))
          try await writer.write(IngestTelemetryRequest(batch: bad))
        }
      }
      #expect(error?.code == .invalidArgument)
      #expect(
        error?.message.contains("batch 'bad', row 2 (asset inv-0): dc_power_kw is inf") == true,
        "\(error?.message ?? "")")
      #expect(
        error?.message.contains("1 batches before it were loaded: 1 rows") == true,
        "\(error?.message ?? "")")
      #expect(try await fixture.telemetryRowCount() == 1)

      var request = GetOnlineFeaturesRequest()
      request.features = ["telemetry_latest:nope:x"]
      request.assetIDs = ["inv-0"]
      let unknown = await #expect(throws: RPCError.self) {
        _ = try await client.call(Feature.Method.GetOnlineFeatures.self, request)
      }
      #expect(unknown?.code == .invalidArgument)
      await server.shutdownGracefully(gracePeriod: .seconds(1))
    }
  }

  @Test("Feature views: register, same again, conflict, replace, get, list with prefix and pages")
  func featureViews() async throws {
    try await Fixture.run { fixture in
      let (server, client) = try fixture.startServer()
      defer { client.close() }
      func spec(_ name: String, ttl: Int64 = 86_400) -> FeatureViewSpec {
        var spec = FeatureViewSpec()
        spec.name = name
        spec.entities = ["asset_id"]
        spec.ttlSeconds = ttl
        spec.owner = "ml-team"
        var feature = FeatureSpec()
        feature.name = "temperature_7d_avg"
        feature.valueType = .double
        feature.description = "Mean temperature over 7 days"
        spec.features = [feature]
        return spec
      }
      let first = try await client.call(
        Feature.Method.RegisterFeatureView.self,
        RegisterFeatureViewRequest(view: spec("inverter_metrics")))
      #expect(
        first.revision == 1 && first.spec == spec("inverter_metrics") && first.createdTimeUs > 0)
      let again = try await client.call(
        Feature.Method.RegisterFeatureView.self,
        RegisterFeatureViewRequest(view: spec("inverter_metrics")))
      #expect(again.revision == 1)
      let conflict = await #expect(throws: RPCError.self) {
        _ = try await client.call(
          Feature.Method.RegisterFeatureView.self,
          RegisterFeatureViewRequest(view: spec("inverter_metrics", ttl: 60)))
      }
      #expect(conflict?.code == .alreadyExists)
      let replaced = try await client.call(
        Feature.Method.RegisterFeatureView.self,
        RegisterFeatureViewRequest(view: spec("inverter_metrics", ttl: 60), replaceExisting: true))
      #expect(replaced.revision == 2 && replaced.spec?.ttlSeconds == 60)
      let read = try await client.call(
        Feature.Method.GetFeatureView.self, GetFeatureViewRequest(name: "inverter_metrics"))
      #expect(read == replaced)
      let missing = await #expect(throws: RPCError.self) {
        _ = try await client.call(
          Feature.Method.GetFeatureView.self, GetFeatureViewRequest(name: "nope"))
      }
      #expect(missing?.code == .notFound)
      var malformed = spec("Bad Name")
      malformed.features = []
      let invalid = await #expect(throws: RPCError.self) {
        _ = try await client.call(
          Feature.Method.RegisterFeatureView.self, RegisterFeatureViewRequest(view: malformed))
      }
      #expect(invalid?.code == .invalidArgument)

      for name in ["inverter_strings", "inverter_thermal", "wind_power"] {
        _ = try await client.call(
          Feature.Method.RegisterFeatureView.self, RegisterFeatureViewRequest(view: spec(name)))
      }
      var names: [String] = []
      var token = ""
      repeat {
        let page = try await client.call(
          Feature.Method.ListFeatureViews.self,
          ListFeatureViewsRequest(
            page: PageRequest(pageSize: 2, pageToken: token), namePrefix: "inverter_"))
        names += page.views.compactMap(\.spec?.name)
        #expect(page.page?.totalCount == 3)
        token = page.page?.nextPageToken ?? ""
      } while !token.isEmpty
      #expect(names == ["inverter_metrics", "inverter_strings", "inverter_thermal"])
      let badToken = await #expect(throws: RPCError.self) {
        _ = try await client.call(
          Feature.Method.ListFeatureViews.self,
          ListFeatureViewsRequest(page: PageRequest(pageToken: "garbage")))
      }
      #expect(badToken?.code == .invalidArgument)
      await server.shutdownGracefully(gracePeriod: .seconds(1))
    }
  }
}
