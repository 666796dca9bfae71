import FeatureService
import Foundation
import RedisClient
import Testing
import WireProtos

@Suite("Online store (Redis)", .enabled(if: TestEnvironment.isAvailable), .timeLimit(.minutes(2)))
struct OnlineStoreTests {
  static func snapshot(_ asset: String, at timeUs: Int64, values: [Double]) -> AssetSnapshot {
    AssetSnapshot(
      assetID: asset, eventTimeUs: timeUs, columns: Telemetry.columns, values: values,
      status: .derated,
      errorCode: 42, acPowerMean1h: 12.25, temperatureMean1h: nil, sampleCount1h: 7)
  }

  func request(_ features: [String], _ assets: [String]) -> GetOnlineFeaturesRequest {
    var request = GetOnlineFeaturesRequest()
    request.features = features
    request.assetIDs = assets
    return request
  }

  @Test("Written values read back PRESENT within the TTL, STALE beyond it, MISSING when absent")
  func presentStaleMissing() async throws {
    try await Fixture.run { fixture in
      let time: Int64 = 1_780_000_000_000_000
      try await fixture.online.write([Self.snapshot("inv-0", at: time, values: [55.5, .nan, 31.0])])
      let request = self.request(
        [
          "telemetry_latest:ac_power_kw", "telemetry_latest:dc_power_kw",
          "telemetry_1h:ac_power_kw_mean_1h",
          "telemetry_1h:temperature_c_mean_1h", "telemetry_latest:error_code",
        ],
        ["inv-0", "ghost"])

      let fresh = try await fixture.online.read(request, nowUs: time + 10 * Telemetry.minuteUs)
      let matrix = try #require(fresh.features)
      #expect(matrix.featureNames == request.features)
      #expect(matrix.entityIDs == ["inv-0", "ghost"])
      #expect(
        matrix.eventTimeUs == [time + 10 * Telemetry.minuteUs, time + 10 * Telemetry.minuteUs])
      #expect(
        Array(matrix.statuses.prefix(5)) == [.present, .missing, .present, .missing, .present])
      #expect(
        matrix.values[0] == 55.5 && matrix.values[1].isNaN && matrix.values[2] == 12.25
          && matrix.values[4] == 42)
      #expect(Array(fresh.valueTimeUs.prefix(5)) == [time, 0, time, 0, time])
      // The unknown asset: a row of MISSING, NaN, time 0.
      #expect(Array(matrix.statuses.suffix(5)) == Array(repeating: .missing, count: 5))
      #expect(matrix.values.suffix(5).allSatisfy { $0.isNaN })
      #expect(fresh.valueTimeUs.suffix(5).allSatisfy { $0 == 0 })

      // One hour is the TTL of both views: just past it, present values turn STALE.
      let old = try await fixture.online.read(request, nowUs: time + Telemetry.hourUs + 1)
      #expect(
        Array(try #require(old.features).statuses.prefix(5)) == [
          .stale, .missing, .stale, .missing, .stale,
        ])
      #expect(try #require(old.features).values[0] == 55.5)
    }
  }

  @Test(
    "Each hash gets a TTL of two view TTLs; a rewrite drops NaN columns; older never replaces newer"
  )
  func ttlAndRewrite() async throws {
    try await Fixture.run { fixture in
      let time = TelemetryStore.nowMicroseconds()
      try await fixture.online.write([Self.snapshot("inv-0", at: time, values: [1, 2, 3])])
      let key = fixture.online.key(view: "telemetry_latest", assetID: "inv-0")
      let ttl = try #require(try await fixture.redis.connection.timeToLive(key))
      #expect(ttl > .seconds(7000) && ttl <= .seconds(7200))
      try await fixture.online.write([Self.snapshot("inv-0", at: time + 1, values: [1, .nan, 3])])
      let fields = try await fixture.redis.connection.hashGetAll(key)
      #expect(fields["dc_power_kw"] == nil)
      #expect(fields["ac_power_kw"].map { String(decoding: $0, as: UTF8.self) } == "1.0")
      #expect(
        fields["@event_time_us"].map { String(decoding: $0, as: UTF8.self) } == String(time + 1))
      // An older snapshot (a slower writer) does not replace the newer one.
      try await fixture.online.write([Self.snapshot("inv-0", at: time, values: [9, 9, 9])])
      #expect(try await fixture.redis.connection.hashGetAll(key) == fields)
    }
  }

  @Test("A wildcard reads every feature of a view; names are not repeated")
  func wildcard() async throws {
    try await Fixture.run { fixture in
      let time = TelemetryStore.nowMicroseconds()
      try await fixture.online.write([
        Self.snapshot("inv-0", at: time, values: [1, .nan, 3]),
        Self.snapshot("inv-1", at: time, values: [4, 5, 6]),
      ])
      let response = try await fixture.online.read(
        self.request(
          ["telemetry_latest:*", "telemetry_latest:ac_power_kw", "telemetry_1h:*"],
          ["inv-0", "inv-1"]),
        nowUs: time)
      let matrix = try #require(response.features)
      #expect(
        matrix.featureNames == [
          "telemetry_latest:ac_power_kw", "telemetry_latest:asset_status",
          "telemetry_latest:dc_power_kw",
          "telemetry_latest:error_code", "telemetry_latest:temperature_c",
          "telemetry_1h:ac_power_kw_mean_1h",
          "telemetry_1h:temperature_c_mean_1h", "telemetry_1h:sample_count_1h",
        ])
      #expect(
        matrix.values.count == 16 && matrix.statuses.count == 16 && response.valueTimeUs.count == 16
      )
      // inv-0 has no dc_power_kw: that one value is MISSING.
      #expect(matrix.statuses[2] == .missing && matrix.statuses[10] == .present)
      #expect(matrix.values[10] == 5)
    }
  }

  @Test(
    "Unknown views, unknown features of fixed views and malformed references are INVALID_ARGUMENT naming them",
    arguments: [
      (["nope:x"], "unknown view 'nope'"), (["telemetry_1h:median"], "has no feature 'median'"),
      (["telemetry_latest"], "is not \"view:feature\""), ([], "no features"),
      (["telemetry_latest:Bad Name"], "not a telemetry column name"),
    ] as [([String], String)])
  func badReferences(features: [String], expected: String) async throws {
    try await Fixture.run { fixture in
      let error = await #expect(throws: FeatureError.self) {
        try await fixture.online.read(self.request(features, ["inv-0"]), nowUs: 0)
      }
      #expect(error?.code == .invalidArgument)
      #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
    }
  }
}
