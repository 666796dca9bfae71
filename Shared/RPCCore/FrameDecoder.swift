/// Cuts a byte stream into frames, however the bytes were split by the network.
///
/// Feed it bytes with `append(_:)`, then call `nextFrame()` until it returns nil. It checks the
/// header before waiting for the payload, so an oversized length is refused without buffering
/// anything of it. One per connection; not thread-safe.
package struct FrameDecoder: Sendable {
  /// Why bytes could not be decoded as frames. Any of these ends the connection.
  package struct DecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was wrong.
    package struct Code: Hashable, Sendable {
      private enum Wrapped {
        case badPreface, unknownKind, reservedBitsSet, unknownFlags, frameTooLarge
      }
      private let wrapped: Wrapped
      /// The connection did not start with `Frame.preface`.
      package static let badPreface = Self(wrapped: .badPreface)
      /// The kind byte is not one the protocol defines.
      package static let unknownKind = Self(wrapped: .unknownKind)
      /// The reserved header bytes are not zero.
      package static let reservedBitsSet = Self(wrapped: .reservedBitsSet)
      /// A flag bit the protocol does not define is set.
      package static let unknownFlags = Self(wrapped: .unknownFlags)
      /// The declared payload length exceeds the limit.
      package static let frameTooLarge = Self(wrapped: .frameTooLarge)
    }
    /// What was wrong.
    package var code: Code
    /// A description fit for a log line and a GOAWAY message.
    package var message: String
    package var description: String { self.message }
  }

  /// The largest payload accepted, in bytes.
  package let maxPayloadLength: Int
  private var buffer: [UInt8] = []
  private var readIndex = 0
  private var expectsPreface: Bool

  /// Creates a decoder.
  /// - Parameters:
  ///   - maxPayloadLength: frames declaring a longer payload are refused.
  ///   - expectsPreface: true on the server side, where the stream starts with `Frame.preface`.
  package init(maxPayloadLength: Int, expectsPreface: Bool) {
    self.maxPayloadLength = maxPayloadLength
    self.expectsPreface = expectsPreface
  }

  /// Bytes received but not yet returned as frames.
  package var bufferedByteCount: Int { self.buffer.count - self.readIndex }

  /// Adds received bytes.
  package mutating func append(_ bytes: UnsafeRawBufferPointer) {
    if self.readIndex > 0 && self.readIndex == self.buffer.count {
      self.buffer.removeAll(keepingCapacity: true)
      self.readIndex = 0
    } else if self.readIndex > 65_536 && self.readIndex * 2 > self.buffer.count {
      self.buffer.removeFirst(self.readIndex)
      self.readIndex = 0
    }
    self.buffer.append(contentsOf: bytes)
  }

  /// Adds received bytes.
  package mutating func append(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { self.append($0) }
  }

  /// The next complete frame, or nil when more bytes are needed.
  /// - Throws: `DecodingError` when the bytes cannot be frames; the connection must be closed.
  package mutating func nextFrame() throws(DecodingError) -> Frame? {
    if self.expectsPreface {
      let preface = Frame.preface
      let available = self.bufferedByteCount
      let checked = min(available, preface.count)
      for offset in 0..<checked where self.buffer[self.readIndex + offset] != preface[offset] {
        throw DecodingError(
          code: .badPreface, message: "the connection did not start with the DCMMSRPC preface")
      }
      guard available >= preface.count else { return nil }
      self.readIndex += preface.count
      self.expectsPreface = false
    }
    guard self.bufferedByteCount >= Frame.headerLength else { return nil }
    let start = self.readIndex
    let kind = Frame.Kind(rawValue: self.buffer[start])
    let flags = Frame.Flags(rawValue: self.buffer[start + 1])
    guard kind.isKnown else {
      throw DecodingError(code: .unknownKind, message: "unknown frame kind \(kind.rawValue)")
    }
    guard self.buffer[start + 2] == 0, self.buffer[start + 3] == 0 else {
      throw DecodingError(code: .reservedBitsSet, message: "reserved header bytes are not zero")
    }
    guard flags.isSubset(of: .all) else {
      throw DecodingError(code: .unknownFlags, message: "unknown frame flags \(flags.rawValue)")
    }
    let streamID = self.readUInt32(at: start + 4)
    let length = Int(self.readUInt32(at: start + 8))
    guard length <= self.maxPayloadLength else {
      throw DecodingError(
        code: .frameTooLarge,
        message: "frame payload of \(length) bytes exceeds the limit of \(self.maxPayloadLength)")
    }
    guard self.bufferedByteCount >= Frame.headerLength + length else { return nil }
    let payloadStart = start + Frame.headerLength
    let payload = Array(self.buffer[payloadStart..<payloadStart + length])
    self.readIndex = payloadStart + length
    return Frame(kind: kind, flags: flags, streamID: streamID, payload: payload)
  }

  @inline(__always)
  private func readUInt32(at index: Int) -> UInt32 {
    UInt32(self.buffer[index]) << 24 | UInt32(self.buffer[index + 1]) << 16
      | UInt32(self.buffer[index + 2]) << 8 | UInt32(self.buffer[index + 3])
  }
}
