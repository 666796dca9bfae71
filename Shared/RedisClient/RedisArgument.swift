/// One argument of a Redis command, as bytes (commands are binary safe).
///
/// Literals spell command names and fixed words: `["HSET", .string(key), "f", .bytes(data)]`.
package struct RedisArgument: Hashable, Sendable, ExpressibleByStringLiteral,
  ExpressibleByIntegerLiteral
{
  /// The bytes sent.
  package let bytes: [UInt8]

  /// Creates an argument from bytes.
  /// - Parameter bytes: The bytes to send.
  package init(bytes: [UInt8]) { self.bytes = bytes }

  /// A literal word such as `"HGETALL"`.
  package init(stringLiteral value: String) { self.bytes = Array(value.utf8) }

  /// A literal number, sent in decimal.
  package init(integerLiteral value: Int64) { self.bytes = Array(String(value).utf8) }

  /// A string, as UTF-8.
  package static func string(_ value: String) -> Self { Self(bytes: Array(value.utf8)) }

  /// Raw bytes.
  package static func bytes(_ value: [UInt8]) -> Self { Self(bytes: value) }

  /// An integer in decimal.
  package static func integer(_ value: Int64) -> Self { Self(bytes: Array(String(value).utf8)) }
}
