import Foundation
@testable import InferenceGateway
import ModelCodec
import ModelMath
import NetworkIO
import PostgresClient
import RPC
import RPCCore
@testable import RegistryService
import ServiceRuntime
import Testing
import TestSupport
@testable import TrainingService
import WireProtos

private let conninfo = ProcessInfo.processInfo.environment["TEST_POSTGRES_CONNINFO"]

private func trainedModelFile(seed: UInt64) throws -> [UInt8] {
  try ModelFixtures.inverterModelFile(
    seed: seed, featureNames: ["telemetry_latest:temperature_c", "telemetry_latest:imbalance"])
}

/// Training registers into the real registry (PostgreSQL), and the gateway loads and serves it.
@Suite("Train, register, serve (PostgreSQL)", .enabled(if: conninfo != nil), .timeLimit(.minutes(2)))
struct TrainRegisterServeTests {
  @Test("a registered Production version is what the gateway serves; a newer one replaces it")
  func trainRegisterServe() async throws {
    let pool = PostgresPool(configuration: PostgresConfiguration(connectionString: try #require(conninfo)))
    let schema = "registry_flow_\(UInt32.random(in: 0...UInt32.max))"
    _ = try await RegistryDatabase.migrate(pool: pool, schema: schema, waitForServer: false)
    var router = RPCRouter()
    RegistryHandlers(
      registry: RegistryStore(pool: pool, schema: schema),
      artifacts: ArtifactStore(pool: pool, schema: schema, maxArtifactBytes: 1 << 30)
    ).register(into: &router)
    let registryServer = RPCServer(configuration: .init(endpoint: HostAndPort(host: "127.0.0.1", port: 0)), router: router)
    let registry = RPCClient(configuration: .init(endpoints: [try registryServer.start()]))

    let registrar = ModelRegistrar(registry: registry, chunkSize: 4_096)
    var metadata = VersionMetadata()
    metadata.useCase = .inverterFault
    metadata.metrics = ["f1": 0.9]
    metadata.features = ["telemetry_latest:temperature_c", "telemetry_latest:imbalance"]
    let first = try await registrar.register(
      file: try trainedModelFile(seed: 1), modelName: "inverter_fault", metadata: metadata, stage: .production)
    #expect(first.stage == .production)

    let catalog = ModelCatalog()
    let refresher = ModelRefresher(
      catalog: catalog, loader: RegistryModelLoader(registry: registry), modelNames: ["inverter_fault"],
      interval: .seconds(60), logger: Logger(service: "test", minimumLevel: .critical))
    await refresher.refresh()
    let served = try #require(catalog.model(named: "inverter_fault"))
    #expect(served.version == first.version)
    #expect(served.useCase == .inverterFault)
    let prediction = try served.predict(
      assetID: "INV-1",
      features: FeatureVector(names: ["telemetry_latest:temperature_c", "telemetry_latest:imbalance"], values: [95, 0.9]))
    #expect(prediction.riskLevel == .high)

    let second = try await registrar.register(
      file: try trainedModelFile(seed: 2), modelName: "inverter_fault", metadata: metadata, stage: .production)
    #expect(second.version != first.version)
    await refresher.refresh()
    #expect(catalog.model(named: "inverter_fault")?.version == second.version)
    let old = try await registry.call(
      Registry.Method.GetModelVersion.self,
      GetModelVersionRequest(model: ModelRef(modelName: "inverter_fault", selector: .version(first.version))))
    #expect(old.stage == .archived)

    registry.close()
    await registryServer.shutdownGracefully(gracePeriod: .seconds(1))
    await pool.close()
  }
}
