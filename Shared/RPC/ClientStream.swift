import Foundation
import NetworkIO
import RPCCore
import Synchronization
import WireProtos
import ZstdCodec

/// Marks a failure that happened before the server saw the call, so the call may be retried
/// on another endpoint whatever its idempotency.
struct CallNotStarted: Error {}

/// One call as the client sees it: requests going out, responses and the status coming in.
/// Thread-safe: the connection delivers on its loop thread, the caller awaits anywhere.
final class ClientStream: Sendable {
  private struct State: ~Copyable {
    var responses: [[UInt8]] = []
    var responseHead = 0
    var responseBytes = 0
    var receiver: CheckedContinuation<[UInt8]?, any Error>?
    /// nil while the call is open; `.success` for OK, `.failure` for any other ending.
    var outcome: Result<Void, RPCError>?
    var responseMetadata = Metadata()
    var sendWindow: Int
    var windowWaiters: [CheckedContinuation<Void, any Error>] = []
    var consumedSinceUpdate = 0
    var deadlineTimer: UInt64?
  }

  let id: UInt32
  let connection: ClientConnection
  private let state: Mutex<State>

  init(id: UInt32, connection: ClientConnection) {
    self.id = id
    self.connection = connection
    self.state = Mutex(State(sendWindow: connection.limits.initialStreamWindowBytes))
  }

  private var limits: RPCLimits { self.connection.limits }

  // MARK: - Caller side

  /// Sends one request message of a client-streaming call, waiting for window when needed.
  func send(_ message: [UInt8], compress: Bool) async throws {
    try await withCheckedThrowingContinuation {
      (continuation: CheckedContinuation<Void, any Error>) in
      let ready = self.state.withLock { state -> Result<Void, any Error>? in
        if case .failure(let error) = state.outcome { return .failure(error) }
        if state.outcome != nil {
          return .failure(
            RPCError(code: .failedPrecondition, message: "the call has already ended"))
        }
        if state.sendWindow > 0 { return .success(()) }
        state.windowWaiters.append(continuation)
        return nil
      }
      if let ready { continuation.resume(with: ready) }
    }
    self.state.withLock { $0.sendWindow -= message.count }
    let payload = Self.encodePayload(message, compress: compress, limits: self.limits)
    self.connection.tcp.send { buffer in
      Frame.encodeHeader(
        kind: .message, flags: payload.flags, streamID: self.id,
        length: UInt32(payload.bytes.count), into: &buffer)
      buffer.append(contentsOf: payload.bytes)
    }
    if self.connection.tcp.bufferedOutputBytes > self.connection.tcp.highWaterMark {
      try await self.connection.tcp.waitUntilWritable()
    }
  }

  /// Tells the server no more requests follow.
  func halfClose() {
    self.connection.tcp.send { Frame(kind: .end, streamID: self.id).encode(into: &$0) }
  }

  /// The next response message; nil after the last one when the call ended OK.
  /// - Throws: `RPCError` with the call's status when it ended otherwise.
  func receive() async throws -> [UInt8]? {
    // Fast path: the response and its status usually arrive together.
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

  /// The next response, the OK end, or the failure; nil when the call is still open.
  private static func takeReady(_ state: inout State) -> Result<[UInt8]?, any Error>? {
    if state.responseHead < state.responses.count {
      let message = state.responses[state.responseHead]
      state.responseHead += 1
      state.responseBytes -= message.count
      if state.responseHead == state.responses.count {
        state.responses.removeAll(keepingCapacity: true)
        state.responseHead = 0
      }
      return .success(message)
    }
    switch state.outcome {
    case .success: return .success(nil)
    case .failure(let error): return .failure(error)
    case nil: return nil
    }
  }

  /// The single response of a unary or client-streaming call.
  func receiveSingle() async throws -> [UInt8] {
    guard let message = try await self.receive() else {
      throw RPCError(code: .internalError, message: "the server ended the call without a response")
    }
    guard try await self.receive() == nil else {
      throw RPCError(code: .internalError, message: "the server sent more than one response")
    }
    return message
  }

  /// Gives up on the call: tells the server and fails the caller with `error`.
  func cancel(_ error: RPCError) {
    if self.fail(error) {
      self.connection.tcp.send { Frame(kind: .cancel, streamID: self.id).encode(into: &$0) }
    }
  }

  /// How the call ended when it ended with an error (a status from the server, a deadline, a
  /// lost connection); nil while open or after OK.
  var failure: RPCError? {
    self.state.withLock { state in
      if case .failure(let error) = state.outcome { return error }
      return nil
    }
  }

  func setDeadlineTimer(_ id: UInt64) {
    self.state.withLock { $0.deadlineTimer = id }
  }

  static func encodePayload(_ message: [UInt8], compress: Bool, limits: RPCLimits) -> (
    bytes: [UInt8], flags: Frame.Flags
  ) {
    if compress && message.count >= limits.compressionThresholdBytes {
      let compressed = Zstd.compress(message, level: 1)
      if compressed.count < message.count { return (compressed, .compressed) }
    }
    return (message, [])
  }

  private func consumed(_ byteCount: Int) {
    let increment = self.state.withLock { state -> Int in
      state.consumedSinceUpdate += byteCount
      guard state.outcome == nil,
        state.consumedSinceUpdate >= self.limits.initialStreamWindowBytes / 2
      else { return 0 }
      defer { state.consumedSinceUpdate = 0 }
      return state.consumedSinceUpdate
    }
    guard increment > 0 else { return }
    let value = UInt32(clamping: increment)
    self.connection.tcp.send {
      Frame(
        kind: .windowUpdate, streamID: self.id,
        payload: [
          UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
          UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value),
        ]
      ).encode(into: &$0)
    }
  }

  // MARK: - Connection side

  /// A response message arrived. Returns false when the server overran the window.
  func deliver(_ message: [UInt8]) -> Bool {
    self.state.withLock { state -> Bool in
      guard state.outcome == nil else { return true }
      if let receiver = state.receiver {
        state.receiver = nil
        receiver.resume(returning: message)
        return true
      }
      state.responses.append(message)
      state.responseBytes += message.count
      return state.responseBytes <= self.limits.initialStreamWindowBytes
        + self.limits.maxMessageBytes
    }
  }

  func deliverHeaders(_ metadata: Metadata) {
    self.state.withLock { $0.responseMetadata = metadata }
  }

  /// The STATUS frame arrived.
  func finish(_ status: CallStatus) {
    if let error = RPCError(wireStatus: status) {
      _ = self.fail(error)
    } else {
      self.complete(.success(()))
    }
  }

  /// Ends the call with `error` unless it has ended already; returns whether this call ended it.
  @discardableResult
  func fail(_ error: RPCError) -> Bool {
    self.complete(.failure(error))
  }

  func grantWindow(_ increment: Int) {
    self.state.withLock { state in
      state.sendWindow += increment
      guard state.sendWindow > 0 else { return }
      let waiters = state.windowWaiters
      state.windowWaiters.removeAll()
      for waiter in waiters { waiter.resume() }
    }
  }

  @discardableResult
  private func complete(_ outcome: Result<Void, RPCError>) -> Bool {
    let (ended, timer) = self.state.withLock { state -> (Bool, UInt64?) in
      guard state.outcome == nil else { return (false, nil) }
      state.outcome = outcome
      if let receiver = state.receiver {
        state.receiver = nil
        switch outcome {
        case .success: receiver.resume(returning: nil)
        case .failure(let error): receiver.resume(throwing: error)
        }
      }
      // A writer waiting for window learns how the call ended (the server's status, say).
      let ending: RPCError
      switch outcome {
      case .failure(let error): ending = error
      case .success: ending = RPCError(code: .failedPrecondition, message: "the call has already ended")
      }
      let waiters = state.windowWaiters
      state.windowWaiters.removeAll()
      for waiter in waiters { waiter.resume(throwing: ending) }
      defer { state.deadlineTimer = nil }
      return (true, state.deadlineTimer)
    }
    guard ended else { return false }
    if let timer { self.connection.tcp.loop.cancelTimer(timer) }
    self.connection.streamEnded(self.id)
    return true
  }
}
