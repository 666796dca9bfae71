/// How to reach a PostgreSQL server and how a connection behaves.
package struct PostgresConfiguration: Sendable {
  /// A libpq connection string, as key/value pairs (`host=127.0.0.1 port=5432 user=dcmms
  /// dbname=postgres`) or a `postgresql://` URI. It may hold a password: never log it.
  /// The client sets `connect_timeout`, `client_encoding`, `application_name` and `options`
  /// itself (the session settings its parser relies on: UTC, ISO dates, hex bytea), so those
  /// keys in this string are overridden.
  package var connectionString: String
  /// How long one connection attempt may take, rounded up to whole seconds (libpq's
  /// `connect_timeout`). Default 5 s.
  package var connectTimeout: Duration
  /// The server-side `statement_timeout`; a statement that runs longer fails with
  /// ``PostgresError/Code/timeout``. `nil` (the default) means no limit.
  package var statementTimeout: Duration?
  /// How query parameters are sent. Default ``PostgresParameterFormat/binary``.
  package var parameterFormat: PostgresParameterFormat
  /// Waits between reconnection attempts after the connection was lost: the first attempt
  /// is immediate, then `initialBackoff`, doubling up to `maximumBackoff`. While waiting, calls
  /// fail at once with ``PostgresError/Code/unavailable``.
  package var initialBackoff: Duration
  /// The longest wait between reconnection attempts. Default 2 s.
  package var maximumBackoff: Duration
  /// Reported to the server as `application_name`. Default `dcmms`.
  package var applicationName: String

  /// Creates a configuration with the defaults above.
  /// - Parameter connectionString: A libpq connection string or URI.
  package init(connectionString: String) {
    self.connectionString = connectionString
    self.connectTimeout = .seconds(5)
    self.statementTimeout = nil
    self.parameterFormat = .binary
    self.initialBackoff = .milliseconds(50)
    self.maximumBackoff = .seconds(2)
    self.applicationName = "dcmms"
  }

  /// The backoff after `failures` consecutive failed connection attempts (1 or more).
  func backoff(afterFailures failures: Int) -> Duration {
    var wait = self.initialBackoff
    var remaining = failures - 1
    while remaining > 0 && wait < self.maximumBackoff {
      wait *= 2
      remaining -= 1
    }
    return min(wait, self.maximumBackoff)
  }
}
