/// An HTTP-level failure: a request the parser rejects, or a handler's refusal.
///
/// The module's ``ConfigurationError`` has a `Code` struct; here the HTTP status is the code,
/// because every HTTP error ends as exactly one status. The message goes to the client in the
/// JSON error body, so it must not contain secrets; `cause` stays local.
package struct HTTPError: Error, Hashable, Sendable, CustomStringConvertible {
  /// The status of the response this error becomes.
  package var status: HTTPStatus
  /// A sentence for the client saying what is wrong.
  package var message: String
  /// The underlying error, for logs only; ignored by `==` and `hash(into:)`.
  package var cause: (any Error)?

  /// Creates an error.
  /// - Parameters:
  ///   - status: The response status.
  ///   - message: A sentence for the client.
  ///   - cause: The underlying error, kept for logs.
  package init(status: HTTPStatus, message: String, cause: (any Error)? = nil) {
    self.status = status
    self.message = message
    self.cause = cause
  }

  /// Compares status and message.
  package static func == (lhs: Self, rhs: Self) -> Bool {
    lhs.status == rhs.status && lhs.message == rhs.message
  }

  /// Hashes status and message.
  package func hash(into hasher: inout Hasher) {
    hasher.combine(self.status)
    hasher.combine(self.message)
  }

  /// `400 Bad Request: message`.
  package var description: String { "\(self.status): \(self.message)" }
}
