/// HMAC-SHA-256 (RFC 2104) and a constant-time comparison for checking signatures.
package enum HMAC {
  /// The 32-byte HMAC-SHA-256 of `message` under `key`.
  package static func sha256(key: [UInt8], message: [UInt8]) -> [UInt8] {
    var key = key
    if key.count > 64 { key = SHA256.hash(key) }
    key += [UInt8](repeating: 0, count: 64 - key.count)
    var inner = SHA256()
    inner.update(key.map { $0 ^ 0x36 })
    inner.update(message)
    var outer = SHA256()
    outer.update(key.map { $0 ^ 0x5c })
    outer.update(inner.finalize())
    return outer.finalize()
  }

  /// Compares two byte strings in time that depends only on their lengths.
  package static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
    guard lhs.count == rhs.count else { return false }
    var difference: UInt8 = 0
    for index in lhs.indices { difference |= lhs[index] ^ rhs[index] }
    return difference == 0
  }
}
