extension ProtoMessage {
  /// Decodes a message from part of a larger buffer, such as the payload of a frame, without
  /// copying it out first.
  /// - Parameter bytes: the encoded message; its indices need not start at 0.
  /// - Throws: `ProtoDecodingError` when the bytes are not a valid encoding of this message.
  package init(serializedBytes bytes: ArraySlice<UInt8>) throws(ProtoDecodingError) {
    let result: Result<Self, ProtoDecodingError> = bytes.withUnsafeBytes { buffer in
      do throws(ProtoDecodingError) {
        return .success(try Self(serializedBytes: buffer))
      } catch {
        return .failure(error)
      }
    }
    self = try result.get()
  }
}
