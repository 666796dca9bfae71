package import PostgresClient

/// The registry's PostgreSQL schema and its versioned migrations.
///
/// Migrations run at start under the migrator's advisory lock, so several replicas may start
/// at once; a second run applies nothing. Steps are only ever appended: an applied step's SQL
/// never changes. Tables that later work adds (audit ledger, aliases, approvals, webhooks)
/// reference `models(name)` and `model_versions(model_name, version)`.
package enum RegistrySchema {
  /// The schema the service uses unless told otherwise.
  package static let defaultName = "registry"

  /// The steps, in version order.
  package static let migrations: [PostgresMigration] = [
    PostgresMigration(
      version: 1, name: "create_artifacts",
      sql: """
        -- An upload writes its chunks under a fresh blob; the blob becomes an artifact once
        -- its hash is verified. Blobs of abandoned uploads are swept at start.
        CREATE TABLE artifact_blobs (
          blob_id bigserial PRIMARY KEY,
          created_at timestamptz NOT NULL DEFAULT now(),
          completed boolean NOT NULL DEFAULT false
        );
        CREATE TABLE artifact_chunks (
          blob_id bigint NOT NULL REFERENCES artifact_blobs (blob_id) ON DELETE CASCADE,
          chunk_index integer NOT NULL CHECK (chunk_index >= 0),
          -- Uncompressed size of this piece of the content.
          raw_size integer NOT NULL CHECK (raw_size > 0 AND raw_size <= 1048576),
          -- One zstd frame, or the raw bytes when compression would not make them smaller.
          compressed boolean NOT NULL,
          data bytea NOT NULL CHECK (octet_length(data) <= 1048576),
          PRIMARY KEY (blob_id, chunk_index)
        );
        CREATE TABLE artifacts (
          sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
          blob_id bigint NOT NULL UNIQUE REFERENCES artifact_blobs (blob_id),
          size_bytes bigint NOT NULL CHECK (size_bytes > 0),
          stored_size_bytes bigint NOT NULL,
          chunk_count integer NOT NULL,
          name text NOT NULL DEFAULT '',
          media_type text NOT NULL DEFAULT '',
          created_at timestamptz NOT NULL DEFAULT now()
        );
        """),
    PostgresMigration(
      version: 2, name: "create_models_and_versions",
      sql: """
        CREATE TABLE models (
          name text PRIMARY KEY,
          description text NOT NULL DEFAULT '',
          use_case integer NOT NULL DEFAULT 0,
          tags jsonb NOT NULL DEFAULT '{}',
          owner text NOT NULL DEFAULT '',
          -- Serialized dcmms.v1.PromotionPolicy and TrafficPolicy, read by the gates later.
          policy bytea,
          traffic bytea,
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE model_versions (
          model_name text NOT NULL REFERENCES models (name),
          version text NOT NULL,
          major integer NOT NULL CHECK (major >= 0),
          minor integer NOT NULL CHECK (minor >= 0),
          patch integer NOT NULL CHECK (patch >= 0),
          -- dcmms.v1.ModelStage: 0 None, 1 Staging, 2 Production, 3 Archived.
          stage smallint NOT NULL DEFAULT 0 CHECK (stage BETWEEN 0 AND 3),
          -- dcmms.v1.ModelVersionStatus.
          status smallint NOT NULL,
          description text NOT NULL DEFAULT '',
          tags jsonb NOT NULL DEFAULT '{}',
          -- Serialized dcmms.v1.VersionMetadata, the whole of it; the columns below repeat
          -- what queries filter on.
          metadata bytea NOT NULL,
          metrics jsonb NOT NULL DEFAULT '{}',
          dataset_version text NOT NULL DEFAULT '',
          run_id text NOT NULL DEFAULT '',
          artifact_sha256 text REFERENCES artifacts (sha256),
          source text NOT NULL DEFAULT '',
          created_by text NOT NULL DEFAULT '',
          idempotency_key text NOT NULL DEFAULT '',
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now(),
          stage_changed_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (model_name, version),
          UNIQUE (model_name, major, minor, patch)
        );
        -- At most one Production version per model, whatever the code above does.
        CREATE UNIQUE INDEX model_versions_one_production
          ON model_versions (model_name) WHERE stage = 2;
        CREATE UNIQUE INDEX model_versions_idempotency
          ON model_versions (model_name, idempotency_key) WHERE idempotency_key <> '';
        CREATE INDEX model_versions_run ON model_versions (run_id) WHERE run_id <> '';
        """),
  ]

  /// The migrator for `schema`.
  /// - Parameter schema: The schema name: lowercase letters, digits and `_`, starting with a
  ///   letter (checked by the caller; see ``isValidSchemaName(_:)``).
  /// - Returns: A migrator over ``migrations``.
  package static func migrator(schema: String = Self.defaultName) -> PostgresMigrator {
    precondition(
      Self.isValidSchemaName(schema), "schema name '\(schema)' is not a plain identifier")
    return PostgresMigrator(schema: schema, migrations: Self.migrations)
  }

  /// Whether `name` can be written into SQL unquoted: `[a-z][a-z0-9_]{0,62}`.
  package static func isValidSchemaName(_ name: String) -> Bool {
    guard let first = name.utf8.first, first >= UInt8(ascii: "a"), first <= UInt8(ascii: "z"),
      name.utf8.count <= 63
    else { return false }
    return name.utf8.allSatisfy { byte in
      (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
        || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
    }
  }
}
