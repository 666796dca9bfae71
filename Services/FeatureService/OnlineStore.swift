package import RedisClient
package import WireProtos

/// The online feature store in Redis: one hash per (view, asset) with a TTL, written by one
/// script call per ingested batch (newer values win) and read for many assets in one round trip.
///
/// A hash holds each feature as decimal text and `@event_time_us`, the event time its values
/// describe. A value older than its view's TTL is served STALE; Redis drops the hash after
/// `retentionFactor` TTLs from the write, after which its values are MISSING.
package final class OnlineStore: Sendable {
  /// The connections to use.
  package let redis: RedisPool
  /// Prefix of every key: `<prefix>:<view>:<asset>`.
  package let keyPrefix: String
  /// The views served.
  package let views: [OnlineFeatureView]
  /// How many TTLs a hash lives in Redis after it was written.
  package let retentionFactor: Int64
  /// The most assets one read may ask for.
  package static let maximumAssetsPerRead = 1000

  private static let timeField = "@event_time_us"

  /// Creates a store.
  /// - Parameters:
  ///   - redis: The connections.
  ///   - keyPrefix: Prefix of every key; tests use their own.
  ///   - views: The views served.
  ///   - retentionFactor: How many TTLs a hash outlives its write (at least 1).
  package init(
    redis: RedisPool, keyPrefix: String = "dcmms:features",
    views: [OnlineFeatureView] = OnlineFeatureView.builtIn,
    retentionFactor: Int64 = 2
  ) {
    precondition(retentionFactor >= 1, "a hash must live at least one TTL")
    self.redis = redis
    self.keyPrefix = keyPrefix
    self.views = views
    self.retentionFactor = retentionFactor
  }

  /// The key of one view's hash for one asset.
  package func key(view: String, assetID: String) -> String {
    "\(self.keyPrefix):\(view):\(assetID)"
  }

  // MARK: - Writing

  /// Replaces the built-in views' hashes of every asset in `snapshots`, atomically, in one
  /// round trip; a hash that already holds a newer event time is left alone.
  /// - Parameter snapshots: Latest rows and aggregates, from ``TelemetryStore/snapshots(of:)``.
  /// - Throws: ``FeatureError`` `unavailable` when Redis cannot be reached, else `internalError`.
  package func write(_ snapshots: [AssetSnapshot]) async throws {
    guard !snapshots.isEmpty else { return }
    var keys: [RedisArgument] = []
    var arguments: [RedisArgument] = []
    for snapshot in snapshots {
      for view in self.views {
        let fields = Self.fields(of: view, snapshot)
        keys.append(.string(self.key(view: view.name, assetID: snapshot.assetID)))
        arguments.append(.integer(snapshot.eventTimeUs))
        arguments.append(.integer(view.ttlSeconds * self.retentionFactor * 1000))
        arguments.append(.integer(Int64(fields.count)))
        for (name, value) in fields {
          arguments.append(.string(name))
          arguments.append(.string(value.description))
        }
      }
    }
    do {
      let reply = try await self.redis.send(
        ["EVAL", .string(Self.replaceIfNotOlder), .integer(Int64(keys.count))] + keys + arguments)
      _ = try reply.checked("EVAL")
    } catch {
      throw FeatureError.storage(error, doing: "writing online features")
    }
  }

  /// Replaces each hash unless it holds a newer event time, and sets its TTL; one script, so
  /// atomic and one round trip. Two writers racing (two ingestion streams, two replicas) cannot
  /// put an older snapshot over a newer one. DEL before HSET: a column that is NaN now must not
  /// keep an older value under the newer time.
  ///
  /// KEYS: the hashes. ARGV per key: event time (µs), TTL (ms), field count, then field/value
  /// pairs. Returns how many hashes were written.
  private static let replaceIfNotOlder = """
    local position = 1
    local written = 0
    for _, key in ipairs(KEYS) do
      local time = ARGV[position]
      local ttl = ARGV[position + 1]
      local count = tonumber(ARGV[position + 2])
      position = position + 3
      local current = redis.call('HGET', key, '@event_time_us')
      if (not current) or tonumber(current) <= tonumber(time) then
        redis.call('DEL', key)
        local fields = {'@event_time_us', time}
        for index = 0, count - 1 do
          fields[#fields + 1] = ARGV[position + 2 * index]
          fields[#fields + 1] = ARGV[position + 2 * index + 1]
        end
        redis.call('HSET', key, unpack(fields))
        redis.call('PEXPIRE', key, ttl)
        written = written + 1
      end
      position = position + 2 * count
    end
    return written
    """

  /// The features of `view` in `snapshot`; NaN values and absent aggregates are left out.
  static func fields(of view: OnlineFeatureView, _ snapshot: AssetSnapshot) -> [(String, Double)] {
    var fields: [(String, Double)] = []
    switch view.name {
    case OnlineFeatureView.latest.name:
      fields.append(("asset_status", Double(snapshot.status.rawValue)))
      fields.append(("error_code", Double(snapshot.errorCode)))
      for (column, value) in zip(snapshot.columns, snapshot.values) where !value.isNaN {
        fields.append((column, value))
      }
    case OnlineFeatureView.hourly.name:
      if let mean = snapshot.acPowerMean1h { fields.append(("ac_power_kw_mean_1h", mean)) }
      if let mean = snapshot.temperatureMean1h { fields.append(("temperature_c_mean_1h", mean)) }
      fields.append(("sample_count_1h", Double(snapshot.sampleCount1h)))
    default:
      break
    }
    return fields
  }

  // MARK: - Reading

  /// Reads features of many assets in one Redis round trip.
  ///
  /// Rows follow `request.assetIDs` (repeats included). Each value has a status: PRESENT,
  /// STALE (older than the view's TTL) or MISSING (NaN; also for an unknown asset, which has
  /// no hash). `value_time_us` holds each value's event time, 0 when missing; each row's
  /// `event_time_us` is the time of the read.
  /// - Parameters:
  ///   - request: `view:feature` or `view:*` references and asset ids.
  ///   - nowUs: The clock the TTL is checked against, microseconds since 1970.
  /// - Returns: The feature matrix.
  /// - Throws: ``FeatureError`` `invalidArgument` naming malformed or unknown references and
  ///   bad asset ids; `unavailable` when Redis cannot be reached.
  package func read(_ request: GetOnlineFeaturesRequest, nowUs: Int64) async throws
    -> GetOnlineFeaturesResponse
  {
    let references = try self.parse(request.features)
    guard !request.assetIDs.isEmpty else {
      throw FeatureError.invalidArgument("no asset ids were given")
    }
    guard request.assetIDs.count <= Self.maximumAssetsPerRead else {
      throw FeatureError.invalidArgument(
        "\(request.assetIDs.count) assets is more than the \(Self.maximumAssetsPerRead) one call may read"
      )
    }
    if let bad = request.assetIDs.first(where: { !TelemetryBatchValidator.isValidAssetID($0) }) {
      throw FeatureError.invalidArgument(
        "asset id '\(bad.prefix(64))' is empty, too long or has control characters")
    }
    var viewsRead: [OnlineFeatureView] = []
    for reference in references where !viewsRead.contains(reference.view) {
      viewsRead.append(reference.view)
    }

    let keys = request.assetIDs.flatMap { asset in
      viewsRead.map { self.key(view: $0.name, assetID: asset) }
    }
    let hashes: [[String: [UInt8]]]
    do {
      hashes = try await self.redis.connection.hashGetAll(keys: keys)
    } catch {
      throw FeatureError.storage(error, doing: "reading online features")
    }
    let viewIndex = Dictionary(uniqueKeysWithValues: viewsRead.enumerated().map { ($1.name, $0) })
    func hash(row: Int, view: OnlineFeatureView) -> [String: [UInt8]] {
      let index = row * viewsRead.count + viewIndex[view.name, default: 0]
      return hashes.indices.contains(index) ? hashes[index] : [:]
    }

    // Resolve wildcards into names, in request order, without repeats.
    var columns: [(view: OnlineFeatureView, feature: String)] = []
    var seen = Set<String>()
    for reference in references {
      let names: [String]
      if let feature = reference.feature {
        names = [feature]
      } else if let fixed = reference.view.features {
        names = fixed
      } else {
        var found = Set<String>()
        for row in request.assetIDs.indices {
          for field in hash(row: row, view: reference.view).keys where !field.hasPrefix("@") {
            found.insert(field)
          }
        }
        names = found.sorted()
      }
      for name in names where seen.insert("\(reference.view.name):\(name)").inserted {
        columns.append((reference.view, name))
      }
    }

    var matrix = FeatureMatrix()
    matrix.featureNames = columns.map { "\($0.view.name):\($0.feature)" }
    matrix.entityIDs = request.assetIDs
    matrix.eventTimeUs = Array(repeating: nowUs, count: request.assetIDs.count)
    let count = request.assetIDs.count * columns.count
    matrix.values.reserveCapacity(count)
    matrix.statuses.reserveCapacity(count)
    var valueTimes: [Int64] = []
    valueTimes.reserveCapacity(count)
    for row in request.assetIDs.indices {
      // Each view's hash and event time, looked up once per row.
      let rowHashes = viewsRead.map { hash(row: row, view: $0) }
      let rowTimes = rowHashes.map { fields in
        fields[Self.timeField].flatMap { Int64(String(decoding: $0, as: UTF8.self)) }
      }
      for (view, feature) in columns {
        let position = viewIndex[view.name, default: 0]
        guard let bytes = rowHashes[position][feature],
          let value = Double(String(decoding: bytes, as: UTF8.self)),
          let time = rowTimes[position]
        else {
          matrix.values.append(.nan)
          matrix.statuses.append(.missing)
          valueTimes.append(0)
          continue
        }
        matrix.values.append(value)
        matrix.statuses.append(nowUs - time > view.ttlSeconds * 1_000_000 ? .stale : .present)
        valueTimes.append(time)
      }
    }
    var response = GetOnlineFeaturesResponse()
    response.features = matrix
    response.valueTimeUs = valueTimes
    return response
  }

  /// A parsed `view:feature` (feature nil for `view:*`).
  private struct Reference {
    var view: OnlineFeatureView
    var feature: String?
  }

  private func parse(_ texts: [String]) throws(FeatureError) -> [Reference] {
    guard !texts.isEmpty else {
      throw .invalidArgument("no features were asked for; use \"view:feature\" or \"view:*\"")
    }
    var references: [Reference] = []
    var problems: [String] = []
    for text in texts {
      let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
      guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
        problems.append("'\(text.prefix(80))' is not \"view:feature\"")
        continue
      }
      guard let view = self.views.first(where: { $0.name == parts[0] }) else {
        problems.append("'\(text.prefix(80))' names unknown view '\(parts[0].prefix(64))'")
        continue
      }
      let feature = String(parts[1])
      if feature == "*" {
        references.append(Reference(view: view, feature: nil))
      } else if let fixed = view.features, !fixed.contains(feature) {
        problems.append(
          "'\(text.prefix(80))': view \(view.name) has no feature '\(feature.prefix(64))'")
      } else if view.features == nil, !TelemetryBatchValidator.isValidColumnName(feature) {
        problems.append(
          "'\(text.prefix(80))': '\(feature.prefix(64))' is not a telemetry column name")
      } else {
        references.append(Reference(view: view, feature: feature))
      }
    }
    guard problems.isEmpty else {
      throw .invalidArgument(
        "unknown or malformed features: \(problems.joined(separator: "; ")) "
          + "(online views: \(self.views.map(\.name).joined(separator: ", ")))")
    }
    return references
  }
}
