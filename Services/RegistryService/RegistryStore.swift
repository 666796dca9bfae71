internal import Foundation
package import PostgresClient
package import WireProtos

/// Registered models and their versions in PostgreSQL: creation with semantic versions,
/// reads, lists, and stage transitions that keep at most one Production version per model.
///
/// Every change that must be atomic runs in one transaction that first locks the model's row,
/// so concurrent changes to one model are serialized. Sendable: the pool is.
package struct RegistryStore: Sendable {
  /// The pool statements run on.
  package let pool: PostgresPool
  /// The schema holding the tables (``RegistrySchema``).
  package let schema: String

  /// Creates a store over an already migrated schema.
  /// - Parameters:
  ///   - pool: Where the tables are.
  ///   - schema: The schema name (a plain identifier).
  package init(pool: PostgresPool, schema: String = RegistrySchema.defaultName) {
    precondition(
      RegistrySchema.isValidSchemaName(schema), "schema name '\(schema)' is not a plain identifier")
    self.pool = pool
    self.schema = schema
  }

  /// The result of a stage transition.
  package struct Transition: Sendable {
    /// The version after the move.
    package var version: ModelVersion
    /// The versions the move archived (the previous Production version).
    package var archived: [ModelVersion]
  }

  // MARK: - Models

  /// Registers a model name.
  /// - Parameters:
  ///   - request: Name, description, use case, tags and promotion policy.
  ///   - owner: Who registers it (the caller's token subject).
  /// - Returns: The new model.
  /// - Throws: `invalidArgument` for a bad name or tags, `alreadyExists`, storage errors.
  package func createModel(_ request: CreateRegisteredModelRequest, owner: String) async throws
    -> RegisteredModel
  {
    try Self.validateModelName(request.name)
    try Self.validateText(request.description, field: "description", limit: 10_000)
    let inserted: Int
    do {
      inserted = try await self.pool.execute(
        """
        INSERT INTO \(self.schema).models (name, description, use_case, tags, owner, policy)
        VALUES ($1, $2, $3, $4::jsonb, $5, $6) ON CONFLICT (name) DO NOTHING
        """,
        [
          .text(request.name), .text(request.description), .int32(request.useCase.rawValue),
          .text(try Self.json(request.tags, field: "tags")), .text(owner),
          request.policy.map { .bytea($0.serializedBytes()) } ?? .null,
        ])
    } catch {
      throw RegistryError.storage(error, while: "creating model '\(request.name)'")
    }
    guard inserted == 1 else {
      throw RegistryError(.alreadyExists, "model '\(request.name)' already exists")
    }
    return try await self.model(named: request.name)
  }

  /// A registered model with the newest version in each stage that has one.
  /// - Throws: `invalidArgument` for a malformed name, `notFound`, storage errors.
  package func model(named name: String) async throws -> RegisteredModel {
    try Self.validateModelName(name)
    let rows = try await self.query(
      "SELECT \(Self.modelColumns) FROM \(self.schema).models WHERE name = $1", [.text(name)],
      while: "reading model '\(name)'")
    guard let row = rows.first else { throw Self.unknownModel(name) }
    var model = try Self.decodeModel(row)
    model.latestVersions = try await self.latestVersions(of: name, stages: [])
    return model
  }

  /// Registered models in name order, a page at a time.
  /// - Parameters:
  ///   - prefix: Only names that start with this; empty means all.
  ///   - pageSize: Models per page (100 when 0, at most 1,000).
  ///   - pageToken: Empty for the first page, else the previous page's `nextPageToken`.
  /// - Returns: The page, with a token for the next one (empty after the last).
  package func listModels(prefix: String, pageSize: UInt32, pageToken: String) async throws
    -> ListRegisteredModelsResponse
  {
    let limit = Self.pageLimit(pageSize)
    let rows = try await self.query(
      """
      SELECT \(Self.modelColumns) FROM \(self.schema).models
      WHERE left(name, length($1)) = $1 AND name > $2 ORDER BY name LIMIT $3
      """, [.text(prefix), .text(pageToken), .int32(Int32(limit + 1))], while: "listing models")
    var response = ListRegisteredModelsResponse()
    for row in rows.prefix(limit) {
      var model = try Self.decodeModel(row)
      model.latestVersions = try await self.latestVersions(of: model.name, stages: [])
      response.models.append(model)
    }
    response.page = PageResponse(
      nextPageToken: rows.count > limit ? response.models.last?.name ?? "" : "")
    return response
  }

  // MARK: - Versions

  /// Registers a version of a model.
  ///
  /// Without a version the next one is assigned: the newest version incremented by
  /// `request.bump` (1.0.0 for a model's first version). A retry with the same idempotency key
  /// returns the version the first call made.
  /// - Parameters:
  ///   - request: Model, version, metadata and the optional artifact already stored.
  ///   - createdBy: Who registers it (the caller's token subject).
  /// - Returns: The version: READY when it names an artifact, else PENDING_UPLOAD.
  /// - Throws: `invalidArgument` (name, version, a NaN or infinite metric, malformed hash),
  ///   `notFound` (model, artifact), `alreadyExists` (version), storage errors.
  package func createVersion(_ request: CreateModelVersionRequest, createdBy: String) async throws
    -> ModelVersion
  {
    let name = request.modelName
    try Self.validateModelName(name)
    try Self.validateText(request.description, field: "description", limit: 10_000)
    let requested = request.version.isEmpty ? nil : try SemanticVersion(parsing: request.version)
    let metadata = request.metadata ?? VersionMetadata()
    for (key, value) in metadata.metrics.sorted(by: { $0.key < $1.key }) {
      guard value.isFinite else {
        throw RegistryError(
          .invalidArgument,
          "metric '\(key.prefix(100))' is \(value): metrics must be finite numbers")
      }
      guard !key.isEmpty, !key.utf8.contains(0) else {
        throw RegistryError(.invalidArgument, "metric names must be non-empty and contain no NUL")
      }
    }
    let artifact =
      request.artifactSHA256.isEmpty ? nil : try ArtifactDigest(parsing: request.artifactSHA256)
    let bump: SemanticVersion.Bump =
      switch request.bump {
      case .major: .major
      case .patch: .patch
      default: .minor
      }
    let tags = try Self.json(request.tags, field: "tags")
    let metrics = try Self.json(metadata.metrics)

    let version: String
    do {
      version = try await self.pool.withTransaction { transaction in
        if !request.idempotencyKey.isEmpty {
          let earlier = try await transaction.query(
            "SELECT version FROM \(self.schema).model_versions WHERE model_name = $1 AND idempotency_key = $2",
            [.text(name), .text(request.idempotencyKey)])
          if let row = earlier.first { return try row.decode(String.self, "version") }
        }
        try await self.lockModel(
          name, in: transaction, creatingIfMissing: request.createModel, owner: createdBy)
        let number: SemanticVersion
        if let requested {
          number = requested
        } else {
          let newest = try await transaction.query(
            """
            SELECT major, minor, patch FROM \(self.schema).model_versions WHERE model_name = $1
            ORDER BY major DESC, minor DESC, patch DESC LIMIT 1
            """, [.text(name)])
          if let row = newest.first {
            number = try SemanticVersion(
              major: row.decode(Int32.self, "major"), minor: row.decode(Int32.self, "minor"),
              patch: row.decode(Int32.self, "patch")
            ).bumped(bump)
          } else {
            number = .initial
          }
        }
        if let artifact {
          let found = try await transaction.query(
            "SELECT 1 AS found FROM \(self.schema).artifacts WHERE sha256 = $1",
            [.text(artifact.hex)])
          guard !found.isEmpty else {
            throw RegistryError(.notFound, "no artifact with SHA-256 \(artifact): upload it first")
          }
        }
        let inserted = try await transaction.execute(
          """
          INSERT INTO \(self.schema).model_versions
            (model_name, version, major, minor, patch, status, description, tags, metadata, metrics,
             dataset_version, run_id, artifact_sha256, source, created_by, idempotency_key)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10::jsonb, $11, $12, $13, $14, $15, $16)
          ON CONFLICT DO NOTHING
          """,
          [
            .text(name), .text(number.description), .int32(number.major), .int32(number.minor),
            .int32(number.patch),
            .int32(
              artifact == nil
                ? ModelVersionStatus.pendingUpload.rawValue : ModelVersionStatus.ready.rawValue),
            .text(request.description), .text(tags), .bytea(metadata.serializedBytes()),
            .text(metrics),
            .text(metadata.datasetVersion), .text(metadata.runID),
            artifact.map { .text($0.hex) } ?? .null,
            .text(request.source), .text(createdBy), .text(request.idempotencyKey),
          ])
        guard inserted == 1 else {
          throw RegistryError(.alreadyExists, "version \(number) of model '\(name)' already exists")
        }
        return number.description
      }
    } catch {
      throw RegistryError.storage(error, while: "creating a version of model '\(name)'")
    }
    return try await self.version(of: name, version)
  }

  /// One version, named by version, by stage, or (with no selector) the version the model
  /// serves: its Production version, or the newest READY version when none is in Production.
  /// - Throws: `invalidArgument`, `notFound` (model, version, nothing in the stage, or an
  ///   alias: aliases are not stored yet), storage errors.
  package func version(_ reference: ModelRef) async throws -> ModelVersion {
    let name = reference.modelName
    switch reference.selector {
    case .version(let text):
      return try await self.version(of: name, text)
    case .stage(let stage):
      try Self.validateModelName(name)
      guard ModelStage.knownValues.contains(stage) else {
        throw RegistryError(.invalidArgument, "unknown stage \(stage.rawValue)")
      }
      let rows = try await self.query(
        """
        SELECT \(Self.versionColumns) FROM \(self.schema).model_versions v
        LEFT JOIN \(self.schema).artifacts a ON a.sha256 = v.artifact_sha256
        WHERE v.model_name = $1 AND v.stage = $2 ORDER BY v.major DESC, v.minor DESC, v.patch DESC LIMIT 1
        """, [.text(name), .int32(stage.rawValue)], while: "reading model '\(name)'")
      guard let row = rows.first else {
        try await self.requireModel(name)
        throw RegistryError(
          .notFound, "model '\(name)' has no version in \(StageTransition.name(of: stage))")
      }
      return try Self.decodeVersion(row)
    case .alias(let alias):
      try await self.requireModel(name)
      throw RegistryError(.notFound, "model '\(name)' has no alias '\(alias.prefix(100))'")
    case nil:
      return try await self.servingVersion(of: name)
    }
  }

  /// The version the inference gateway serves: the Production version, or the newest READY
  /// version when none is in Production.
  /// - Throws: `notFound` when the model does not exist or has no READY version.
  package func servingVersion(of name: String) async throws -> ModelVersion {
    try Self.validateModelName(name)
    let rows = try await self.query(
      """
      SELECT \(Self.versionColumns) FROM \(self.schema).model_versions v
      LEFT JOIN \(self.schema).artifacts a ON a.sha256 = v.artifact_sha256
      WHERE v.model_name = $1 AND (v.stage = $2 OR v.status = $3)
      ORDER BY (v.stage = $2) DESC, v.major DESC, v.minor DESC, v.patch DESC LIMIT 1
      """,
      [
        .text(name), .int32(ModelStage.production.rawValue),
        .int32(ModelVersionStatus.ready.rawValue),
      ],
      while: "reading model '\(name)'")
    guard let row = rows.first else {
      try await self.requireModel(name)
      throw RegistryError(
        .notFound, "model '\(name)' has no version in Production and none ready to serve")
    }
    return try Self.decodeVersion(row)
  }

  /// One version by its number.
  /// - Throws: `invalidArgument` for a malformed name or version, `notFound`, storage errors.
  package func version(of name: String, _ text: String) async throws -> ModelVersion {
    try Self.validateModelName(name)
    let number = try SemanticVersion(parsing: text)
    let rows = try await self.query(
      """
      SELECT \(Self.versionColumns) FROM \(self.schema).model_versions v
      LEFT JOIN \(self.schema).artifacts a ON a.sha256 = v.artifact_sha256
      WHERE v.model_name = $1 AND v.version = $2
      """, [.text(name), .text(number.description)], while: "reading model '\(name)'")
    guard let row = rows.first else {
      try await self.requireModel(name)
      throw RegistryError(.notFound, "model '\(name)' has no version \(number)")
    }
    return try Self.decodeVersion(row)
  }

  /// A model's versions, newest first, a page at a time.
  /// - Parameters:
  ///   - name: The model.
  ///   - stages: Only versions in these stages; empty means all.
  ///   - pageSize: Versions per page (100 when 0, at most 1,000).
  ///   - pageToken: Empty for the first page, else the previous page's `nextPageToken`.
  /// - Throws: `invalidArgument` (name, token), `notFound`, storage errors.
  package func listVersions(
    of name: String, stages: [ModelStage], pageSize: UInt32, pageToken: String
  ) async throws -> ListModelVersionsResponse {
    try Self.validateModelName(name)
    try await self.requireModel(name)
    let limit = Self.pageLimit(pageSize)
    guard let offset = pageToken.isEmpty ? 0 : Int(pageToken), offset >= 0 else {
      throw RegistryError(
        .invalidArgument, "page token '\(pageToken.prefix(40))' is not one this service issued")
    }
    let rows = try await self.query(
      """
      SELECT \(Self.versionColumns) FROM \(self.schema).model_versions v
      LEFT JOIN \(self.schema).artifacts a ON a.sha256 = v.artifact_sha256
      WHERE v.model_name = $1 AND (cardinality($2::int4[]) = 0 OR v.stage = ANY ($2::int4[]))
      ORDER BY v.major DESC, v.minor DESC, v.patch DESC LIMIT $3 OFFSET $4
      """,
      [.text(name), .text(Self.intArray(stages)), .int32(Int32(limit + 1)), .int64(Int64(offset))],
      while: "listing versions of model '\(name)'")
    var response = ListModelVersionsResponse()
    response.versions = try rows.prefix(limit).map(Self.decodeVersion)
    response.page = PageResponse(nextPageToken: rows.count > limit ? String(offset + limit) : "")
    return response
  }

  /// The newest version in each stage that has one (MLflow's `get_latest_versions`), in
  /// stage order.
  /// - Parameters:
  ///   - name: The model.
  ///   - stages: The stages to report; empty means all.
  package func latestVersions(of name: String, stages: [ModelStage]) async throws -> [ModelVersion]
  {
    try Self.validateModelName(name)
    let rows = try await self.query(
      """
      SELECT DISTINCT ON (v.stage) \(Self.versionColumns) FROM \(self.schema).model_versions v
      LEFT JOIN \(self.schema).artifacts a ON a.sha256 = v.artifact_sha256
      WHERE v.model_name = $1 AND (cardinality($2::int4[]) = 0 OR v.stage = ANY ($2::int4[]))
      ORDER BY v.stage, v.major DESC, v.minor DESC, v.patch DESC
      """, [.text(name), .text(Self.intArray(stages))], while: "reading model '\(name)'")
    return try rows.map(Self.decodeVersion)
  }

  // MARK: - Changes

  /// Moves a version to another stage in one transaction. Moving to Production archives the
  /// model's current Production version.
  /// - Parameters:
  ///   - name: The model.
  ///   - text: The version.
  ///   - target: The stage to move to.
  ///   - expected: When set, the stage the caller saw; the move fails if it changed since.
  /// - Returns: The moved version and the versions archived by the move.
  /// - Throws: `invalidArgument` (name, version, unknown stage), `notFound`,
  ///   `failedPrecondition` for a move the stage rules forbid, a version without an artifact
  ///   going to Production, or a stale `expected`; storage errors.
  package func transition(
    model name: String, version text: String, to target: ModelStage, expected: ModelStage? = nil
  ) async throws -> Transition {
    try Self.validateModelName(name)
    let number = try SemanticVersion(parsing: text)
    guard ModelStage.knownValues.contains(target) else {
      throw RegistryError(.invalidArgument, "unknown stage \(target.rawValue)")
    }
    let archivedNames: [String]
    do {
      archivedNames = try await self.pool.withTransaction { transaction in
        try await self.lockModel(name, in: transaction, creatingIfMissing: false, owner: "")
        let rows = try await transaction.query(
          "SELECT stage, artifact_sha256 FROM \(self.schema).model_versions WHERE model_name = $1 AND version = $2",
          [.text(name), .text(number.description)])
        guard let row = rows.first else {
          throw RegistryError(.notFound, "model '\(name)' has no version \(number)")
        }
        let current = ModelStage(rawValue: try row.decode(Int32.self, "stage"))
        if let expected, expected != current {
          throw RegistryError(
            .failedPrecondition,
            "version \(number) of '\(name)' is in \(StageTransition.name(of: current)), not in "
              + "\(StageTransition.name(of: expected)) as expected: it changed meanwhile")
        }
        guard StageTransition.isAllowed(from: current, to: target) else {
          let allowed = StageTransition.allowedTargets(from: current).map(StageTransition.name(of:))
          throw RegistryError(
            .failedPrecondition,
            "version \(number) of '\(name)' cannot move from \(StageTransition.name(of: current)) to "
              + "\(StageTransition.name(of: target)); from \(StageTransition.name(of: current)) it may move to "
              + (allowed.isEmpty ? "nothing" : allowed.joined(separator: " or ")))
        }
        var archived: [String] = []
        if target == .production {
          guard try row.decode(String?.self, "artifact_sha256") != nil else {
            throw RegistryError(
              .failedPrecondition,
              "version \(number) of '\(name)' has no artifact: upload it before Production")
          }
          let previous = try await transaction.query(
            """
            UPDATE \(self.schema).model_versions
            SET stage = $2, updated_at = now(), stage_changed_at = now()
            WHERE model_name = $1 AND stage = $3 RETURNING version
            """,
            [
              .text(name), .int32(ModelStage.archived.rawValue),
              .int32(ModelStage.production.rawValue),
            ])
          archived = try previous.map { try $0.decode(String.self, "version") }
        }
        try await transaction.execute(
          """
          UPDATE \(self.schema).model_versions SET stage = $3, updated_at = now(), stage_changed_at = now()
          WHERE model_name = $1 AND version = $2
          """, [.text(name), .text(number.description), .int32(target.rawValue)])
        try await transaction.execute(
          "UPDATE \(self.schema).models SET updated_at = now() WHERE name = $1", [.text(name)])
        return archived
      }
    } catch {
      throw RegistryError.storage(error, while: "moving a version of model '\(name)'")
    }
    var archived: [ModelVersion] = []
    for version in archivedNames { archived.append(try await self.version(of: name, version)) }
    return Transition(
      version: try await self.version(of: name, number.description), archived: archived)
  }

  /// Makes `digest` the model file of a version, which becomes READY.
  /// - Throws: `notFound` (model, version, artifact), `failedPrecondition` when the version
  ///   already has a different artifact; storage errors.
  package func attachArtifact(_ digest: ArtifactDigest, model name: String, version text: String)
    async throws -> ModelVersion
  {
    try Self.validateModelName(name)
    let number = try SemanticVersion(parsing: text)
    do {
      try await self.pool.withTransaction { transaction in
        let rows = try await transaction.query(
          """
          SELECT artifact_sha256 FROM \(self.schema).model_versions
          WHERE model_name = $1 AND version = $2 FOR UPDATE
          """, [.text(name), .text(number.description)])
        guard let row = rows.first else {
          throw RegistryError(.notFound, "model '\(name)' has no version \(number)")
        }
        if let existing = try row.decode(String?.self, "artifact_sha256") {
          guard existing == digest.hex else {
            throw RegistryError(
              .failedPrecondition, "version \(number) of '\(name)' already has artifact \(existing)"
            )
          }
          return
        }
        try await transaction.execute(
          """
          UPDATE \(self.schema).model_versions SET artifact_sha256 = $3, status = $4, updated_at = now()
          WHERE model_name = $1 AND version = $2
          """,
          [
            .text(name), .text(number.description), .text(digest.hex),
            .int32(ModelVersionStatus.ready.rawValue),
          ])
      }
    } catch let error as PostgresError where error.sqlState == "23503" {
      throw RegistryError(.notFound, "no artifact with SHA-256 \(digest)", cause: error)
    } catch {
      throw RegistryError.storage(error, while: "attaching an artifact to model '\(name)'")
    }
    return try await self.version(of: name, number.description)
  }

  // MARK: - Validation

  /// Checks a model name: 1 to 128 characters of ASCII letters, digits, `_`, `-` and `.`,
  /// starting with a letter or digit.
  /// - Throws: `invalidArgument` saying what is wrong.
  package static func validateModelName(_ name: String) throws(RegistryError) {
    guard !name.isEmpty else { throw RegistryError(.invalidArgument, "model name is empty") }
    let bytes = Array(name.utf8)
    let isAlphanumeric = { (byte: UInt8) -> Bool in
      (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
        || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
        || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }
    guard bytes.count <= 128, isAlphanumeric(bytes[0]),
      bytes.allSatisfy({
        isAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
          || $0 == UInt8(ascii: ".")
      })
    else {
      throw RegistryError(
        .invalidArgument,
        "model name '\(name.prefix(140))' is invalid: use 1 to 128 ASCII letters, digits, '_', '-' or '.', "
          + "starting with a letter or digit")
    }
  }

  private static func validateText(_ text: String, field: String, limit: Int) throws(RegistryError)
  {
    guard text.utf8.count <= limit, !text.utf8.contains(0) else {
      throw RegistryError(
        .invalidArgument, "\(field) is longer than \(limit) bytes or contains NUL")
    }
  }

  // MARK: - Rows

  private static let modelColumns = """
    name, description, use_case, tags::text AS tags, owner, policy,
    (extract(epoch FROM created_at) * 1000000)::int8 AS created_us,
    (extract(epoch FROM updated_at) * 1000000)::int8 AS updated_us
    """

  private static let versionColumns = """
    v.model_name, v.version, v.stage, v.status, v.description, v.tags::text AS tags, v.metadata,
    v.artifact_sha256, v.source, v.created_by,
    (extract(epoch FROM v.created_at) * 1000000)::int8 AS created_us,
    (extract(epoch FROM v.updated_at) * 1000000)::int8 AS updated_us,
    a.name AS artifact_name, a.media_type AS artifact_media_type, a.size_bytes AS artifact_size,
    a.stored_size_bytes AS artifact_stored_size,
    (extract(epoch FROM a.created_at) * 1000000)::int8 AS artifact_created_us
    """

  private static func decodeModel(_ row: PostgresRow) throws -> RegisteredModel {
    var model = RegisteredModel()
    model.name = try row.decode(String.self, "name")
    model.description = try row.decode(String.self, "description")
    model.useCase = UseCase(rawValue: try row.decode(Int32.self, "use_case"))
    model.tags = try Self.stringMap(row.decode(String.self, "tags"))
    model.owner = try row.decode(String.self, "owner")
    if let policy = try row.decode([UInt8]?.self, "policy") {
      model.policy = try PromotionPolicy(serializedBytes: policy)
    }
    model.createdTimeUs = try row.decode(Int64.self, "created_us")
    model.updatedTimeUs = try row.decode(Int64.self, "updated_us")
    return model
  }

  private static func decodeVersion(_ row: PostgresRow) throws -> ModelVersion {
    var version = ModelVersion()
    version.modelName = try row.decode(String.self, "model_name")
    version.version = try row.decode(String.self, "version")
    version.stage = ModelStage(rawValue: try row.decode(Int32.self, "stage"))
    version.status = ModelVersionStatus(rawValue: try row.decode(Int32.self, "status"))
    version.description = try row.decode(String.self, "description")
    version.tags = try Self.stringMap(row.decode(String.self, "tags"))
    version.metadata = try VersionMetadata(serializedBytes: row.decode([UInt8].self, "metadata"))
    if let sha256 = try row.decode(String?.self, "artifact_sha256") {
      version.artifact = ArtifactRef(
        sha256: sha256, name: try row.decode(String.self, "artifact_name"),
        mediaType: try row.decode(String.self, "artifact_media_type"),
        sizeBytes: UInt64(try row.decode(Int64.self, "artifact_size")),
        storedSizeBytes: UInt64(try row.decode(Int64.self, "artifact_stored_size")),
        createdTimeUs: try row.decode(Int64.self, "artifact_created_us"))
    }
    version.source = try row.decode(String.self, "source")
    version.createdBy = try row.decode(String.self, "created_by")
    version.createdTimeUs = try row.decode(Int64.self, "created_us")
    version.updatedTimeUs = try row.decode(Int64.self, "updated_us")
    return version
  }

  // MARK: - Helpers

  /// Locks the model's row for the rest of the transaction, creating the model first when
  /// asked to.
  private func lockModel(
    _ name: String, in transaction: PostgresTransaction, creatingIfMissing: Bool, owner: String
  ) async throws {
    if creatingIfMissing {
      try await transaction.execute(
        "INSERT INTO \(self.schema).models (name, owner) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        [.text(name), .text(owner)])
    }
    let rows = try await transaction.query(
      "SELECT name FROM \(self.schema).models WHERE name = $1 FOR UPDATE", [.text(name)])
    guard !rows.isEmpty else { throw Self.unknownModel(name) }
  }

  private func requireModel(_ name: String) async throws {
    let rows = try await self.query(
      "SELECT 1 AS found FROM \(self.schema).models WHERE name = $1", [.text(name)],
      while: "reading model '\(name)'")
    guard !rows.isEmpty else { throw Self.unknownModel(name) }
  }

  private func query(_ sql: String, _ parameters: [PostgresValue], while action: String)
    async throws -> PostgresRows
  {
    do {
      return try await self.pool.query(sql, parameters)
    } catch {
      throw RegistryError.storage(error, while: action)
    }
  }

  private static func unknownModel(_ name: String) -> RegistryError {
    RegistryError(.notFound, "no registered model named '\(name)'")
  }

  private static func pageLimit(_ pageSize: UInt32) -> Int {
    pageSize == 0 ? 100 : Int(min(pageSize, 1_000))
  }

  private static func intArray(_ stages: [ModelStage]) -> String {
    "{" + stages.map { String($0.rawValue) }.joined(separator: ",") + "}"
  }

  private static func json(_ map: [String: String], field: String) throws -> String {
    for (key, value) in map where key.utf8.contains(0) || value.utf8.contains(0) {
      throw RegistryError(.invalidArgument, "\(field) contain a NUL character")
    }
    return try Self.encode(map)
  }

  private static func json(_ metrics: [String: Double]) throws -> String {
    try Self.encode(metrics)
  }

  private static func encode(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    return String(decoding: try encoder.encode(value), as: UTF8.self)
  }

  private static func stringMap(_ json: String) throws -> [String: String] {
    try JSONDecoder().decode([String: String].self, from: Data(json.utf8))
  }
}
