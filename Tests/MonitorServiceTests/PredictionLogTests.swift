import Foundation
@testable import MonitorService
import NetworkIO
import PostgresClient
import RPC
import RPCCore
import Testing
import WireProtos

private let conninfo = ProcessInfo.processInfo.environment["TEST_POSTGRES_CONNINFO"]

private func makeLog() async throws -> PredictionLog {
  let pool = PostgresPool(configuration: PostgresConfiguration(connectionString: try #require(conninfo)))
  _ = try await MonitorSchema.migrator.migrate(on: pool)
  return PredictionLog(pool: pool)
}

private func batch(_ id: String, model: String, requests: [(id: String, latencyUs: Int64, value: Double, status: UInt32)]) -> RecordPredictionsRequest {
  var group = PredictionGroup()
  group.modelName = model
  group.modelVersion = "v1.0.0"
  group.role = .primary
  group.featureNames = ["temperature", "ac_power"]
  let base: Int64 = 1_764_720_000_000_000  // 2025-12-03
  group.records = requests.enumerated().map { index, request in
    var record = PredictionRecord()
    record.requestID = request.id
    record.timeUs = base + Int64(index) * 1_000_000
    record.assetID = "INV-\(index % 3)"
    record.value = request.value
    record.confidence = 0.8
    record.riskLevel = request.value > 0.7 ? .high : (request.value > 0.4 ? .medium : .low)
    record.featureValues = [41.5, .nan]
    record.latencyUs = request.latencyUs
    record.statusCode = request.status
    return record
  }
  var request = RecordPredictionsRequest()
  request.batchID = id
  request.source = "gateway-0"
  request.groups = [group]
  return request
}

@Suite(
  "Prediction log (PostgreSQL)", .enabled(if: conninfo != nil), .serialized, .timeLimit(.minutes(1)))
struct PredictionLogTests {
  @Test("migrations applied twice are a no-op")
  func migrationsTwice() async throws {
    let pool = PostgresPool(configuration: PostgresConfiguration(connectionString: try #require(conninfo)))
    _ = try await MonitorSchema.migrator.migrate(on: pool)
    #expect(try await MonitorSchema.migrator.migrate(on: pool).isEmpty)
    await pool.close()
  }

  @Test("a batch is stored once: replays and repeated request ids count as duplicates")
  func idempotent() async throws {
    let log = try await makeLog()
    let model = "idem-\(UUID().uuidString)"
    let first = batch("b-\(model)-1", model: model, requests: [("\(model)-a", 100, 0.9, 0), ("\(model)-b", 200, 0.1, 0)])
    let stored = try await log.record(first)
    #expect(stored.accepted == 2 && stored.duplicates == 0 && !stored.duplicateBatch)
    let replay = try await log.record(first)
    #expect(replay.duplicateBatch && replay.accepted == 0 && replay.duplicates == 2)
    let overlapping = batch("b-\(model)-2", model: model, requests: [("\(model)-a", 100, 0.9, 0), ("\(model)-c", 300, 0.5, 0)])
    // Same request id "a" at the same time (first record of each batch): stored once.
    let mixed = try await log.record(overlapping)
    #expect(mixed.accepted == 1 && mixed.duplicates == 1)
    let count = try await log.pool.query(
      "SELECT count(*) AS n FROM monitor.predictions WHERE model_name = $1", [.text(model)])
    #expect(try count[0].decode(Int64.self, "n") == 3)
  }

  @Test("a bad record is refused with its place, and nothing of its batch is stored")
  func badRecord() async throws {
    let log = try await makeLog()
    let model = "bad-\(UUID().uuidString)"
    var request = batch("b-\(model)", model: model, requests: [("\(model)-a", 100, 0.2, 0), ("\(model)-b", 100, 0.3, 0)])
    request.groups[0].records[1].timeUs = 1_764_720_000  // seconds, not microseconds
    let error = await #expect(throws: RPCError.self) { try await log.record(request) }
    #expect(error?.code == .invalidArgument)
    #expect(error?.message.contains("group 0 record 1") == true)
    request.groups[0].records[1].timeUs = 1_764_720_000_000_000
    request.groups[0].records[1].featureValues = [1]
    let mismatch = await #expect(throws: RPCError.self) { try await log.record(request) }
    #expect(mismatch?.message.contains("1 feature values for 2 feature names") == true)
    let count = try await log.pool.query(
      "SELECT count(*) AS n FROM monitor.predictions WHERE model_name = $1", [.text(model)])
    #expect(try count[0].decode(Int64.self, "n") == 0)
  }

  @Test("performance: traffic, errors, latency percentiles, risk levels and a value histogram")
  func performance() async throws {
    let log = try await makeLog()
    let model = "perf-\(UUID().uuidString)"
    var requests: [(id: String, latencyUs: Int64, value: Double, status: UInt32)] = []
    for index in 0..<100 {
      let status: UInt32 = index % 10 == 0 ? 14 : 0
      requests.append(("\(model)-\(index)", Int64(index + 1) * 10, Double(index) / 100, status))
    }
    _ = try await log.record(batch("b-\(model)", model: model, requests: requests))
    var query = GetPerformanceRequest()
    query.modelName = model
    query.window = TimeRange(startTimeUs: 1_764_720_000_000_000, endTimeUs: 1_764_720_000_000_000 + 100_000_000)
    let summary = try await log.performance(query)
    #expect(summary.requests == 100)
    #expect(summary.errors == 10)
    #expect(summary.errorRate == 0.1)
    #expect(summary.throughputRps == 1)
    #expect(summary.latencyP50Us == 500)
    #expect(summary.latencyP95Us == 950)
    #expect(summary.latencyP99Us == 990)
    // Error records carry no value: 90 values, risk counted on the value sent.
    #expect(summary.valueBinCounts.reduce(0, +) == 90)
    #expect(summary.riskLevelCounts.reduce(0, +) == 100)
    #expect(summary.valueBinEdges.count == 11)
    let empty = await #expect(throws: RPCError.self) {
      var bad = query
      bad.window = TimeRange(startTimeUs: 10, endTimeUs: 5)
      _ = try await log.performance(bad)
    }
    #expect(empty?.code == .invalidArgument)
  }

  @Test("outcomes join their predictions; a replayed outcome batch is recognised")
  func outcomes() async throws {
    let log = try await makeLog()
    let model = "out-\(UUID().uuidString)"
    _ = try await log.record(batch("b-\(model)", model: model, requests: [("\(model)-a", 100, 0.9, 0)]))
    var request = RecordOutcomesRequest()
    request.batchID = "o-\(model)"
    var known = Outcome()
    known.requestID = "\(model)-a"
    known.label = "failed"
    var unknown = Outcome()
    unknown.requestID = "\(model)-zzz"
    unknown.value = 1
    request.outcomes = [known, unknown]
    let stored = try await log.record(request)
    #expect(stored.accepted == 2 && stored.matched == 1)
    #expect(try await log.record(request).duplicateBatch)
  }

  @Test("over RPC: a service token records, a viewer may not")
  func overRPC() async throws {
    let log = try await makeLog()
    var router = RPCRouter()
    MonitorHandlers.register(into: &router, log: log)
    let authority = TokenAuthority(secret: Array("monitor-test-secret-monitor-test-secret".utf8))
    let server = RPCServer(
      configuration: .init(endpoint: HostAndPort(host: "127.0.0.1", port: 0)), router: router,
      interceptors: [AuthInterceptor(authority: authority, policy: MonitorHandlers.policy)])
    let address = try server.start()
    func client(_ role: Role) -> RPCClient {
      var configuration = RPCClient.Configuration(endpoints: [address])
      configuration.bearerToken = authority.makeToken(subject: "t", role: role, lifetime: .seconds(60))
      return RPCClient(configuration: configuration)
    }
    let model = "rpc-\(UUID().uuidString)"
    let request = batch("b-\(model)", model: model, requests: [("\(model)-a", 100, 0.5, 0)])
    let gateway = client(.service)
    let response = try await gateway.call(Monitor.Method.RecordPredictions.self, request)
    #expect(response.accepted == 1)
    let viewer = client(.viewer)
    let error = await #expect(throws: RPCError.self) {
      _ = try await viewer.call(Monitor.Method.RecordPredictions.self, request)
    }
    #expect(error?.code == .permissionDenied)
    gateway.close()
    viewer.close()
    await server.shutdownGracefully(gracePeriod: .seconds(1))
  }
}
