import Foundation
package import NetworkIO
package import RPCCore
import Synchronization
package import WireProtos

/// A client of one service, balanced round-robin over the service's endpoints.
///
/// Each endpoint has at most one connection, opened on first use and shared by every call
/// (calls are multiplexed as streams). An endpoint whose connection fails or cannot be opened
/// is ejected for a back-off period (doubling from `ejectionBackoff` up to
/// `maxEjectionBackoff`), then tried again by the next call that comes its way; a success
/// re-admits it.
package final class RPCClient: Sendable {
  /// How a client reaches its service.
  package struct Configuration: Sendable {
    /// The service's replicas.
    package var endpoints: [HostAndPort]
    /// Limits on what servers may send.
    package var limits = RPCLimits()
    /// The loops that serve the client's connections.
    package var group: EventLoopGroup = .shared
    /// How long to wait for a TCP connection.
    package var connectTimeout: Duration = .seconds(2)
    /// Timeout of calls whose options give none; nil waits forever.
    package var defaultTimeout: Duration? = .seconds(30)
    /// Sent as `authorization: Bearer <token>` on every call.
    package var bearerToken: String?
    /// Called for each call's token when set (overrides `bearerToken`), so long-lived clients
    /// can renew short-lived tokens.
    package var bearerTokenProvider: (@Sendable () -> String)?
    /// Attempts per call, counting the first, for calls that may be retried.
    package var maxAttempts = 3
    /// The first ejection period of a failed endpoint.
    package var ejectionBackoff: Duration = .milliseconds(100)
    /// The longest ejection period.
    package var maxEjectionBackoff: Duration = .seconds(5)
    /// Whether to compress large requests and accept compressed responses.
    package var compression = true

    /// A configuration for `endpoints` with defaults for the rest.
    package init(endpoints: [HostAndPort]) { self.endpoints = endpoints }
  }

  /// The configuration the client was made with.
  package let configuration: Configuration
  private let subchannels: [Subchannel]
  private let nextIndex = Atomic<Int>(0)

  /// Creates a client. Nothing connects until the first call.
  package init(configuration: Configuration) {
    precondition(!configuration.endpoints.isEmpty, "a client needs at least one endpoint")
    self.configuration = configuration
    self.subchannels = configuration.endpoints.map {
      Subchannel(endpoint: $0, configuration: configuration)
    }
  }

  /// Closes every connection once its calls end; later calls fail.
  package func close() {
    for subchannel in self.subchannels { subchannel.shutdown() }
  }

  /// Endpoints currently ejected after failures.
  package var ejectedEndpoints: [HostAndPort] {
    let now = DispatchTime.now().uptimeNanoseconds
    return self.subchannels.filter { $0.isEjected(now: now) }.map(\.endpoint)
  }

  // MARK: - Calls

  /// Calls a unary method.
  /// - Throws: `RPCError` with the server's status, or UNAVAILABLE / DEADLINE_EXCEEDED /
  ///   CANCELLED from the client side.
  package func unary<Request: ProtoMessage, Response: ProtoMessage>(
    _ method: MethodDescriptor, request: Request, response: Response.Type = Response.self,
    options: CallOptions = CallOptions()
  ) async throws -> Response {
    let bytes = try await self.withRetries(
      method: method, request: request.serializedBytes(), options: options
    ) { stream, _ in
      try await stream.receiveSingle()
    }
    return try Self.decodeResponse(Response.self, bytes)
  }

  /// Calls a server-streaming method; `body` reads the responses while the call is open.
  package func serverStreaming<Request: ProtoMessage, Response: ProtoMessage, Result: Sendable>(
    _ method: MethodDescriptor, request: Request, response: Response.Type = Response.self,
    options: CallOptions = CallOptions(),
    body: @Sendable (ResponseStream<Response>) async throws -> Result
  ) async throws -> Result {
    try await self.withStream(method: method, request: request.serializedBytes(), options: options)
    { stream, _ in
      try await body(ResponseStream(stream: stream))
    }
  }

  /// Calls a client-streaming method; `body` writes the requests, then the response is returned.
  package func clientStreaming<Request: ProtoMessage, Response: ProtoMessage>(
    _ method: MethodDescriptor, request: Request.Type = Request.self,
    response: Response.Type = Response.self, options: CallOptions = CallOptions(),
    body: @Sendable (RequestWriter<Request>) async throws -> Void
  ) async throws -> Response {
    let bytes = try await self.withStream(method: method, request: nil, options: options) {
      stream, compress in
      try await body(RequestWriter(stream: stream, compress: compress))
      stream.halfClose()
      return try await stream.receiveSingle()
    }
    return try Self.decodeResponse(Response.self, bytes)
  }

  // MARK: - Plumbing

  private typealias CallBody<T> = @Sendable (ClientStream, _ compress: Bool) async throws -> T

  private func withRetries<T: Sendable>(
    method: MethodDescriptor, request: [UInt8]?, options: CallOptions, _ body: CallBody<T>
  ) async throws -> T {
    let timeout = options.timeout ?? self.configuration.defaultTimeout
    let deadline = timeout.map { DispatchTime.now().uptimeNanoseconds &+ $0.nanoseconds }
    var attempt = 0
    var lastError: RPCError?
    while true {
      attempt += 1
      do {
        return try await self.attempt(
          method: method, request: request, options: options, deadline: deadline, body)
      } catch let error as RPCError {
        let notStarted = error.cause is CallNotStarted
        let retriable = error.code == .unavailable && (notStarted || options.isIdempotent)
        lastError = error
        guard retriable, attempt < self.configuration.maxAttempts, !Task.isCancelled else {
          throw error
        }
        if let deadline, DispatchTime.now().uptimeNanoseconds >= deadline {
          throw RPCError(
            code: .deadlineExceeded,
            message: "the deadline expired after \(attempt) attempts: \(lastError?.message ?? "")")
        }
      }
    }
  }

  /// Streaming calls are retried only when they never reached a server.
  private func withStream<T: Sendable>(
    method: MethodDescriptor, request: [UInt8]?, options: CallOptions, _ body: CallBody<T>
  ) async throws -> T {
    var options = options
    options.isIdempotent = false
    return try await self.withRetries(method: method, request: request, options: options, body)
  }

  private func attempt<T: Sendable>(
    method: MethodDescriptor, request: [UInt8]?, options: CallOptions, deadline: UInt64?,
    _ body: CallBody<T>
  ) async throws -> T {
    let connection = try await self.pickConnection()
    let compress = options.compression ?? self.configuration.compression
    var metadata = options.metadata
    if let token = self.configuration.bearerTokenProvider?() ?? self.configuration.bearerToken,
      metadata["authorization"] == nil
    {
      metadata.add("Bearer \(token)", forKey: "authorization")
    }
    var headers = CallHeaders()
    headers.method = method.path
    headers.metadata = metadata.wireEntries
    headers.acceptCompression = compress ? "zstd" : ""
    if let deadline {
      let now = DispatchTime.now().uptimeNanoseconds
      headers.timeoutUs = deadline > now ? max(1, (deadline - now) / 1_000) : 1
    }
    let stream: ClientStream
    do {
      stream = try connection.openStream(headers: headers, request: request, compress: compress)
    } catch {
      throw RPCError(
        code: .unavailable, message: "the connection takes no new calls", cause: CallNotStarted())
    }
    if let deadline {
      let timer = connection.tcp.loop.scheduleTimer(atUptimeNanoseconds: deadline) {
        stream.cancel(RPCError(code: .deadlineExceeded, message: "the deadline expired"))
      }
      stream.setDeadlineTimer(timer)
    }
    return try await withTaskCancellationHandler {
      do {
        let result = try await body(stream, compress)
        stream.cancel(RPCError(code: .cancelled, message: "the call ended"))
        return result
      } catch {
        // When the call already ended (a server's status arriving while the caller was still
        // writing requests), that ending is the answer, not the local error it caused.
        if let ending = stream.failure {
          throw ending
        }
        stream.cancel(RPCError.converting(error))
        throw error
      }
    } onCancel: {
      stream.cancel(RPCError(code: .cancelled, message: "the caller cancelled the call"))
    }
  }

  private func pickConnection() async throws -> ClientConnection {
    let count = self.subchannels.count
    let start = self.nextIndex.wrappingAdd(1, ordering: .relaxed).oldValue
    let now = DispatchTime.now().uptimeNanoseconds
    var lastError: (any Error)?
    // First pass: endpoints not ejected. Second: all of them, so a fully ejected service is
    // still tried rather than failing without a connection attempt.
    for pass in 0..<2 {
      for offset in 0..<count {
        let subchannel = self.subchannels[(start &+ offset) % count]
        if pass == 0 && subchannel.isEjected(now: now) { continue }
        do {
          return try await subchannel.connection()
        } catch {
          lastError = error
        }
      }
    }
    throw RPCError(
      code: .unavailable,
      message:
        "no endpoint is reachable (\(self.configuration.endpoints.map(\.description).joined(separator: ", "))): \(lastError.map { "\($0)" } ?? "")",
      cause: CallNotStarted())
  }

  private static func decodeResponse<Response: ProtoMessage>(
    _ type: Response.Type, _ bytes: [UInt8]
  ) throws -> Response {
    do {
      return try Response(serializedBytes: bytes)
    } catch {
      throw RPCError(
        code: .internalError, message: "invalid response: \(error.description)", cause: error)
    }
  }
}

/// The response messages of a server-streaming call, in order.
package struct ResponseStream<Response: ProtoMessage>: AsyncSequence, Sendable {
  package typealias Element = Response
  let stream: ClientStream

  package struct AsyncIterator: AsyncIteratorProtocol {
    let stream: ClientStream
    package mutating func next() async throws -> Response? {
      guard let bytes = try await self.stream.receive() else { return nil }
      do {
        return try Response(serializedBytes: bytes)
      } catch {
        throw RPCError(
          code: .internalError, message: "invalid response: \(error.description)", cause: error)
      }
    }
  }

  package func makeAsyncIterator() -> AsyncIterator { AsyncIterator(stream: self.stream) }
}

/// Writes the requests of a client-streaming call.
package struct RequestWriter<Request: ProtoMessage>: Sendable {
  let stream: ClientStream
  let compress: Bool

  /// Sends one request; waits while the server has granted no more window.
  package func write(_ request: Request) async throws {
    try await self.stream.send(request.serializedBytes(), compress: self.compress)
  }
}

/// One endpoint of a client and its connection.
final class Subchannel: Sendable {
  private enum State {
    case idle
    case connecting([CheckedContinuation<ClientConnection, any Error>])
    case ready(ClientConnection)
    case ejected(until: UInt64, failures: Int)
    case shutdown
  }

  let endpoint: HostAndPort
  private let configuration: RPCClient.Configuration
  private let state = Mutex<State>(.idle)
  private let failures = Atomic<Int>(0)

  init(endpoint: HostAndPort, configuration: RPCClient.Configuration) {
    self.endpoint = endpoint
    self.configuration = configuration
  }

  func isEjected(now: UInt64) -> Bool {
    self.state.withLock { state in
      if case .ejected(let until, _) = state { return until > now }
      return false
    }
  }

  func shutdown() {
    let connection = self.state.withLock { state -> ClientConnection? in
      defer { state = .shutdown }
      if case .ready(let connection) = state { return connection }
      return nil
    }
    connection?.close()
  }

  /// The endpoint's connection, opening it when needed.
  func connection() async throws -> ClientConnection {
    enum Action { case use(ClientConnection), wait, connect, fail(any Error) }
    let now = DispatchTime.now().uptimeNanoseconds
    let action = self.state.withLock { state -> Action in
      switch state {
      case .ready(let connection) where connection.isUsable:
        return .use(connection)
      case .connecting:
        return .wait
      case .shutdown:
        return .fail(RPCError(code: .unavailable, message: "the client is closed"))
      case .ejected(let until, _) where until > now:
        // Ejected endpoints are still tried when every endpoint is ejected; connect anyway.
        state = .connecting([])
        return .connect
      default:
        state = .connecting([])
        return .connect
      }
    }
    switch action {
    case .use(let connection):
      return connection
    case .fail(let error):
      throw error
    case .wait:
      return try await withCheckedThrowingContinuation { continuation in
        let immediate = self.state.withLock { state -> Result<ClientConnection, any Error>? in
          switch state {
          case .connecting(var waiters):
            waiters.append(continuation)
            state = .connecting(waiters)
            return nil
          case .ready(let connection):
            return .success(connection)
          default:
            return .failure(
              RPCError(code: .unavailable, message: "\(self.endpoint) is unreachable"))
          }
        }
        if let immediate { continuation.resume(with: immediate) }
      }
    case .connect:
      do {
        let connection = try await ClientConnection.connect(
          to: self.endpoint, loop: self.configuration.group.next(),
          limits: self.configuration.limits,
          timeout: self.configuration.connectTimeout
        ) { [weak self] connection, wasError in
          self?.connectionClosed(connection, wasError: wasError)
        }
        self.failures.store(0, ordering: .relaxed)
        let waiters = self.state.withLock {
          state -> [CheckedContinuation<ClientConnection, any Error>] in
          guard case .connecting(let waiters) = state else {
            // Shut down while connecting.
            connection.close()
            return []
          }
          state = .ready(connection)
          return waiters
        }
        for waiter in waiters { waiter.resume(returning: connection) }
        return connection
      } catch {
        let error = RPCError(
          code: .unavailable, message: "cannot connect to \(self.endpoint): \(error)",
          cause: CallNotStarted())
        let waiters = self.eject()
        for waiter in waiters { waiter.resume(throwing: error) }
        throw error
      }
    }
  }

  private func eject() -> [CheckedContinuation<ClientConnection, any Error>] {
    let failures = self.failures.wrappingAdd(1, ordering: .relaxed).newValue
    let base = self.configuration.ejectionBackoff.nanoseconds
    let cap = self.configuration.maxEjectionBackoff.nanoseconds
    let backoff = min(cap, base << UInt64(min(failures - 1, 16)))
    let until = DispatchTime.now().uptimeNanoseconds &+ backoff
    return self.state.withLock { state -> [CheckedContinuation<ClientConnection, any Error>] in
      var waiters: [CheckedContinuation<ClientConnection, any Error>] = []
      if case .connecting(let pending) = state { waiters = pending }
      if case .shutdown = state { return waiters }
      state = .ejected(until: until, failures: failures)
      return waiters
    }
  }

  private func connectionClosed(_ connection: ClientConnection, wasError: Bool) {
    let isCurrent = self.state.withLock { state -> Bool in
      if case .ready(let current) = state, current === connection {
        if !wasError { state = .idle }
        return true
      }
      return false
    }
    if isCurrent && wasError { _ = self.eject() }
  }
}
