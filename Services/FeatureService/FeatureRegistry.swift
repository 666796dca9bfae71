import Foundation
package import PostgresClient
package import WireProtos

/// Feature view definitions in PostgreSQL: name, entities, features with type and
/// description, TTL, owner, and a revision that grows with every change.
package struct FeatureRegistry: Sendable {
  /// The pool every query leases from.
  package let pool: PostgresPool
  /// The schema the tables live in.
  package let schema: String

  /// Creates a registry over `pool`.
  /// - Parameters:
  ///   - pool: The connections.
  ///   - schema: The schema migrated by ``FeatureSchema``.
  package init(pool: PostgresPool, schema: String = FeatureSchema.defaultName) {
    self.pool = pool
    self.schema = schema
  }

  /// Registers a view, or returns it unchanged when the same spec is registered again.
  /// - Parameters:
  ///   - spec: The view's definition.
  ///   - replaceExisting: Whether a different spec under the same name replaces the old one.
  ///   - nowUs: The time recorded as created or updated.
  /// - Returns: The stored view.
  /// - Throws: ``FeatureError`` `invalidArgument` for a malformed spec, `alreadyExists` for a
  ///   different spec under that name without `replaceExisting`, or a storage error.
  package func register(
    _ spec: FeatureViewSpec, replaceExisting: Bool, nowUs: Int64 = TelemetryStore.nowMicroseconds()
  ) async throws -> FeatureView {
    try Self.validate(spec)
    let s = self.schema
    let now = TelemetryStore.date(microseconds: nowUs)
    do {
      return try await self.pool.withTransaction { transaction in
        let existing = try await transaction.query(
          "SELECT spec, revision FROM \(s).feature_views WHERE name = $1 FOR UPDATE",
          [.text(spec.name)])
        var revision: Int32 = 1
        if let row = existing.first {
          let stored = try FeatureViewSpec(serializedBytes: try row.decode([UInt8].self, "spec"))
          if stored == spec { return try await self.read(spec.name, on: transaction) }
          guard replaceExisting else {
            throw FeatureError(
              code: .alreadyExists,
              message:
                "feature view \(spec.name) exists with a different definition; set replace_existing to replace it"
            )
          }
          revision = try row.decode(Int32.self, "revision") + 1
          try await transaction.execute(
            "DELETE FROM \(s).feature_view_features WHERE view_name = $1", [.text(spec.name)])
        }
        try await transaction.execute(
          """
          INSERT INTO \(s).feature_views (name, revision, spec, description, entities, ttl_seconds, owner,
            created_time, updated_time)
          VALUES ($1, $2, $3, $4, $5::text[], $6, $7, $8, $8)
          ON CONFLICT (name) DO UPDATE SET revision = EXCLUDED.revision, spec = EXCLUDED.spec,
            description = EXCLUDED.description, entities = EXCLUDED.entities,
            ttl_seconds = EXCLUDED.ttl_seconds, owner = EXCLUDED.owner, updated_time = EXCLUDED.updated_time
          """,
          [
            .text(spec.name), .int32(revision), .bytea(spec.serializedBytes()),
            .text(spec.description),
            .text(PostgresArrayText.literal(spec.entities)), .int64(spec.ttlSeconds),
            .text(spec.owner),
            .timestamp(now),
          ])
        for (position, feature) in spec.features.enumerated() {
          try await transaction.execute(
            """
            INSERT INTO \(s).feature_view_features (view_name, position, name, value_type, description)
            VALUES ($1, $2, $3, $4, $5)
            """,
            [
              .text(spec.name), .int32(Int32(position)), .text(feature.name),
              .int32(feature.valueType.rawValue),
              .text(feature.description),
            ])
        }
        return try await self.read(spec.name, on: transaction)
      }
    } catch {
      throw FeatureError.storage(error, doing: "registering feature view \(spec.name)")
    }
  }

  /// Reads one view.
  /// - Parameter name: The view's name.
  /// - Returns: The view.
  /// - Throws: ``FeatureError`` `notFound`, or a storage error.
  package func view(named name: String) async throws -> FeatureView {
    do {
      return try await self.pool.withTransaction { transaction in
        try await self.read(name, on: transaction)
      }
    } catch {
      throw FeatureError.storage(error, doing: "reading feature view")
    }
  }

  /// Lists views by name, a page at a time.
  /// - Parameter request: An optional name prefix and page.
  /// - Returns: Up to `page_size` views (100 by default, at most 1,000) and the next page's token.
  /// - Throws: ``FeatureError`` `invalidArgument` for a token this service did not issue, or a
  ///   storage error.
  package func list(_ request: ListFeatureViewsRequest) async throws -> ListFeatureViewsResponse {
    let page = request.page ?? PageRequest()
    let size = Int(page.pageSize == 0 ? 100 : min(page.pageSize, 1000))
    var after = ""
    if !page.pageToken.isEmpty {
      guard let data = Data(base64Encoded: page.pageToken),
        let text = String(data: data, encoding: .utf8),
        text.hasPrefix("after:")
      else {
        throw FeatureError.invalidArgument("the page token was not issued by ListFeatureViews")
      }
      after = String(text.dropFirst("after:".count))
    }
    let s = self.schema
    do {
      let rows = try await self.pool.query(
        """
        SELECT spec, revision, (extract(epoch FROM created_time) * 1000000)::bigint AS created_us,
          (extract(epoch FROM updated_time) * 1000000)::bigint AS updated_us
        FROM \(s).feature_views
        WHERE starts_with(name, $1) AND name > $2
        ORDER BY name LIMIT $3
        """, [.text(request.namePrefix), .text(after), .int64(Int64(size + 1))])
      var response = ListFeatureViewsResponse()
      response.views = try rows.prefix(size).map(Self.view(from:))
      var pageResponse = PageResponse()
      if rows.count > size, let last = response.views.last?.spec?.name {
        pageResponse.nextPageToken = Data("after:\(last)".utf8).base64EncodedString()
      }
      let total = try await self.pool.query(
        "SELECT count(*) AS total FROM \(s).feature_views WHERE starts_with(name, $1)",
        [.text(request.namePrefix)])
      pageResponse.totalCount = UInt64(try total[0].decode(Int64.self, "total"))
      response.page = pageResponse
      return response
    } catch {
      throw FeatureError.storage(error, doing: "listing feature views")
    }
  }

  private func read(_ name: String, on transaction: PostgresTransaction) async throws -> FeatureView
  {
    let rows = try await transaction.query(
      """
      SELECT spec, revision, (extract(epoch FROM created_time) * 1000000)::bigint AS created_us,
        (extract(epoch FROM updated_time) * 1000000)::bigint AS updated_us
      FROM \(self.schema).feature_views WHERE name = $1
      """, [.text(name)])
    guard let row = rows.first else {
      throw FeatureError(
        code: .notFound, message: "feature view '\(name.prefix(64))' is not registered")
    }
    return try Self.view(from: row)
  }

  private static func view(from row: PostgresRow) throws -> FeatureView {
    var view = FeatureView()
    view.spec = try FeatureViewSpec(serializedBytes: try row.decode([UInt8].self, "spec"))
    view.revision = UInt32(try row.decode(Int32.self, "revision"))
    view.createdTimeUs = try row.decode(Int64.self, "created_us")
    view.updatedTimeUs = try row.decode(Int64.self, "updated_us")
    return view
  }

  /// Names are lowercase identifiers; a view has entities, uniquely named typed features and a
  /// TTL that is not negative.
  static func validate(_ spec: FeatureViewSpec) throws(FeatureError) {
    guard TelemetryBatchValidator.isValidColumnName(spec.name) else {
      throw .invalidArgument(
        "feature view name '\(spec.name.prefix(64))' is not a lowercase identifier (letters, digits, '_')"
      )
    }
    guard !spec.entities.isEmpty,
      spec.entities.allSatisfy(TelemetryBatchValidator.isValidColumnName)
    else {
      throw .invalidArgument(
        "feature view \(spec.name) needs entities named as identifiers, such as asset_id")
    }
    guard !spec.features.isEmpty else {
      throw .invalidArgument("feature view \(spec.name) has no features")
    }
    var names = Set<String>()
    for (index, feature) in spec.features.enumerated() {
      guard !feature.name.isEmpty, feature.name.utf8.count <= 128, !feature.name.contains(":"),
        !feature.name.unicodeScalars.contains(where: { $0.value < 0x20 })
      else {
        throw .invalidArgument(
          "feature view \(spec.name), feature \(index + 1): the name is empty, too long or has ':'")
      }
      guard names.insert(feature.name).inserted else {
        throw .invalidArgument("feature view \(spec.name): feature \(feature.name) appears twice")
      }
      guard FeatureValueType.knownValues.contains(feature.valueType),
        feature.valueType != .unspecified
      else {
        throw .invalidArgument(
          "feature view \(spec.name), feature \(feature.name): the value type is not set")
      }
    }
    guard spec.ttlSeconds >= 0 else {
      throw .invalidArgument("feature view \(spec.name): the TTL is negative")
    }
    let texts = [spec.description, spec.owner, spec.source] + spec.features.map(\.description)
    guard !texts.contains(where: { $0.unicodeScalars.contains("\0") }) else {
      throw .invalidArgument("feature view \(spec.name): text with a NUL character")
    }
  }
}
