import PostgresClient

/// The monitor's tables in PostgreSQL, schema `monitor`.
///
/// Predictions are partitioned by day (partitions are created as batches arrive); their key is
/// (time, request id), so a replayed record is stored once. Batches are remembered by id, so a
/// replayed batch is recognised as a whole.
enum MonitorSchema {
  static let migrator = PostgresMigrator(
    schema: "monitor",
    migrations: [
      PostgresMigration(
        version: 1, name: "prediction log",
        sql: """
          CREATE TABLE monitor.prediction_batches (
            batch_id text PRIMARY KEY,
            source text NOT NULL,
            records integer NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now()
          );
          CREATE TABLE monitor.predictions (
            time timestamptz NOT NULL,
            request_id text NOT NULL,
            model_name text NOT NULL,
            model_version text NOT NULL,
            role smallint NOT NULL,
            asset_id text NOT NULL,
            value double precision,
            label text NOT NULL,
            confidence double precision,
            risk_level smallint NOT NULL,
            latency_us bigint NOT NULL,
            status_code integer NOT NULL,
            feature_names text[] NOT NULL,
            feature_values double precision[] NOT NULL,
            batch_id text NOT NULL,
            recorded_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (time, request_id)
          ) PARTITION BY RANGE (time);
          CREATE INDEX ON monitor.predictions (model_name, model_version, time);
          CREATE TABLE monitor.outcomes (
            batch_id text NOT NULL,
            request_id text NOT NULL,
            asset_id text NOT NULL,
            model_name text NOT NULL,
            event_time timestamptz,
            value double precision,
            label text NOT NULL,
            recorded_at timestamptz NOT NULL DEFAULT now()
          );
          CREATE INDEX ON monitor.outcomes (request_id);
          CREATE TABLE monitor.outcome_batches (
            batch_id text PRIMARY KEY,
            records integer NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now()
          );
          """),
    ])
}
