/// An HTTP request method such as `GET`; compared case-sensitively, as RFC 9110 requires.
package struct HTTPMethod: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
  /// The method token as sent, for example `GET`.
  package let rawValue: String

  /// Wraps a method token.
  /// - Parameter rawValue: The token, for example `PATCH`.
  package init(rawValue: String) { self.rawValue = rawValue }

  /// `GET`.
  package static let get = Self(rawValue: "GET")
  /// `HEAD`: a `GET` without the body.
  package static let head = Self(rawValue: "HEAD")
  /// `POST`.
  package static let post = Self(rawValue: "POST")
  /// `PUT`.
  package static let put = Self(rawValue: "PUT")
  /// `DELETE`.
  package static let delete = Self(rawValue: "DELETE")
  /// `PATCH`.
  package static let patch = Self(rawValue: "PATCH")
  /// `OPTIONS`.
  package static let options = Self(rawValue: "OPTIONS")

  /// The token.
  package var description: String { self.rawValue }
}
