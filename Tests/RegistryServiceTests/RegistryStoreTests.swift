import PostgresClient
import Testing
import WireProtos

@testable import RegistryService

extension RegistryIntegrationTests {
  @Suite("Models and versions")
  struct RegistryStoreTests {
    private func makeVersion(
      _ store: RegistryStore, model: String, version: String = "", bump: VersionBump = .minor,
      artifact: String = "", metrics: [String: Double] = ["f1": 0.8]
    ) async throws -> ModelVersion {
      var request = CreateModelVersionRequest(modelName: model, version: version, bump: bump)
      request.metadata = VersionMetadata(metrics: metrics)
      request.artifactSHA256 = artifact
      return try await store.createVersion(request, createdBy: "trainer")
    }

    @Test("A model is created once; a second create says ALREADY_EXISTS; bad names are refused")
    func createModel() async throws {
      let store = try await TestDatabase.make().registry
      var request = CreateRegisteredModelRequest(
        name: "inverter_fault", description: "Inverter faults")
      request.tags = ["site": "north"]
      let model = try await store.createModel(request, owner: "alice")
      #expect(model.name == "inverter_fault")
      #expect(model.owner == "alice")
      #expect(model.tags == ["site": "north"])
      #expect(model.createdTimeUs > 0)
      #expect(try await store.model(named: "inverter_fault") == model)
      let message = await expectRegistryError(.alreadyExists) {
        _ = try await store.createModel(request, owner: "bob")
      }
      #expect(message == "model 'inverter_fault' already exists")
      for name in ["", "-lead", "has space", "semi;colon", "é", String(repeating: "a", count: 129)]
      {
        await expectRegistryError(.invalidArgument) {
          _ = try await store.createModel(CreateRegisteredModelRequest(name: name), owner: "")
        }
      }
      await expectRegistryError(.notFound) { _ = try await store.model(named: "missing") }
    }

    @Test("Versions are assigned 1.0.0, then the newest bumped; explicit versions are kept")
    func versionNumbers() async throws {
      let store = try await TestDatabase.make().registry
      _ = try await store.createModel(CreateRegisteredModelRequest(name: "m"), owner: "")
      #expect(try await self.makeVersion(store, model: "m").version == "1.0.0")
      #expect(try await self.makeVersion(store, model: "m").version == "1.1.0")
      #expect(try await self.makeVersion(store, model: "m", bump: .patch).version == "1.1.1")
      #expect(try await self.makeVersion(store, model: "m", bump: .major).version == "2.0.0")
      #expect(try await self.makeVersion(store, model: "m", version: "v1.10.0").version == "1.10.0")
      // The newest is 2.0.0 by number, though 1.10.0 was created last.
      #expect(try await self.makeVersion(store, model: "m").version == "2.1.0")
      let message = await expectRegistryError(.alreadyExists) {
        _ = try await self.makeVersion(store, model: "m", version: "2.0.0")
      }
      #expect(message == "version 2.0.0 of model 'm' already exists")
      await expectRegistryError(.invalidArgument) {
        _ = try await self.makeVersion(store, model: "m", version: "2.0")
      }
      await expectRegistryError(.notFound) { _ = try await self.makeVersion(store, model: "nope") }
      // v-prefixed and plain forms name the same version.
      #expect(try await store.version(of: "m", "v1.1.1").version == "1.1.1")
      let listed = try await store.listVersions(of: "m", stages: [], pageSize: 4, pageToken: "")
      #expect(listed.versions.map(\.version) == ["2.1.0", "2.0.0", "1.10.0", "1.1.1"])
      let rest = try await store.listVersions(
        of: "m", stages: [], pageSize: 4, pageToken: listed.page?.nextPageToken ?? "")
      #expect(rest.versions.map(\.version) == ["1.1.0", "1.0.0"])
      #expect(rest.page?.nextPageToken == "")
    }

    @Test("Concurrent creates of a model's next version get distinct numbers")
    func concurrentCreates() async throws {
      let database = try await TestDatabase.make(maximumConnections: 6)
      let store = database.registry
      _ = try await store.createModel(CreateRegisteredModelRequest(name: "busy"), owner: "")
      let versions = try await withThrowingTaskGroup(of: String.self) { group in
        for _ in 0..<6 {
          group.addTask { try await self.makeVersion(store, model: "busy").version }
        }
        return try await group.reduce(into: [String]()) { $0.append($1) }
      }
      #expect(Set(versions) == ["1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.4.0", "1.5.0"])
    }

    @Test("Metadata is kept whole: metrics, parameters, features, dataset, run, owner, artifact")
    func metadata() async throws {
      let database = try await TestDatabase.make()
      let store = database.registry
      let artifact = try await database.artifacts().put(
        randomBytes(count: 1_000, seed: 11), name: "model.bin")
      var metadata = VersionMetadata(
        trainingTimeUs: 1_700_000_000_000_000, metrics: ["f1": 0.87, "roc_auc": 0.93],
        hyperparameters: ["max_depth": "6", "trees": "200"],
        features: ["temp_mean_1h", "power_ratio"],
        datasetVersion: "3f2a", runID: "run-42")
      metadata.seed = 7
      var request = CreateModelVersionRequest(modelName: "fresh", description: "first cut")
      request.metadata = metadata
      request.artifactSHA256 = artifact.sha256
      request.createModel = true
      request.source = "runs:/run-42/model"
      let version = try await store.createVersion(request, createdBy: "trainer")
      #expect(version.metadata == metadata)
      #expect(version.status == .ready)
      #expect(version.artifact == artifact)
      #expect(version.createdBy == "trainer")
      #expect(version.source == "runs:/run-42/model")
      #expect(try await store.model(named: "fresh").owner == "trainer")
      #expect(try await store.version(of: "fresh", "1.0.0") == version)
      // The metric columns are queryable JSON.
      let f1 = try await database.pool.query(
        "SELECT (metrics->>'f1')::float8 AS f1 FROM \(database.schema).model_versions WHERE model_name = 'fresh'"
      )
      #expect(try f1[0].decode(Double.self, "f1") == 0.87)
    }

    @Test("NaN and infinite metrics are refused; unknown artifacts are NOT_FOUND")
    func badMetadata() async throws {
      let database = try await TestDatabase.make()
      let store = database.registry
      _ = try await store.createModel(CreateRegisteredModelRequest(name: "m"), owner: "")
      let message = await expectRegistryError(.invalidArgument) {
        _ = try await self.makeVersion(store, model: "m", metrics: ["f1": .nan])
      }
      #expect(message?.contains("metric 'f1' is nan") == true)
      await expectRegistryError(.invalidArgument) {
        _ = try await self.makeVersion(store, model: "m", metrics: ["mae": .infinity])
      }
      await expectRegistryError(.invalidArgument) {
        _ = try await self.makeVersion(store, model: "m", artifact: "abc")
      }
      await expectRegistryError(.notFound) {
        _ = try await self.makeVersion(
          store, model: "m", artifact: String(repeating: "a", count: 64))
      }
      #expect(try await database.count("model_versions") == 0)
    }

    @Test("A retry with the same idempotency key returns the first version")
    func idempotencyKey() async throws {
      let store = try await TestDatabase.make().registry
      var request = CreateModelVersionRequest(modelName: "m", idempotencyKey: "job-17")
      request.createModel = true
      let first = try await store.createVersion(request, createdBy: "")
      let retry = try await store.createVersion(request, createdBy: "")
      #expect(retry == first)
      request.idempotencyKey = "job-18"
      #expect(try await store.createVersion(request, createdBy: "").version == "1.1.0")
    }

    @Test(
      "Stages move None → Staging → Production → Archived; promoting archives the old Production")
    func transitions() async throws {
      let database = try await TestDatabase.make()
      let store = database.registry
      let artifact = try await database.artifacts().put(randomBytes(count: 64, seed: 12))
      _ = try await store.createModel(CreateRegisteredModelRequest(name: "m"), owner: "")
      _ = try await self.makeVersion(store, model: "m", artifact: artifact.sha256)
      _ = try await self.makeVersion(store, model: "m", artifact: artifact.sha256)
      _ = try await self.makeVersion(store, model: "m")  // 1.2.0, no artifact

      let illegal = await expectRegistryError(.failedPrecondition) {
        _ = try await store.transition(model: "m", version: "1.0.0", to: .production)
      }
      #expect(illegal?.contains("cannot move from None to Production") == true)
      _ = try await store.transition(model: "m", version: "1.0.0", to: .staging)
      let first = try await store.transition(model: "m", version: "1.0.0", to: .production)
      #expect(first.version.stage == .production)
      #expect(first.archived.isEmpty)

      _ = try await store.transition(model: "m", version: "1.1.0", to: .staging)
      let stale = await expectRegistryError(.failedPrecondition) {
        _ = try await store.transition(
          model: "m", version: "1.1.0", to: .production, expected: .unassigned)
      }
      #expect(stale?.contains("changed meanwhile") == true)
      let second = try await store.transition(
        model: "m", version: "1.1.0", to: .production, expected: .staging)
      #expect(second.archived.map(\.version) == ["1.0.0"])
      #expect(second.archived.first?.stage == .archived)
      #expect(try await store.version(of: "m", "1.0.0").stage == .archived)

      _ = try await store.transition(model: "m", version: "1.2.0", to: .staging)
      let noArtifact = await expectRegistryError(.failedPrecondition) {
        _ = try await store.transition(model: "m", version: "1.2.0", to: .production)
      }
      #expect(noArtifact?.contains("has no artifact") == true)
      await expectRegistryError(.notFound) {
        _ = try await store.transition(model: "m", version: "9.0.0", to: .staging)
      }
      await expectRegistryError(.notFound) {
        _ = try await store.transition(model: "x", version: "1.0.0", to: .staging)
      }
      await expectRegistryError(.invalidArgument) {
        _ = try await store.transition(model: "m", version: "1.0.0", to: ModelStage(rawValue: 9))
      }
      let latest = try await store.latestVersions(of: "m", stages: [])
      #expect(latest.map(\.version) == ["1.2.0", "1.1.0", "1.0.0"])
      #expect(latest.map(\.stage) == [.staging, .production, .archived])
      #expect(try await store.model(named: "m").latestVersions == latest)
    }

    @Test("Concurrent promotions leave exactly one Production version")
    func concurrentPromotions() async throws {
      let database = try await TestDatabase.make(maximumConnections: 6)
      let store = database.registry
      let artifact = try await database.artifacts().put(randomBytes(count: 64, seed: 13))
      _ = try await store.createModel(CreateRegisteredModelRequest(name: "race"), owner: "")
      var numbers: [String] = []
      for _ in 0..<5 {
        let version = try await self.makeVersion(store, model: "race", artifact: artifact.sha256)
        _ = try await store.transition(model: "race", version: version.version, to: .staging)
        numbers.append(version.version)
      }
      try await withThrowingTaskGroup(of: Void.self) { group in
        for number in numbers {
          group.addTask {
            _ = try await store.transition(model: "race", version: number, to: .production)
          }
        }
        try await group.waitForAll()
      }
      let all = try await store.listVersions(of: "race", stages: [], pageSize: 0, pageToken: "")
        .versions
      #expect(all.filter { $0.stage == .production }.count == 1)
      #expect(all.filter { $0.stage == .archived }.count == 4)
    }

    @Test("The serving version is the Production one, else the newest ready version")
    func servingVersion() async throws {
      let database = try await TestDatabase.make()
      let store = database.registry
      let artifact = try await database.artifacts().put(randomBytes(count: 64, seed: 14))
      _ = try await store.createModel(CreateRegisteredModelRequest(name: "m"), owner: "")
      let none = await expectRegistryError(.notFound) {
        _ = try await store.servingVersion(of: "m")
      }
      #expect(none?.contains("none ready to serve") == true)
      _ = try await self.makeVersion(store, model: "m", artifact: artifact.sha256)  // 1.0.0
      _ = try await self.makeVersion(store, model: "m", artifact: artifact.sha256)  // 1.1.0
      _ = try await self.makeVersion(store, model: "m")  // 1.2.0, pending upload
      #expect(try await store.servingVersion(of: "m").version == "1.1.0")
      _ = try await store.transition(model: "m", version: "1.0.0", to: .staging)
      _ = try await store.transition(model: "m", version: "1.0.0", to: .production)
      #expect(try await store.version(ModelRef(modelName: "m")).version == "1.0.0")
      #expect(
        try await store.version(ModelRef(modelName: "m", selector: .stage(.production))).version
          == "1.0.0")
      #expect(
        try await store.version(ModelRef(modelName: "m", selector: .version("1.2.0"))).status
          == .pendingUpload)
      await expectRegistryError(.notFound) {
        _ = try await store.version(ModelRef(modelName: "m", selector: .stage(.archived)))
      }
      await expectRegistryError(.notFound) { _ = try await store.servingVersion(of: "other") }
    }

    @Test("Attaching an artifact makes a version ready; a different second artifact is refused")
    func attach() async throws {
      let database = try await TestDatabase.make()
      let store = database.registry
      let artifacts = database.artifacts()
      let first = try ArtifactDigest(
        parsing: try await artifacts.put(randomBytes(count: 64, seed: 15)).sha256)
      let second = try ArtifactDigest(
        parsing: try await artifacts.put(randomBytes(count: 64, seed: 16)).sha256)
      var request = CreateModelVersionRequest(modelName: "m")
      request.createModel = true
      _ = try await store.createVersion(request, createdBy: "")
      let ready = try await store.attachArtifact(first, model: "m", version: "1.0.0")
      #expect(ready.status == .ready)
      #expect(ready.artifact?.sha256 == first.hex)
      #expect(try await store.attachArtifact(first, model: "m", version: "1.0.0") == ready)
      await expectRegistryError(.failedPrecondition) {
        _ = try await store.attachArtifact(second, model: "m", version: "1.0.0")
      }
      await expectRegistryError(.notFound) {
        _ = try await store.attachArtifact(first, model: "m", version: "3.0.0")
      }
      let missing = try ArtifactDigest(parsing: String(repeating: "b", count: 64))
      _ = try await store.createVersion(request, createdBy: "")
      await expectRegistryError(.notFound) {
        _ = try await store.attachArtifact(missing, model: "m", version: "1.1.0")
      }
    }

    @Test("Models list in name order, by prefix, a page at a time")
    func listModels() async throws {
      let store = try await TestDatabase.make().registry
      for name in ["b_two", "a_one", "b_one", "c"] {
        _ = try await store.createModel(CreateRegisteredModelRequest(name: name), owner: "")
      }
      let page = try await store.listModels(prefix: "", pageSize: 3, pageToken: "")
      #expect(page.models.map(\.name) == ["a_one", "b_one", "b_two"])
      let next = try await store.listModels(
        prefix: "", pageSize: 3, pageToken: page.page?.nextPageToken ?? "")
      #expect(next.models.map(\.name) == ["c"])
      #expect(next.page?.nextPageToken == "")
      #expect(
        try await store.listModels(prefix: "b_", pageSize: 0, pageToken: "").models.map(\.name) == [
          "b_one", "b_two",
        ])
    }
  }
}
