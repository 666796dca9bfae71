/// An error that ends a call with a status other than OK.
///
/// Handlers throw it to choose the status the caller sees; clients receive it when a call fails.
/// `message` travels to the peer, so it must not contain secrets, SQL or data rows; `cause` stays
/// local and is only logged.
package struct RPCError: Error, Sendable, CustomStringConvertible {
  /// The status code sent to the caller.
  package var code: RPCStatusCode
  /// A message safe to show to the caller.
  package var message: String
  /// Trailing metadata sent with the status.
  package var metadata: Metadata
  /// The local error that led to this one, never sent over the wire.
  package var cause: (any Error)?

  /// Creates an error with a status code and a message for the caller.
  package init(
    code: RPCStatusCode, message: String, metadata: Metadata = Metadata(), cause: (any Error)? = nil
  ) {
    self.code = code
    self.message = message
    self.metadata = metadata
    self.cause = cause
  }

  package var description: String { "\(self.code): \(self.message)" }
}

/// A domain error that knows which RPC status it should become.
///
/// The server turns any thrown error into a status: `RPCError` as it is, a conforming error
/// through this protocol, anything else into `INTERNAL` with a generic message (and a log line).
package protocol RPCErrorConvertible: Error {
  /// The status code the caller should see.
  var rpcStatusCode: RPCStatusCode { get }
  /// A message safe to send to the caller.
  var rpcErrorMessage: String { get }
}

extension RPCError {
  /// Converts any error into the `RPCError` a caller should see.
  /// - Parameter error: the error thrown by a handler or interceptor.
  /// - Returns: the error itself, its `RPCErrorConvertible` mapping, `CANCELLED` for a
  ///   cancellation, or `INTERNAL` with a generic message.
  package static func converting(_ error: any Error) -> RPCError {
    switch error {
    case let error as RPCError:
      return error
    case let error as any RPCErrorConvertible:
      return RPCError(code: error.rpcStatusCode, message: error.rpcErrorMessage, cause: error)
    case is CancellationError:
      return RPCError(code: .cancelled, message: "the call was cancelled", cause: error)
    default:
      return RPCError(code: .internalError, message: "internal error", cause: error)
    }
  }
}
