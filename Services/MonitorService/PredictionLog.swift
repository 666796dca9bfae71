import Foundation
import PostgresClient
import RPCCore
import WireProtos

/// The prediction log and outcomes, in PostgreSQL: batched, idempotent ingestion and the
/// serving figures computed from it.
struct PredictionLog: Sendable {
  let pool: PostgresPool

  /// Stores a batch of predictions once: a replayed batch, or a record already stored under its
  /// request id and time, is counted as a duplicate and changes nothing.
  /// - Throws: `RPCError` (INVALID_ARGUMENT) naming the first bad record; nothing is stored then.
  func record(_ request: RecordPredictionsRequest) async throws -> RecordPredictionsResponse {
    let rows = try Self.validatedRows(request)
    var response = RecordPredictionsResponse()
    try await self.pool.withTransaction { transaction in
      let fresh = try await transaction.query(
        "INSERT INTO monitor.prediction_batches (batch_id, source, records) VALUES ($1, $2, $3) ON CONFLICT (batch_id) DO NOTHING RETURNING batch_id",
        [.text(request.batchID), .text(request.source), .int32(Int32(clamping: rows.count))])
      guard fresh.count == 1 else {
        response.duplicateBatch = true
        response.duplicates = UInt64(rows.count)
        return
      }
      guard !rows.isEmpty else { return }
      try await Self.ensurePartitions(for: rows.map(\.timeUs), in: transaction)
      let inserted = try await transaction.query(
        """
        INSERT INTO monitor.predictions (time, request_id, model_name, model_version, role, asset_id,
          value, label, confidence, risk_level, latency_us, status_code, feature_names, feature_values, batch_id)
        SELECT to_timestamp(r.time_us::double precision / 1000000), r.request_id, r.model_name,
          r.model_version, r.role, r.asset_id, r.value, r.label, r.confidence, r.risk_level,
          r.latency_us, r.status_code,
          ARRAY(SELECT jsonb_array_elements_text(r.feature_names)),
          ARRAY(SELECT (x)::double precision FROM jsonb_array_elements_text(r.feature_values) AS x), $2
        FROM jsonb_to_recordset($1::jsonb) AS r(time_us bigint, request_id text, model_name text,
          model_version text, role smallint, asset_id text, value double precision, label text,
          confidence double precision, risk_level smallint, latency_us bigint, status_code integer,
          feature_names jsonb, feature_values jsonb)
        ON CONFLICT (time, request_id) DO NOTHING
        RETURNING request_id
        """,
        [.json(try Self.json(rows)), .text(request.batchID)])
      response.accepted = UInt64(inserted.count)
      response.duplicates = UInt64(rows.count - inserted.count)
    }
    return response
  }

  /// Stores a batch of outcomes once and reports how many joined a logged prediction.
  func record(_ request: RecordOutcomesRequest) async throws -> RecordOutcomesResponse {
    guard !request.batchID.isEmpty else {
      throw RPCError(code: .invalidArgument, message: "batch_id is required")
    }
    for (index, outcome) in request.outcomes.enumerated() {
      guard !outcome.requestID.isEmpty || (!outcome.assetID.isEmpty && !outcome.modelName.isEmpty) else {
        throw RPCError(
          code: .invalidArgument, message: "outcome \(index): give request_id, or asset_id with model_name")
      }
      guard outcome.value.isFinite || !outcome.label.isEmpty else {
        throw RPCError(code: .invalidArgument, message: "outcome \(index): value is not a finite number and has no label")
      }
    }
    var response = RecordOutcomesResponse()
    try await self.pool.withTransaction { transaction in
      let fresh = try await transaction.query(
        "INSERT INTO monitor.outcome_batches (batch_id, records) VALUES ($1, $2) ON CONFLICT (batch_id) DO NOTHING RETURNING batch_id",
        [.text(request.batchID), .int32(Int32(clamping: request.outcomes.count))])
      guard fresh.count == 1 else {
        response.duplicateBatch = true
        response.duplicates = UInt64(request.outcomes.count)
        return
      }
      for outcome in request.outcomes {
        try await transaction.execute(
          """
          INSERT INTO monitor.outcomes (batch_id, request_id, asset_id, model_name, event_time, value, label)
          VALUES ($1, $2, $3, $4, CASE WHEN $5::bigint = 0 THEN NULL ELSE to_timestamp($5::double precision / 1000000) END, $6, $7)
          """,
          [
            .text(request.batchID), .text(outcome.requestID), .text(outcome.assetID), .text(outcome.modelName),
            .int64(outcome.eventTimeUs), outcome.value.isFinite ? .double(outcome.value) : .null, .text(outcome.label),
          ])
        let matched = try await transaction.query(
          "SELECT 1 FROM monitor.predictions WHERE request_id = $1 AND $1 <> '' LIMIT 1", [.text(outcome.requestID)])
        response.matched += matched.isEmpty ? 0 : 1
        response.accepted += 1
      }
    }
    return response
  }

  /// Traffic, errors, latency percentiles, confidence and the distribution of predictions of a
  /// model (one version or all) over a window.
  func performance(_ request: GetPerformanceRequest) async throws -> PerformanceSummary {
    guard !request.modelName.isEmpty else {
      throw RPCError(code: .invalidArgument, message: "model_name is required")
    }
    guard let window = request.window, window.endTimeUs > window.startTimeUs else {
      throw RPCError(code: .invalidArgument, message: "the window must end after it starts")
    }
    let filter = """
      FROM monitor.predictions WHERE model_name = $1 AND ($2 = '' OR model_version = $2)
        AND time >= to_timestamp($3::double precision / 1000000) AND time < to_timestamp($4::double precision / 1000000)
      """
    let parameters: [PostgresValue] = [
      .text(request.modelName), .text(request.modelVersion), .int64(window.startTimeUs), .int64(window.endTimeUs),
    ]
    let rows = try await self.pool.query(
      """
      SELECT count(*) AS requests, count(*) FILTER (WHERE status_code <> 0) AS errors,
        coalesce(percentile_disc(0.50) WITHIN GROUP (ORDER BY latency_us), 0) AS p50,
        coalesce(percentile_disc(0.95) WITHIN GROUP (ORDER BY latency_us), 0) AS p95,
        coalesce(percentile_disc(0.99) WITHIN GROUP (ORDER BY latency_us), 0) AS p99,
        coalesce(avg(confidence) FILTER (WHERE status_code = 0), 0) AS mean_confidence,
        min(value) AS low, max(value) AS high,
        count(*) FILTER (WHERE risk_level = 0) AS risk0, count(*) FILTER (WHERE risk_level = 1) AS risk1,
        count(*) FILTER (WHERE risk_level = 2) AS risk2, count(*) FILTER (WHERE risk_level = 3) AS risk3
      \(filter)
      """, parameters)
    guard let row = rows.first else { throw RPCError(code: .internalError, message: "no summary row") }
    var summary = PerformanceSummary()
    summary.modelName = request.modelName
    summary.modelVersion = request.modelVersion
    summary.window = window
    summary.requests = UInt64(try row.decode(Int64.self, "requests"))
    summary.errors = UInt64(try row.decode(Int64.self, "errors"))
    summary.errorRate = summary.requests == 0 ? 0 : Double(summary.errors) / Double(summary.requests)
    summary.throughputRps = Double(summary.requests) / (Double(window.endTimeUs - window.startTimeUs) / 1e6)
    summary.latencyP50Us = try row.decode(Int64.self, "p50")
    summary.latencyP95Us = try row.decode(Int64.self, "p95")
    summary.latencyP99Us = try row.decode(Int64.self, "p99")
    summary.meanConfidence = try row.decode(Double.self, "mean_confidence")
    summary.riskLevelCounts = try ["risk0", "risk1", "risk2", "risk3"].map { UInt64(try row.decode(Int64.self, $0)) }
    if let low = try row.decode(Double?.self, "low"), let high = try row.decode(Double?.self, "high") {
      let bins = 10
      let width = high > low ? (high - low) / Double(bins) : 1
      summary.valueBinEdges = (0...bins).map { low + Double($0) * width }
      let counts = try await self.pool.query(
        """
        SELECT least(width_bucket(value, $5, $6, \(bins)), \(bins)) AS bin, count(*) AS n
        \(filter) AND value IS NOT NULL GROUP BY 1 ORDER BY 1
        """, parameters + [.double(low), .double(low + width * Double(bins))])
      var binCounts = [UInt64](repeating: 0, count: bins)
      for countRow in counts {
        let bin = Int(try countRow.decode(Int32.self, "bin"))
        binCounts[min(max(bin, 1), bins) - 1] += UInt64(try countRow.decode(Int64.self, "n"))
      }
      summary.valueBinCounts = binCounts
    }
    return summary
  }

  // MARK: - Validation and encoding

  private struct Row {
    var timeUs: Int64
    var record: PredictionRecord
    var group: PredictionGroup
  }

  private static func validatedRows(_ request: RecordPredictionsRequest) throws -> [Row] {
    guard !request.batchID.isEmpty else {
      throw RPCError(code: .invalidArgument, message: "batch_id is required")
    }
    var rows: [Row] = []
    for (groupIndex, group) in request.groups.enumerated() {
      guard !group.modelName.isEmpty, !group.modelVersion.isEmpty else {
        throw RPCError(code: .invalidArgument, message: "group \(groupIndex): model_name and model_version are required")
      }
      for (index, record) in group.records.enumerated() {
        let place = "group \(groupIndex) record \(index)"
        guard !record.requestID.isEmpty else {
          throw RPCError(code: .invalidArgument, message: "\(place): request_id is required")
        }
        // 2000-01-01 to 2100-01-01: anything else is a unit mistake (seconds or nanoseconds).
        guard (946_684_800_000_000..<4_102_444_800_000_000).contains(record.timeUs) else {
          throw RPCError(code: .invalidArgument, message: "\(place): time_us \(record.timeUs) is not a Unix time in microseconds")
        }
        guard record.featureValues.count == group.featureNames.count || record.featureValues.isEmpty else {
          throw RPCError(
            code: .invalidArgument,
            message: "\(place): \(record.featureValues.count) feature values for \(group.featureNames.count) feature names")
        }
        guard record.latencyUs >= 0 else {
          throw RPCError(code: .invalidArgument, message: "\(place): latency_us is negative")
        }
        rows.append(Row(timeUs: record.timeUs, record: record, group: group))
      }
    }
    return rows
  }

  /// The rows as a JSON array for `jsonb_to_recordset`; NaN (missing) becomes null.
  private static func json(_ rows: [Row]) throws -> String {
    func number(_ value: Double) -> Any { value.isFinite ? value : NSNull() }
    let objects: [[String: Any]] = rows.map { row in
      let record = row.record
      return [
        "time_us": row.timeUs, "request_id": record.requestID, "model_name": row.group.modelName,
        "model_version": row.group.modelVersion, "role": row.group.role.rawValue, "asset_id": record.assetID,
        "value": record.statusCode == 0 ? number(record.value) : NSNull(), "label": record.label,
        "confidence": record.statusCode == 0 ? number(record.confidence) : NSNull(),
        "risk_level": record.riskLevel.rawValue, "latency_us": record.latencyUs, "status_code": record.statusCode,
        "feature_names": row.group.featureNames,
        "feature_values": record.featureValues.map { $0.isFinite ? String($0) : "NaN" },
      ]
    }
    let data = try JSONSerialization.data(withJSONObject: objects)
    return String(decoding: data, as: UTF8.self)
  }

  /// Creates the day partitions the batch needs, under a lock so replicas do not race.
  private static func ensurePartitions(for times: [Int64], in transaction: PostgresTransaction) async throws {
    let days = Set(times.map { $0 / 86_400_000_000 })
    try await transaction.execute("SELECT pg_advisory_xact_lock(hashtext('monitor.predictions partitions'))")
    for day in days.sorted() {
      let start = Date(timeIntervalSince1970: Double(day) * 86_400)
      var calendar = Calendar(identifier: .gregorian)
      calendar.timeZone = TimeZone(identifier: "UTC")!
      let parts = calendar.dateComponents([.year, .month, .day], from: start)
      let name = String(format: "predictions_p%04d%02d%02d", parts.year!, parts.month!, parts.day!)
      let from = String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
      let nextParts = calendar.dateComponents([.year, .month, .day], from: start.addingTimeInterval(86_400))
      let to = String(format: "%04d-%02d-%02d", nextParts.year!, nextParts.month!, nextParts.day!)
      // Names and bounds come from integers formatted above, never from client text.
      try await transaction.execute(
        "CREATE TABLE IF NOT EXISTS monitor.\(name) PARTITION OF monitor.predictions FOR VALUES FROM ('\(from) 00:00:00+00') TO ('\(to) 00:00:00+00')"
      )
    }
  }
}
