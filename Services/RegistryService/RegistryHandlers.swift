package import RPC
internal import RPCCore
internal import WireProtos

/// The registry's RPC methods: each one checks its request's shape and calls the stores.
///
/// Methods not registered here (gates, approvals, aliases, ledger, watch, webhooks) answer
/// UNIMPLEMENTED through the router.
package struct RegistryHandlers: Sendable {
  /// Models and versions.
  package let registry: RegistryStore
  /// Artifact content.
  package let artifacts: ArtifactStore

  /// Creates the handlers over two stores.
  package init(registry: RegistryStore, artifacts: ArtifactStore) {
    self.registry = registry
    self.artifacts = artifacts
  }

  /// Registers every implemented method of `dcmms.v1.Registry` on `router`.
  package func register(into router: inout RPCRouter) {
    let registry = self.registry
    let artifacts = self.artifacts

    router.register(Registry.Method.CreateRegisteredModel.self) { request, context in
      try await registry.createModel(request, owner: context.principal?.subject ?? "")
    }
    router.register(Registry.Method.GetRegisteredModel.self) { request, _ in
      try await registry.model(named: request.name)
    }
    router.register(Registry.Method.ListRegisteredModels.self) { request, _ in
      try await registry.listModels(
        prefix: request.namePrefix, pageSize: request.page?.pageSize ?? 0,
        pageToken: request.page?.pageToken ?? "")
    }
    router.register(Registry.Method.CreateModelVersion.self) { request, context in
      try await registry.createVersion(request, createdBy: context.principal?.subject ?? "")
    }
    router.register(Registry.Method.GetModelVersion.self) { request, _ in
      guard let reference = request.model else {
        throw RegistryError(.invalidArgument, "GetModelVersion needs a model reference")
      }
      return try await registry.version(reference)
    }
    router.register(Registry.Method.ListModelVersions.self) { request, _ in
      try await registry.listVersions(
        of: request.modelName, stages: request.stages, pageSize: request.page?.pageSize ?? 0,
        pageToken: request.page?.pageToken ?? "")
    }
    router.register(Registry.Method.GetLatestVersions.self) { request, _ in
      GetLatestVersionsResponse(
        versions: try await registry.latestVersions(of: request.modelName, stages: request.stages))
    }
    router.register(Registry.Method.TransitionStage.self) { request, _ in
      let transition = try await registry.transition(
        model: request.modelName, version: request.version, to: request.toStage,
        expected: request.expectedStage?.stage)
      return TransitionStageResponse(version: transition.version, archived: transition.archived)
    }
    router.register(Registry.Method.UploadArtifact.self) { requests, _ in
      try await Self.upload(requests, registry: registry, artifacts: artifacts)
    }
    router.register(Registry.Method.DownloadArtifact.self) { request, writer, _ in
      try await Self.download(request, to: writer, registry: registry, artifacts: artifacts)
    }
  }

  /// Stores a client-streamed artifact: the header first, then the content, and attaches it
  /// to the header's version when one is named.
  private static func upload(
    _ requests: RequestStream<UploadArtifactRequest>, registry: RegistryStore,
    artifacts: ArtifactStore
  ) async throws -> ArtifactRef {
    var messages = requests.makeAsyncIterator()
    guard let first = try await messages.next(), case .header(let header)? = first.part else {
      throw RegistryError(.invalidArgument, "an upload must start with its header")
    }
    let attachesToVersion = !header.modelName.isEmpty || !header.version.isEmpty
    if attachesToVersion {
      // Fail before the content travels when the version does not exist.
      _ = try await registry.version(of: header.modelName, header.version)
    }
    let upload = try await artifacts.beginUpload(header)
    do {
      while let message = try await messages.next() {
        guard case .data(let data)? = message.part else {
          throw RegistryError(.invalidArgument, "an upload carries one header, before its content")
        }
        try await upload.append(data)
      }
      let reference = try await upload.finish()
      if attachesToVersion {
        _ = try await registry.attachArtifact(
          try ArtifactDigest(parsing: reference.sha256), model: header.modelName,
          version: header.version)
      }
      return reference
    } catch {
      await upload.abort()
      throw error
    }
  }

  /// Streams an artifact out; the first chunk carries its description. A hash mismatch found
  /// while reading ends the call with DATA_LOSS.
  private static func download(
    _ request: DownloadArtifactRequest, to writer: ResponseWriter<ArtifactChunk>,
    registry: RegistryStore,
    artifacts: ArtifactStore
  ) async throws {
    let digest: ArtifactDigest
    switch request.target {
    case .sha256(let text):
      digest = try ArtifactDigest(parsing: text)
    case .model(let reference):
      let version = try await registry.version(reference)
      guard let artifact = version.artifact else {
        throw RegistryError(
          .failedPrecondition,
          "version \(version.version) of '\(version.modelName)' has no artifact yet")
      }
      digest = try ArtifactDigest(parsing: artifact.sha256)
    case nil:
      throw RegistryError(.invalidArgument, "DownloadArtifact needs a SHA-256 or a model reference")
    }
    let pieceBytes =
      request.chunkSize == 0
      ? ArtifactStore.chunkBytes : min(Int(request.chunkSize), ArtifactStore.chunkBytes)
    var isFirst = true
    try await artifacts.read(digest, from: request.offset, pieceBytes: pieceBytes) {
      reference, offset, data in
      try await writer.write(
        ArtifactChunk(artifact: isFirst ? reference : nil, offset: offset, data: data))
      isFirst = false
    }
  }
}
