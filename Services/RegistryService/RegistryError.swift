internal import PostgresClient
package import RPCCore

/// What went wrong in the registry, with the RPC status each kind of failure becomes.
package struct RegistryError: Error, Hashable, Sendable, CustomStringConvertible,
  RPCErrorConvertible
{
  /// The kind of failure; a closed set that can grow without breaking callers' `switch`es.
  package struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Wrapped: String {
      case invalidArgument, notFound, alreadyExists, failedPrecondition, dataLoss
      case resourceExhausted, unavailable, internalError
    }
    private let wrapped: Wrapped
    private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

    /// A malformed name, version, metric or upload (`INVALID_ARGUMENT`).
    package static let invalidArgument = Self(.invalidArgument)
    /// No such model, version or artifact (`NOT_FOUND`).
    package static let notFound = Self(.notFound)
    /// The model or version exists already (`ALREADY_EXISTS`).
    package static let alreadyExists = Self(.alreadyExists)
    /// The request is well formed but the registry's state forbids it (`FAILED_PRECONDITION`).
    package static let failedPrecondition = Self(.failedPrecondition)
    /// Stored content no longer matches its hash (`DATA_LOSS`).
    package static let dataLoss = Self(.dataLoss)
    /// An artifact above the size limit (`RESOURCE_EXHAUSTED`).
    package static let resourceExhausted = Self(.resourceExhausted)
    /// PostgreSQL cannot be reached right now (`UNAVAILABLE`).
    package static let unavailable = Self(.unavailable)
    /// A storage failure the caller cannot fix (`INTERNAL`).
    package static let internalError = Self(.internalError)

    /// The code's name.
    package var description: String { self.wrapped.rawValue }
  }

  /// What went wrong.
  package var code: Code
  /// Says what is wrong; safe to send to a client (no SQL, rows or secrets).
  package var message: String
  /// The underlying error, for local logs only; not compared or hashed.
  package var cause: (any Error)?

  /// Creates an error.
  /// - Parameters:
  ///   - code: The kind of failure.
  ///   - message: A message for the caller.
  ///   - cause: The underlying error, kept for local logging.
  package init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
    self.code = code
    self.message = message
    self.cause = cause
  }

  /// `code: message`.
  package var description: String { "\(self.code): \(self.message)" }

  /// The RPC status of this error's code.
  package var rpcStatusCode: RPCStatusCode {
    switch self.code {
    case .invalidArgument: .invalidArgument
    case .notFound: .notFound
    case .alreadyExists: .alreadyExists
    case .failedPrecondition: .failedPrecondition
    case .dataLoss: .dataLoss
    case .resourceExhausted: .resourceExhausted
    case .unavailable: .unavailable
    default: .internalError
    }
  }

  /// The message, sent to the caller as it is.
  package var rpcErrorMessage: String { self.message }

  /// Compares code and message; the cause is ignored.
  package static func == (lhs: Self, rhs: Self) -> Bool {
    lhs.code == rhs.code && lhs.message == rhs.message
  }

  /// Hashes code and message; the cause is ignored.
  package func hash(into hasher: inout Hasher) {
    hasher.combine(self.code)
    hasher.combine(self.message)
  }

  /// Turns a storage failure into a registry error: lost or unreachable PostgreSQL becomes
  /// `unavailable`, anything else `internalError`; registry errors pass through unchanged.
  /// - Parameters:
  ///   - error: What a store call threw.
  ///   - action: What was being done, for the message (such as "reading model 'x'").
  /// - Returns: The error to throw.
  package static func storage(_ error: any Error, while action: String) -> any Error {
    guard let error = error as? PostgresError else { return error }
    switch error.code {
    case .unavailable, .connectionFailed, .timeout, .closed:
      return RegistryError(
        .unavailable, "PostgreSQL is unavailable while \(action): \(error.message)", cause: error)
    default:
      return RegistryError(.internalError, "storage failed while \(action)", cause: error)
    }
  }
}
