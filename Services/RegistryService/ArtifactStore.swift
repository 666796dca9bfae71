internal import Crypto
package import Foundation
package import PostgresClient
package import WireProtos
internal import ZstdCodec

/// Artifacts in PostgreSQL: content-addressed by the SHA-256 of the uncompressed bytes,
/// zstd-compressed in chunks of at most 1 MiB per row, so every replica reads the same
/// content without a shared disk.
///
/// Storing the same content twice stores it once. Every read hashes the whole content again
/// and fails with `dataLoss` when it no longer matches its address. Sendable: the pool is.
package struct ArtifactStore: Sendable {
  /// Uncompressed bytes per stored chunk (and the most a stored row holds).
  package static let chunkBytes = 1 << 20

  /// The pool statements run on.
  package let pool: PostgresPool
  /// The schema holding the tables (``RegistrySchema``).
  package let schema: String
  /// The largest artifact accepted, in uncompressed bytes.
  package let maxArtifactBytes: UInt64

  /// Creates a store over an already migrated schema.
  /// - Parameters:
  ///   - pool: Where the tables are.
  ///   - schema: The schema name (a plain identifier).
  ///   - maxArtifactBytes: The largest artifact accepted (2 GiB by default).
  package init(
    pool: PostgresPool, schema: String = RegistrySchema.defaultName,
    maxArtifactBytes: UInt64 = 2 << 30
  ) {
    precondition(
      RegistrySchema.isValidSchemaName(schema), "schema name '\(schema)' is not a plain identifier")
    self.pool = pool
    self.schema = schema
    self.maxArtifactBytes = maxArtifactBytes
  }

  // MARK: - Writing

  /// Starts an upload; feed it with ``ArtifactUpload/append(_:)`` and end it with
  /// ``ArtifactUpload/finish()`` (or ``ArtifactUpload/abort()`` on failure).
  /// - Parameter header: The name, media type, and the size and hash the content must have
  ///   (a size of 0 or an empty hash is not checked).
  /// - Returns: The upload.
  /// - Throws: `invalidArgument` for a malformed hash, `resourceExhausted` for a declared size
  ///   above the limit, storage errors.
  package func beginUpload(_ header: ArtifactUploadHeader) async throws -> ArtifactUpload {
    let expected = header.sha256.isEmpty ? nil : try ArtifactDigest(parsing: header.sha256)
    guard header.sizeBytes <= self.maxArtifactBytes else {
      throw RegistryError(
        .resourceExhausted,
        "artifact of \(header.sizeBytes) bytes exceeds the limit of \(self.maxArtifactBytes) bytes")
    }
    // Content already stored needs no second copy: the upload only verifies what arrives.
    let alreadyStored: Bool
    if let expected {
      alreadyStored = try await self.contains(expected)
    } else {
      alreadyStored = false
    }
    return ArtifactUpload(
      store: self, header: header, expected: expected, storesChunks: !alreadyStored)
  }

  /// Stores `content` in one call.
  /// - Parameters:
  ///   - content: The uncompressed bytes (not empty).
  ///   - name: A path-like name such as `model.bin`.
  ///   - mediaType: Such as `application/octet-stream`.
  /// - Returns: Where the content is stored.
  /// - Throws: As ``beginUpload(_:)`` and ``ArtifactUpload/finish()``.
  @discardableResult
  package func put(_ content: [UInt8], name: String = "", mediaType: String = "") async throws
    -> ArtifactRef
  {
    let upload = try await self.beginUpload(
      ArtifactUploadHeader(name: name, mediaType: mediaType, sizeBytes: UInt64(content.count)))
    do {
      var start = 0
      while start < content.count {
        let end = min(start + Self.chunkBytes, content.count)
        try await upload.append(Array(content[start..<end]))
        start = end
      }
      return try await upload.finish()
    } catch {
      await upload.abort()
      throw error
    }
  }

  /// Deletes the chunks of uploads that never finished and started before `cutoff`.
  /// - Returns: The number of abandoned uploads removed.
  @discardableResult
  package func removeAbandonedUploads(startedBefore cutoff: Date) async throws -> Int {
    do {
      return try await self.pool.execute(
        "DELETE FROM \(self.schema).artifact_blobs WHERE NOT completed AND created_at < $1",
        [.timestamp(cutoff)])
    } catch {
      throw RegistryError.storage(error, while: "removing abandoned uploads")
    }
  }

  // MARK: - Reading

  /// Whether content with this address is stored.
  package func contains(_ digest: ArtifactDigest) async throws -> Bool {
    do {
      let rows = try await self.pool.query(
        "SELECT 1 AS found FROM \(self.schema).artifacts WHERE sha256 = $1", [.text(digest.hex)])
      return !rows.isEmpty
    } catch {
      throw RegistryError.storage(error, while: "looking up artifact \(digest)")
    }
  }

  /// The description of a stored artifact.
  /// - Throws: `notFound` when nothing is stored under `digest`.
  package func artifact(_ digest: ArtifactDigest) async throws -> ArtifactRef {
    try await self.record(digest).reference
  }

  /// Streams an artifact's content, verifying it against its address.
  ///
  /// The whole content is read and hashed even when `offset` skips part of it, so a damaged
  /// chunk anywhere fails the read. `body` sees data before the end is verified: a caller
  /// that must not act on damaged content waits for this call to return.
  /// - Parameters:
  ///   - digest: The content address.
  ///   - offset: Where in the uncompressed content to start (at most its size).
  ///   - pieceBytes: The most bytes handed to `body` at once (1 ... 1 MiB).
  ///   - body: Receives the description once, then each piece with its offset, in order.
  /// - Throws: `notFound`, `invalidArgument` for an offset past the end, `dataLoss` when a chunk
  ///   is missing, does not decompress to its size, or the content's hash differs; what `body`
  ///   throws; storage errors.
  package func read(
    _ digest: ArtifactDigest, from offset: UInt64 = 0, pieceBytes: Int = ArtifactStore.chunkBytes,
    _ body: (ArtifactRef, _ offset: UInt64, _ data: [UInt8]) async throws -> Void
  ) async throws {
    precondition(pieceBytes > 0 && pieceBytes <= Self.chunkBytes, "pieceBytes must be 1 ... 1 MiB")
    let record = try await self.record(digest)
    guard offset <= record.reference.sizeBytes else {
      throw RegistryError(
        .invalidArgument,
        "offset \(offset) is past the end of artifact \(digest) (\(record.reference.sizeBytes) bytes)"
      )
    }
    var hasher = SHA256()
    var position: UInt64 = 0
    for index in 0..<record.chunkCount {
      let chunk = try await self.chunk(of: record, index: index)
      hasher.update(chunk)
      let chunkEnd = position + UInt64(chunk.count)
      if chunkEnd > offset {
        var start = Int(offset > position ? offset - position : 0)
        while start < chunk.count {
          let end = min(start + pieceBytes, chunk.count)
          try await body(record.reference, position + UInt64(start), Array(chunk[start..<end]))
          start = end
        }
      }
      position = chunkEnd
    }
    if offset == record.reference.sizeBytes {
      try await body(record.reference, offset, [])
    }
    let actual = ArtifactDigest(digest: hasher.finalize())
    guard position == record.reference.sizeBytes, actual == digest else {
      throw RegistryError(
        .dataLoss,
        "artifact \(digest) is damaged: its stored content (\(position) bytes) hashes to \(actual)")
    }
  }

  /// The whole content of an artifact, verified.
  /// - Throws: As ``read(_:from:pieceBytes:_:)``.
  package func content(of digest: ArtifactDigest) async throws -> [UInt8] {
    var content: [UInt8] = []
    try await self.read(digest) { reference, _, data in
      if content.isEmpty { content.reserveCapacity(Int(reference.sizeBytes)) }
      content.append(contentsOf: data)
    }
    return content
  }

  // MARK: - Internals shared with ArtifactUpload

  /// One stored artifact's row.
  struct Record {
    var reference: ArtifactRef
    var blobID: Int64
    var chunkCount: Int
  }

  private func record(_ digest: ArtifactDigest) async throws -> Record {
    let rows: PostgresRows
    do {
      rows = try await self.pool.query(
        """
        SELECT blob_id, size_bytes, stored_size_bytes, chunk_count, name, media_type,
               (extract(epoch FROM created_at) * 1000000)::int8 AS created_us
        FROM \(self.schema).artifacts WHERE sha256 = $1
        """, [.text(digest.hex)])
    } catch {
      throw RegistryError.storage(error, while: "reading artifact \(digest)")
    }
    guard let row = rows.first else {
      throw RegistryError(.notFound, "no artifact with SHA-256 \(digest)")
    }
    let reference = ArtifactRef(
      sha256: digest.hex, name: try row.decode(String.self, "name"),
      mediaType: try row.decode(String.self, "media_type"),
      sizeBytes: UInt64(try row.decode(Int64.self, "size_bytes")),
      storedSizeBytes: UInt64(try row.decode(Int64.self, "stored_size_bytes")),
      createdTimeUs: try row.decode(Int64.self, "created_us"))
    return Record(
      reference: reference, blobID: try row.decode(Int64.self, "blob_id"),
      chunkCount: try row.decode(Int.self, "chunk_count"))
  }

  private func chunk(of record: Record, index: Int) async throws -> [UInt8] {
    let digest = record.reference.sha256
    let rows: PostgresRows
    do {
      rows = try await self.pool.query(
        """
        SELECT raw_size, compressed, data FROM \(self.schema).artifact_chunks
        WHERE blob_id = $1 AND chunk_index = $2
        """, [.int64(record.blobID), .int32(Int32(index))])
    } catch {
      throw RegistryError.storage(error, while: "reading artifact \(digest)")
    }
    guard let row = rows.first else {
      throw RegistryError(.dataLoss, "artifact \(digest) is damaged: chunk \(index) is missing")
    }
    let rawSize = try row.decode(Int.self, "raw_size")
    let data = try row.decode([UInt8].self, "data")
    guard try row.decode(Bool.self, "compressed") else {
      guard data.count == rawSize else {
        throw RegistryError(
          .dataLoss, "artifact \(digest) is damaged: chunk \(index) has the wrong size")
      }
      return data
    }
    do {
      let content = try Zstd.decompress(data, maxOutputBytes: rawSize)
      guard content.count == rawSize else {
        throw RegistryError(
          .dataLoss, "artifact \(digest) is damaged: chunk \(index) has the wrong size")
      }
      return content
    } catch let error as ZstdError {
      throw RegistryError(
        .dataLoss,
        "artifact \(digest) is damaged: chunk \(index) does not decompress (\(error.message))",
        cause: error)
    }
  }

  /// Creates the blob an upload writes its chunks under.
  func makeBlob() async throws -> Int64 {
    do {
      let rows = try await self.pool.query(
        "INSERT INTO \(self.schema).artifact_blobs DEFAULT VALUES RETURNING blob_id")
      return try rows[0].decode(Int64.self, "blob_id")
    } catch {
      throw RegistryError.storage(error, while: "starting an artifact upload")
    }
  }

  /// Compresses one piece of content and stores it as chunk `index` of `blobID`.
  /// - Returns: The bytes stored.
  func storeChunk(_ content: [UInt8], blobID: Int64, index: Int) async throws -> Int {
    precondition(!content.isEmpty && content.count <= Self.chunkBytes)
    let compressed = Zstd.compress(content)
    let useCompressed = compressed.count < content.count
    let stored = useCompressed ? compressed : content
    do {
      try await self.pool.execute(
        """
        INSERT INTO \(self.schema).artifact_chunks (blob_id, chunk_index, raw_size, compressed, data)
        VALUES ($1, $2, $3, $4, $5)
        """,
        [
          .int64(blobID), .int32(Int32(index)), .int32(Int32(content.count)), .bool(useCompressed),
          .bytea(stored),
        ])
    } catch {
      throw RegistryError.storage(error, while: "storing an artifact chunk")
    }
    return stored.count
  }

  /// Records a verified blob as the artifact `digest`, or drops it when that content was
  /// stored meanwhile (by a concurrent upload of the same bytes).
  func complete(
    blobID: Int64?, digest: ArtifactDigest, sizeBytes: UInt64, storedBytes: UInt64, chunkCount: Int,
    header: ArtifactUploadHeader
  ) async throws -> ArtifactRef {
    do {
      if let blobID {
        try await self.pool.withTransaction { transaction in
          try await transaction.execute(
            "UPDATE \(self.schema).artifact_blobs SET completed = true WHERE blob_id = $1",
            [.int64(blobID)])
          let inserted = try await transaction.execute(
            """
            INSERT INTO \(self.schema).artifacts
              (sha256, blob_id, size_bytes, stored_size_bytes, chunk_count, name, media_type)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (sha256) DO NOTHING
            """,
            [
              .text(digest.hex), .int64(blobID), .int64(Int64(sizeBytes)),
              .int64(Int64(storedBytes)),
              .int32(Int32(chunkCount)), .text(header.name), .text(header.mediaType),
            ])
          if inserted == 0 {
            try await transaction.execute(
              "DELETE FROM \(self.schema).artifact_blobs WHERE blob_id = $1", [.int64(blobID)])
          }
        }
      }
    } catch {
      throw RegistryError.storage(error, while: "recording artifact \(digest)")
    }
    return try await self.artifact(digest)
  }

  /// Deletes an unfinished blob and its chunks.
  func dropBlob(_ blobID: Int64) async throws {
    try await self.pool.execute(
      "DELETE FROM \(self.schema).artifact_blobs WHERE blob_id = $1 AND NOT completed",
      [.int64(blobID)])
  }
}
