internal import Crypto

/// The content address of an artifact: the lower-case hex SHA-256 of its uncompressed bytes.
package struct ArtifactDigest: Hashable, Sendable, CustomStringConvertible {
  /// 64 lower-case hex digits.
  package let hex: String

  /// Accepts a client's hash: 64 hex digits, either case.
  /// - Throws: `invalidArgument` when `text` is not a SHA-256 in hex.
  package init(parsing text: String) throws(RegistryError) {
    guard text.utf8.count == 64, text.utf8.allSatisfy({ $0.isHexDigit }) else {
      throw RegistryError(
        .invalidArgument, "'\(text.prefix(80))' is not a SHA-256 digest (64 hex digits)")
    }
    self.hex = text.lowercased()
  }

  /// The digest of a finished hash.
  init(digest: [UInt8]) {
    let digits = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    text.reserveCapacity(digest.count * 2)
    for byte in digest {
      text.append(digits[Int(byte >> 4)])
      text.append(digits[Int(byte & 0x0f)])
    }
    self.hex = String(decoding: text, as: UTF8.self)
  }

  /// The digest of `bytes`.
  /// - Parameter bytes: The uncompressed content.
  /// - Returns: Its content address.
  package static func of(_ bytes: [UInt8]) -> ArtifactDigest {
    ArtifactDigest(digest: SHA256.hash(bytes))
  }

  /// The hex digits.
  package var description: String { self.hex }
}

extension UInt8 {
  fileprivate var isHexDigit: Bool {
    (self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9"))
      || (self >= UInt8(ascii: "a") && self <= UInt8(ascii: "f"))
      || (self >= UInt8(ascii: "A") && self <= UInt8(ascii: "F"))
  }
}
