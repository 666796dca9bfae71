internal import NetworkIO

/// One connection to Redis, reconnecting by itself after the server restarts.
///
/// The actor runs on its own serial `DispatchQueue`, so hiredis's blocking calls never occupy
/// Swift's cooperative thread pool. Each call (a command or a whole pipeline) completes before
/// the next starts, so several tasks may share one connection.
///
/// Failure and recovery: when the connection breaks during a call, that call fails with
/// ``RedisError/Code/unavailable`` (or ``RedisError/Code/timeout``) and is never retried.
/// The next call reconnects; if that fails, calls fail at once with `unavailable` until the
/// backoff has passed, and then try again. A connection the server closed while idle is
/// replaced before anything is sent.
///
/// Not supported: pub/sub (`SUBSCRIBE` turns the connection into a push stream) and blocking
/// commands that wait longer than ``RedisConfiguration/commandTimeout``. Send `MULTI`…`EXEC`
/// as one ``pipeline(_:)``, never as separate calls.
package actor RedisConnection {
  private enum State {
    case idle
    case connected(RedisContext)
    case waiting(failures: Int, retryAt: ContinuousClock.Instant, reason: String)
    case closed
  }

  private let configuration: RedisConfiguration
  private let executor: BlockingSerialExecutor
  private var state: State = .idle
  private var hasConnected = false

  /// Runs the actor's jobs on its own serial queue.
  package nonisolated var unownedExecutor: UnownedSerialExecutor {
    self.executor.asUnownedSerialExecutor()
  }

  /// Creates a connection that connects on its first call.
  /// - Parameter configuration: Where the server is and how the connection behaves.
  package init(configuration: RedisConfiguration) {
    self.configuration = configuration
    self.executor = BlockingSerialExecutor(label: "dcmms.redis.connection")
  }

  /// Creates a connection and connects now.
  /// - Parameter configuration: Where the server is and how the connection behaves.
  /// - Returns: A connected connection.
  /// - Throws: ``RedisError/Code/connectionFailed`` naming the server and the reason.
  package static func connect(configuration: RedisConfiguration) async throws(RedisError)
    -> RedisConnection
  {
    let connection = RedisConnection(configuration: configuration)
    try await connection.connectIfNeeded()
    return connection
  }

  isolated deinit {
    // Frees the hiredis context on this connection's own queue.
    self.state = .closed
  }

  /// Connects now unless already connected (or waiting out a backoff, which throws).
  /// - Throws: `connectionFailed` if it never connected before, else `unavailable`; `closed`.
  package func connectIfNeeded() throws(RedisError) {
    do {
      _ = try self.ensureConnected()
    } catch  where error.code == .unavailable && !self.hasConnected {
      // Never connected yet: say so, rather than suggest that a working server went away.
      throw RedisError(code: .connectionFailed, message: error.message, cause: error.cause)
    }
  }

  /// Sends one command and returns its reply; an error reply is returned, not thrown.
  /// - Parameter arguments: The command name and its arguments.
  /// - Returns: The reply.
  /// - Throws: `unavailable`, `timeout`, `connectionFailed`, `protocolError`, `invalidArgument`, `closed`.
  package func send(_ arguments: [RedisArgument]) throws(RedisError) -> RedisValue {
    let context = try self.ensureConnected()
    return try self.handlingLoss(context) { () throws(RedisError) in try context.command(arguments)
    }
  }

  /// Sends all commands at once and then reads all replies: one round trip.
  ///
  /// Replies come back in order; error replies are values in the list. If the connection
  /// breaks midway, the call throws and none of the replies is returned: some commands may have
  /// run, so a caller that needs all-or-nothing wraps them in `MULTI`/`EXEC`.
  /// - Parameter commands: The commands, each a name and its arguments.
  /// - Returns: One reply per command.
  /// - Throws: As ``send(_:)``.
  package func pipeline(_ commands: [[RedisArgument]]) throws(RedisError) -> [RedisValue] {
    guard !commands.isEmpty else { return [] }
    let context = try self.ensureConnected()
    return try self.handlingLoss(context) { () throws(RedisError) in try context.pipeline(commands)
    }
  }

  /// Closes the connection; later calls fail with ``RedisError/Code/closed``.
  package func close() {
    self.state = .closed
  }

  // MARK: - Connection state

  private func handlingLoss<R>(
    _ context: RedisContext, _ work: () throws(RedisError) -> R
  ) throws(RedisError) -> R {
    do {
      return try work()
    } catch {
      if context.isBroken {
        self.state = .waiting(failures: 0, retryAt: .now, reason: "the connection was lost")
      }
      throw error
    }
  }

  private func ensureConnected() throws(RedisError) -> RedisContext {
    switch self.state {
    case .closed:
      throw RedisError(code: .closed, message: "the Redis connection was closed")
    case .connected(let context):
      if context.isUsable { return context }
      self.state = .waiting(failures: 0, retryAt: .now, reason: "the server closed the connection")
      return try self.ensureConnected()
    case .idle:
      return try self.open(failures: 0)
    case .waiting(let failures, let retryAt, let reason):
      let now = ContinuousClock.now
      if now < retryAt {
        throw RedisError(
          code: .unavailable,
          message: "\(self.configuration.serverDescription) is unavailable (\(reason)); "
            + "next reconnection attempt in \(Self.milliseconds(retryAt - now)) ms")
      }
      return try self.open(failures: failures)
    }
  }

  private func open(failures: Int) throws(RedisError) -> RedisContext {
    switch RedisContext.open(self.configuration) {
    case .success(let context):
      self.state = .connected(context)
      self.hasConnected = true
      return context
    case .failure(let error):
      let attempts = failures + 1
      let wait = self.configuration.backoff(afterFailures: attempts)
      self.state = .waiting(failures: attempts, retryAt: .now + wait, reason: error.message)
      throw RedisError(
        code: .unavailable,
        message: "\(error.message); next attempt in \(Self.milliseconds(wait)) ms", cause: error)
    }
  }

  private static func milliseconds(_ duration: Duration) -> Int64 {
    duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
  }
}
