/// How statement parameters are sent to the server.
package enum PostgresParameterFormat: Hashable, Sendable {
  /// Fixed-width values (bool, integers, doubles, timestamps) and `bytea` in binary; text as text.
  case binary
  /// Every value in PostgreSQL's text form.
  case text
}

/// Type OIDs from `pg_type` that the client reads or writes.
enum PostgresTypeOID {
  static let unspecified: UInt32 = 0
  static let bool: UInt32 = 16
  static let bytea: UInt32 = 17
  static let int8: UInt32 = 20
  static let int2: UInt32 = 21
  static let int4: UInt32 = 23
  static let text: UInt32 = 25
  static let oid: UInt32 = 26
  static let json: UInt32 = 114
  static let float4: UInt32 = 700
  static let float8: UInt32 = 701
  static let timestamp: UInt32 = 1114
  static let timestamptz: UInt32 = 1184
  static let jsonb: UInt32 = 3802
}

/// One parameter as libpq takes it.
struct EncodedParameter {
  var oid: UInt32
  /// `nil` for SQL NULL. Text-format values carry no terminator; the caller adds one.
  var bytes: [UInt8]?
  var isBinary: Bool
}

extension PostgresValue {
  /// Encodes the value as parameter `$index` (1-based, used only in error messages).
  func encoded(format: PostgresParameterFormat, index: Int) throws(PostgresError)
    -> EncodedParameter
  {
    let position = { "parameter $\(index)" }
    if format == .binary {
      switch self {
      case .bool(let value):
        return EncodedParameter(oid: PostgresTypeOID.bool, bytes: [value ? 1 : 0], isBinary: true)
      case .int32(let value):
        return EncodedParameter(
          oid: PostgresTypeOID.int4, bytes: Self.bigEndianBytes(value), isBinary: true)
      case .int64(let value):
        return EncodedParameter(
          oid: PostgresTypeOID.int8, bytes: Self.bigEndianBytes(value), isBinary: true)
      case .double(let value):
        return EncodedParameter(
          oid: PostgresTypeOID.float8, bytes: Self.bigEndianBytes(value.bitPattern), isBinary: true)
      case .bytea(let value):
        return EncodedParameter(oid: PostgresTypeOID.bytea, bytes: value, isBinary: true)
      case .timestamp(let date):
        guard let micros = PostgresTimestamp.binaryValue(date) else {
          throw Self.unrepresentableTimestamp(position())
        }
        return EncodedParameter(
          oid: PostgresTypeOID.timestamptz, bytes: Self.bigEndianBytes(micros), isBinary: true)
      case .null, .text, .json:
        break
      }
    }
    return EncodedParameter(
      oid: self.typeOID, bytes: try self.textBytes(position()), isBinary: false)
  }

  /// The OID sent with the value, so the server parses it as the intended type.
  var typeOID: UInt32 {
    switch self {
    case .null: PostgresTypeOID.unspecified
    case .bool: PostgresTypeOID.bool
    case .int32: PostgresTypeOID.int4
    case .int64: PostgresTypeOID.int8
    case .double: PostgresTypeOID.float8
    case .text: PostgresTypeOID.text
    case .bytea: PostgresTypeOID.bytea
    case .timestamp: PostgresTypeOID.timestamptz
    case .json: PostgresTypeOID.json
    }
  }

  /// PostgreSQL's text form of the value, or `nil` for NULL.
  /// - Parameter position: Where the value goes (`parameter $2`), for error messages.
  /// - Throws: ``PostgresError/Code/invalidValue`` for text containing NUL, which libpq would
  ///   silently truncate and PostgreSQL cannot store.
  func textBytes(_ position: @autoclosure () -> String) throws(PostgresError) -> [UInt8]? {
    switch self {
    case .null:
      return nil
    case .bool(let value):
      return [value ? UInt8(ascii: "t") : UInt8(ascii: "f")]
    case .int32(let value):
      return Array(String(value).utf8)
    case .int64(let value):
      return Array(String(value).utf8)
    case .double(let value):
      return Array(Self.doubleText(value).utf8)
    case .text(let value), .json(let value):
      let bytes = Array(value.utf8)
      guard !bytes.contains(0) else {
        throw PostgresError(
          code: .invalidValue,
          message: "\(position()) (\(self.kindName)) contains a NUL character, "
            + "which PostgreSQL text cannot store")
      }
      return bytes
    case .bytea(let value):
      var text: [UInt8] = [UInt8(ascii: "\\"), UInt8(ascii: "x")]
      text.reserveCapacity(2 + value.count * 2)
      for byte in value {
        text.append(Self.hexDigits[Int(byte >> 4)])
        text.append(Self.hexDigits[Int(byte & 0x0F)])
      }
      return text
    case .timestamp(let date):
      guard let text = PostgresTimestamp.text(date) else {
        throw Self.unrepresentableTimestamp(position())
      }
      return Array(text.utf8)
    }
  }

  /// Appends the value in `COPY … FROM STDIN` text format: `\N` for NULL, and backslash,
  /// tab, newline and carriage return escaped so they cannot split columns or rows.
  func appendCopyText(to buffer: inout [UInt8], row: Int, column: Int) throws(PostgresError) {
    guard let bytes = try self.textBytes("COPY row \(row) column \(column)") else {
      buffer.append(UInt8(ascii: "\\"))
      buffer.append(UInt8(ascii: "N"))
      return
    }
    for byte in bytes {
      switch byte {
      case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "\\"))
      case UInt8(ascii: "\t"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "t"))
      case UInt8(ascii: "\n"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "n"))
      case UInt8(ascii: "\r"): buffer.append(UInt8(ascii: "\\")); buffer.append(UInt8(ascii: "r"))
      default: buffer.append(byte)
      }
    }
  }

  /// Decodes a cell the server sent in text format, by the column's type OID.
  /// - Returns: `nil` when the text is not valid for that type (a server or protocol fault).
  static func decode(text: UnsafeBufferPointer<UInt8>, typeOID: UInt32) -> PostgresValue? {
    switch typeOID {
    case PostgresTypeOID.bool:
      guard text.count == 1 else { return nil }
      switch text[0] {
      case UInt8(ascii: "t"): return .bool(true)
      case UInt8(ascii: "f"): return .bool(false)
      default: return nil
      }
    case PostgresTypeOID.int2, PostgresTypeOID.int4:
      return Int32(String(decoding: text, as: UTF8.self)).map { .int32($0) }
    case PostgresTypeOID.int8, PostgresTypeOID.oid:
      return Int64(String(decoding: text, as: UTF8.self)).map { .int64($0) }
    case PostgresTypeOID.float4, PostgresTypeOID.float8:
      return Double(String(decoding: text, as: UTF8.self)).map { .double($0) }
    case PostgresTypeOID.bytea:
      return Self.decodeHexBytea(text).map { .bytea($0) }
    case PostgresTypeOID.timestamp, PostgresTypeOID.timestamptz:
      // BC dates and other forms a Date cannot hold stay readable as text.
      let string = String(decoding: text, as: UTF8.self)
      return PostgresTimestamp.parse(string).map { .timestamp($0) } ?? .text(string)
    case PostgresTypeOID.json, PostgresTypeOID.jsonb:
      return .json(String(decoding: text, as: UTF8.self))
    default:
      return .text(String(decoding: text, as: UTF8.self))
    }
  }

  // MARK: - Helpers

  private static let hexDigits = Array("0123456789abcdef".utf8)

  private static func bigEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    withUnsafeBytes(of: value.bigEndian) { Array($0) }
  }

  private static func doubleText(_ value: Double) -> String {
    if value.isNaN { return "NaN" }
    if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
    // Swift prints the shortest text that reads back as the same Double.
    return value.description
  }

  private static func decodeHexBytea(_ text: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
    guard text.count >= 2, text[0] == UInt8(ascii: "\\"), text[1] == UInt8(ascii: "x"),
      text.count % 2 == 0
    else { return nil }
    var bytes = [UInt8]()
    bytes.reserveCapacity((text.count - 2) / 2)
    var index = 2
    while index < text.count {
      guard let high = Self.hexValue(text[index]), let low = Self.hexValue(text[index + 1]) else {
        return nil
      }
      bytes.append(high << 4 | low)
      index += 2
    }
    return bytes
  }

  private static func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
  }

  private static func unrepresentableTimestamp(_ position: String) -> PostgresError {
    PostgresError(
      code: .invalidValue,
      message: "\(position) is a timestamp outside the range this client can send")
  }
}
