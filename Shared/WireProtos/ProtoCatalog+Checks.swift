extension ProtoCatalog {
  /// Decodes `bytes` as every message type and checks what decodes: its encoding must decode
  /// again to the same encoding. Meant for fuzzers and tests; a decoder that crashes on `bytes`
  /// crashes here too, which is what a fuzzer looks for.
  ///
  /// Encodings are compared instead of values because a decoded double may be NaN.
  /// - Parameter bytes: any bytes.
  /// - Returns: the proto names of the types whose re-encoding was not stable (normally none).
  /// - Complexity: one decode per message type (219 today), two more per type that decodes.
  package static func unstableReencodings(of bytes: UnsafeRawBufferPointer) -> [String] {
    var unstable: [String] = []
    for (name, type) in Self.messageTypes where !Self.reencodesStably(type, bytes) {
      unstable.append(name)
    }
    return unstable.sorted()
  }

  private static func reencodesStably<M: ProtoMessage>(
    _ type: M.Type, _ bytes: UnsafeRawBufferPointer
  )
    -> Bool
  {
    guard let message = try? M(serializedBytes: bytes) else { return true }
    let encoded = message.serializedBytes()
    guard let again = try? M(serializedBytes: encoded) else { return false }
    return again.serializedBytes() == encoded
  }
}
