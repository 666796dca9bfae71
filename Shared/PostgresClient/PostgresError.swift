/// An error from the PostgreSQL client.
///
/// `message` is safe to log and to return to a caller: it never contains parameter values or
/// row data. The server's full diagnostics, which may quote values, are kept in `cause` as a
/// ``PostgresServerError`` for local debugging only.
package struct PostgresError: Error, Hashable, Sendable, CustomStringConvertible {
  /// What went wrong, as a closed set that can grow without breaking callers' `switch`es.
  package struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Wrapped: String {
      case connectionFailed, unavailable, queryFailed, timeout, invalidValue, decodingFailed
      case migrationFailed, transactionFailed, closed
    }
    private let wrapped: Wrapped
    private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

    /// ``PostgresConnection/connect(configuration:)`` could not reach a server it never reached
    /// before (wrong address, credentials or database, or the server is not up yet).
    package static let connectionFailed = Self(.connectionFailed)
    /// No usable connection: it was lost, a reconnection failed, or the backoff before the next
    /// attempt has not passed. The call was not retried; a later call may succeed.
    package static let unavailable = Self(.unavailable)
    /// The server rejected the statement; ``PostgresError/sqlState`` says why.
    package static let queryFailed = Self(.queryFailed)
    /// A statement timed out on the server, or no pooled connection became free in time.
    package static let timeout = Self(.timeout)
    /// A parameter cannot be sent (for example text containing a NUL character).
    package static let invalidValue = Self(.invalidValue)
    /// A result cell could not be read as the requested Swift type, or the column is unknown.
    package static let decodingFailed = Self(.decodingFailed)
    /// A schema migration is inconsistent with what the database already recorded, or failed.
    package static let migrationFailed = Self(.migrationFailed)
    /// A transaction was used after it ended, or its connection changed underneath it.
    package static let transactionFailed = Self(.transactionFailed)
    /// The connection or pool was closed by its owner.
    package static let closed = Self(.closed)

    /// The code's name, for logs.
    package var description: String { self.wrapped.rawValue }
  }

  /// What went wrong.
  package var code: Code
  /// A message that says what is wrong, without parameter values or row data.
  package var message: String
  /// The five-character SQLSTATE the server reported, if any (for example `23505`).
  package var sqlState: String?
  /// The underlying error, for local logging only; never compared, hashed or sent to a peer.
  package var cause: (any Error)?

  /// Creates an error.
  /// - Parameters:
  ///   - code: What went wrong.
  ///   - message: A description that contains no parameter values or row data.
  ///   - sqlState: The server's SQLSTATE, if any.
  ///   - cause: The underlying error, kept for local logging.
  package init(code: Code, message: String, sqlState: String? = nil, cause: (any Error)? = nil) {
    self.code = code
    self.message = message
    self.sqlState = sqlState
    self.cause = cause
  }

  /// `code: message`, without the cause.
  package var description: String { "\(self.code): \(self.message)" }

  // MARK: - Hashable (the cause is local detail and takes no part)

  package static func == (lhs: Self, rhs: Self) -> Bool {
    lhs.code == rhs.code && lhs.message == rhs.message && lhs.sqlState == rhs.sqlState
  }

  package func hash(into hasher: inout Hasher) {
    hasher.combine(self.code)
    hasher.combine(self.message)
    hasher.combine(self.sqlState)
  }
}

/// The diagnostics the server sent with an error. They may quote parameter values or row data:
/// keep them in local logs, never in a reply to a client.
package struct PostgresServerError: Error, Hashable, Sendable {
  /// The SQLSTATE code, such as `23505`.
  package var sqlState: String
  /// The primary message.
  package var message: String
  /// The optional detail line (often quotes the offending values).
  package var detail: String?
  /// The optional hint.
  package var hint: String?
}
