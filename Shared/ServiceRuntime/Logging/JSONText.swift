/// Writes JSON text into a byte buffer without Foundation, for the logger's hot path.
enum JSONText {
  private static let hexDigits = Array("0123456789abcdef".utf8)

  /// Appends `string` as a quoted JSON string: `"` and `\` escaped, control characters as
  /// `\n`, `\r`, `\t`, `\b`, `\f` or `\u00XX`. Other characters are copied as UTF-8.
  static func appendString(_ string: String, to buffer: inout [UInt8]) {
    var string = string
    string.withUTF8 { bytes in
      buffer.append(UInt8(ascii: "\""))
      // Most strings need no escaping: copy them in one go.
      guard bytes.contains(where: Self.needsEscaping) else {
        buffer.append(contentsOf: bytes)
        buffer.append(UInt8(ascii: "\""))
        return
      }
      for byte in bytes {
        switch byte {
        case UInt8(ascii: "\""): Self.appendEscape(UInt8(ascii: "\""), to: &buffer)
        case UInt8(ascii: "\\"): Self.appendEscape(UInt8(ascii: "\\"), to: &buffer)
        case 0x0A: Self.appendEscape(UInt8(ascii: "n"), to: &buffer)
        case 0x0D: Self.appendEscape(UInt8(ascii: "r"), to: &buffer)
        case 0x09: Self.appendEscape(UInt8(ascii: "t"), to: &buffer)
        case 0x08: Self.appendEscape(UInt8(ascii: "b"), to: &buffer)
        case 0x0C: Self.appendEscape(UInt8(ascii: "f"), to: &buffer)
        case 0x00..<0x20:
          Self.appendEscape(UInt8(ascii: "u"), to: &buffer)
          buffer.append(UInt8(ascii: "0"))
          buffer.append(UInt8(ascii: "0"))
          buffer.append(Self.hexDigits[Int(byte >> 4)])
          buffer.append(Self.hexDigits[Int(byte & 0x0F)])
        default:
          buffer.append(byte)
        }
      }
      buffer.append(UInt8(ascii: "\""))
    }
  }

  private static func appendEscape(_ character: UInt8, to buffer: inout [UInt8]) {
    buffer.append(UInt8(ascii: "\\"))
    buffer.append(character)
  }

  private static func needsEscaping(_ byte: UInt8) -> Bool {
    byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
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
