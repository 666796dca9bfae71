package import PostgresClient
package import ServiceRuntime

/// Brings the registry's schema up to date at start, waiting for PostgreSQL when asked to.
package enum RegistryDatabase {
  /// Applies the registry's migrations, retrying with backoff while PostgreSQL is unreachable.
  /// - Parameters:
  ///   - pool: The pool to migrate through.
  ///   - schema: The schema to migrate.
  ///   - waitForServer: Retry while PostgreSQL is unreachable; when false, the first
  ///     connection failure is thrown.
  ///   - initialBackoff: The first wait between attempts; doubles up to `maximumBackoff`.
  ///   - maximumBackoff: The longest wait between attempts.
  ///   - logger: Told about each failed attempt.
  /// - Returns: The migration versions this call applied (empty when up to date).
  /// - Throws: `unavailable` naming PostgreSQL when it cannot be reached and `waitForServer`
  ///   is false; migration failures; `CancellationError` when cancelled while waiting.
  package static func migrate(
    pool: PostgresPool, schema: String, waitForServer: Bool,
    initialBackoff: Duration = .milliseconds(250),
    maximumBackoff: Duration = .seconds(10), logger: Logger? = nil
  ) async throws -> [Int64] {
    var backoff = initialBackoff
    var attempt = 1
    while true {
      do {
        return try await RegistrySchema.migrator(schema: schema).migrate(on: pool)
      } catch let error as PostgresError where Self.isUnreachable(error) {
        let message =
          "PostgreSQL is unreachable (set it with --postgres or DCMMS_POSTGRES): \(error.message)"
        guard waitForServer else { throw RegistryError(.unavailable, message, cause: error) }
        logger?.warning(
          message + "; retrying",
          ["attempt": .integer(attempt), "retry_in_ms": .integer(Int(backoff / .milliseconds(1)))])
        try await Task.sleep(for: backoff)
        backoff = min(backoff * 2, maximumBackoff)
        attempt += 1
      }
    }
  }

  private static func isUnreachable(_ error: PostgresError) -> Bool {
    error.code == .connectionFailed || error.code == .unavailable || error.code == .timeout
  }
}
