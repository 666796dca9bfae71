/// What went wrong in a `dcmms` command; `message` is printed as it is, so it says what to do.
struct DcmmsError: Error, CustomStringConvertible {
  /// The kind of failure.
  struct Code: Hashable, Sendable {
    private enum Wrapped { case usage, environment, startFailed, notRunning, callFailed }
    private let wrapped: Wrapped
    /// A bad command line.
    static let usage = Self(wrapped: .usage)
    /// Something missing on the machine: packages, permissions, binaries.
    static let environment = Self(wrapped: .environment)
    /// A component of the stack did not start or did not get ready.
    static let startFailed = Self(wrapped: .startFailed)
    /// The command needs a running stack and there is none.
    static let notRunning = Self(wrapped: .notRunning)
    /// A call to a service failed.
    static let callFailed = Self(wrapped: .callFailed)
  }

  var code: Code
  var message: String

  init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }

  var description: String { self.message }
}
