/// Applies a service's schema migrations at start, safely from several replicas at once.
///
/// Everything happens in one transaction that first takes a transaction-scoped advisory lock
/// (`pg_advisory_xact_lock`) keyed by the schema, so concurrent starts queue up and the later
/// ones find the work done. The applied versions live in `<schema>.schema_migrations`. A
/// failing step rolls back every step of that run, so the schema never ends half-migrated.
package struct PostgresMigrator: Sendable {
  /// The service's schema, created if missing.
  package let schema: String
  /// The steps, in any order; versions must be positive and unique.
  package let migrations: [PostgresMigration]

  /// Creates a migrator.
  /// - Parameters:
  ///   - schema: The service's schema (for example `feature`).
  ///   - migrations: The service's steps.
  package init(schema: String, migrations: [PostgresMigration]) {
    self.schema = schema
    self.migrations = migrations
  }

  /// Applies the steps not yet recorded, in version order.
  /// - Parameter pool: The pool to lease one connection from.
  /// - Returns: The versions applied by this call; empty when the schema was up to date.
  /// - Throws: `migrationFailed` for an invalid list, a recorded step whose name differs, or a
  ///   failing step; connection errors as ``PostgresPool/withConnection(isolation:_:)``.
  @discardableResult
  package func migrate(on pool: PostgresPool) async throws -> [Int64] {
    try await pool.withConnection { connection in try await self.migrate(on: connection) }
  }

  /// Applies the steps not yet recorded, in version order, on `connection`.
  /// - Parameter connection: A connection used by nobody else meanwhile.
  /// - Returns: The versions applied by this call.
  /// - Throws: As ``migrate(on:)-(PostgresPool)``.
  @discardableResult
  package func migrate(on connection: PostgresConnection) async throws -> [Int64] {
    let steps = try self.validatedSteps()
    let schema = try PostgresTableName.quoted(self.schema)
    let table = "\(schema).schema_migrations"
    return try await connection.withTransaction { transaction in
      try await transaction.execute("SELECT pg_advisory_xact_lock($1)", [.int64(self.lockKey)])
      try await transaction.executeScript(
        """
        CREATE SCHEMA IF NOT EXISTS \(schema);
        CREATE TABLE IF NOT EXISTS \(table) (
          version bigint PRIMARY KEY,
          name text NOT NULL,
          applied_at timestamptz NOT NULL DEFAULT now()
        );
        SET LOCAL search_path TO \(schema), public;
        """)
      var recorded: [Int64: String] = [:]
      for row in try await transaction.query("SELECT version, name FROM \(table)") {
        recorded[try row.decode(Int64.self, "version")] = try row.decode(String.self, "name")
      }
      var applied: [Int64] = []
      for step in steps {
        if let name = recorded[step.version] {
          guard name == step.name else {
            throw PostgresError(
              code: .migrationFailed,
              message: "schema '\(self.schema)' recorded version \(step.version) as '\(name)', "
                + "but this build calls it '\(step.name)'")
          }
          continue
        }
        do throws(PostgresError) {
          try await transaction.executeScript(step.sql)
        } catch {
          throw PostgresError(
            code: .migrationFailed,
            message: "migration \(step.version) '\(step.name)' of schema '\(self.schema)' failed, "
              + "and this run's steps were rolled back: \(error.message)",
            sqlState: error.sqlState, cause: error)
        }
        try await transaction.execute(
          "INSERT INTO \(table) (version, name) VALUES ($1, $2)",
          [.int64(step.version), .text(step.name)])
        applied.append(step.version)
      }
      return applied
    }
  }

  /// The versions recorded in the schema, in order (empty if it was never migrated).
  /// - Parameter connection: The connection to read on.
  /// - Returns: Recorded versions, ascending.
  /// - Throws: Connection and query errors.
  package func appliedVersions(on connection: PostgresConnection) async throws(PostgresError)
    -> [Int64]
  {
    let exists = try await connection.query(
      "SELECT to_regclass($1) IS NOT NULL AS present",
      [.text("\(try PostgresTableName.quoted(self.schema)).schema_migrations")])
    guard let row = exists.first, try row.decode(Bool.self, "present") else { return [] }
    let rows = try await connection.query(
      "SELECT version FROM \(try PostgresTableName.quoted(self.schema)).schema_migrations ORDER BY version"
    )
    var versions: [Int64] = []
    for row in rows { versions.append(try row.decode(Int64.self, "version")) }
    return versions
  }

  // MARK: - Helpers

  private func validatedSteps() throws(PostgresError) -> [PostgresMigration] {
    let steps = self.migrations.sorted { $0.version < $1.version }
    for (index, step) in steps.enumerated() {
      guard step.version > 0 else {
        throw PostgresError(
          code: .migrationFailed,
          message: "migration versions must be positive, got \(step.version)")
      }
      if index > 0 && steps[index - 1].version == step.version {
        throw PostgresError(
          code: .migrationFailed, message: "migration version \(step.version) appears twice")
      }
    }
    return steps
  }

  /// The advisory lock key: FNV-1a 64 of a fixed prefix and the schema, stable across builds.
  private var lockKey: Int64 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in "dcmms.schema_migrations.\(self.schema)".utf8 {
      hash ^= UInt64(byte)
      hash &*= 0x0000_0100_0000_01b3
    }
    return Int64(bitPattern: hash)
  }
}
