@preconcurrency internal import Dispatch
internal import Synchronization

/// A bounded pool of ``PostgresConnection``s, leased to one task at a time.
///
/// Connections are created on demand up to `maximumConnections` and connect on first use.
/// When all are leased, a caller waits, first come first served, for at most `acquireTimeout`
/// and then fails with ``PostgresError/Code/timeout``. A connection whose server went away stays
/// in the pool and reconnects by itself on its next call (see ``PostgresConnection``).
package final class PostgresPool: Sendable {
  private enum Waiter {
    /// Decided to wait, continuation not stored yet.
    case pending
    case registered(CheckedContinuation<PostgresConnection, any Error>)
    /// Served or failed before its continuation was stored.
    case resolved(Result<PostgresConnection, any Error>)
  }

  private struct State {
    var idle: [PostgresConnection] = []
    var opened = 0
    var waiters: [UInt64: Waiter] = [:]
    /// Waiter IDs in arrival order.
    var queue: [UInt64] = []
    var nextWaiterID: UInt64 = 0
    var isClosed = false

    enum AcquireAction {
      case use(PostgresConnection)
      case create
      case wait(UInt64)
      case fail
    }

    mutating func acquire(maximum: Int) -> AcquireAction {
      if self.isClosed { return .fail }
      if let connection = self.idle.popLast() { return .use(connection) }
      if self.opened < maximum {
        self.opened += 1
        return .create
      }
      self.nextWaiterID += 1
      self.waiters[self.nextWaiterID] = .pending
      self.queue.append(self.nextWaiterID)
      return .wait(self.nextWaiterID)
    }

    /// Returns a waiter to resume with `connection`, or nil when it went to the idle list
    /// (or to a waiter that will pick it up when it registers).
    mutating func release(
      _ connection: PostgresConnection
    ) -> CheckedContinuation<PostgresConnection, any Error>? {
      while !self.queue.isEmpty {
        let id = self.queue.removeFirst()
        switch self.waiters[id] {
        case .registered(let continuation):
          self.waiters[id] = nil
          return continuation
        case .pending:
          self.waiters[id] = .resolved(.success(connection))
          return nil
        case .resolved, nil:
          continue
        }
      }
      self.idle.append(connection)
      return nil
    }

    mutating func fail(_ id: UInt64, _ error: any Error) -> CheckedContinuation<
      PostgresConnection, any Error
    >? {
      switch self.waiters[id] {
      case .registered(let continuation):
        self.waiters[id] = nil
        self.queue.removeAll { $0 == id }
        return continuation
      case .pending:
        self.waiters[id] = .resolved(.failure(error))
        self.queue.removeAll { $0 == id }
        return nil
      case .resolved, nil:
        return nil
      }
    }

    /// Stores the continuation, or returns the result that arrived first.
    mutating func register(
      _ id: UInt64, _ continuation: CheckedContinuation<PostgresConnection, any Error>
    ) -> Result<PostgresConnection, any Error>? {
      if case .resolved(let result) = self.waiters[id] {
        self.waiters[id] = nil
        return result
      }
      self.waiters[id] = .registered(continuation)
      return nil
    }
  }

  private let configuration: PostgresConfiguration
  private let maximumConnections: Int
  private let acquireTimeout: Duration
  private let state = Mutex(State())
  private let timers = DispatchQueue(label: "dcmms.postgres.pool.timers")

  /// Creates a pool; no connection is opened until the first lease.
  /// - Parameters:
  ///   - configuration: How each connection reaches the server.
  ///   - maximumConnections: The most connections open at once (at least 1).
  ///   - acquireTimeout: How long a lease may wait for a free connection.
  package init(
    configuration: PostgresConfiguration, maximumConnections: Int = 4,
    acquireTimeout: Duration = .seconds(5)
  ) {
    precondition(maximumConnections >= 1, "a pool needs at least one connection")
    self.configuration = configuration
    self.maximumConnections = maximumConnections
    self.acquireTimeout = acquireTimeout
  }

  /// Leases a connection for the duration of `body`.
  /// - Parameter body: The work; the connection is not to be kept after it returns.
  /// - Returns: What `body` returns.
  /// - Throws: `timeout` when no connection becomes free in time, `closed` after ``close()``,
  ///   `CancellationError` if the task is cancelled while waiting, and what `body` throws.
  package func withConnection<T>(
    isolation: isolated (any Actor)? = #isolation,
    _ body: (PostgresConnection) async throws -> T
  ) async throws -> T {
    let connection = try await self.acquire()
    defer { self.release(connection) }
    return try await body(connection)
  }

  /// Runs `body` in a transaction on a leased connection; see
  /// ``PostgresConnection/withTransaction(_:)``.
  /// - Parameter body: The work to do in the transaction.
  /// - Returns: What `body` returns.
  /// - Throws: As ``withConnection(isolation:_:)`` and ``PostgresConnection/withTransaction(_:)``.
  @discardableResult
  package func withTransaction<T>(
    isolation: isolated (any Actor)? = #isolation,
    _ body: (PostgresTransaction) async throws -> T
  ) async throws -> T {
    let connection = try await self.acquire()
    defer { self.release(connection) }
    return try await connection.withTransaction(body)
  }

  /// Runs one parameterised statement on a leased connection.
  /// - Parameters:
  ///   - sql: One statement with `$n` placeholders.
  ///   - parameters: One value per placeholder.
  /// - Returns: The result's rows.
  /// - Throws: As ``withConnection(isolation:_:)`` and ``PostgresConnection/query(_:_:)``.
  package func query(_ sql: String, _ parameters: [PostgresValue] = []) async throws -> PostgresRows
  {
    try await self.withConnection { connection in try await connection.query(sql, parameters) }
  }

  /// Runs one parameterised statement on a leased connection for its effect.
  /// - Parameters:
  ///   - sql: One statement with `$n` placeholders.
  ///   - parameters: One value per placeholder.
  /// - Returns: The number of rows affected.
  /// - Throws: As ``query(_:_:)``.
  @discardableResult
  package func execute(_ sql: String, _ parameters: [PostgresValue] = []) async throws -> Int {
    try await self.withConnection { connection in try await connection.execute(sql, parameters) }
  }

  /// Runs a prepared statement on a leased connection.
  /// - Parameters:
  ///   - statement: The statement; each connection prepares it on first use.
  ///   - parameters: One value per placeholder.
  /// - Returns: The result's rows.
  /// - Throws: As ``withConnection(isolation:_:)`` and ``PostgresConnection/query(_:_:)``.
  package func query(
    _ statement: PostgresPreparedStatement, _ parameters: [PostgresValue] = []
  ) async throws -> PostgresRows {
    try await self.withConnection { connection in
      try await connection.query(statement, parameters)
    }
  }

  /// Bulk-loads rows with `COPY … FROM STDIN` on a leased connection; all or nothing.
  /// - Parameters:
  ///   - table: The table, optionally schema-qualified.
  ///   - columns: The columns each row gives values for.
  ///   - rows: The rows.
  /// - Returns: The number of rows stored.
  /// - Throws: As ``PostgresConnection/copyFrom(table:columns:rows:)``.
  @discardableResult
  package func copyFrom(
    table: PostgresTableName, columns: [String], rows: [[PostgresValue]]
  ) async throws -> Int {
    try await self.withConnection { connection in
      try await connection.copyFrom(table: table, columns: columns, rows: rows)
    }
  }

  /// Closes idle connections, fails waiting callers with `closed`, and closes leased
  /// connections when they come back. Later leases fail with `closed`.
  package func close() async {
    let (idle, waiting) = self.state.withLock { state in
      state.isClosed = true
      let idle = state.idle
      state.idle = []
      var waiting: [CheckedContinuation<PostgresConnection, any Error>] = []
      for id in state.queue {
        if let continuation = state.fail(id, Self.closedError) { waiting.append(continuation) }
      }
      state.queue = []
      return (idle, waiting)
    }
    for continuation in waiting { continuation.resume(throwing: Self.closedError) }
    for connection in idle { await connection.close() }
  }

  // MARK: - Leasing

  private static let closedError = PostgresError(
    code: .closed, message: "the PostgreSQL pool was closed")

  private func acquire() async throws -> PostgresConnection {
    switch self.state.withLock({ $0.acquire(maximum: self.maximumConnections) }) {
    case .use(let connection):
      return connection
    case .create:
      return PostgresConnection(configuration: self.configuration)
    case .fail:
      throw Self.closedError
    case .wait(let id):
      let timeout = self.acquireTimeout
      let message =
        "no PostgreSQL connection became free within \(timeout) "
        + "(all \(self.maximumConnections) of the pool are in use)"
      self.timers.asyncAfter(deadline: .now() + Self.timeInterval(timeout)) { @Sendable in
        self.fail(id, PostgresError(code: .timeout, message: message))
      }
      return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
          let early = self.state.withLock { $0.register(id, continuation) }
          if let early { continuation.resume(with: early) }
        }
      } onCancel: {
        self.fail(id, CancellationError())
      }
    }
  }

  private func fail(_ id: UInt64, _ error: any Error) {
    let continuation = self.state.withLock { $0.fail(id, error) }
    continuation?.resume(throwing: error)
  }

  private func release(_ connection: PostgresConnection) {
    let (continuation, closed) = self.state.withLock { state in
      state.isClosed ? (nil, true) : (state.release(connection), false)
    }
    if closed {
      // Closing needs the connection's executor; the connection frees its handle when the
      // last reference goes, so dropping it here is enough.
      return
    }
    continuation?.resume(returning: connection)
  }

  private static func timeInterval(_ duration: Duration) -> DispatchTimeInterval {
    let (seconds, attoseconds) = duration.components
    return .nanoseconds(
      Int(min(seconds, Int64(Int32.max))) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
  }
}
