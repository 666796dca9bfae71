import Foundation
package import NetworkIO
package import RPCCore
import Synchronization

/// Something that happened in a server that logs and metrics want to know about.
package enum RPCServerEvent: Sendable {
  /// A client connected.
  case connectionOpened(peer: String)
  /// A connection ended; `error` says why when it was not an orderly close.
  case connectionClosed(peer: String, error: String?)
  /// A connection was closed at once because the server is at its connection limit.
  case connectionRefused(peer: String, reason: String)
  /// A client broke the protocol (bad frame, bad preface); its connection is closed.
  case protocolViolation(peer: String, message: String)
  /// A call ended with a status; refused calls have a duration of 0.
  case callFinished(method: String, code: RPCStatusCode, durationNanoseconds: UInt64)
  /// A handler threw an error that was not an `RPCError`; the caller saw `message`.
  case handlerFailed(method: String, message: String, error: any Error)
}

/// An RPC server: listens on one TCP port and serves the router's methods on every core.
///
/// Connections are spread over the event loops of `configuration.group`; each call's handler
/// runs as a task that prefers its connection's loop, so a short call never leaves one thread.
package final class RPCServer: Sendable {
  /// How a server listens and what it allows.
  package struct Configuration: Sendable {
    /// Where to listen; port 0 picks a free port.
    package var endpoint: HostAndPort
    /// Limits on what clients may send.
    package var limits = RPCLimits()
    /// The loops that serve connections.
    package var group: EventLoopGroup = .shared

    /// Creates a configuration for `endpoint` with default limits.
    package init(endpoint: HostAndPort) { self.endpoint = endpoint }
  }

  private let core: ServerCore
  private let listener = Mutex<TCPListener?>(nil)

  /// Creates a server; nothing listens until `start()`.
  /// - Parameters:
  ///   - interceptors: run around every call, first one outermost.
  ///   - observer: told about connections, protocol violations and finished calls.
  package init(
    configuration: Configuration, router: RPCRouter, interceptors: [any ServerInterceptor] = [],
    observer: (@Sendable (RPCServerEvent) -> Void)? = nil
  ) {
    self.core = ServerCore(
      configuration: configuration, router: router, interceptors: interceptors, observer: observer)
  }

  /// Binds the port and starts accepting connections.
  /// - Returns: the bound address (with the real port when 0 was asked for).
  /// - Throws: `NetworkError` when the port cannot be bound (in use, say).
  @discardableResult
  package func start() throws -> HostAndPort {
    let core = self.core
    let listener = try TCPListener(
      endpoint: core.configuration.endpoint, group: core.configuration.group
    ) { connection in
      core.accept(connection)
    }
    self.listener.withLock { $0 = listener }
    return listener.address
  }

  /// Calls being served right now.
  package var activeCallCount: Int { self.core.activeCallCount }

  /// Stops accepting, tells clients to go away, lets calls in flight finish for up to
  /// `gracePeriod`, then ends the rest with UNAVAILABLE and closes every connection.
  package func shutdownGracefully(gracePeriod: Duration = .seconds(10)) async {
    self.listener.withLock { $0?.close() }
    await self.core.drain(gracePeriod: gracePeriod)
  }
}

/// The state a server's connections share.
final class ServerCore: Sendable {
  private struct State: ~Copyable {
    var connections: [ObjectIdentifier: ServerConnection] = [:]
    var activeCalls = 0
    var idleWaiters: [CheckedContinuation<Void, Never>] = []
  }

  let configuration: RPCServer.Configuration
  let router: RPCRouter
  let interceptors: [any ServerInterceptor]
  private let observer: (@Sendable (RPCServerEvent) -> Void)?
  private let state = Mutex(State())
  private let draining = Atomic<Bool>(false)

  init(
    configuration: RPCServer.Configuration, router: RPCRouter,
    interceptors: [any ServerInterceptor],
    observer: (@Sendable (RPCServerEvent) -> Void)?
  ) {
    self.configuration = configuration
    self.router = router
    self.interceptors = interceptors
    self.observer = observer
  }

  var isDraining: Bool { self.draining.load(ordering: .relaxed) }
  var activeCallCount: Int { self.state.withLock { $0.activeCalls } }

  func observe(_ event: RPCServerEvent) { self.observer?(event) }

  /// On the new connection's loop thread.
  func accept(_ connection: TCPConnection) {
    let serverConnection = ServerConnection(connection: connection, core: self)
    let admitted = self.state.withLock { state -> Bool in
      guard !self.isDraining, state.connections.count < self.configuration.limits.maxConnections
      else { return false }
      state.connections[ObjectIdentifier(serverConnection)] = serverConnection
      return true
    }
    guard admitted else {
      self.observe(
        .connectionRefused(
          peer: connection.peerDescription,
          reason: self.isDraining ? "shutting down" : "connection limit reached"))
      connection.close()
      return
    }
    connection.activate(delegate: serverConnection)
    self.observe(.connectionOpened(peer: connection.peerDescription))
  }

  func connectionClosed(_ connection: ServerConnection, error: NetworkError?) {
    self.state.withLock { _ = $0.connections.removeValue(forKey: ObjectIdentifier(connection)) }
    self.observe(
      .connectionClosed(peer: connection.connection.peerDescription, error: error?.message))
  }

  /// Runs one call: interceptors, handler, status.
  func run(
    stream: ServerStream, handler: RPCRouter.RawHandler, context: ServerContext, start: UInt64
  ) async {
    self.state.withLock { $0.activeCalls += 1 }
    var failure: RPCError?
    do {
      try await self.intercept(index: 0, context: context) { context in
        try await handler(stream, context)
      }
    } catch {
      let converted = RPCError.converting(error)
      if converted.code == .internalError, !(error is RPCError) {
        self.observe(
          .handlerFailed(method: context.descriptor.path, message: converted.message, error: error))
      }
      failure = converted
    }
    stream.finish(error: failure)
    self.observe(
      .callFinished(
        method: context.descriptor.path, code: stream.finalCode ?? .cancelled,
        durationNanoseconds: DispatchTime.now().uptimeNanoseconds &- start))
    let waiters = self.state.withLock { state -> [CheckedContinuation<Void, Never>] in
      state.activeCalls -= 1
      guard state.activeCalls == 0 else { return [] }
      defer { state.idleWaiters.removeAll() }
      return state.idleWaiters
    }
    for waiter in waiters { waiter.resume() }
  }

  private func intercept(
    index: Int, context: ServerContext, handler: @Sendable (ServerContext) async throws -> Void
  ) async throws {
    guard index < self.interceptors.count else { return try await handler(context) }
    try await self.interceptors[index].intercept(context: context) { context in
      try await self.intercept(index: index + 1, context: context, handler: handler)
    }
  }

  func drain(gracePeriod: Duration) async {
    self.draining.store(true, ordering: .relaxed)
    let connections = self.state.withLock { Array($0.connections.values) }
    for connection in connections {
      connection.connection.loop.execute { connection.beginDraining() }
    }
    await withTaskGroup(of: Void.self) { group in
      group.addTask { await self.waitUntilIdle() }
      group.addTask { try? await Task.sleep(for: gracePeriod) }
      await group.next()
      group.cancelAll()
    }
    let remaining = self.state.withLock { Array($0.connections.values) }
    for connection in remaining {
      connection.connection.loop.execute { connection.forceClose() }
    }
    // Give the loops a moment to write the final statuses and close.
    for _ in 0..<100 where self.state.withLock({ !$0.connections.isEmpty }) {
      try? await Task.sleep(for: .milliseconds(10))
    }
  }

  private func waitUntilIdle() async {
    await withTaskCancellationHandler {
      await withCheckedContinuation { continuation in
        let idle = self.state.withLock { state -> Bool in
          if state.activeCalls == 0 { return true }
          state.idleWaiters.append(continuation)
          return false
        }
        if idle { continuation.resume() }
      }
    } onCancel: {
      let waiters = self.state.withLock { state -> [CheckedContinuation<Void, Never>] in
        defer { state.idleWaiters.removeAll() }
        return state.idleWaiters
      }
      for waiter in waiters { waiter.resume() }
    }
  }
}
