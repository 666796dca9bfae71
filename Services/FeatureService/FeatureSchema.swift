package import PostgresClient

/// The feature service's PostgreSQL schema: versioned steps, applied at start by
/// ``PostgresMigrator`` (a second run finds nothing to do).
///
/// Telemetry is partitioned by day of event time; ``TelemetryStore`` creates the partitions a
/// batch needs before loading it. Every row keeps its event time and the time it was ingested.
package enum FeatureSchema {
  /// The schema every table lives in, unless a test picks its own.
  package static let defaultName = "features"

  /// The steps, in version order.
  package static let migrations: [PostgresMigration] = [
    PostgresMigration(
      version: 1, name: "create_fleet",
      sql: """
        CREATE TABLE sites (
          site_id text PRIMARY KEY CHECK (site_id <> ''),
          name text NOT NULL,
          kind integer NOT NULL,
          latitude double precision NOT NULL,
          longitude double precision NOT NULL,
          elevation_m double precision NOT NULL,
          capacity_kw double precision NOT NULL,
          time_zone text NOT NULL,
          created_time timestamptz NOT NULL DEFAULT now(),
          updated_time timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE assets (
          asset_id text PRIMARY KEY CHECK (asset_id <> ''),
          site_id text NOT NULL REFERENCES sites (site_id),
          kind integer NOT NULL,
          parent_asset_id text,
          manufacturer text NOT NULL,
          model text NOT NULL,
          rated_power_kw double precision NOT NULL,
          string_count integer NOT NULL,
          commissioned_time timestamptz,
          attributes jsonb NOT NULL DEFAULT '{}',
          created_time timestamptz NOT NULL DEFAULT now(),
          updated_time timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX assets_by_site ON assets (site_id);
        """),
    PostgresMigration(
      version: 2, name: "create_telemetry",
      sql: """
        -- Each distinct, ordered list of measurement names gets an id; a row stores the id and
        -- its values as one array, so batches with different columns share one table.
        CREATE TABLE column_sets (
          column_set_id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          columns text[] NOT NULL UNIQUE
        );
        CREATE TABLE telemetry (
          asset_id text NOT NULL,
          event_time timestamptz NOT NULL,
          ingested_time timestamptz NOT NULL,
          column_set_id integer NOT NULL,
          measurements double precision[] NOT NULL,
          status integer NOT NULL,
          error_code integer NOT NULL,
          batch_id text NOT NULL,
          PRIMARY KEY (asset_id, event_time)
        ) PARTITION BY RANGE (event_time);
        CREATE TABLE asset_events (
          asset_id text NOT NULL,
          kind integer NOT NULL,
          start_time timestamptz NOT NULL,
          end_time timestamptz,
          code text NOT NULL,
          string_index integer NOT NULL,
          description text NOT NULL,
          ingested_time timestamptz NOT NULL,
          batch_id text NOT NULL
        );
        CREATE INDEX asset_events_by_asset ON asset_events (asset_id, start_time);
        -- Batch ids already loaded: a batch sent again is skipped, not loaded twice.
        CREATE TABLE ingested_batches (
          batch_id text PRIMARY KEY,
          ingested_time timestamptz NOT NULL,
          row_count integer NOT NULL,
          event_count integer NOT NULL
        );
        """),
    PostgresMigration(
      version: 3, name: "create_feature_views",
      sql: """
        CREATE TABLE feature_views (
          name text PRIMARY KEY,
          revision integer NOT NULL,
          -- The FeatureViewSpec as protobuf bytes: the source of truth; the columns beside it
          -- are copies for listing and filtering.
          spec bytea NOT NULL,
          description text NOT NULL,
          entities text[] NOT NULL,
          ttl_seconds bigint NOT NULL,
          owner text NOT NULL,
          created_time timestamptz NOT NULL,
          updated_time timestamptz NOT NULL
        );
        CREATE TABLE feature_view_features (
          view_name text NOT NULL REFERENCES feature_views (name) ON DELETE CASCADE,
          position integer NOT NULL,
          name text NOT NULL,
          value_type integer NOT NULL,
          description text NOT NULL,
          PRIMARY KEY (view_name, position)
        );
        """),
  ]

  /// The migrator for `schema`.
  /// - Parameter schema: The schema name; tests use their own.
  /// - Returns: A migrator over ``migrations``.
  package static func migrator(schema: String = Self.defaultName) -> PostgresMigrator {
    PostgresMigrator(schema: schema, migrations: Self.migrations)
  }
}
