/// SHA-256 (FIPS 180-4), incremental.
///
/// Used for content-addressed artifacts and for HMAC token signatures. Feed data with
/// `update(_:)`, read the 32-byte digest with `finalize()`.
package struct SHA256: Sendable {
  private var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (
    0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab,
    0x5be0_cd19
  )
  private var pending: [UInt8] = []
  private var totalLength: UInt64 = 0

  /// Creates a hasher with nothing hashed yet.
  package init() { self.pending.reserveCapacity(64) }

  /// The digest of `bytes` in one call.
  package static func hash(_ bytes: some Sequence<UInt8>) -> [UInt8] {
    var hasher = SHA256()
    hasher.update(Array(bytes))
    return hasher.finalize()
  }

  /// Adds bytes to the hash.
  package mutating func update(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { self.update($0) }
  }

  /// Adds bytes to the hash.
  package mutating func update(_ bytes: UnsafeRawBufferPointer) {
    self.totalLength &+= UInt64(bytes.count)
    var offset = 0
    if !self.pending.isEmpty {
      let take = min(64 - self.pending.count, bytes.count)
      self.pending.append(contentsOf: bytes[0..<take])
      offset = take
      if self.pending.count == 64 {
        let block = self.pending
        block.withUnsafeBytes { self.compress($0.baseAddress!) }
        self.pending.removeAll(keepingCapacity: true)
      }
    }
    while bytes.count - offset >= 64 {
      self.compress(bytes.baseAddress! + offset)
      offset += 64
    }
    if offset < bytes.count { self.pending.append(contentsOf: bytes[offset...]) }
  }

  /// The 32-byte digest of everything added. The hasher should not be used afterwards.
  package mutating func finalize() -> [UInt8] {
    let bitLength = self.totalLength &* 8
    var tail = self.pending
    tail.append(0x80)
    while tail.count % 64 != 56 { tail.append(0) }
    for shift in stride(from: 56, through: 0, by: -8) {
      tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
    }
    tail.withUnsafeBytes { buffer in
      var offset = 0
      while offset < buffer.count {
        self.compress(buffer.baseAddress! + offset)
        offset += 64
      }
    }
    self.pending.removeAll()
    var digest: [UInt8] = []
    digest.reserveCapacity(32)
    for word in [
      self.state.0, self.state.1, self.state.2, self.state.3, self.state.4, self.state.5,
      self.state.6, self.state.7,
    ] {
      digest.append(UInt8(truncatingIfNeeded: word >> 24))
      digest.append(UInt8(truncatingIfNeeded: word >> 16))
      digest.append(UInt8(truncatingIfNeeded: word >> 8))
      digest.append(UInt8(truncatingIfNeeded: word))
    }
    return digest
  }

  private static let roundConstants: [UInt32] = [
    0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4,
    0xab1c_5ed5, 0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe,
    0x9bdc_06a7, 0xc19b_f174, 0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f,
    0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da, 0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7,
    0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967, 0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc,
    0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85, 0xa2bf_e8a1, 0xa81a_664b,
    0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070, 0x19a4_c116,
    0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
    0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7,
    0xc671_78f2,
  ]

  private mutating func compress(_ block: UnsafeRawPointer) {
    var w = [UInt32](repeating: 0, count: 64)
    for i in 0..<16 {
      let p = block + i * 4
      w[i] =
        UInt32(p.load(as: UInt8.self)) << 24 | UInt32(p.load(fromByteOffset: 1, as: UInt8.self))
        << 16
        | UInt32(p.load(fromByteOffset: 2, as: UInt8.self)) << 8
        | UInt32(p.load(fromByteOffset: 3, as: UInt8.self))
    }
    for i in 16..<64 {
      let s0 = w[i - 15].rotatedRight(7) ^ w[i - 15].rotatedRight(18) ^ (w[i - 15] >> 3)
      let s1 = w[i - 2].rotatedRight(17) ^ w[i - 2].rotatedRight(19) ^ (w[i - 2] >> 10)
      w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
    }
    var (a, b, c, d, e, f, g, h) = self.state
    for i in 0..<64 {
      let s1 = e.rotatedRight(6) ^ e.rotatedRight(11) ^ e.rotatedRight(25)
      let choice = (e & f) ^ (~e & g)
      let t1 = h &+ s1 &+ choice &+ Self.roundConstants[i] &+ w[i]
      let s0 = a.rotatedRight(2) ^ a.rotatedRight(13) ^ a.rotatedRight(22)
      let majority = (a & b) ^ (a & c) ^ (b & c)
      let t2 = s0 &+ majority
      h = g
      g = f
      f = e
      e = d &+ t1
      d = c
      c = b
      b = a
      a = t1 &+ t2
    }
    self.state = (
      self.state.0 &+ a, self.state.1 &+ b, self.state.2 &+ c, self.state.3 &+ d,
      self.state.4 &+ e, self.state.5 &+ f, self.state.6 &+ g, self.state.7 &+ h
    )
  }
}

extension UInt32 {
  @inline(__always)
  fileprivate func rotatedRight(_ count: UInt32) -> UInt32 {
    (self >> count) | (self << (32 - count))
  }
}
