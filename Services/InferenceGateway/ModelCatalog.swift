import Foundation
import ModelCodec
import RPC
import RPCCore
import ServiceRuntime
import Synchronization
import Crypto
import WireProtos

/// The model versions this gateway replica serves, by model name, kept in step with the
/// registry's Production versions.
///
/// Lookups take a lock and copy a reference: a swap to a new version never blocks or fails a
/// request in flight (it keeps the model it started with). When the registry cannot be
/// reached, the last good models keep serving.
final class ModelCatalog: Sendable {
  private let models = Mutex<[String: ServingModel]>([:])

  /// The model serving `name`, if loaded.
  func model(named name: String) -> ServingModel? { self.models.withLock { $0[name] } }

  /// Every loaded model.
  var all: [ServingModel] { self.models.withLock { Array($0.values) } }

  /// Installs (or replaces) the model serving its name.
  func install(_ model: ServingModel) { self.models.withLock { $0[model.name] = model } }
}

/// Loads Production versions from the registry: looks the version up, downloads its model file,
/// checks its SHA-256 and reads it.
struct RegistryModelLoader: Sendable {
  let registry: RPCClient
  /// The largest model file accepted.
  var maxArtifactBytes = 512 << 20

  /// The Production version of `name` as a serving model, or nil when the model has no
  /// Production version.
  /// - Throws: `RPCError` from the registry, DATA_LOSS for a hash mismatch, INTERNAL for an
  ///   unreadable file.
  func loadProduction(_ name: String) async throws -> ServingModel? {
    var reference = ModelRef()
    reference.modelName = name
    reference.selector = .stage(.production)
    let version: ModelVersion
    do {
      version = try await self.registry.call(
        Registry.Method.GetModelVersion.self, GetModelVersionRequest(model: reference),
        options: CallOptions(timeout: .seconds(10), isIdempotent: true))
    } catch let error as RPCError where error.code == .notFound {
      return nil
    }
    guard let artifact = version.artifact, !artifact.sha256.isEmpty else {
      throw RPCError(code: .failedPrecondition, message: "\(name) \(version.version) has no model file")
    }
    let bytes = try await self.download(artifact)
    let stored: StoredModel
    do {
      stored = try ModelCodec.decode(bytes)
    } catch {
      throw RPCError(code: .internalError, message: "\(name) \(version.version): \(error.message)", cause: error)
    }
    return ServingModel(
      name: name, version: version.version, useCase: version.metadata?.useCase ?? .unspecified, stored: stored)
  }

  /// Downloads an artifact and checks it against its content address.
  func download(_ artifact: ArtifactRef) async throws -> [UInt8] {
    guard artifact.sizeBytes <= UInt64(self.maxArtifactBytes) else {
      throw RPCError(code: .resourceExhausted, message: "artifact of \(artifact.sizeBytes) bytes exceeds the limit")
    }
    var request = DownloadArtifactRequest()
    request.target = .sha256(artifact.sha256)
    let limit = self.maxArtifactBytes
    let bytes = try await self.registry.call(Registry.Method.DownloadArtifact.self, request) { chunks in
      var bytes: [UInt8] = []
      bytes.reserveCapacity(Int(artifact.sizeBytes))
      for try await chunk in chunks {
        guard chunk.offset == UInt64(bytes.count), bytes.count + chunk.data.count <= limit else {
          throw RPCError(code: .dataLoss, message: "artifact \(artifact.sha256) arrived out of order or too large")
        }
        bytes += chunk.data
      }
      return bytes
    }
    let digest = SHA256.hash(bytes).map { String(format: "%02x", $0) }.joined()
    guard digest == artifact.sha256 else {
      throw RPCError(code: .dataLoss, message: "artifact \(artifact.sha256) does not match its content (got \(digest))")
    }
    return bytes
  }
}

/// Keeps the catalog in step with the registry: checks each configured model every `interval`
/// and installs a new Production version when one appears. Failures are logged; the previous
/// version keeps serving.
struct ModelRefresher: LifecycleService {
  let name = "model-refresh"
  let catalog: ModelCatalog
  let loader: RegistryModelLoader
  let modelNames: [String]
  let interval: Duration
  let logger: Logger
  private let stopped = AsyncStream<Void>.makeStream()

  init(catalog: ModelCatalog, loader: RegistryModelLoader, modelNames: [String], interval: Duration, logger: Logger) {
    self.catalog = catalog
    self.loader = loader
    self.modelNames = modelNames
    self.interval = interval
    self.logger = logger
  }

  /// One pass over the configured models.
  func refresh() async {
    for name in self.modelNames {
      do {
        guard let fresh = try await self.loader.loadProduction(name) else { continue }
        if self.catalog.model(named: name)?.version != fresh.version {
          self.catalog.install(fresh)
          self.logger.notice("serving model", ["model": .string(name), "version": .string(fresh.version)])
        }
      } catch {
        self.logger.warning(
          "cannot refresh model; the loaded version keeps serving", ["model": .string(name), "error": .error(error)])
      }
    }
  }

  func run() async throws {
    await withTaskGroup(of: Void.self) { group in
      group.addTask {
        for await _ in self.stopped.stream { break }
      }
      group.addTask {
        while !Task.isCancelled {
          await self.refresh()
          try? await Task.sleep(for: self.interval)
        }
      }
      await group.next()
      group.cancelAll()
    }
  }

  func beginGracefulShutdown() { self.stopped.continuation.finish() }
}
