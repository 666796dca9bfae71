/// One versioned step of a service's schema.
package struct PostgresMigration: Hashable, Sendable {
  /// The version; steps run in increasing order and each runs once.
  package let version: Int64
  /// A short name, recorded with the version; renaming an applied step is reported as an error.
  package let name: String
  /// The SQL of the step: one or more statements, run inside the migration transaction with
  /// the service's schema first on the `search_path`. Statements that cannot run in a
  /// transaction (`CREATE INDEX CONCURRENTLY`) are not supported.
  package let sql: String

  /// Creates a step.
  /// - Parameters:
  ///   - version: A positive version, unique in the service's list.
  ///   - name: A short name such as `create_telemetry`.
  ///   - sql: The statements to run.
  package init(version: Int64, name: String, sql: String) {
    self.version = version
    self.name = name
    self.sql = sql
  }
}
