/// The protocol version of a request: the parser accepts HTTP/1.0 and HTTP/1.1.
package struct HTTPVersion: Hashable, Sendable, CustomStringConvertible {
  /// The major version, 1.
  package var major: Int
  /// The minor version, 0 or 1.
  package var minor: Int

  /// Creates a version.
  /// - Parameters:
  ///   - major: The major version.
  ///   - minor: The minor version.
  package init(major: Int, minor: Int) {
    self.major = major
    self.minor = minor
  }

  /// HTTP/1.0: no persistent connections unless the client asks for `keep-alive`.
  package static let http1_0 = Self(major: 1, minor: 0)
  /// HTTP/1.1.
  package static let http1_1 = Self(major: 1, minor: 1)

  /// `HTTP/1.1` and so on.
  package var description: String { "HTTP/\(self.major).\(self.minor)" }
}
