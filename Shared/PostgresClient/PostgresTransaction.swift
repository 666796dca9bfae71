/// A transaction open on one ``PostgresConnection``, handed to the body of
/// ``PostgresConnection/withTransaction(_:)``.
///
/// Valid only inside that body: afterwards every call fails with
/// ``PostgresError/Code/transactionFailed``. If the connection is lost, the server has rolled
/// the transaction back and every call fails with ``PostgresError/Code/unavailable``; nothing
/// runs outside the transaction by accident.
package struct PostgresTransaction: Sendable {
  let connection: PostgresConnection
  let id: UInt64
  let sessionNumber: UInt64

  /// Runs one parameterised statement in the transaction.
  /// - Parameters:
  ///   - sql: One statement with `$n` placeholders.
  ///   - parameters: One value per placeholder.
  /// - Returns: The result's rows.
  /// - Throws: As ``PostgresConnection/query(_:_:)``, plus `transactionFailed`.
  package func query(
    _ sql: String, _ parameters: [PostgresValue] = []
  ) async throws(PostgresError) -> PostgresRows {
    try await self.connection.query(sql, parameters, transaction: self)
  }

  /// Runs one parameterised statement in the transaction for its effect.
  /// - Parameters:
  ///   - sql: One statement with `$n` placeholders.
  ///   - parameters: One value per placeholder.
  /// - Returns: The number of rows affected.
  /// - Throws: As ``query(_:_:)``.
  @discardableResult
  package func execute(
    _ sql: String, _ parameters: [PostgresValue] = []
  ) async throws(PostgresError) -> Int {
    try await self.connection.query(sql, parameters, transaction: self).affectedRows ?? 0
  }

  /// Runs a prepared statement in the transaction.
  /// - Parameters:
  ///   - statement: The statement.
  ///   - parameters: One value per placeholder.
  /// - Returns: The result's rows.
  /// - Throws: As ``query(_:_:)``.
  package func query(
    _ statement: PostgresPreparedStatement, _ parameters: [PostgresValue] = []
  ) async throws(PostgresError) -> PostgresRows {
    try await self.connection.query(statement, parameters, transaction: self)
  }

  /// Bulk-loads rows with `COPY … FROM STDIN` inside the transaction.
  /// - Parameters:
  ///   - table: The table.
  ///   - columns: The columns each row gives values for.
  ///   - rows: The rows.
  /// - Returns: The number of rows stored.
  /// - Throws: As ``PostgresConnection/copyFrom(table:columns:rows:)``.
  @discardableResult
  package func copyFrom(
    table: PostgresTableName, columns: [String], rows: [[PostgresValue]]
  ) async throws(PostgresError) -> Int {
    try await self.connection.copyFrom(
      table: table, columns: columns, rows: rows, transaction: self)
  }

  /// Runs fixed multi-statement SQL written in the program (migrations), never data.
  func executeScript(_ sql: String) async throws(PostgresError) {
    try await self.connection.executeScript(sql, transaction: self)
  }
}
