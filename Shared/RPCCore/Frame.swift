/// One unit on an RPC connection: a 12-byte header, then `length` bytes of payload.
///
/// ```
/// 0       1       2               4                               8                              12
/// | kind  | flags | reserved (0)  | stream id (u32, big-endian)   | payload length (u32, BE)     |
/// ```
/// See `proto/README.md` for what each kind carries.
package struct Frame: Hashable, Sendable {
  /// What a frame carries.
  package struct Kind: Hashable, Sendable, CustomStringConvertible {
    /// The wire value.
    package let rawValue: UInt8
    /// Wraps a wire value (unknown values are refused by the decoder).
    package init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Opens a call (client: `CallHeaders`) or carries response headers (server: `ResponseHeaders`).
    package static let headers = Self(rawValue: 1)
    /// One request or response message.
    package static let message = Self(rawValue: 2)
    /// The client has no more request messages (empty payload).
    package static let end = Self(rawValue: 3)
    /// Closes a call with its outcome (`CallStatus`); server to client, exactly once per call.
    package static let status = Self(rawValue: 4)
    /// The client abandons a call (empty payload); the server stops its handler.
    package static let cancel = Self(rawValue: 5)
    /// Grants the peer more message bytes on a stream (4-byte big-endian increment).
    package static let windowUpdate = Self(rawValue: 6)
    /// Liveness check on stream 0 (8 opaque bytes, echoed with the `ack` flag).
    package static let ping = Self(rawValue: 7)
    /// The sender accepts no new calls (`GoAway`, stream 0).
    package static let goAway = Self(rawValue: 8)

    /// Whether the decoder accepts this kind.
    package var isKnown: Bool { self.rawValue >= 1 && self.rawValue <= 8 }

    private static let names = [
      "HEADERS", "MESSAGE", "END", "STATUS", "CANCEL", "WINDOW_UPDATE", "PING", "GOAWAY",
    ]
    package var description: String {
      self.isKnown ? Self.names[Int(self.rawValue) - 1] : "KIND_\(self.rawValue)"
    }
  }

  /// Bit flags of a frame.
  package struct Flags: OptionSet, Hashable, Sendable {
    package let rawValue: UInt8
    package init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The MESSAGE payload is a zstd frame.
    package static let compressed = Self(rawValue: 0x01)
    /// On HEADERS or MESSAGE from the client: this is the last frame of the request stream.
    package static let endStream = Self(rawValue: 0x02)
    /// On PING: this is the answer.
    package static let ack = Self(rawValue: 0x04)

    /// Every flag the protocol defines.
    package static let all: Self = [.compressed, .endStream, .ack]
  }

  /// The size of the fixed header in bytes.
  package static let headerLength = 12

  /// What the frame carries.
  package var kind: Kind
  /// Its flags.
  package var flags: Flags
  /// The call it belongs to; 0 for connection-level frames.
  package var streamID: UInt32
  /// The payload bytes.
  package var payload: [UInt8]

  /// Creates a frame.
  package init(kind: Kind, flags: Flags = [], streamID: UInt32, payload: [UInt8] = []) {
    self.kind = kind
    self.flags = flags
    self.streamID = streamID
    self.payload = payload
  }

  /// Appends the frame's wire encoding to `buffer`.
  package func encode(into buffer: inout [UInt8]) {
    Self.encodeHeader(
      kind: self.kind, flags: self.flags, streamID: self.streamID,
      length: UInt32(truncatingIfNeeded: self.payload.count), into: &buffer)
    buffer.append(contentsOf: self.payload)
  }

  /// The frame's wire encoding.
  package func encoded() -> [UInt8] {
    var buffer: [UInt8] = []
    buffer.reserveCapacity(Self.headerLength + self.payload.count)
    self.encode(into: &buffer)
    return buffer
  }

  /// Appends a frame header to `buffer`; the caller appends `length` payload bytes after it.
  package static func encodeHeader(
    kind: Kind, flags: Flags, streamID: UInt32, length: UInt32, into buffer: inout [UInt8]
  ) {
    buffer.append(kind.rawValue)
    buffer.append(flags.rawValue)
    buffer.append(0)
    buffer.append(0)
    appendBigEndian(streamID, to: &buffer)
    appendBigEndian(length, to: &buffer)
  }

  /// The connection preface a client sends before its first frame: ASCII `DCMMSRPC`, then the
  /// protocol version as a big-endian u32 (currently 1).
  package static let preface: [UInt8] = Array("DCMMSRPC".utf8) + [0, 0, 0, 1]
}

@inline(__always)
private func appendBigEndian(_ value: UInt32, to buffer: inout [UInt8]) {
  buffer.append(UInt8(truncatingIfNeeded: value >> 24))
  buffer.append(UInt8(truncatingIfNeeded: value >> 16))
  buffer.append(UInt8(truncatingIfNeeded: value >> 8))
  buffer.append(UInt8(truncatingIfNeeded: value))
}
