internal import NetworkIO

/// One connection to PostgreSQL, reconnecting by itself after the server restarts.
///
/// The actor runs on its own serial `DispatchQueue`, so libpq's blocking calls never occupy
/// Swift's cooperative thread pool. Each call runs one statement to completion before the next
/// starts. Use a connection from one task at a time (a ``PostgresPool`` lease guarantees it):
/// statements from several tasks would interleave inside each other's transactions.
///
/// Failure and recovery: when the connection breaks during a call, that call fails with
/// ``PostgresError/Code/unavailable`` and is never retried (the server may or may not have
/// run it). The next call reconnects; if that fails, calls fail at once with `unavailable`
/// until the backoff (``PostgresConfiguration/initialBackoff``, doubling to
/// ``PostgresConfiguration/maximumBackoff``) has passed, and then try again. A connection
/// the server closed while it was idle is replaced before anything is sent.
package actor PostgresConnection {
  private enum State {
    /// No connection attempt yet.
    case idle
    case connected(PostgresSession)
    /// Connection lost or attempts failed; the next attempt may start at `retryAt`.
    case waiting(failures: Int, retryAt: ContinuousClock.Instant, reason: String)
    case closed
  }

  private let configuration: PostgresConfiguration
  private let executor: BlockingSerialExecutor
  private var state: State = .idle
  /// Counts sessions opened; a transaction remembers the one it began on.
  private var sessionNumber: UInt64 = 0
  private var hasConnected = false
  /// The transaction open on this connection, if any.
  private var openTransaction: UInt64?
  private var transactionCounter: UInt64 = 0

  /// Runs the actor's jobs on its own serial queue.
  package nonisolated var unownedExecutor: UnownedSerialExecutor {
    self.executor.asUnownedSerialExecutor()
  }

  /// Creates a connection that connects on its first call.
  /// - Parameter configuration: Where the server is and how the connection behaves.
  package init(configuration: PostgresConfiguration) {
    self.configuration = configuration
    self.executor = BlockingSerialExecutor(label: "dcmms.postgres.connection")
  }

  /// Creates a connection and connects now.
  /// - Parameter configuration: Where the server is and how the connection behaves.
  /// - Returns: A connected connection.
  /// - Throws: ``PostgresError/Code/connectionFailed`` naming the server and libpq's reason.
  package static func connect(
    configuration: PostgresConfiguration
  ) async throws(PostgresError) -> PostgresConnection {
    let connection = PostgresConnection(configuration: configuration)
    try await connection.connectIfNeeded()
    return connection
  }

  isolated deinit {
    // Frees the libpq handle on this connection's own queue.
    self.state = .closed
  }

  // MARK: - Statements

  /// Runs one parameterised statement and returns its rows.
  ///
  /// Values travel separately from the SQL, so they are never parsed as SQL.
  /// - Parameters:
  ///   - sql: One statement with `$1`, `$2`… placeholders; several statements are rejected.
  ///   - parameters: One value per placeholder.
  /// - Returns: The result's rows (empty for commands) and affected-row count.
  /// - Throws: `queryFailed` with the SQLSTATE, `timeout`, `invalidValue`, `unavailable`,
  ///   `connectionFailed`, `closed`.
  package func query(
    _ sql: String, _ parameters: [PostgresValue] = []
  ) throws(PostgresError) -> PostgresRows {
    try self.run(transaction: nil) { session, format throws(PostgresError) in
      try session.execute(sql, parameters, format: format)
    }
  }

  /// Runs one parameterised statement for its effect.
  /// - Parameters:
  ///   - sql: One statement with `$n` placeholders.
  ///   - parameters: One value per placeholder.
  /// - Returns: The number of rows the statement affected (0 for commands without a count).
  /// - Throws: As ``query(_:_:)``.
  @discardableResult
  package func execute(
    _ sql: String, _ parameters: [PostgresValue] = []
  ) throws(PostgresError) -> Int {
    try self.query(sql, parameters).affectedRows ?? 0
  }

  /// Runs a prepared statement, preparing it on this session first if needed.
  /// - Parameters:
  ///   - statement: The statement.
  ///   - parameters: One value per placeholder, sent in text form.
  /// - Returns: The result's rows.
  /// - Throws: As ``query(_:_:)``.
  package func query(
    _ statement: PostgresPreparedStatement, _ parameters: [PostgresValue] = []
  ) throws(PostgresError) -> PostgresRows {
    try self.run(transaction: nil) { session, _ throws(PostgresError) in
      try session.execute(statement, parameters)
    }
  }

  /// Bulk-loads rows with `COPY … FROM STDIN` (text format, escaped by the client).
  ///
  /// Either every row is stored or, on any error, none is.
  /// - Parameters:
  ///   - table: The table, optionally schema-qualified.
  ///   - columns: The columns each row gives values for, in order.
  ///   - rows: The rows; each must have one value per column.
  /// - Returns: The number of rows stored.
  /// - Throws: `invalidValue` for a row of the wrong width or an unsendable value,
  ///   `queryFailed` for a value the column rejects, and the connection errors of ``query(_:_:)``.
  @discardableResult
  package func copyFrom(
    table: PostgresTableName, columns: [String], rows: [[PostgresValue]]
  ) throws(PostgresError) -> Int {
    try self.copyFrom(table: table, columns: columns, rows: rows, transaction: nil)
  }

  /// Connects now unless already connected (or waiting out a backoff, which throws).
  /// - Throws: `connectionFailed` if it never connected before, else `unavailable`; `closed`.
  package func connectIfNeeded() throws(PostgresError) {
    do {
      _ = try self.ensureConnected()
    } catch  where error.code == .unavailable && !self.hasConnected {
      // Never connected yet: say so, rather than suggest that a working server went away.
      throw PostgresError(code: .connectionFailed, message: error.message, cause: error.cause)
    }
  }

  /// Closes the connection; later calls fail with ``PostgresError/Code/closed``.
  package func close() {
    self.state = .closed
  }

  // MARK: - Transactions (used by PostgresTransaction)

  /// Runs `body` in a transaction: committed if it returns, rolled back if it throws.
  ///
  /// If the connection is lost inside the transaction, the server has rolled it back; the
  /// failing call and every later call through `transaction` fail, and the error is rethrown.
  /// - Parameter body: The work to do; it receives the transaction to run statements on.
  /// - Returns: What `body` returns.
  /// - Throws: What `body` throws; `transactionFailed` if `COMMIT` found the transaction
  ///   aborted by an earlier failed statement; connection errors.
  @discardableResult
  nonisolated(nonsending) package func withTransaction<T>(
    _ body: (PostgresTransaction) async throws -> T
  ) async throws -> T {
    let transaction = try await self.begin()
    let result: T
    do {
      result = try await body(transaction)
    } catch {
      await self.rollback(transaction)
      throw error
    }
    try await self.commit(transaction)
    return result
  }

  func begin() throws(PostgresError) -> PostgresTransaction {
    guard self.openTransaction == nil else {
      throw PostgresError(
        code: .transactionFailed, message: "a transaction is already open on this connection")
    }
    let session = try self.ensureConnected()
    self.transactionCounter += 1
    let transaction = PostgresTransaction(
      connection: self, id: self.transactionCounter, sessionNumber: self.sessionNumber)
    try self.handlingLoss(session) { () throws(PostgresError) in
      try session.executeScript("BEGIN")
    }
    self.openTransaction = transaction.id
    return transaction
  }

  func commit(_ transaction: PostgresTransaction) throws(PostgresError) {
    // A failed COMMIT (a deferred constraint, a lost connection) ends the transaction too.
    defer { self.openTransaction = nil }
    let tag = try self.run(transaction: transaction) { session, _ throws(PostgresError) in
      try session.executeReturningTag("COMMIT")
    }
    guard tag == "COMMIT" else {
      throw PostgresError(
        code: .transactionFailed,
        message: "the transaction was rolled back because a statement in it failed")
    }
  }

  /// Rolls back; if the connection is gone, the server has already rolled back.
  func rollback(_ transaction: PostgresTransaction) {
    defer { self.openTransaction = nil }
    _ = try? self.run(transaction: transaction) { session, _ throws(PostgresError) in
      try session.executeScript("ROLLBACK")
    }
  }

  func query(
    _ sql: String, _ parameters: [PostgresValue], transaction: PostgresTransaction
  ) throws(PostgresError) -> PostgresRows {
    try self.run(transaction: transaction) { session, format throws(PostgresError) in
      try session.execute(sql, parameters, format: format)
    }
  }

  func query(
    _ statement: PostgresPreparedStatement, _ parameters: [PostgresValue],
    transaction: PostgresTransaction
  ) throws(PostgresError) -> PostgresRows {
    try self.run(transaction: transaction) { session, _ throws(PostgresError) in
      try session.execute(statement, parameters)
    }
  }

  /// Runs fixed multi-statement SQL from the program (migrations) inside `transaction`.
  func executeScript(_ sql: String, transaction: PostgresTransaction) throws(PostgresError) {
    try self.run(transaction: transaction) { session, _ throws(PostgresError) in
      try session.executeScript(sql)
    }
  }

  func copyFrom(
    table: PostgresTableName, columns: [String], rows: [[PostgresValue]],
    transaction: PostgresTransaction?
  ) throws(PostgresError) -> Int {
    guard !columns.isEmpty else {
      throw PostgresError(code: .invalidValue, message: "COPY needs at least one column")
    }
    let columnList = try columns.map { (name) throws(PostgresError) in
      try PostgresTableName.quoted(name)
    }
    let sql = "COPY \(try table.quoted()) (\(columnList.joined(separator: ", "))) FROM STDIN"
    return try self.run(transaction: transaction) { session, _ throws(PostgresError) in
      try session.copyIn(sql, columnCount: columns.count, rows: rows)
    }
  }

  // MARK: - Connection state

  /// Runs `work` on a usable session, inside `transaction` when one is given.
  private func run<R>(
    transaction: PostgresTransaction?,
    _ work: (PostgresSession, PostgresParameterFormat) throws(PostgresError) -> R
  ) throws(PostgresError) -> R {
    let session: PostgresSession
    if let transaction {
      session = try self.transactionSession(transaction)
    } else {
      session = try self.ensureConnected()
    }
    return try self.handlingLoss(session) { () throws(PostgresError) in
      try work(session, self.configuration.parameterFormat)
    }
  }

  /// Runs `work`; if the session broke meanwhile, drops it so the next call reconnects.
  private func handlingLoss<R>(
    _ session: PostgresSession, _ work: () throws(PostgresError) -> R
  ) throws(PostgresError) -> R {
    do {
      return try work()
    } catch {
      if session.isBroken {
        self.state = .waiting(failures: 0, retryAt: .now, reason: "the connection was lost")
        if error.code != .unavailable { throw session.lostConnection() }
      }
      throw error
    }
  }

  private func transactionSession(_ transaction: PostgresTransaction) throws(PostgresError)
    -> PostgresSession
  {
    guard self.openTransaction == transaction.id else {
      throw PostgresError(
        code: .transactionFailed, message: "the transaction has already ended; open a new one")
    }
    guard case .connected(let session) = self.state, self.sessionNumber == transaction.sessionNumber
    else {
      throw PostgresError(
        code: .unavailable,
        message: "the connection was lost during the transaction, so the server rolled it back")
    }
    return session
  }

  /// Returns a usable session, reconnecting when allowed.
  @discardableResult
  private func ensureConnected() throws(PostgresError) -> PostgresSession {
    switch self.state {
    case .closed:
      throw PostgresError(code: .closed, message: "the PostgreSQL connection was closed")
    case .connected(let session):
      if session.isUsable { return session }
      // Lost while idle: nothing of the coming call has been sent, so reconnecting is safe.
      self.state = .waiting(failures: 0, retryAt: .now, reason: "the server closed the connection")
      return try self.ensureConnected()
    case .idle:
      return try self.open(failures: 0, reason: "")
    case .waiting(let failures, let retryAt, let reason):
      let now = ContinuousClock.now
      if now < retryAt {
        let wait = retryAt - now
        throw PostgresError(
          code: .unavailable,
          message: "PostgreSQL is unavailable (\(reason)); next reconnection attempt in "
            + "\(Self.milliseconds(wait)) ms")
      }
      return try self.open(failures: failures, reason: reason)
    }
  }

  private func open(failures: Int, reason: String) throws(PostgresError) -> PostgresSession {
    switch PostgresSession.open(self.configuration) {
    case .success(let session):
      self.state = .connected(session)
      self.sessionNumber += 1
      self.hasConnected = true
      return session
    case .failure(let failure):
      let attempts = failures + 1
      let wait = self.configuration.backoff(afterFailures: attempts)
      self.state = .waiting(
        failures: attempts, retryAt: .now + wait, reason: "could not connect: \(failure.message)")
      throw PostgresError(
        code: .unavailable,
        message: "could not connect to PostgreSQL: \(failure.message); "
          + "next attempt in \(Self.milliseconds(wait)) ms",
        cause: failure)
    }
  }

  private static func milliseconds(_ duration: Duration) -> Int64 {
    duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
  }
}
