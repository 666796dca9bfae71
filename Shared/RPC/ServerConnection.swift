import Foundation
import NetworkIO
import RPCCore
import WireProtos
import ZstdCodec

/// The server side of one connection: cuts frames, opens and routes calls, and keeps bad
/// frames on one stream from disturbing the others. Lives on its connection's loop thread.
final class ServerConnection: ConnectionDelegate, @unchecked Sendable {
  // @unchecked: everything but `connection` and `limits` is touched on the loop thread only.
  let connection: TCPConnection
  let limits: RPCLimits
  private let core: ServerCore
  private var decoder: FrameDecoder
  private var streams: [UInt32: ServerStream] = [:]
  private var lastStreamID: UInt32 = 0
  private var isDraining = false

  init(connection: TCPConnection, core: ServerCore) {
    self.connection = connection
    self.core = core
    self.limits = core.configuration.limits
    self.decoder = FrameDecoder(
      maxPayloadLength: core.configuration.limits.maxFramePayloadBytes, expectsPreface: true)
  }

  /// Calls open on this connection.
  var openStreamCount: Int { self.streams.count }

  // MARK: - ConnectionDelegate

  func connection(_ connection: TCPConnection, didRead bytes: UnsafeRawBufferPointer) {
    self.decoder.append(bytes)
    do {
      while let frame = try self.decoder.nextFrame() {
        self.handle(frame)
        if connection.isClosed { return }
      }
    } catch {
      self.protocolViolation(error.message)
    }
  }

  func connectionDidClose(_ connection: TCPConnection, error: NetworkError?) {
    let lost = RPCError(code: .unavailable, message: "the connection closed")
    for stream in Array(self.streams.values) { stream.abort(lost, sendStatus: false) }
    self.streams.removeAll()
    self.core.connectionClosed(self, error: error)
  }

  // MARK: - Frames

  private func handle(_ frame: Frame) {
    switch frame.kind {
    case .headers:
      self.openCall(frame)
    case .message:
      guard let stream = self.stream(for: frame) else { return }
      var payload = frame.payload
      if frame.flags.contains(.compressed) {
        do {
          payload = try Zstd.decompress(payload, maxOutputBytes: self.limits.maxMessageBytes)
        } catch {
          stream.abort(
            RPCError(code: .internalError, message: "cannot decompress request: \(error.message)"),
            sendStatus: true)
          return
        }
      }
      guard stream.deliver(payload) else {
        stream.abort(
          RPCError(
            code: .resourceExhausted, message: "the client sent beyond its flow-control window"),
          sendStatus: true)
        return
      }
      if frame.flags.contains(.endStream) { stream.finishInbound() }
    case .end:
      self.stream(for: frame)?.finishInbound()
    case .cancel:
      self.stream(for: frame)?.abort(
        RPCError(code: .cancelled, message: "cancelled by the client"), sendStatus: false)
    case .windowUpdate:
      guard frame.payload.count == 4 else {
        return self.protocolViolation("WINDOW_UPDATE payload must be 4 bytes")
      }
      let increment = frame.payload.reduce(0) { $0 << 8 | Int($1) }
      if frame.streamID != 0 { self.stream(for: frame)?.grantWindow(increment) }
    case .ping:
      guard frame.streamID == 0, frame.payload.count == 8 else {
        return self.protocolViolation("PING must be on stream 0 with 8 bytes")
      }
      if !frame.flags.contains(.ack) {
        self.connection.send {
          Frame(kind: .ping, flags: .ack, streamID: 0, payload: frame.payload).encode(into: &$0)
        }
      }
    case .goAway:
      self.isDraining = true
      if self.streams.isEmpty { self.connection.closeAfterFlush() }
    default:
      self.protocolViolation("a client may not send \(frame.kind) frames")
    }
  }

  /// The open stream a frame belongs to; nil (and the frame dropped) for a call that already
  /// ended; a protocol violation for a stream that was never opened.
  private func stream(for frame: Frame) -> ServerStream? {
    if let stream = self.streams[frame.streamID] { return stream }
    if frame.streamID == 0 || frame.streamID > self.lastStreamID {
      self.protocolViolation(
        "\(frame.kind) frame for stream \(frame.streamID), which was never opened")
    }
    return nil
  }

  private func openCall(_ frame: Frame) {
    let streamID = frame.streamID
    guard streamID > self.lastStreamID else {
      return self.protocolViolation(
        "HEADERS for stream \(streamID), not above the last stream \(self.lastStreamID)")
    }
    self.lastStreamID = streamID
    let headers: CallHeaders
    do {
      headers = try CallHeaders(serializedBytes: frame.payload)
    } catch {
      return self.refuse(
        streamID,
        RPCError(code: .invalidArgument, message: "invalid call headers: \(error.reason)"),
        method: "")
    }
    guard !self.isDraining, !self.core.isDraining else {
      return self.refuse(
        streamID, RPCError(code: .unavailable, message: "the server is shutting down"),
        method: headers.method)
    }
    guard self.streams.count < self.limits.maxConcurrentStreams else {
      return self.refuse(
        streamID,
        RPCError(
          code: .resourceExhausted,
          message:
            "more than \(self.limits.maxConcurrentStreams) concurrent calls on one connection"),
        method: headers.method)
    }
    let metadata = Metadata(entries: headers.metadata)
    guard metadata.count <= self.limits.maxMetadataEntries,
      metadata.byteCount <= self.limits.maxMetadataBytes
    else {
      return self.refuse(
        streamID, RPCError(code: .resourceExhausted, message: "call metadata exceeds the limits"),
        method: headers.method)
    }
    guard let (descriptor, handler) = self.core.router.route(forPath: headers.method) else {
      return self.refuse(
        streamID, RPCError(code: .unimplemented, message: "unknown method \(headers.method)"),
        method: headers.method)
    }
    let stream = ServerStream(
      id: streamID, connection: self, acceptsCompression: headers.acceptCompression == "zstd")
    self.streams[streamID] = stream
    if frame.flags.contains(.endStream) { stream.finishInbound() }

    let start = DispatchTime.now().uptimeNanoseconds
    var deadline: UInt64?
    var timer: UInt64?
    if headers.timeoutUs > 0 {
      let due = start &+ min(headers.timeoutUs, UInt64(Int64.max / 1_000)) &* 1_000
      deadline = due
      timer = self.connection.loop.scheduleTimer(atUptimeNanoseconds: due) { [stream] in
        stream.abort(
          RPCError(code: .deadlineExceeded, message: "the deadline expired"), sendStatus: true)
      }
    }
    let context = ServerContext(
      descriptor: descriptor, metadata: metadata, peer: self.connection.peerDescription,
      deadlineUptimeNanoseconds: deadline, principal: nil, streamID: streamID)
    let core = self.core
    let task = Task(executorPreference: self.connection.loop) {
      await core.run(stream: stream, handler: handler, context: context, start: start)
    }
    stream.attach(task: task, deadlineTimer: timer)
  }

  private func refuse(_ streamID: UInt32, _ error: RPCError, method: String) {
    let status = error.wireStatus.serializedBytes()
    self.connection.send {
      Frame(kind: .status, streamID: streamID, payload: status).encode(into: &$0)
    }
    self.core.observe(.callFinished(method: method, code: error.code, durationNanoseconds: 0))
  }

  /// Tells the client why, then closes: the byte stream can no longer be trusted.
  private func protocolViolation(_ message: String) {
    self.core.observe(.protocolViolation(peer: self.connection.peerDescription, message: message))
    var goAway = GoAway()
    goAway.lastStreamID = self.lastStreamID
    goAway.code = RPCStatusCode.internalError.rawValue
    goAway.message = message
    let payload = goAway.serializedBytes()
    self.connection.send { Frame(kind: .goAway, streamID: 0, payload: payload).encode(into: &$0) }
    self.connection.closeAfterFlush()
  }

  // MARK: - Streams

  func streamEnded(_ stream: ServerStream) {
    if self.connection.loop.inEventLoop {
      self.removeStream(stream.id)
    } else {
      self.connection.loop.execute { [self] in self.removeStream(stream.id) }
    }
  }

  private func removeStream(_ id: UInt32) {
    guard self.streams.removeValue(forKey: id) != nil else { return }
    if self.streams.isEmpty && (self.isDraining || self.core.isDraining) {
      self.connection.closeAfterFlush()
    }
  }

  func sendWindowUpdate(streamID: UInt32, increment: Int) {
    let value = UInt32(clamping: increment)
    self.connection.send {
      Frame(
        kind: .windowUpdate, streamID: streamID,
        payload: [
          UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
          UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value),
        ]
      ).encode(into: &$0)
    }
  }

  /// Starts draining: a GOAWAY to the client, and the connection closes once its calls end.
  func beginDraining() {
    self.isDraining = true
    var goAway = GoAway()
    goAway.lastStreamID = self.lastStreamID
    goAway.code = RPCStatusCode.unavailable.rawValue
    goAway.message = "the server is shutting down"
    let payload = goAway.serializedBytes()
    self.connection.send { Frame(kind: .goAway, streamID: 0, payload: payload).encode(into: &$0) }
    if self.streams.isEmpty { self.connection.closeAfterFlush() }
  }

  /// Ends every open call with UNAVAILABLE and closes; the end of a graceful shutdown.
  func forceClose() {
    let reason = RPCError(
      code: .unavailable, message: "the server shut down before the call finished")
    for stream in Array(self.streams.values) { stream.abort(reason, sendStatus: true) }
    self.connection.closeAfterFlush()
  }
}
