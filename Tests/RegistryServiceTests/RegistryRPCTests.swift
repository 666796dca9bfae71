import Crypto
import Foundation
import NetworkIO
import PostgresClient
import RPC
import RPCCore
import Testing
import WireProtos

@testable import RegistryService

extension RegistryIntegrationTests {
  /// The handlers behind a real RPC server on 127.0.0.1, called by a real client.
  @Suite("Registry over RPC")
  struct RegistryRPCTests {
    private struct Harness {
      let database: TestDatabase
      let server: RPCServer
      let client: RPCClient

      static func start() async throws -> Harness {
        let database = try await TestDatabase.make()
        var router = RPCRouter()
        RegistryHandlers(registry: database.registry, artifacts: database.artifacts()).register(
          into: &router)
        let server = RPCServer(
          configuration: .init(endpoint: HostAndPort(host: "127.0.0.1", port: 0)), router: router)
        let address = try server.start()
        var configuration = RPCClient.Configuration(endpoints: [address])
        configuration.defaultTimeout = .seconds(120)
        configuration.maxAttempts = 1
        return Harness(
          database: database, server: server, client: RPCClient(configuration: configuration))
      }

      func stop() async {
        self.client.close()
        await self.server.shutdownGracefully(gracePeriod: .seconds(1))
      }

      func upload(_ content: [UInt8], header: ArtifactUploadHeader, pieceBytes: Int = 256 << 10)
        async throws -> ArtifactRef
      {
        try await self.client.call(Registry.Method.UploadArtifact.self) { writer in
          try await writer.write(UploadArtifactRequest(part: .header(header)))
          var start = 0
          while start < content.count {
            let end = min(start + pieceBytes, content.count)
            try await writer.write(UploadArtifactRequest(part: .data(Array(content[start..<end]))))
            start = end
          }
        }
      }

      func download(_ request: DownloadArtifactRequest) async throws -> (ArtifactRef?, [UInt8]) {
        try await self.client.call(Registry.Method.DownloadArtifact.self, request) { chunks in
          var reference: ArtifactRef?
          var content: [UInt8] = []
          for try await chunk in chunks {
            if reference == nil { reference = chunk.artifact }
            #expect(chunk.offset == request.offset + UInt64(content.count))
            content += chunk.data
          }
          return (reference, content)
        }
      }
    }

    @discardableResult
    private func expectStatus(
      _ code: RPCStatusCode, sourceLocation: SourceLocation = #_sourceLocation,
      _ body: () async throws -> Void
    ) async -> String? {
      let error = await #expect(throws: RPCError.self, sourceLocation: sourceLocation) {
        try await body()
      }
      #expect(
        error?.code == code, "got \(String(describing: error))", sourceLocation: sourceLocation)
      return error?.message
    }

    @Test(
      "The walking-skeleton flow: register, upload, promote, then fetch the serving model's artifact"
    )
    func skeletonFlow() async throws {
      let harness = try await Harness.start()
      let client = harness.client
      var create = CreateModelVersionRequest(modelName: "inverter_fault", createModel: true)
      create.metadata = VersionMetadata(
        metrics: ["f1": 0.9], features: ["temp", "power"], datasetVersion: "d1", runID: "r1")
      let version = try await client.call(Registry.Method.CreateModelVersion.self, create)
      #expect(version.version == "1.0.0")
      #expect(version.status == .pendingUpload)

      let content = randomBytes(count: 3_000_000, seed: 21)
      let reference = try await harness.upload(
        content,
        header: ArtifactUploadHeader(
          name: "model.bin", sizeBytes: UInt64(content.count),
          sha256: ArtifactDigest.of(content).hex,
          modelName: "inverter_fault", version: "1.0.0"))
      #expect(reference.sizeBytes == UInt64(content.count))

      let ready = try await client.call(
        Registry.Method.GetModelVersion.self,
        GetModelVersionRequest(
          model: ModelRef(modelName: "inverter_fault", selector: .version("v1.0.0"))))
      #expect(ready.status == .ready)
      #expect(ready.artifact?.sha256 == reference.sha256)
      #expect(ready.metadata?.features == ["temp", "power"])

      _ = try await client.call(
        Registry.Method.TransitionStage.self,
        TransitionStageRequest(modelName: "inverter_fault", version: "1.0.0", toStage: .staging))
      let promoted = try await client.call(
        Registry.Method.TransitionStage.self,
        TransitionStageRequest(
          modelName: "inverter_fault", version: "1.0.0", toStage: .production,
          expectedStage: StageValue(stage: .staging)))
      #expect(promoted.version?.stage == .production)

      // What the gateway does: the model's serving version, then its artifact.
      let serving = try await client.call(
        Registry.Method.GetModelVersion.self,
        GetModelVersionRequest(model: ModelRef(modelName: "inverter_fault")))
      #expect(serving.version == "1.0.0")
      let (downloaded, bytes) = try await harness.download(
        DownloadArtifactRequest(target: .model(ModelRef(modelName: "inverter_fault"))))
      #expect(downloaded?.sha256 == reference.sha256)
      #expect(bytes == content)
      let (_, tail) = try await harness.download(
        DownloadArtifactRequest(
          target: .sha256(reference.sha256), offset: 2_999_000, chunkSize: 100))
      #expect(tail == Array(content[2_999_000...]))

      let model = try await client.call(
        Registry.Method.GetRegisteredModel.self, GetRegisteredModelRequest(name: "inverter_fault"))
      #expect(model.latestVersions.map(\.version) == ["1.0.0"])
      let listed = try await client.call(
        Registry.Method.ListModelVersions.self,
        ListModelVersionsRequest(modelName: "inverter_fault"))
      #expect(listed.versions.map(\.stage) == [.production])
      let latest = try await client.call(
        Registry.Method.GetLatestVersions.self,
        GetLatestVersionsRequest(modelName: "inverter_fault", stages: [.production]))
      #expect(latest.versions.map(\.version) == ["1.0.0"])
      let models = try await client.call(
        Registry.Method.ListRegisteredModels.self, ListRegisteredModelsRequest())
      #expect(models.models.map(\.name) == ["inverter_fault"])
      await harness.stop()
    }

    @Test("Domain errors arrive as their status codes with readable messages")
    func statusCodes() async throws {
      let harness = try await Harness.start()
      let client = harness.client
      _ = try await client.call(
        Registry.Method.CreateRegisteredModel.self, CreateRegisteredModelRequest(name: "m"))
      let exists = await self.expectStatus(.alreadyExists) {
        _ = try await client.call(
          Registry.Method.CreateRegisteredModel.self, CreateRegisteredModelRequest(name: "m"))
      }
      #expect(exists == "model 'm' already exists")
      let unknown = await self.expectStatus(.notFound) {
        _ = try await client.call(
          Registry.Method.GetRegisteredModel.self, GetRegisteredModelRequest(name: "nope"))
      }
      #expect(unknown == "no registered model named 'nope'")
      await self.expectStatus(.invalidArgument) {
        _ = try await client.call(
          Registry.Method.GetRegisteredModel.self, GetRegisteredModelRequest(name: "bad name"))
      }
      await self.expectStatus(.invalidArgument) {
        _ = try await client.call(
          Registry.Method.CreateModelVersion.self,
          CreateModelVersionRequest(modelName: "m", version: "one"))
      }
      var nan = CreateModelVersionRequest(modelName: "m")
      nan.metadata = VersionMetadata(metrics: ["f1": .nan])
      await self.expectStatus(.invalidArgument) {
        _ = try await client.call(Registry.Method.CreateModelVersion.self, nan)
      }
      _ = try await client.call(
        Registry.Method.CreateModelVersion.self, CreateModelVersionRequest(modelName: "m"))
      await self.expectStatus(.notFound) {
        _ = try await client.call(
          Registry.Method.GetModelVersion.self,
          GetModelVersionRequest(model: ModelRef(modelName: "m", selector: .version("2.0.0"))))
      }
      let illegal = await self.expectStatus(.failedPrecondition) {
        _ = try await client.call(
          Registry.Method.TransitionStage.self,
          TransitionStageRequest(modelName: "m", version: "1.0.0", toStage: .production))
      }
      #expect(illegal?.contains("cannot move from None to Production") == true)
      await self.expectStatus(.unimplemented) {
        _ = try await client.call(Registry.Method.ListLedger.self, ListLedgerRequest())
      }
      await harness.stop()
    }

    @Test(
      "Uploads that lie about their content are refused with INVALID_ARGUMENT and store nothing")
    func refusedUploads() async throws {
      let harness = try await Harness.start()
      let content = randomBytes(count: 1_200_000, seed: 22)
      let wrong = ArtifactDigest.of(Array("something else".utf8)).hex
      let hash = await self.expectStatus(.invalidArgument) {
        _ = try await harness.upload(content, header: ArtifactUploadHeader(sha256: wrong))
      }
      #expect(hash?.contains("not to the declared") == true)
      await self.expectStatus(.invalidArgument) {
        // One byte more than declared: refused at the last piece, after which the client writes
        // nothing more. (A refusal while the client is still writing reaches it as CANCELLED
        // from its next write, not as the server's status.)
        _ = try await harness.upload(
          content, header: ArtifactUploadHeader(sizeBytes: UInt64(content.count - 1)))
      }
      await self.expectStatus(.invalidArgument) {
        _ = try await harness.upload(content, header: ArtifactUploadHeader(sizeBytes: 2_000_000))
      }
      await self.expectStatus(.invalidArgument) {
        _ = try await harness.client.call(Registry.Method.UploadArtifact.self) { writer in
          try await writer.write(UploadArtifactRequest(part: .data([1, 2, 3])))
        }
      }
      await self.expectStatus(.notFound) {
        _ = try await harness.upload(
          [], header: ArtifactUploadHeader(modelName: "ghost", version: "1.0.0"))
      }
      #expect(try await harness.database.count("artifact_blobs") == 0)
      // The same content twice is one artifact.
      let first = try await harness.upload(content, header: ArtifactUploadHeader())
      let second = try await harness.upload(
        content, header: ArtifactUploadHeader(sha256: first.sha256))
      #expect(first.sha256 == second.sha256)
      #expect(try await harness.database.count("artifacts") == 1)
      await harness.stop()
    }

    @Test("A download of damaged content ends with DATA_LOSS")
    func damagedDownload() async throws {
      let harness = try await Harness.start()
      let content = randomBytes(count: 1_500_000, seed: 23)
      let reference = try await harness.upload(content, header: ArtifactUploadHeader())
      let schema = harness.database.schema
      try await harness.database.pool.execute(
        """
        UPDATE \(schema).artifact_chunks c SET data = set_byte(data, 0, (get_byte(data, 0) + 1) % 256)
        FROM \(schema).artifacts a WHERE a.blob_id = c.blob_id AND a.sha256 = $1 AND c.chunk_index = 0
        """, [.text(reference.sha256)])
      let message = await self.expectStatus(.dataLoss) {
        _ = try await harness.download(DownloadArtifactRequest(target: .sha256(reference.sha256)))
      }
      #expect(message?.contains("damaged") == true)
      await self.expectStatus(.notFound) {
        _ = try await harness.download(
          DownloadArtifactRequest(target: .sha256(String(repeating: "c", count: 64))))
      }
      await harness.stop()
    }

    /// 50 MB with `REGISTRY_BENCH_MB=50` (the figure in the report); 8 MB in the suite, which
    /// runs in a debug build beside every other suite.
    @Test("A large random artifact uploads and downloads intact; throughput is printed")
    func fiftyMegabytes() async throws {
      let harness = try await Harness.start()
      let megabytes = Int(ProcessInfo.processInfo.environment["REGISTRY_BENCH_MB"] ?? "") ?? 8
      let content = randomBytes(count: megabytes * 1_000_000, seed: 24)
      let clock = ContinuousClock()
      let uploadStart = clock.now
      let reference = try await harness.upload(
        content, header: ArtifactUploadHeader(name: "big.bin", sizeBytes: UInt64(content.count)),
        pieceBytes: 1 << 20)
      let uploadTime = clock.now - uploadStart
      let downloadStart = clock.now
      let (_, bytes) = try await harness.download(
        DownloadArtifactRequest(target: .sha256(reference.sha256)))
      let downloadTime = clock.now - downloadStart
      #expect(bytes.count == content.count)
      #expect(bytes == content)
      #expect(reference.sha256 == ArtifactDigest(digest: SHA256.hash(content)).hex)
      func rate(_ duration: Duration) -> String {
        let seconds =
          Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return String(format: "%.1f MB/s (%.2f s)", Double(megabytes) / seconds, seconds)
      }
      print("registry artifact \(megabytes) MB: upload \(rate(uploadTime)), download \(rate(downloadTime))")
      await harness.stop()
    }
  }
}
