import PostgresClient
package import RPCCore
import RedisClient

/// An error of the feature service, with the RPC status a caller sees.
///
/// `message` is sent to the caller: it names rows, columns, assets and views the caller sent,
/// never SQL, stored rows of other callers or secrets. `cause` stays local.
package struct FeatureError: Error, CustomStringConvertible {
  /// What went wrong, as a closed set that can grow without breaking callers' `switch`es.
  package struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Wrapped: String {
      case invalidArgument, notFound, alreadyExists, unavailable, internalError
    }
    private let wrapped: Wrapped
    private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

    /// The request is malformed: a bad row, column, reference or page token.
    package static let invalidArgument = Self(.invalidArgument)
    /// The named feature view does not exist.
    package static let notFound = Self(.notFound)
    /// A different feature view of that name exists and replacing it was not asked for.
    package static let alreadyExists = Self(.alreadyExists)
    /// PostgreSQL or Redis cannot be reached; a later call may succeed.
    package static let unavailable = Self(.unavailable)
    /// The store failed in a way the caller cannot fix.
    package static let internalError = Self(.internalError)

    /// The code's name, for logs.
    package var description: String { self.wrapped.rawValue }
  }

  /// What went wrong.
  package var code: Code
  /// What is wrong, safe to send to the caller.
  package var message: String
  /// The underlying error, for local logs only.
  package var cause: (any Error)?

  /// Creates an error.
  package init(code: Code, message: String, cause: (any Error)? = nil) {
    self.code = code
    self.message = message
    self.cause = cause
  }

  /// `code: message`.
  package var description: String { "\(self.code): \(self.message)" }

  /// An `invalidArgument` error with `message`.
  package static func invalidArgument(_ message: String) -> Self {
    Self(code: .invalidArgument, message: message)
  }

  /// Maps a storage error: connection trouble becomes `unavailable`, the rest `internalError`
  /// with the store's own message (which carries no row data, see `PostgresError`).
  package static func storage(_ error: any Error, doing what: String) -> Self {
    if let error = error as? FeatureError { return error }
    if let error = error as? PostgresError {
      let isUnavailable = [.unavailable, .connectionFailed, .timeout, .closed].contains(error.code)
      return Self(
        code: isUnavailable ? .unavailable : .internalError,
        message: "PostgreSQL failed while \(what): \(error.message)", cause: error)
    }
    if let error = error as? RedisError {
      let isUnavailable = [.unavailable, .connectionFailed, .timeout, .closed].contains(error.code)
      return Self(
        code: isUnavailable ? .unavailable : .internalError,
        message: "Redis failed while \(what): \(error.message)", cause: error)
    }
    return Self(code: .internalError, message: "\(what) failed", cause: error)
  }
}

extension FeatureError: RPCErrorConvertible {
  /// The status the caller sees.
  package var rpcStatusCode: RPCStatusCode {
    switch self.code {
    case .invalidArgument: .invalidArgument
    case .notFound: .notFound
    case .alreadyExists: .alreadyExists
    case .unavailable: .unavailable
    default: .internalError
    }
  }

  /// The message the caller sees.
  package var rpcErrorMessage: String { self.message }
}
