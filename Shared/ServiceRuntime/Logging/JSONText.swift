/// Writes JSON text into a byte buffer without Foundation, for the logger's hot path.
enum JSONText {
  private static let hexDigits = Array("0123456789abcdef".utf8)

  /// Appends `string` as a quoted JSON string: `"` and `\` escaped, control characters as
  /// `\n`, `\r`, `\t`, `\b`, `\f` or `\u00XX`. Other characters are copied as UTF-8.
  static func appendString(_ string: String, to buffer: inout [UInt8]) {
    buffer.append(UInt8(ascii: "\""))
    for byte in string.utf8 {
      switch byte {
      case UInt8(ascii: "\""): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
      case UInt8(ascii: "\\"): buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
      case 0x0A: buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
      case 0x0D: buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
      case 0x09: buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
      case 0x08: buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
      case 0x0C: buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
      case 0x00..<0x20:
        buffer.append(contentsOf: Array("\\u00".utf8))
        buffer.append(Self.hexDigits[Int(byte >> 4)])
        buffer.append(Self.hexDigits[Int(byte & 0x0F)])
      default:
        buffer.append(byte)
      }
    }
    buffer.append(UInt8(ascii: "\""))
  }

  /// Appends a log value as the matching JSON type.
  static func appendValue(_ value: LogValue, to buffer: inout [UInt8]) {
    switch value {
    case .string(let string):
      Self.appendString(string, to: &buffer)
    case .integer(let integer):
      buffer.append(contentsOf: String(integer).utf8)
    case .double(let double):
      if double.isFinite {
        // Swift's shortest round-trip form ("0.25", "1e-05") is valid JSON.
        buffer.append(contentsOf: String(double).utf8)
      } else {
        Self.appendString(String(double), to: &buffer)
      }
    case .boolean(let boolean):
      buffer.append(contentsOf: (boolean ? "true" : "false").utf8)
    }
  }
}
