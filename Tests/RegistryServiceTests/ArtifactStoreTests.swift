import Crypto
import Foundation
import PostgresClient
import Testing
import WireProtos

@testable import RegistryService

extension RegistryIntegrationTests {
  @Suite("Artifact store")
  struct ArtifactStoreTests {
    @Test("Content round-trips through chunks and is addressed by its SHA-256")
    func roundTrip() async throws {
      let database = try await TestDatabase.make()
      let store = database.artifacts()
      // 3.5 MiB: three full chunks and a partial one.
      let content = randomBytes(
        count: 3 * ArtifactStore.chunkBytes + ArtifactStore.chunkBytes / 2, seed: 1)
      let reference = try await store.put(
        content, name: "model.bin", mediaType: "application/octet-stream")
      #expect(reference.sha256 == ArtifactDigest(digest: SHA256.hash(content)).hex)
      #expect(reference.sizeBytes == UInt64(content.count))
      #expect(reference.name == "model.bin")
      #expect(try await store.content(of: ArtifactDigest(parsing: reference.sha256)) == content)
      #expect(try await database.count("artifact_chunks") == 4)
      let largest = try await database.pool.query(
        "SELECT max(octet_length(data))::int8 AS n FROM \(database.schema).artifact_chunks")[0]
        .decode(Int.self, "n")
      #expect(largest <= 1 << 20)
    }

    @Test("The address is the SHA-256 of the uncompressed bytes (FIPS 180-2 vector)")
    func knownDigest() async throws {
      let store = try await TestDatabase.make().artifacts()
      let reference = try await store.put(Array("abc".utf8))
      #expect(
        reference.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("Compressible content is stored zstd-compressed")
    func compresses() async throws {
      let store = try await TestDatabase.make().artifacts()
      let content = [UInt8](repeating: 7, count: 2_000_000)
      let reference = try await store.put(content)
      #expect(reference.storedSizeBytes < reference.sizeBytes / 100)
      #expect(try await store.content(of: ArtifactDigest(parsing: reference.sha256)) == content)
    }

    @Test("Uploading the same content again stores nothing new and returns the same address")
    func idempotent() async throws {
      let database = try await TestDatabase.make()
      let store = database.artifacts()
      let content = randomBytes(count: 1_500_000, seed: 2)
      let first = try await store.put(content)
      let chunks = try await database.count("artifact_chunks")
      let second = try await store.put(content)
      #expect(second.sha256 == first.sha256)
      #expect(second.createdTimeUs == first.createdTimeUs)
      #expect(try await database.count("artifact_chunks") == chunks)
      #expect(try await database.count("artifacts") == 1)
      // A re-upload that declares the hash is verified but not stored again.
      let upload = try await store.beginUpload(
        ArtifactUploadHeader(sizeBytes: UInt64(content.count), sha256: first.sha256.uppercased()))
      try await upload.append(content)
      #expect(try await upload.finish().sha256 == first.sha256)
      #expect(try await database.count("artifact_chunks") == chunks)
      #expect(try await database.count("artifact_blobs") == 1)
    }

    @Test("Two uploads of the same content in flight at once end as one stored copy")
    func overlappingUploads() async throws {
      let database = try await TestDatabase.make()
      let store = database.artifacts()
      let content = randomBytes(count: 2_500_000, seed: 10)
      let first = try await store.beginUpload(ArtifactUploadHeader())
      let second = try await store.beginUpload(ArtifactUploadHeader())
      try await first.append(content)
      try await second.append(content)
      #expect(try await database.count("artifact_blobs") == 2)
      let one = try await first.finish()
      let other = try await second.finish()
      #expect(one == other)
      #expect(try await database.count("artifacts") == 1)
      #expect(try await database.count("artifact_blobs") == 1)
      #expect(try await database.count("artifact_chunks") == 3)
      #expect(try await store.content(of: ArtifactDigest(parsing: one.sha256)) == content)
    }

    @Test(
      "An upload whose content does not match its declared hash or size is refused and leaves nothing"
    )
    func mismatchedUploads() async throws {
      let database = try await TestDatabase.make()
      let store = database.artifacts()
      let content = randomBytes(count: 2_500_000, seed: 3)
      let wrongHash = ArtifactDigest(digest: SHA256.hash(Array("other".utf8))).hex

      let hashMismatch = try await store.beginUpload(ArtifactUploadHeader(sha256: wrongHash))
      try await hashMismatch.append(content)
      let message = await expectRegistryError(.invalidArgument) {
        _ = try await hashMismatch.finish()
      }
      #expect(message?.contains("not to the declared \(wrongHash)") == true)
      await hashMismatch.abort()

      let short = try await store.beginUpload(
        ArtifactUploadHeader(sizeBytes: UInt64(content.count + 1)))
      try await short.append(content)
      await expectRegistryError(.invalidArgument) { _ = try await short.finish() }
      await short.abort()

      let long = try await store.beginUpload(ArtifactUploadHeader(sizeBytes: 10))
      await expectRegistryError(.invalidArgument) { try await long.append(content) }
      await long.abort()

      await expectRegistryError(.invalidArgument) { try await store.put([]) }
      await expectRegistryError(.invalidArgument) {
        _ = try await store.beginUpload(ArtifactUploadHeader(sha256: "xyz"))
      }
      #expect(try await database.count("artifacts") == 0)
      #expect(try await database.count("artifact_blobs") == 0)
      #expect(try await database.count("artifact_chunks") == 0)
    }

    @Test("Artifacts above the size limit are refused up front and while streaming")
    func sizeLimit() async throws {
      let store = try await TestDatabase.make().artifacts(maxArtifactBytes: 1_000)
      await expectRegistryError(.resourceExhausted) {
        _ = try await store.beginUpload(ArtifactUploadHeader(sizeBytes: 1_001))
      }
      let upload = try await store.beginUpload(ArtifactUploadHeader())
      try await upload.append(randomBytes(count: 600, seed: 4))
      await expectRegistryError(.resourceExhausted) {
        try await upload.append(randomBytes(count: 600, seed: 5))
      }
    }

    @Test("A damaged or missing chunk fails the read with DATA_LOSS")
    func detectsDamage() async throws {
      let database = try await TestDatabase.make()
      let store = database.artifacts()
      let random = try await store.put(randomBytes(count: 2_200_000, seed: 6))
      let compressible = try await store.put([UInt8](repeating: 1, count: 1_200_000))
      // Random bytes are stored raw: flip one byte of the second chunk.
      try await database.pool.execute(
        """
        UPDATE \(database.schema).artifact_chunks c SET data = set_byte(data, 10, (get_byte(data, 10) + 1) % 256)
        FROM \(database.schema).artifacts a WHERE a.blob_id = c.blob_id AND a.sha256 = $1 AND c.chunk_index = 1
        """, [.text(random.sha256)])
      let message = await expectRegistryError(.dataLoss) {
        _ = try await store.content(of: ArtifactDigest(parsing: random.sha256))
      }
      #expect(message?.contains("damaged") == true)
      // A zstd frame with its last byte changed no longer decompresses to its content.
      try await database.pool.execute(
        """
        UPDATE \(database.schema).artifact_chunks c
        SET data = set_byte(data, octet_length(data) - 1, (get_byte(data, octet_length(data) - 1) + 1) % 256)
        FROM \(database.schema).artifacts a WHERE a.blob_id = c.blob_id AND a.sha256 = $1
        """, [.text(compressible.sha256)])
      await expectRegistryError(.dataLoss) {
        _ = try await store.content(of: ArtifactDigest(parsing: compressible.sha256))
      }
      try await database.pool.execute(
        """
        DELETE FROM \(database.schema).artifact_chunks c USING \(database.schema).artifacts a
        WHERE a.blob_id = c.blob_id AND a.sha256 = $1 AND c.chunk_index = 0
        """, [.text(random.sha256)])
      await expectRegistryError(.dataLoss) {
        _ = try await store.content(of: ArtifactDigest(parsing: random.sha256))
      }
    }

    @Test("Reads resume from an offset in pieces of the asked size")
    func offsets() async throws {
      let store = try await TestDatabase.make().artifacts()
      let content = randomBytes(count: 2_100_000, seed: 7)
      let digest = try ArtifactDigest(parsing: try await store.put(content).sha256)
      var received: [UInt8] = []
      var offsets: [UInt64] = []
      try await store.read(digest, from: 1_048_570, pieceBytes: 300_000) { _, offset, data in
        #expect(data.count <= 300_000)
        #expect(offset == 1_048_570 + UInt64(received.count))
        offsets.append(offset)
        received += data
      }
      #expect(received == Array(content[1_048_570...]))
      #expect(offsets.first == 1_048_570)
      await expectRegistryError(.invalidArgument) {
        try await store.read(digest, from: 2_100_001) { _, _, _ in }
      }
      await expectRegistryError(.notFound) {
        try await store.read(ArtifactDigest(parsing: String(repeating: "0", count: 64))) {
          _, _, _ in
        }
      }
    }

    @Test("Abandoned uploads are swept; finished ones are kept")
    func sweep() async throws {
      let database = try await TestDatabase.make()
      let store = database.artifacts()
      try await store.put(randomBytes(count: 100, seed: 8))
      let upload = try await store.beginUpload(ArtifactUploadHeader())
      try await upload.append(randomBytes(count: ArtifactStore.chunkBytes + 5, seed: 9))
      #expect(try await database.count("artifact_blobs") == 2)
      #expect(
        try await store.removeAbandonedUploads(startedBefore: .now.addingTimeInterval(60)) == 1)
      #expect(try await database.count("artifact_blobs") == 1)
      #expect(try await database.count("artifacts") == 1)
    }
  }
}
