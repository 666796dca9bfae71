import Foundation
import NetworkIO
import RPCCore
import Synchronization
package import WireProtos
import ZstdCodec

/// One call as the server sees it: the request messages coming in, the responses and the
/// status going out.
///
/// Handlers normally use the typed views (`RequestStream`, `ResponseWriter`) that the router
/// builds over it. Thread-safe: the connection delivers on its loop thread while the handler
/// task may run anywhere.
package final class ServerStream: Sendable {
  private struct State: ~Copyable {
    var inbound: [[UInt8]] = []
    var inboundHead = 0
    var inboundBytes = 0
    var isInboundFinished = false
    var receiver: CheckedContinuation<[UInt8]?, any Error>?
    /// Set once the call has ended: status sent, cancelled, or the connection lost.
    var endReason: RPCError?
    var isEnded = false
    var sendWindow: Int
    var windowWaiters: [CheckedContinuation<Void, any Error>] = []
    var consumedSinceUpdate = 0
    var task: Task<Void, Never>?
    var deadlineTimer: UInt64?
    /// The status the call ended with (CANCELLED when the client gave up).
    var finalCode: RPCStatusCode?
  }

  /// The stream id on its connection.
  package let id: UInt32
  let connection: ServerConnection
  private let acceptsCompression: Bool
  private let state: Mutex<State>

  init(id: UInt32, connection: ServerConnection, acceptsCompression: Bool) {
    self.id = id
    self.connection = connection
    self.acceptsCompression = acceptsCompression
    self.state = Mutex(State(sendWindow: connection.limits.initialStreamWindowBytes))
  }

  private var limits: RPCLimits { self.connection.limits }

  // MARK: - Handler side

  /// The next request message, or nil once the client has half-closed.
  /// - Throws: `RPCError` when the call was cancelled, timed out or its connection was lost.
  package func receive() async throws -> [UInt8]? {
    // Fast path: a unary request usually arrives with its END_STREAM before the handler
    // starts, so most receives need no suspension at all.
    if let ready = self.state.withLock({ Self.takeReady(&$0) }) {
      let message = try ready.get()
      if let message { self.consumed(message.count) }
      return message
    }
    let message: [UInt8]? = try await withCheckedThrowingContinuation { continuation in
      let ready = self.state.withLock { state -> Result<[UInt8]?, any Error>? in
        if let ready = Self.takeReady(&state) { return ready }
        state.receiver = continuation
        return nil
      }
      if let ready { continuation.resume(with: ready) }
    }
    if let message { self.consumed(message.count) }
    return message
  }

  /// The next message, the end of the stream, or the call's end; nil when none is ready yet.
  private static func takeReady(_ state: inout State) -> Result<[UInt8]?, any Error>? {
    if let reason = state.endReason { return .failure(reason) }
    if state.inboundHead < state.inbound.count {
      let message = state.inbound[state.inboundHead]
      state.inboundHead += 1
      if state.inboundHead == state.inbound.count {
        state.inbound.removeAll(keepingCapacity: true)
        state.inboundHead = 0
      }
      state.inboundBytes -= message.count
      return .success(message)
    }
    if state.isInboundFinished { return .success(nil) }
    return nil
  }

  /// The single request of a unary or server-streaming call.
  /// - Throws: `RPCError` (`INVALID_ARGUMENT`) when there is no request, more than one, or it
  ///   cannot be decoded.
  package func receiveSingle<Request: ProtoMessage>(_ type: Request.Type) async throws -> Request {
    guard let bytes = try await self.receive() else {
      throw RPCError(code: .invalidArgument, message: "the call carried no request message")
    }
    guard try await self.receive() == nil else {
      throw RPCError(
        code: .invalidArgument, message: "the method takes exactly one request message")
    }
    return try decodeRequest(Request.self, from: bytes)
  }

  /// Sends one response message, waiting while the client's window is used up or the
  /// connection's output is backed up.
  /// - Throws: `RPCError` when the call has ended.
  package func send(_ message: [UInt8]) async throws {
    try await withCheckedThrowingContinuation {
      (continuation: CheckedContinuation<Void, any Error>) in
      let ready = self.state.withLock { state -> Result<Void, any Error>? in
        if let reason = state.endReason { return .failure(reason) }
        if state.isEnded {
          return .failure(RPCError(code: .failedPrecondition, message: "the call has ended"))
        }
        if state.sendWindow > 0 { return .success(()) }
        state.windowWaiters.append(continuation)
        return nil
      }
      if let ready { continuation.resume(with: ready) }
    }
    self.state.withLock { $0.sendWindow -= message.count }
    let payload = self.encodePayload(message)
    let sent = self.connection.connection.send { buffer in
      Frame.encodeHeader(
        kind: .message, flags: payload.flags, streamID: self.id,
        length: UInt32(payload.bytes.count), into: &buffer)
      buffer.append(contentsOf: payload.bytes)
    }
    guard sent else { throw RPCError(code: .unavailable, message: "the connection closed") }
    if self.connection.connection.bufferedOutputBytes > self.connection.connection.highWaterMark {
      do {
        try await self.connection.connection.waitUntilWritable()
      } catch {
        throw RPCError(code: .unavailable, message: "the connection closed", cause: error)
      }
    }
  }

  /// Sends the one response of a unary or client-streaming call together with an OK status.
  func sendFinal(_ response: some ProtoMessage) {
    let payload = self.encodePayload(response.serializedBytes())
    let status: [UInt8] = []  // CallStatus{} (OK) encodes to no bytes
    guard self.markEnded(code: .ok) else { return }
    self.connection.connection.send { buffer in
      Frame.encodeHeader(
        kind: .message, flags: payload.flags, streamID: self.id,
        length: UInt32(payload.bytes.count), into: &buffer)
      buffer.append(contentsOf: payload.bytes)
      Frame.encodeHeader(
        kind: .status, flags: [], streamID: self.id, length: UInt32(status.count), into: &buffer)
      buffer.append(contentsOf: status)
    }
    self.connection.streamEnded(self)
  }

  /// Ends the call with a status (OK when `error` is nil), unless it has already ended.
  func finish(error: RPCError?) {
    guard self.markEnded(code: error?.code ?? .ok) else { return }
    let status = error?.wireStatus.serializedBytes() ?? []  // OK encodes to no bytes
    self.connection.connection.send { buffer in
      Frame.encodeHeader(
        kind: .status, flags: [], streamID: self.id, length: UInt32(status.count), into: &buffer)
      buffer.append(contentsOf: status)
    }
    self.connection.streamEnded(self)
  }

  /// The status the call ended with, or nil while it is open.
  var finalCode: RPCStatusCode? { self.state.withLock { $0.finalCode } }

  private func markEnded(code: RPCStatusCode) -> Bool {
    let (first, timer) = self.state.withLock { state -> (Bool, UInt64?) in
      guard !state.isEnded else { return (false, nil) }
      state.isEnded = true
      state.finalCode = code
      state.endReason = RPCError(code: .cancelled, message: "the call has ended")
      let waiters = state.windowWaiters
      state.windowWaiters.removeAll()
      for waiter in waiters {
        waiter.resume(throwing: RPCError(code: .cancelled, message: "the call has ended"))
      }
      defer { state.deadlineTimer = nil }
      return (true, state.deadlineTimer)
    }
    if let timer { self.connection.connection.loop.cancelTimer(timer) }
    return first
  }

  private func encodePayload(_ message: [UInt8]) -> (bytes: [UInt8], flags: Frame.Flags) {
    if self.acceptsCompression && message.count >= self.limits.compressionThresholdBytes {
      let compressed = Zstd.compress(message, level: 1)
      if compressed.count < message.count { return (compressed, .compressed) }
    }
    return (message, [])
  }

  private func consumed(_ byteCount: Int) {
    let increment = self.state.withLock { state -> Int in
      state.consumedSinceUpdate += byteCount
      guard state.consumedSinceUpdate >= self.limits.initialStreamWindowBytes / 2,
        !state.isInboundFinished
      else {
        return 0
      }
      defer { state.consumedSinceUpdate = 0 }
      return state.consumedSinceUpdate
    }
    if increment > 0 { self.connection.sendWindowUpdate(streamID: self.id, increment: increment) }
  }

  // MARK: - Connection side (loop thread)

  func attach(task: Task<Void, Never>, deadlineTimer: UInt64?) {
    let cancelNow = self.state.withLock { state -> Bool in
      state.task = task
      state.deadlineTimer = deadlineTimer
      return state.endReason != nil && state.isEnded
    }
    if cancelNow { task.cancel() }
  }

  /// Queues a request message. Returns false when the client overran its window.
  func deliver(_ message: [UInt8]) -> Bool {
    self.state.withLock { state -> Bool in
      guard !state.isEnded else { return true }
      if let receiver = state.receiver {
        state.receiver = nil
        receiver.resume(returning: message)
        return true
      }
      state.inboundBytes += message.count
      if state.inboundBytes > self.limits.initialStreamWindowBytes
        + self.limits.maxFramePayloadBytes
      {
        return false
      }
      state.inbound.append(message)
      return true
    }
  }

  /// The client half-closed.
  func finishInbound() {
    self.state.withLock { state in
      state.isInboundFinished = true
      if let receiver = state.receiver {
        state.receiver = nil
        receiver.resume(returning: nil)
      }
    }
  }

  /// The client granted more window.
  func grantWindow(_ increment: Int) {
    self.state.withLock { state in
      state.sendWindow += increment
      if state.sendWindow > 0 {
        let waiters = state.windowWaiters
        state.windowWaiters.removeAll()
        for waiter in waiters { waiter.resume() }
      }
    }
  }

  /// Ends the call without a status (client cancel, connection lost) or with one (deadline,
  /// overrun), and cancels the handler's task.
  func abort(_ reason: RPCError, sendStatus: Bool) {
    if sendStatus {
      self.finish(error: reason)
    } else if self.markEnded(code: reason.code) {
      self.connection.streamEnded(self)
    }
    let task = self.state.withLock { state -> Task<Void, Never>? in
      state.endReason = reason
      if let receiver = state.receiver {
        state.receiver = nil
        receiver.resume(throwing: reason)
      }
      return state.task
    }
    task?.cancel()
  }
}
