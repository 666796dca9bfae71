import Crypto
import Foundation
@testable import InferenceGateway
import ModelCodec
import ModelMath
import NetworkIO
import RPC
import RPCCore
import ServiceRuntime
import Synchronization
import Testing
import TestSupport
import WireProtos

private func modelFile(seed: UInt64) throws -> [UInt8] {
  try ModelFixtures.inverterModelFile(seed: seed)
}

private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

/// Stands in for the registry: one model whose Production version and file the test sets.
private final class StandInRegistry: Sendable {
  let production = Mutex<(version: String, file: [UInt8], advertisedDigest: String?)?>(nil)

  func start() throws -> (RPCServer, HostAndPort) {
    var router = RPCRouter()
    router.register(Registry.Method.GetModelVersion.self) { [self] request, _ in
      guard let current = self.production.withLock({ $0 }), request.model?.modelName == "inverter_fault" else {
        throw RPCError(code: .notFound, message: "no such model")
      }
      var version = ModelVersion()
      version.modelName = "inverter_fault"
      version.version = current.version
      version.stage = .production
      version.artifact = ArtifactRef(
        sha256: current.advertisedDigest ?? hex(SHA256.hash(current.file)), name: "model.bin",
        sizeBytes: UInt64(current.file.count))
      return version
    }
    router.register(Registry.Method.DownloadArtifact.self) { [self] _, writer, _ in
      guard let current = self.production.withLock({ $0 }) else { throw RPCError(code: .notFound, message: "none") }
      var offset = 0
      while offset < current.file.count {
        let end = min(current.file.count, offset + 1_000)
        try await writer.write(ArtifactChunk(offset: UInt64(offset), data: Array(current.file[offset..<end])))
        offset = end
      }
    }
    let server = RPCServer(configuration: .init(endpoint: HostAndPort(host: "127.0.0.1", port: 0)), router: router)
    return (server, try server.start())
  }
}

@Suite("Gateway: models from the registry, predictions logged", .timeLimit(.minutes(1)))
struct GatewayTests {
  let logger = Logger(service: "test", minimumLevel: .critical)

  @Test("the Production version is loaded, verified, served, replaced, and kept when a download is bad")
  func loadsAndSwaps() async throws {
    let registry = StandInRegistry()
    let (registryServer, registryAddress) = try registry.start()
    let registryClient = RPCClient(configuration: .init(endpoints: [registryAddress]))
    let catalog = ModelCatalog()
    let refresher = ModelRefresher(
      catalog: catalog, loader: RegistryModelLoader(registry: registryClient), modelNames: ["inverter_fault"],
      interval: .seconds(60), logger: self.logger)

    await refresher.refresh()
    #expect(catalog.model(named: "inverter_fault") == nil)

    registry.production.withLock { $0 = ("1.0.0", try! modelFile(seed: 1), nil) }
    await refresher.refresh()
    #expect(catalog.model(named: "inverter_fault")?.version == "1.0.0")

    // A file that does not match its content address is refused; 1.0.0 keeps serving.
    registry.production.withLock { $0 = ("1.1.0", try! modelFile(seed: 2), String(repeating: "0", count: 64)) }
    await refresher.refresh()
    #expect(catalog.model(named: "inverter_fault")?.version == "1.0.0")

    registry.production.withLock { $0 = ("1.1.0", try! modelFile(seed: 2), nil) }
    await refresher.refresh()
    #expect(catalog.model(named: "inverter_fault")?.version == "1.1.0")

    // The registry going away changes nothing.
    await registryServer.shutdownGracefully(gracePeriod: .seconds(1))
    await refresher.refresh()
    #expect(catalog.model(named: "inverter_fault")?.version == "1.1.0")
    registryClient.close()
  }

  @Test("Predict over RPC answers with the loaded model and the monitor receives the log")
  func predictsAndLogs() async throws {
    let registry = StandInRegistry()
    registry.production.withLock { $0 = ("1.0.0", try! modelFile(seed: 1), nil) }
    let (registryServer, registryAddress) = try registry.start()
    let registryClient = RPCClient(configuration: .init(endpoints: [registryAddress]))
    let catalog = ModelCatalog()
    await ModelRefresher(
      catalog: catalog, loader: RegistryModelLoader(registry: registryClient), modelNames: ["inverter_fault"],
      interval: .seconds(60), logger: self.logger
    ).refresh()

    let monitor = ReceivingMonitor()
    let (monitorServer, monitorAddress) = try monitor.start()
    let monitorClient = RPCClient(configuration: .init(endpoints: [monitorAddress]))
    let shipper = try PredictionLogShipper(
      client: monitorClient,
      spoolDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("gw-\(UUID().uuidString)"),
      logger: self.logger)
    var router = RPCRouter()
    GatewayHandlers(catalog: catalog, features: nil, shipper: shipper).register(into: &router)
    let gateway = RPCServer(configuration: .init(endpoint: HostAndPort(host: "127.0.0.1", port: 0)), router: router)
    let client = RPCClient(configuration: .init(endpoints: [try gateway.start()]))

    var request = PredictRequest()
    request.model = ModelRef(modelName: "inverter_fault")
    request.assetID = "INV-7"
    request.requestID = "req-1"
    request.features = FeatureVector(names: ["temperature", "imbalance"], values: [95, 0.9])
    let prediction = try #require(try await client.call(Inference.Method.Predict.self, request).prediction)
    #expect(prediction.modelVersion == "1.0.0")
    #expect(prediction.riskLevel == .high)
    #expect(prediction.requestID == "req-1")

    var unknown = request
    unknown.model = ModelRef(modelName: "no_such_model")
    let error = await #expect(throws: RPCError.self) { _ = try await client.call(Inference.Method.Predict.self, unknown) }
    #expect(error?.code == .notFound)
    var noFeatures = request
    noFeatures.features = nil
    let refused = await #expect(throws: RPCError.self) { _ = try await client.call(Inference.Method.Predict.self, noFeatures) }
    #expect(refused?.code == .failedPrecondition)

    await shipper.flush()
    #expect(monitor.requestIDs.withLock { $0 } == ["req-1"])
    let status = try await client.call(Inference.Method.ModelStatus.self, ModelStatusRequest())
    #expect(status.models.map(\.version) == ["1.0.0"])

    client.close()
    monitorClient.close()
    registryClient.close()
    await gateway.shutdownGracefully(gracePeriod: .seconds(1))
    await monitorServer.shutdownGracefully(gracePeriod: .seconds(1))
    await registryServer.shutdownGracefully(gracePeriod: .seconds(1))
  }
}
