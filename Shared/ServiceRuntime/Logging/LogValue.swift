/// The value of one key/value field on a log line, written as the matching JSON type.
///
/// Literals and string interpolations convert implicitly:
/// `logger.info("loaded model", ["model": "\(name)", "rows": .integer(count), "ok": true])`.
package enum LogValue: Hashable, Sendable, ExpressibleByStringLiteral,
  ExpressibleByStringInterpolation, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
  ExpressibleByBooleanLiteral
{
  /// A JSON string.
  case string(String)
  /// A JSON integer.
  case integer(Int)
  /// A JSON number; NaN and infinities, which JSON cannot hold, are written as strings.
  case double(Double)
  /// A JSON Boolean.
  case boolean(Bool)

  /// Creates a string value from a literal.
  /// - Parameter value: The literal.
  package init(stringLiteral value: String) { self = .string(value) }
  /// Creates an integer value from a literal.
  /// - Parameter value: The literal.
  package init(integerLiteral value: Int) { self = .integer(value) }
  /// Creates a number value from a literal.
  /// - Parameter value: The literal.
  package init(floatLiteral value: Double) { self = .double(value) }
  /// Creates a Boolean value from a literal.
  /// - Parameter value: The literal.
  package init(booleanLiteral value: Bool) { self = .boolean(value) }

  /// A duration as a number of seconds, the unit log queries and Prometheus share.
  /// - Parameter duration: The duration.
  /// - Returns: A number value.
  package static func seconds(_ duration: Duration) -> Self {
    let (seconds, attoseconds) = duration.components
    return .double(Double(seconds) + Double(attoseconds) * 1e-18)
  }

  /// An error's description as a string. Do not use for errors that may carry secrets.
  /// - Parameter error: The error.
  /// - Returns: A string value.
  package static func error(_ error: any Error) -> Self {
    .string(String(describing: error))
  }
}
