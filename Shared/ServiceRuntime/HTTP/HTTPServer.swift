package import NetworkIO
import Synchronization

/// An HTTP/1.1 server on the platform's event loops: the admin endpoints (`/metrics`,
/// `/healthz`, `/readyz`) of every service, and the REST edges.
///
/// Each connection's bytes go, in order, to an `HTTPConnectionHandler` run by one task on the
/// connection's loop; its output is written back and the connection closed when it says so.
package final class HTTPServer: LifecycleService {
  private struct State: ~Copyable {
    var listener: TCPListener?
    var connections: [ObjectIdentifier: HTTPServerConnection] = [:]
    var stopped = false
    var waiters: [CheckedContinuation<Void, Never>] = []
  }

  package let name: String
  private let endpoint: HostAndPort
  private let router: HTTPRouter
  private let limits: HTTPRequestParser.Limits
  private let group: EventLoopGroup
  private let state = Mutex(State())

  /// Creates a server; nothing listens until `start()` or `run()`.
  package init(
    name: String = "http", endpoint: HostAndPort, router: HTTPRouter,
    limits: HTTPRequestParser.Limits = .init(), group: EventLoopGroup = .shared
  ) {
    self.name = name
    self.endpoint = endpoint
    self.router = router
    self.limits = limits
    self.group = group
  }

  /// Binds the port.
  /// - Returns: the bound address (with the real port when 0 was asked for).
  /// - Throws: `NetworkError` when the port cannot be bound.
  @discardableResult
  package func start() throws -> HostAndPort {
    let listener = try TCPListener(endpoint: self.endpoint, group: self.group) { [weak self] tcp in
      guard let self else { return tcp.close() }
      let connection = HTTPServerConnection(tcp: tcp, router: self.router, limits: self.limits) {
        [weak self] closed in
        _ = self?.state.withLock { $0.connections.removeValue(forKey: ObjectIdentifier(closed)) }
      }
      let admitted = self.state.withLock { state -> Bool in
        guard !state.stopped else { return false }
        state.connections[ObjectIdentifier(connection)] = connection
        return true
      }
      guard admitted else { return tcp.close() }
      connection.start()
    }
    self.state.withLock { $0.listener = listener }
    return listener.address
  }

  /// Serves until `beginGracefulShutdown()`; binds first if `start()` was not called.
  package func run() async throws {
    if self.state.withLock({ $0.listener == nil && !$0.stopped }) { try self.start() }
    await withCheckedContinuation { continuation in
      let done = self.state.withLock { state -> Bool in
        if state.stopped { return true }
        state.waiters.append(continuation)
        return false
      }
      if done { continuation.resume() }
    }
  }

  /// Stops listening and closes connections once their current response is written.
  package func beginGracefulShutdown() {
    let (listener, connections, waiters) = self.state.withLock { state in
      state.stopped = true
      defer {
        state.listener = nil
        state.connections.removeAll()
        state.waiters.removeAll()
      }
      return (state.listener, Array(state.connections.values), state.waiters)
    }
    listener?.close()
    for connection in connections { connection.tcp.closeAfterFlush() }
    for waiter in waiters { waiter.resume() }
  }
}

/// One HTTP connection: reads go to a stream that one task drains through the handler.
///
/// A client that keeps sending while its earlier requests are still being answered is allowed
/// two maximum-size requests of backlog; beyond that the connection is closed, so a pipelining
/// client cannot make the server buffer without bound.
final class HTTPServerConnection: ConnectionDelegate, Sendable {
  let tcp: TCPConnection
  private let backlogBytes = Atomic<Int>(0)
  private let maxBacklogBytes: Int
  private let router: HTTPRouter
  private let limits: HTTPRequestParser.Limits
  private let input: AsyncStream<[UInt8]>
  private let inputSink: AsyncStream<[UInt8]>.Continuation
  private let onClose: @Sendable (HTTPServerConnection) -> Void

  init(
    tcp: TCPConnection, router: HTTPRouter, limits: HTTPRequestParser.Limits,
    onClose: @escaping @Sendable (HTTPServerConnection) -> Void
  ) {
    self.tcp = tcp
    self.router = router
    self.limits = limits
    (self.input, self.inputSink) = AsyncStream.makeStream(of: [UInt8].self)
    self.onClose = onClose
    self.maxBacklogBytes =
      2 * (limits.maxRequestLineBytes + limits.maxHeaderBytes + limits.maxBodyBytes)
  }

  /// On the connection's loop thread.
  func start() {
    self.tcp.activate(delegate: self)
    let (tcp, input, router, limits) = (self.tcp, self.input, self.router, self.limits)
    Task(executorPreference: tcp.loop) { [self] in
      var handler = HTTPConnectionHandler(router: router, limits: limits)
      for await bytes in input {
        let output = await handler.receive(bytes)
        self.backlogBytes.subtract(bytes.count, ordering: .relaxed)
        if !output.bytes.isEmpty { tcp.send { $0.append(contentsOf: output.bytes) } }
        if output.shouldClose {
          tcp.closeAfterFlush()
          return
        }
      }
      let output = handler.receiveEndOfInput()
      if !output.bytes.isEmpty { tcp.send { $0.append(contentsOf: output.bytes) } }
      tcp.closeAfterFlush()
    }
  }

  func connection(_ connection: TCPConnection, didRead bytes: UnsafeRawBufferPointer) {
    let backlog = self.backlogBytes.add(bytes.count, ordering: .relaxed).newValue
    guard backlog <= self.maxBacklogBytes else {
      connection.close()
      return
    }
    self.inputSink.yield(Array(bytes))
  }

  func connectionDidClose(_ connection: TCPConnection, error: NetworkError?) {
    self.inputSink.finish()
    self.onClose(self)
  }
}
