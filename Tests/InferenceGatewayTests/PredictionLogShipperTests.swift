import Foundation
@testable import InferenceGateway
import NetworkIO
import RPC
import RPCCore
import ServiceRuntime
import Synchronization
import Testing
import WireProtos

/// A monitor that keeps what it receives, storing each batch id once (as the real one does).
final class ReceivingMonitor: Sendable {
  let batches = Mutex<[String: Int]>([:])
  let requestIDs = Mutex<Set<String>>([])

  func start(port: Int = 0) throws -> (RPCServer, HostAndPort) {
    var router = RPCRouter()
    router.register(Monitor.Method.RecordPredictions.self) { [self] request, _ in
      var response = RecordPredictionsResponse()
      let isNew = self.batches.withLock { batches in
        defer { batches[request.batchID, default: 0] += 1 }
        return batches[request.batchID] == nil
      }
      guard isNew else {
        response.duplicateBatch = true
        return response
      }
      for group in request.groups {
        for record in group.records { self.requestIDs.withLock { _ = $0.insert(record.requestID) } }
        response.accepted += UInt64(group.records.count)
      }
      return response
    }
    let server = RPCServer(configuration: .init(endpoint: HostAndPort(host: "127.0.0.1", port: port)), router: router)
    return (server, try server.start())
  }
}

private func record(_ id: String) -> PredictionRecord {
  var record = PredictionRecord()
  record.requestID = id
  record.timeUs = 1_764_720_000_000_000
  record.value = 0.5
  return record
}

private func temporaryDirectory() -> URL {
  FileManager.default.temporaryDirectory.appendingPathComponent("dcmms-spool-\(UUID().uuidString)")
}

@Suite("Prediction log shipping", .timeLimit(.minutes(1)))
struct PredictionLogShipperTests {
  let logger = Logger(service: "test", minimumLevel: .critical)

  @Test("logged predictions reach the monitor in batches, grouped by model version")
  func ships() async throws {
    let monitor = ReceivingMonitor()
    let (server, address) = try monitor.start()
    let client = RPCClient(configuration: .init(endpoints: [address]))
    var options = PredictionLogShipper.Options()
    options.batchSize = 1_000
    let shipper = try PredictionLogShipper(client: client, spoolDirectory: temporaryDirectory(), options: options, logger: self.logger)
    for index in 0..<2_500 {
      shipper.log(record("r\(index)"), model: index % 2 == 0 ? "a" : "b", version: "v1.0.0", role: .primary, featureNames: [])
    }
    await shipper.flush()
    #expect(monitor.requestIDs.withLock { $0.count } == 2_500)
    #expect(shipper.bufferedCount.waiting == 0)
    client.close()
    await server.shutdownGracefully(gracePeriod: .seconds(1))
  }

  @Test("while the monitor is down predictions are spooled to disk, then replayed with nothing lost")
  func spoolsAndReplays() async throws {
    let monitor = ReceivingMonitor()
    let (first, address) = try monitor.start()
    await first.shutdownGracefully(gracePeriod: .seconds(1))
    var configuration = RPCClient.Configuration(endpoints: [address])
    configuration.ejectionBackoff = .milliseconds(20)
    configuration.maxEjectionBackoff = .milliseconds(50)
    let client = RPCClient(configuration: configuration)
    let spool = temporaryDirectory()
    let shipper = try PredictionLogShipper(client: client, spoolDirectory: spool, logger: self.logger)
    for round in 0..<3 {
      for index in 0..<100 { shipper.log(record("r\(round)-\(index)"), model: "m", version: "v1", role: .primary, featureNames: []) }
      await shipper.flush()
    }
    #expect(shipper.spooledBatchCount == 3)
    #expect(monitor.requestIDs.withLock { $0.count } == 0)

    let (second, _) = try monitor.start(port: address.port)
    try await Task.sleep(for: .milliseconds(100))
    await shipper.flush()
    #expect(shipper.spooledBatchCount == 0)
    #expect(monitor.requestIDs.withLock { $0.count } == 300)
    #expect(monitor.batches.withLock { $0.values.allSatisfy { $0 == 1 } })
    client.close()
    await second.shutdownGracefully(gracePeriod: .seconds(1))
  }

  @Test("the spool is bounded: beyond its limit the oldest batches go")
  func boundedSpool() async throws {
    let client = RPCClient(configuration: .init(endpoints: [HostAndPort(host: "127.0.0.1", port: 1)]))
    var options = PredictionLogShipper.Options()
    options.maxSpoolBytes = 5_000
    let shipper = try PredictionLogShipper(client: client, spoolDirectory: temporaryDirectory(), options: options, logger: self.logger)
    for round in 0..<20 {
      for index in 0..<20 { shipper.log(record("r\(round)-\(index)"), model: "m", version: "v1", role: .primary, featureNames: []) }
      await shipper.flush()
    }
    #expect(shipper.spooledBatchCount > 0)
    #expect(shipper.spooledBatchCount < 20)
  }

  @Test("a full buffer drops and counts instead of growing without bound")
  func boundedBuffer() throws {
    let client = RPCClient(configuration: .init(endpoints: [HostAndPort(host: "127.0.0.1", port: 1)]))
    var options = PredictionLogShipper.Options()
    options.maxBufferedRecords = 10
    options.batchSize = 1_000
    let shipper = try PredictionLogShipper(client: client, spoolDirectory: temporaryDirectory(), options: options, logger: self.logger)
    for index in 0..<15 { shipper.log(record("r\(index)"), model: "m", version: "v1", role: .primary, featureNames: []) }
    #expect(shipper.bufferedCount.waiting == 10)
    #expect(shipper.bufferedCount.dropped == 5)
  }
}
