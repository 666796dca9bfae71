/// Base64url without padding (RFC 4648 §5), as used in JSON Web Tokens.
package enum Base64URL {
  private static let alphabet = Array(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

  /// Encodes bytes without `=` padding.
  package static func encode(_ bytes: [UInt8]) -> String {
    var output: [UInt8] = []
    output.reserveCapacity((bytes.count + 2) / 3 * 4)
    var index = 0
    while index + 3 <= bytes.count {
      let value =
        UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
      for shift in [18, 12, 6, 0] {
        output.append(Self.alphabet[Int((value >> UInt32(shift)) & 63)])
      }
      index += 3
    }
    let remaining = bytes.count - index
    if remaining == 1 {
      let value = UInt32(bytes[index]) << 16
      for shift in [18, 12] { output.append(Self.alphabet[Int((value >> UInt32(shift)) & 63)]) }
    } else if remaining == 2 {
      let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
      for shift in [18, 12, 6] { output.append(Self.alphabet[Int((value >> UInt32(shift)) & 63)]) }
    }
    return String(decoding: output, as: UTF8.self)
  }

  /// Decodes unpadded base64url; nil when the text is not valid base64url.
  package static func decode(_ text: some StringProtocol) -> [UInt8]? {
    var output: [UInt8] = []
    output.reserveCapacity(text.utf8.count * 3 / 4)
    var accumulator: UInt32 = 0
    var bits = 0
    for character in text.utf8 {
      let value: UInt8
      switch character {
      case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = character - UInt8(ascii: "A")
      case UInt8(ascii: "a")...UInt8(ascii: "z"): value = character - UInt8(ascii: "a") + 26
      case UInt8(ascii: "0")...UInt8(ascii: "9"): value = character - UInt8(ascii: "0") + 52
      case UInt8(ascii: "-"): value = 62
      case UInt8(ascii: "_"): value = 63
      default: return nil
      }
      accumulator = accumulator << 6 | UInt32(value)
      bits += 6
      if bits >= 8 {
        bits -= 8
        output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
      }
    }
    // A single leftover character (6 bits) cannot come from any byte string.
    guard bits < 6, accumulator & ((1 << UInt32(bits)) - 1) == 0 else { return nil }
    return output
  }
}
