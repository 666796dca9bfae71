import Crypto
import Foundation
import RPC
import RPCCore
import WireProtos

/// Registers a trained model in the registry: uploads its model file (content-addressed, in
/// chunks), creates the version with its metadata, and moves it to a stage when asked.
struct ModelRegistrar: Sendable {
  let registry: RPCClient
  /// Bytes per uploaded chunk.
  var chunkSize = 1 << 20

  /// Uploads `file` and returns the registry's reference to it.
  func upload(_ file: [UInt8], name: String = "model.bin") async throws -> ArtifactRef {
    let digest = SHA256.hash(file).map { String(format: "%02x", $0) }.joined()
    var header = ArtifactUploadHeader()
    header.name = name
    header.mediaType = "application/vnd.dcmms.model"
    header.sizeBytes = UInt64(file.count)
    header.sha256 = digest
    let chunkSize = self.chunkSize
    let firstPart = UploadArtifactRequest(part: .header(header))
    let reference = try await self.registry.call(Registry.Method.UploadArtifact.self) { writer in
      try await writer.write(firstPart)
      var offset = 0
      while offset < file.count {
        let end = min(file.count, offset + chunkSize)
        try await writer.write(UploadArtifactRequest(part: .data(Array(file[offset..<end]))))
        offset = end
      }
    }
    guard reference.sha256 == digest else {
      throw RPCError(code: .dataLoss, message: "the registry stored \(reference.sha256), expected \(digest)")
    }
    return reference
  }

  /// Uploads the model file and creates a version of `modelName` for it.
  /// - Parameters:
  ///   - stage: when set, the new version is moved there, through Staging for Production as the
  ///     registry's stage machine requires (Production archives the previous one).
  /// - Returns: the created (and possibly promoted) version.
  func register(
    file: [UInt8], modelName: String, metadata: VersionMetadata, description: String = "",
    stage: ModelStage? = nil, idempotencyKey: String = ""
  ) async throws -> ModelVersion {
    let artifact = try await self.upload(file)
    var request = CreateModelVersionRequest()
    request.modelName = modelName
    request.description = description
    request.metadata = metadata
    request.artifactSHA256 = artifact.sha256
    request.createModel = true
    request.idempotencyKey = idempotencyKey
    var version = try await self.registry.call(Registry.Method.CreateModelVersion.self, request)
    let path: [ModelStage]
    switch stage {
    case .production?: path = [.staging, .production]
    case let stage?: path = [stage]
    case nil: path = []
    }
    for step in path {
      var transition = TransitionStageRequest()
      transition.modelName = modelName
      transition.version = version.version
      transition.toStage = step
      transition.reason = "registered by its training job"
      let response = try await self.registry.call(Registry.Method.TransitionStage.self, transition)
      version = response.version ?? version
    }
    return version
  }
}
