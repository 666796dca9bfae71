/// A Redis reply (RESP2).
package enum RedisValue: Hashable, Sendable {
  /// A status reply such as `OK` or `PONG`.
  case simpleString(String)
  /// An error reply such as `WRONGTYPE Operation against a key holding the wrong kind of value`.
  case error(String)
  /// An integer reply.
  case integer(Int64)
  /// A bulk string: arbitrary bytes, zero bytes included.
  case bulkString([UInt8])
  /// An array of replies (possibly nested).
  case array([RedisValue])
  /// The null bulk string or null array (a missing key or field).
  case null
}

extension RedisValue {
  /// The bytes of a bulk string, or the UTF-8 of a status reply; otherwise `nil`.
  package var bytes: [UInt8]? {
    switch self {
    case .bulkString(let bytes): bytes
    case .simpleString(let text): Array(text.utf8)
    default: nil
    }
  }

  /// A status reply's text, or a bulk string decoded as UTF-8 (invalid bytes replaced).
  package var string: String? {
    switch self {
    case .simpleString(let text): text
    case .bulkString(let bytes): String(decoding: bytes, as: UTF8.self)
    default: nil
    }
  }

  /// An integer reply's value.
  package var integer: Int64? {
    if case .integer(let value) = self { return value }
    return nil
  }

  /// An array reply's elements.
  package var array: [RedisValue]? {
    if case .array(let values) = self { return values }
    return nil
  }

  /// `true` for ``null``.
  package var isNull: Bool {
    if case .null = self { return true }
    return false
  }

  /// The reply itself, or ``RedisError/Code/commandFailed`` if it is an error reply.
  /// - Parameter command: The command's name, for the message.
  /// - Returns: The reply.
  /// - Throws: `commandFailed` with the server's error text.
  package func checked(_ command: String) throws(RedisError) -> RedisValue {
    if case .error(let text) = self {
      throw RedisError(code: .commandFailed, message: "\(command) failed: \(text)")
    }
    return self
  }

  /// The name of the case, for messages that must not show the value.
  var kindName: String {
    switch self {
    case .simpleString: "simple string"
    case .error: "error"
    case .integer: "integer"
    case .bulkString: "bulk string"
    case .array: "array"
    case .null: "null"
    }
  }
}
