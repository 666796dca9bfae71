internal import Crypto
package import WireProtos

/// One artifact upload in progress: content arrives in pieces of any size, is hashed as it
/// comes, and is stored in 1 MiB chunks, so memory stays at one chunk whatever the size.
///
/// Used by one task at a time (not Sendable). End it with ``finish()``, or ``abort()`` when the
/// upload fails, so its chunks do not linger until the next sweep.
package final class ArtifactUpload {
  private let store: ArtifactStore
  private let header: ArtifactUploadHeader
  private let expected: ArtifactDigest?
  /// False when the declared content is already stored: pieces are only hashed and counted.
  private let storesChunks: Bool
  private var hasher = SHA256()
  private var pending: [UInt8] = []
  private var blobID: Int64?
  private var chunkCount = 0
  private var receivedBytes: UInt64 = 0
  private var storedBytes: UInt64 = 0
  private var isFinished = false

  init(
    store: ArtifactStore, header: ArtifactUploadHeader, expected: ArtifactDigest?,
    storesChunks: Bool
  ) {
    self.store = store
    self.header = header
    self.expected = expected
    self.storesChunks = storesChunks
    self.pending.reserveCapacity(ArtifactStore.chunkBytes)
  }

  /// The uncompressed bytes received so far.
  package var byteCount: UInt64 { self.receivedBytes }

  /// Adds the next piece of content.
  /// - Parameter data: Bytes that follow what came before (empty pieces are ignored).
  /// - Throws: `invalidArgument` when more arrives than the header declared,
  ///   `resourceExhausted` above the store's limit, storage errors.
  package func append(_ data: [UInt8]) async throws {
    precondition(!self.isFinished, "append after finish")
    let total = self.receivedBytes + UInt64(data.count)
    if self.header.sizeBytes > 0, total > self.header.sizeBytes {
      throw RegistryError(
        .invalidArgument,
        "upload sent more than the \(self.header.sizeBytes) bytes its header declared")
    }
    guard total <= self.store.maxArtifactBytes else {
      throw RegistryError(
        .resourceExhausted, "artifact exceeds the limit of \(self.store.maxArtifactBytes) bytes")
    }
    self.receivedBytes = total
    self.hasher.update(data)
    guard self.storesChunks else { return }
    var start = 0
    while start < data.count {
      let take = min(ArtifactStore.chunkBytes - self.pending.count, data.count - start)
      self.pending.append(contentsOf: data[start..<(start + take)])
      start += take
      if self.pending.count == ArtifactStore.chunkBytes { try await self.flush() }
    }
  }

  /// Checks the content against the header and records the artifact.
  /// - Returns: Where the content is stored; the same address for content stored before.
  /// - Throws: `invalidArgument` when the content is empty, or its size or hash differs from
  ///   the header's; storage errors.
  package func finish() async throws -> ArtifactRef {
    precondition(!self.isFinished, "finish called twice")
    self.isFinished = true
    guard self.receivedBytes > 0 else {
      throw RegistryError(
        .invalidArgument, "upload carried no content: an artifact cannot be empty")
    }
    if self.header.sizeBytes > 0, self.receivedBytes != self.header.sizeBytes {
      throw RegistryError(
        .invalidArgument,
        "upload sent \(self.receivedBytes) bytes but its header declared \(self.header.sizeBytes)")
    }
    let digest = ArtifactDigest(digest: self.hasher.finalize())
    if let expected = self.expected, expected != digest {
      throw RegistryError(
        .invalidArgument, "upload content hashes to \(digest), not to the declared \(expected)")
    }
    if self.storesChunks, !self.pending.isEmpty { try await self.flush() }
    return try await self.store.complete(
      blobID: self.blobID, digest: digest, sizeBytes: self.receivedBytes,
      storedBytes: self.storedBytes,
      chunkCount: self.chunkCount, header: self.header)
  }

  /// Deletes what this upload stored; for failed uploads. Errors are ignored: a sweep at start
  /// removes what remains.
  package func abort() async {
    self.isFinished = true
    guard let blobID = self.blobID else { return }
    try? await self.store.dropBlob(blobID)
  }

  private func flush() async throws {
    let blobID: Int64
    if let existing = self.blobID {
      blobID = existing
    } else {
      blobID = try await self.store.makeBlob()
      self.blobID = blobID
    }
    self.storedBytes += UInt64(
      try await self.store.storeChunk(self.pending, blobID: blobID, index: self.chunkCount))
    self.chunkCount += 1
    self.pending.removeAll(keepingCapacity: true)
  }
}
