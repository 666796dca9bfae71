/// A message of the dCMMS wire API (`proto/dcmms/v1`), as a Swift value.
///
/// Every generated message type conforms. Encoding and decoding go through protobuf-c, so the
/// bytes are standard protobuf; no C type leaves this module.
package protocol ProtoMessage: Sendable, Equatable {
  /// A message with every field at its proto3 default.
  init()

  /// Decodes a message from protobuf bytes.
  /// - Throws: `ProtoDecodingError` when the bytes are not a valid encoding of this message.
  init(serializedBytes bytes: UnsafeRawBufferPointer) throws(ProtoDecodingError)

  /// The protobuf encoding of this message.
  func serializedBytes() -> [UInt8]
}

extension ProtoMessage {
  /// Decodes a message from protobuf bytes held in an array.
  /// - Throws: `ProtoDecodingError` when the bytes are not a valid encoding of this message.
  package init(serializedBytes bytes: [UInt8]) throws(ProtoDecodingError) {
    let result: Result<Self, ProtoDecodingError> = bytes.withUnsafeBytes { buffer in
      do throws(ProtoDecodingError) { return .success(try Self(serializedBytes: buffer)) } catch {
        return .failure(error)
      }
    }
    self = try result.get()
  }
}

/// Why a message could not be decoded.
package struct ProtoDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
  /// The message type that was being decoded, such as `dcmms.v1.CallHeaders`.
  package var messageName: String
  /// What was wrong, safe to show to a caller.
  package var reason: String

  /// Creates an error for `messageName` with a `reason`.
  package init(messageName: String, reason: String) {
    self.messageName = messageName
    self.reason = reason
  }

  /// The error in one line: `cannot decode <message>: <reason>`.
  package var description: String { "cannot decode \(self.messageName): \(self.reason)" }
}
