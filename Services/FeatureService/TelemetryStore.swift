import Foundation
package import PostgresClient
import Synchronization
package import WireProtos

/// The fleet and the raw telemetry in PostgreSQL: sites and assets, telemetry rows partitioned
/// by day and loaded with COPY, and the per-asset figures the online store is fed from.
///
/// Thread-safe; one per process, shared by every handler.
package final class TelemetryStore: Sendable {
  /// What happened to one batch.
  package enum BatchOutcome: Sendable, Equatable {
    /// Loaded entirely, in one transaction.
    case loaded(rows: Int, events: Int, assetIDs: [String], eventTimeRange: ClosedRange<Int64>?)
    /// Skipped: a batch with the same id was loaded before.
    case duplicate
  }

  /// The pool every query leases from.
  package let pool: PostgresPool
  /// The schema the tables live in.
  package let schema: String
  private let validator: TelemetryBatchValidator
  /// Days whose partition is known to exist.
  private let knownPartitions = Mutex<Set<Int64>>([])
  /// Column lists already given an id.
  private let columnSetIDs = Mutex<[[String]: Int32]>([:])

  /// Creates a store over `pool`.
  /// - Parameters:
  ///   - pool: The connections to use.
  ///   - schema: The schema (a lowercase identifier); tests pass their own.
  ///   - limits: The bounds a batch must respect.
  package init(
    pool: PostgresPool, schema: String = FeatureSchema.defaultName,
    limits: TelemetryBatchValidator.Limits = .init()
  ) {
    precondition(
      TelemetryBatchValidator.isValidColumnName(schema), "schema '\(schema)' is not an identifier")
    self.pool = pool
    self.schema = schema
    self.validator = TelemetryBatchValidator(limits: limits)
  }

  /// Applies the schema's migrations; a second call does nothing.
  /// - Returns: The versions applied now.
  /// - Throws: `PostgresError` from the migrator.
  @discardableResult
  package func migrate() async throws -> [Int64] {
    try await FeatureSchema.migrator(schema: self.schema).migrate(on: self.pool)
  }

  // MARK: - Fleet

  /// Creates or updates sites, then assets, in one transaction.
  /// - Parameter request: The sites and assets.
  /// - Returns: How many of each were created and updated.
  /// - Throws: ``FeatureError`` `invalidArgument` naming a bad site or asset (an unknown site, a
  ///   missing id), or a storage error.
  package func upsertAssets(_ request: UpsertAssetsRequest) async throws -> UpsertAssetsResponse {
    for site in request.sites {
      guard TelemetryBatchValidator.isValidAssetID(site.siteID) else {
        throw FeatureError.invalidArgument(
          "a site id is empty, longer than 128 bytes or has control characters")
      }
      guard !(site.name + site.timeZone).unicodeScalars.contains("\0") else {
        throw FeatureError.invalidArgument("site \(site.siteID): text with a NUL character")
      }
    }
    for asset in request.assets {
      guard TelemetryBatchValidator.isValidAssetID(asset.assetID) else {
        throw FeatureError.invalidArgument(
          "an asset id is empty, longer than 128 bytes or has control characters")
      }
      guard TelemetryBatchValidator.isValidAssetID(asset.siteID) else {
        throw FeatureError.invalidArgument(
          "asset \(asset.assetID): the site id is empty, longer than 128 bytes or has control characters"
        )
      }
      let texts =
        [asset.parentAssetID, asset.manufacturer, asset.model] + Array(asset.attributes.keys)
        + Array(asset.attributes.values)
      guard !texts.contains(where: { $0.unicodeScalars.contains("\0") }) else {
        throw FeatureError.invalidArgument("asset \(asset.assetID): text with a NUL character")
      }
    }
    let s = self.schema
    do {
      return try await self.pool.withTransaction { transaction in
        var response = UpsertAssetsResponse()
        for site in request.sites {
          let rows = try await transaction.query(
            """
            INSERT INTO \(s).sites (site_id, name, kind, latitude, longitude, elevation_m, capacity_kw, time_zone)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT (site_id) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind,
              latitude = EXCLUDED.latitude, longitude = EXCLUDED.longitude,
              elevation_m = EXCLUDED.elevation_m, capacity_kw = EXCLUDED.capacity_kw,
              time_zone = EXCLUDED.time_zone, updated_time = now()
            RETURNING (xmax = 0) AS created
            """,
            [
              .text(site.siteID), .text(site.name), .int32(site.kind.rawValue),
              .double(site.latitude),
              .double(site.longitude), .double(site.elevationM), .double(site.capacityKw),
              .text(site.timeZone.isEmpty ? "UTC" : site.timeZone),
            ])
          if try rows[0].decode(Bool.self, "created") {
            response.sitesCreated += 1
          } else {
            response.sitesUpdated += 1
          }
        }
        for asset in request.assets {
          let known = try await transaction.query(
            "SELECT 1 FROM \(s).sites WHERE site_id = $1", [.text(asset.siteID)])
          guard !known.isEmpty else {
            throw FeatureError.invalidArgument(
              "asset \(asset.assetID): site \(asset.siteID) does not exist")
          }
          let attributes = try JSONSerialization.data(
            withJSONObject: asset.attributes, options: [.sortedKeys])
          let rows = try await transaction.query(
            """
            INSERT INTO \(s).assets (asset_id, site_id, kind, parent_asset_id, manufacturer, model,
              rated_power_kw, string_count, commissioned_time, attributes)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            ON CONFLICT (asset_id) DO UPDATE SET site_id = EXCLUDED.site_id, kind = EXCLUDED.kind,
              parent_asset_id = EXCLUDED.parent_asset_id, manufacturer = EXCLUDED.manufacturer,
              model = EXCLUDED.model, rated_power_kw = EXCLUDED.rated_power_kw,
              string_count = EXCLUDED.string_count, commissioned_time = EXCLUDED.commissioned_time,
              attributes = EXCLUDED.attributes, updated_time = now()
            RETURNING (xmax = 0) AS created
            """,
            [
              .text(asset.assetID), .text(asset.siteID), .int32(asset.kind.rawValue),
              asset.parentAssetID.isEmpty ? .null : .text(asset.parentAssetID),
              .text(asset.manufacturer),
              .text(asset.model), .double(asset.ratedPowerKw), .int64(Int64(asset.stringCount)),
              asset.commissionedTimeUs == 0
                ? .null : .timestamp(Self.date(microseconds: asset.commissionedTimeUs)),
              .json(String(decoding: attributes, as: UTF8.self)),
            ])
          if try rows[0].decode(Bool.self, "created") {
            response.assetsCreated += 1
          } else {
            response.assetsUpdated += 1
          }
        }
        return response
      }
    } catch {
      throw FeatureError.storage(error, doing: "storing sites and assets")
    }
  }

  /// The ids among `assetIDs` that are not registered assets, in the order given.
  /// - Parameter assetIDs: Ids to check.
  /// - Returns: The unknown ones.
  /// - Throws: A storage error.
  package func unknownAssets(_ assetIDs: [String]) async throws -> [String] {
    guard !assetIDs.isEmpty else { return [] }
    do {
      let rows = try await self.pool.query(
        "SELECT asset_id FROM \(self.schema).assets WHERE asset_id = ANY($1::text[])",
        [.text(PostgresArrayText.literal(assetIDs))])
      let known = Set(try rows.map { try $0.decode(String.self, "asset_id") })
      return assetIDs.filter { !known.contains($0) }
    } catch {
      throw FeatureError.storage(error, doing: "looking up assets")
    }
  }

  // MARK: - Ingestion

  /// Validates and loads one batch: all of it in one transaction, or nothing.
  ///
  /// The partitions for the batch's days are created first (in their own short transactions;
  /// an empty partition left by a failed batch is harmless). A batch whose non-empty id was
  /// loaded before is skipped.
  /// - Parameters:
  ///   - batch: The batch.
  ///   - nowUs: The server's clock (microseconds since 1970), for the future-time check.
  ///   - ingestedTimeUs: Stored as every row's ingestion time; defaults to `nowUs`.
  /// - Returns: What was loaded.
  /// - Throws: ``FeatureError`` `invalidArgument` naming the first bad row (malformed, unknown
  ///   asset, out-of-range time, a row already stored), or a storage error.
  package func ingest(
    _ batch: TelemetryBatch, nowUs: Int64 = TelemetryStore.nowMicroseconds(),
    ingestedTimeUs: Int64? = nil
  ) async throws -> BatchOutcome {
    let validated = try self.validator.validate(batch, nowUs: nowUs)
    let label = batch.batchID.isEmpty ? "batch" : "batch '\(batch.batchID)'"
    let unknown = Set(try await self.unknownAssets(validated.assetIDs))
    if !unknown.isEmpty {
      if let index = batch.rows.firstIndex(where: { unknown.contains($0.assetID) }) {
        throw FeatureError.invalidArgument(
          "\(label), row \(index + 1): asset \(batch.rows[index].assetID) is unknown; register it with UpsertAssets first"
        )
      }
      let index = batch.events.firstIndex(where: { unknown.contains($0.assetID) }) ?? 0
      throw FeatureError.invalidArgument(
        "\(label), event \(index + 1): asset \(batch.events[index].assetID) is unknown")
    }
    do {
      try await self.ensurePartitions(validated.days)
    } catch {
      throw FeatureError.storage(error, doing: "creating telemetry partitions")
    }
    let columnSetID = batch.rows.isEmpty ? 0 : try await self.columnSetID(batch.columns)

    let ingested = Self.date(microseconds: ingestedTimeUs ?? nowUs)
    let batchID = PostgresValue.text(batch.batchID)
    var rows: [[PostgresValue]] = []
    rows.reserveCapacity(batch.rows.count)
    for row in batch.rows {
      rows.append([
        .text(row.assetID), .timestamp(Self.date(microseconds: row.eventTimeUs)),
        .timestamp(ingested),
        .int32(columnSetID), .text(PostgresArrayText.literal(row.values)),
        .int32(row.status.rawValue),
        .int32(row.errorCode), batchID,
      ])
    }
    let events: [[PostgresValue]] = batch.events.map { event in
      [
        .text(event.assetID), .int32(event.kind.rawValue),
        .timestamp(Self.date(microseconds: event.startTimeUs)),
        event.endTimeUs == 0 ? .null : .timestamp(Self.date(microseconds: event.endTimeUs)),
        .text(event.code),
        .int64(Int64(event.stringIndex)), .text(event.description), .timestamp(ingested), batchID,
      ]
    }
    let s = self.schema
    do {
      let loaded = try await self.pool.withTransaction { transaction -> Bool in
        if !batch.batchID.isEmpty {
          let inserted = try await transaction.execute(
            """
            INSERT INTO \(s).ingested_batches (batch_id, ingested_time, row_count, event_count)
            VALUES ($1, $2, $3, $4) ON CONFLICT (batch_id) DO NOTHING
            """,
            [batchID, .timestamp(ingested), .int64(Int64(rows.count)), .int64(Int64(events.count))])
          if inserted == 0 { return false }
        }
        if !rows.isEmpty {
          try await transaction.copyFrom(
            table: PostgresTableName("telemetry", schema: s),
            columns: [
              "asset_id", "event_time", "ingested_time", "column_set_id", "measurements", "status",
              "error_code", "batch_id",
            ], rows: rows)
        }
        if !events.isEmpty {
          try await transaction.copyFrom(
            table: PostgresTableName("asset_events", schema: s),
            columns: [
              "asset_id", "kind", "start_time", "end_time", "code", "string_index", "description",
              "ingested_time", "batch_id",
            ], rows: events)
        }
        return true
      }
      guard loaded else { return .duplicate }
    } catch let error as PostgresError where error.sqlState == "23505" {
      throw try await self.describeStoredDuplicate(batch, label: label, cause: error)
    } catch {
      throw FeatureError.storage(error, doing: "loading \(label)")
    }
    return .loaded(
      rows: rows.count, events: events.count, assetIDs: validated.assetIDs,
      eventTimeRange: validated.eventTimeRange)
  }

  /// After COPY hit the primary key: finds the first row of `batch` already stored.
  private func describeStoredDuplicate(
    _ batch: TelemetryBatch, label: String, cause: PostgresError
  ) async throws -> FeatureError {
    let rows = try await self.pool.query(
      """
      SELECT b.ordinality AS row_number
      FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS b (asset_id, event_time_us, ordinality)
      JOIN \(self.schema).telemetry t
        ON t.asset_id = b.asset_id AND t.event_time = timestamptz 'epoch' + b.event_time_us * interval '1 microsecond'
      ORDER BY b.ordinality LIMIT 1
      """,
      [
        .text(PostgresArrayText.literal(batch.rows.map(\.assetID))),
        .text("{" + batch.rows.map { String($0.eventTimeUs) }.joined(separator: ",") + "}"),
      ])
    guard let first = rows.first, let number = try? first.decode(Int.self, "row_number"),
      number >= 1,
      number <= batch.rows.count
    else {
      return FeatureError(
        code: .invalidArgument,
        message: "\(label): a row has the asset and event time of a row already stored",
        cause: cause)
    }
    let row = batch.rows[number - 1]
    return FeatureError(
      code: .invalidArgument,
      message: "\(label), row \(number) (asset \(row.assetID)): a row for event time "
        + "\(TelemetryBatchValidator.timeText(row.eventTimeUs)) is already stored",
      cause: cause)
  }

  /// Creates the day partitions that do not exist yet.
  private func ensurePartitions(_ days: [Int64]) async throws {
    let missing = self.knownPartitions.withLock { known in days.filter { !known.contains($0) } }
    guard !missing.isEmpty else { return }
    let s = self.schema
    for day in missing {
      // Names and bounds come from the day number, never from input text.
      let name = "telemetry_" + CivilDate.isoDate(day).replacingOccurrences(of: "-", with: "")
      try await self.pool.withTransaction { transaction in
        // Replicas creating the same partition at once queue on this lock instead of failing.
        try await transaction.execute(
          "SELECT pg_advisory_xact_lock(hashtext($1))", [.text("\(s).\(name)")])
        try await transaction.execute(
          """
          CREATE TABLE IF NOT EXISTS \(s).\(name) PARTITION OF \(s).telemetry
          FOR VALUES FROM ('\(CivilDate.isoDate(day)) 00:00:00+00') TO ('\(CivilDate.isoDate(day + 1)) 00:00:00+00')
          """)
      }
      _ = self.knownPartitions.withLock { $0.insert(day) }
    }
  }

  /// The id of a column list, registering it the first time.
  private func columnSetID(_ columns: [String]) async throws -> Int32 {
    if let id = self.columnSetIDs.withLock({ $0[columns] }) { return id }
    let s = self.schema
    do {
      let literal = PostgresValue.text(PostgresArrayText.literal(columns))
      try await self.pool.execute(
        "INSERT INTO \(s).column_sets (columns) VALUES ($1::text[]) ON CONFLICT (columns) DO NOTHING",
        [literal])
      let rows = try await self.pool.query(
        "SELECT column_set_id FROM \(s).column_sets WHERE columns = $1::text[]", [literal])
      let id = try rows[0].decode(Int32.self, "column_set_id")
      self.columnSetIDs.withLock { $0[columns] = id }
      return id
    } catch {
      throw FeatureError.storage(error, doing: "registering the batch's columns")
    }
  }

  // MARK: - Online figures

  /// Per asset: its latest row, and the 1-hour means of AC power and temperature over the hour
  /// that ends at that row (NaN values left out).
  /// - Parameter assetIDs: The assets; those without telemetry are left out of the result.
  /// - Returns: One snapshot per asset with telemetry.
  /// - Throws: A storage error.
  package func snapshots(of assetIDs: [String]) async throws -> [AssetSnapshot] {
    guard !assetIDs.isEmpty else { return [] }
    let s = self.schema
    let rows: PostgresRows
    do {
      rows = try await self.pool.query(
        """
        WITH latest AS (
          SELECT a.asset_id, l.event_time, l.column_set_id, l.measurements, l.status, l.error_code
          FROM unnest($1::text[]) AS a (asset_id)
          CROSS JOIN LATERAL (
            SELECT t.event_time, t.column_set_id, t.measurements, t.status, t.error_code
            FROM \(s).telemetry t WHERE t.asset_id = a.asset_id
            ORDER BY t.event_time DESC LIMIT 1) l
        )
        SELECT l.asset_id, (extract(epoch FROM l.event_time) * 1000000)::bigint AS event_time_us,
          c.columns::text AS columns, l.measurements::text AS measurements, l.status, l.error_code,
          w.ac_power_mean, w.temperature_mean, w.sample_count
        FROM latest l
        JOIN \(s).column_sets c ON c.column_set_id = l.column_set_id
        CROSS JOIN LATERAL (
          SELECT avg(v.ac_power) FILTER (WHERE v.ac_power <> 'NaN') AS ac_power_mean,
            avg(v.temperature) FILTER (WHERE v.temperature <> 'NaN') AS temperature_mean,
            count(*) AS sample_count
          FROM (
            SELECT t.measurements[array_position(tc.columns, 'ac_power_kw')] AS ac_power,
              t.measurements[array_position(tc.columns, 'temperature_c')] AS temperature
            FROM \(s).telemetry t JOIN \(s).column_sets tc ON tc.column_set_id = t.column_set_id
            WHERE t.asset_id = l.asset_id AND t.event_time > l.event_time - interval '1 hour'
              AND t.event_time <= l.event_time) v
        ) w
        """, [.text(PostgresArrayText.literal(assetIDs))])
    } catch {
      throw FeatureError.storage(error, doing: "reading the latest telemetry")
    }
    return try rows.map { row in
      guard let columns = PostgresArrayText.identifiers(try row.decode(String.self, "columns")),
        let values = PostgresArrayText.doubles(try row.decode(String.self, "measurements")),
        columns.count == values.count
      else {
        throw FeatureError(
          code: .internalError, message: "a stored telemetry row does not match its columns")
      }
      return AssetSnapshot(
        assetID: try row.decode(String.self, "asset_id"),
        eventTimeUs: try row.decode(Int64.self, "event_time_us"),
        columns: columns, values: values,
        status: AssetStatus(rawValue: try row.decode(Int32.self, "status")),
        errorCode: try row.decode(Int32.self, "error_code"),
        acPowerMean1h: try row.decode(Double?.self, "ac_power_mean"),
        temperatureMean1h: try row.decode(Double?.self, "temperature_mean"),
        sampleCount1h: try row.decode(Int64.self, "sample_count"))
    }
  }

  // MARK: - Time

  /// The current time in microseconds since 1970.
  package static func nowMicroseconds() -> Int64 {
    Int64((Date().timeIntervalSince1970 * 1_000_000).rounded())
  }

  /// A `Date` for microseconds since 1970, built from the 2001 reference so that the client's
  /// microsecond rounding gives back exactly `microseconds`.
  static func date(microseconds: Int64) -> Date {
    Date(timeIntervalSinceReferenceDate: Double(microseconds - 978_307_200_000_000) / 1_000_000)
  }
}
