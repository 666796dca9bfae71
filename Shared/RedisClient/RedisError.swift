/// An error from the Redis client.
///
/// `message` never contains command arguments or stored values.
package struct RedisError: Error, Hashable, Sendable, CustomStringConvertible {
  /// What went wrong, as a closed set that can grow without breaking callers' `switch`es.
  package struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Wrapped: String {
      case connectionFailed, unavailable, timeout, commandFailed, protocolError, invalidArgument
      case invalidConfiguration, closed
    }
    private let wrapped: Wrapped
    private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

    /// ``RedisConnection/connect(configuration:)`` could not reach, authenticate with or select
    /// the database on a server it never reached before.
    package static let connectionFailed = Self(.connectionFailed)
    /// No usable connection: it was lost, a reconnection failed, or the backoff before the next
    /// attempt has not passed. The call was not retried; a later call may succeed.
    package static let unavailable = Self(.unavailable)
    /// The server did not answer within the command timeout; the connection was dropped.
    package static let timeout = Self(.timeout)
    /// The server answered with an error reply (its text is in the message).
    package static let commandFailed = Self(.commandFailed)
    /// The server's reply did not have the shape the command promises.
    package static let protocolError = Self(.protocolError)
    /// A command or argument the client refuses to send (for example an empty command).
    package static let invalidArgument = Self(.invalidArgument)
    /// The Redis URL or configuration is malformed.
    package static let invalidConfiguration = Self(.invalidConfiguration)
    /// The connection or pool was closed by its owner.
    package static let closed = Self(.closed)

    /// The code's name, for logs.
    package var description: String { self.wrapped.rawValue }
  }

  /// What went wrong.
  package var code: Code
  /// What is wrong, without arguments or stored values.
  package var message: String
  /// The underlying error, for local logging only; never compared or hashed.
  package var cause: (any Error)?

  /// Creates an error.
  /// - Parameters:
  ///   - code: What went wrong.
  ///   - message: A description without arguments or stored values.
  ///   - cause: The underlying error, kept for local logging.
  package init(code: Code, message: String, cause: (any Error)? = nil) {
    self.code = code
    self.message = message
    self.cause = cause
  }

  /// `code: message`.
  package var description: String { "\(self.code): \(self.message)" }

  // MARK: - Hashable (the cause takes no part)

  package static func == (lhs: Self, rhs: Self) -> Bool {
    lhs.code == rhs.code && lhs.message == rhs.message
  }

  package func hash(into hasher: inout Hasher) {
    hasher.combine(self.code)
    hasher.combine(self.message)
  }
}
