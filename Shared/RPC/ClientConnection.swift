import Foundation
import NetworkIO
import RPCCore
import Synchronization
import WireProtos
import ZstdCodec

/// The client side of one connection to one server: opens streams on it and routes what the
/// server sends back to them.
final class ClientConnection: ConnectionDelegate, Sendable {
  private struct State: ~Copyable {
    var streams: [UInt32: ClientStream] = [:]
    var nextStreamID: UInt32 = 1
    /// Set by a GOAWAY or a close: no new streams.
    var isUnusable = false
    var unusableReason = ""
  }

  let tcp: TCPConnection
  let limits: RPCLimits
  private let state = Mutex(State())
  /// Loop thread only, but a Mutex keeps the class Sendable without unchecked claims.
  private let decoder: Mutex<FrameDecoder>
  private let onClose: @Sendable (ClientConnection, _ wasError: Bool) -> Void

  private init(
    tcp: TCPConnection, limits: RPCLimits,
    onClose: @escaping @Sendable (ClientConnection, Bool) -> Void
  ) {
    self.tcp = tcp
    self.limits = limits
    self.decoder = Mutex(
      FrameDecoder(maxPayloadLength: limits.maxFramePayloadBytes, expectsPreface: false))
    self.onClose = onClose
  }

  /// Connects, sends the preface and starts reading.
  static func connect(
    to endpoint: HostAndPort, loop: EventLoop, limits: RPCLimits, timeout: Duration,
    onClose: @escaping @Sendable (ClientConnection, Bool) -> Void
  ) async throws -> ClientConnection {
    let tcp = try await TCPConnection.connect(to: endpoint, on: loop, timeout: timeout)
    let connection = ClientConnection(tcp: tcp, limits: limits, onClose: onClose)
    tcp.send { $0.append(contentsOf: Frame.preface) }
    loop.execute { tcp.activate(delegate: connection) }
    return connection
  }

  /// Whether new calls may use this connection.
  var isUsable: Bool { self.state.withLock { !$0.isUnusable } }

  /// Calls open on this connection.
  var openStreamCount: Int { self.state.withLock { $0.streams.count } }

  /// Opens a stream for a new call and queues its HEADERS (and single request, if given).
  ///
  /// The id is chosen and the frames queued under one lock, so concurrent callers put their
  /// HEADERS on the wire in increasing id order, as the protocol requires.
  /// - Throws: `CallNotStarted` when the connection takes no new calls.
  func openStream(headers: CallHeaders, request: [UInt8]?, compress: Bool) throws -> ClientStream {
    let headerBytes = headers.serializedBytes()
    let payload = request.map {
      ClientStream.encodePayload($0, compress: compress, limits: self.limits)
    }
    return try self.state.withLock { state throws -> ClientStream in
      guard !state.isUnusable, state.streams.count < self.limits.maxConcurrentStreams else {
        throw CallNotStarted()
      }
      let id = state.nextStreamID
      if id >= UInt32.max - 2 {
        state.isUnusable = true
        state.unusableReason = "stream ids exhausted"
      }
      state.nextStreamID += 2
      let stream = ClientStream(id: id, connection: self)
      state.streams[id] = stream
      self.tcp.send { buffer in
        Frame.encodeHeader(
          kind: .headers, flags: [], streamID: id, length: UInt32(headerBytes.count), into: &buffer)
        buffer.append(contentsOf: headerBytes)
        if let payload {
          Frame.encodeHeader(
            kind: .message, flags: payload.flags.union(.endStream), streamID: id,
            length: UInt32(payload.bytes.count), into: &buffer)
          buffer.append(contentsOf: payload.bytes)
        }
      }
      return stream
    }
  }

  /// Stops new calls and closes once the open ones end.
  func close() {
    let idle = self.state.withLock { state -> Bool in
      state.isUnusable = true
      state.unusableReason = "the client closed the connection"
      return state.streams.isEmpty
    }
    if idle { self.tcp.closeAfterFlush() }
  }

  func streamEnded(_ id: UInt32) {
    let closeNow = self.state.withLock { state -> Bool in
      state.streams[id] = nil
      return state.isUnusable && state.streams.isEmpty
    }
    if closeNow { self.tcp.closeAfterFlush() }
  }

  private func stream(_ id: UInt32) -> ClientStream? {
    self.state.withLock { $0.streams[id] }
  }

  // MARK: - ConnectionDelegate

  func connection(_ connection: TCPConnection, didRead bytes: UnsafeRawBufferPointer) {
    var frames: [Frame] = []
    let failure = self.decoder.withLock { decoder -> String? in
      decoder.append(bytes)
      do throws(FrameDecoder.DecodingError) {
        while let frame = try decoder.nextFrame() { frames.append(frame) }
        return nil
      } catch {
        return error.message
      }
    }
    for frame in frames { self.handle(frame) }
    if let failure { self.abandon("the server sent an invalid frame: \(failure)") }
  }

  func connectionDidClose(_ connection: TCPConnection, error: NetworkError?) {
    let (streams, wasExpected) = self.state.withLock { state -> ([ClientStream], Bool) in
      let expected = state.isUnusable && state.streams.isEmpty
      state.isUnusable = true
      defer { state.streams.removeAll() }
      return (Array(state.streams.values), expected)
    }
    let reason = error?.message ?? "the server closed the connection"
    for stream in streams {
      stream.fail(RPCError(code: .unavailable, message: "connection lost: \(reason)"))
    }
    self.onClose(self, !wasExpected)
  }

  private func handle(_ frame: Frame) {
    switch frame.kind {
    case .message:
      guard let stream = self.stream(frame.streamID) else { return }
      var payload = frame.payload
      if frame.flags.contains(.compressed) {
        do {
          payload = try Zstd.decompress(payload, maxOutputBytes: self.limits.maxMessageBytes)
        } catch {
          stream.cancel(
            RPCError(code: .internalError, message: "cannot decompress response: \(error.message)"))
          return
        }
      }
      if !stream.deliver(payload) {
        stream.cancel(
          RPCError(
            code: .resourceExhausted, message: "the server sent beyond the flow-control window"))
      }
    case .status:
      guard let stream = self.stream(frame.streamID) else { return }
      do {
        stream.finish(try CallStatus(serializedBytes: frame.payload))
      } catch {
        stream.fail(
          RPCError(code: .internalError, message: "invalid status from the server: \(error.reason)")
        )
      }
    case .headers:
      guard let stream = self.stream(frame.streamID),
        let headers = try? ResponseHeaders(serializedBytes: frame.payload)
      else { return }
      stream.deliverHeaders(Metadata(entries: headers.metadata))
    case .windowUpdate:
      guard frame.payload.count == 4 else { return self.abandon("invalid WINDOW_UPDATE") }
      self.stream(frame.streamID)?.grantWindow(frame.payload.reduce(0) { $0 << 8 | Int($1) })
    case .ping:
      if !frame.flags.contains(.ack) && frame.payload.count == 8 {
        self.tcp.send {
          Frame(kind: .ping, flags: .ack, streamID: 0, payload: frame.payload).encode(into: &$0)
        }
      }
    case .goAway:
      let goAway = try? GoAway(serializedBytes: frame.payload)
      let lastStreamID = goAway?.lastStreamID ?? 0
      let refused = self.state.withLock { state -> [ClientStream] in
        state.isUnusable = true
        state.unusableReason = goAway?.message ?? "the server is going away"
        return state.streams.filter { $0.key > lastStreamID }.map(\.value)
      }
      for stream in refused {
        stream.fail(
          RPCError(
            code: .unavailable, message: "the server is shutting down", cause: CallNotStarted()))
      }
      if self.openStreamCount == 0 { self.tcp.closeAfterFlush() }
    default:
      self.abandon("the server sent a \(frame.kind) frame")
    }
  }

  private func abandon(_ reason: String) {
    self.state.withLock {
      $0.isUnusable = true
      $0.unusableReason = reason
    }
    self.tcp.close()
  }
}
