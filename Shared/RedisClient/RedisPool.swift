internal import Synchronization

/// A small fixed set of ``RedisConnection``s shared round-robin.
///
/// A Redis call holds no state between commands (a `MULTI`/`EXEC` block goes out as one
/// pipeline), so connections are shared rather than leased: each call goes to the next
/// connection, and calls on one connection run one after the other. Each connection reconnects
/// by itself.
package final class RedisPool: Sendable {
  private let connections: [RedisConnection]
  private let next = Atomic<UInt>(0)

  /// Creates a pool; connections connect on their first call.
  /// - Parameters:
  ///   - configuration: How each connection reaches the server.
  ///   - size: The number of connections (at least 1).
  package init(configuration: RedisConfiguration, size: Int = 2) {
    precondition(size >= 1, "a pool needs at least one connection")
    self.connections = (0..<size).map { _ in RedisConnection(configuration: configuration) }
  }

  /// The connection the next call should use.
  package var connection: RedisConnection {
    let index = Int(
      self.next.wrappingAdd(1, ordering: .relaxed).oldValue % UInt(self.connections.count))
    return self.connections[index]
  }

  /// Sends one command on the next connection; see ``RedisConnection/send(_:)``.
  /// - Parameter arguments: The command name and its arguments.
  /// - Returns: The reply.
  /// - Throws: As ``RedisConnection/send(_:)``.
  package func send(_ arguments: [RedisArgument]) async throws(RedisError) -> RedisValue {
    try await self.connection.send(arguments)
  }

  /// Sends a pipeline on the next connection; see ``RedisConnection/pipeline(_:)``.
  /// - Parameter commands: The commands.
  /// - Returns: One reply per command.
  /// - Throws: As ``RedisConnection/pipeline(_:)``.
  package func pipeline(_ commands: [[RedisArgument]]) async throws(RedisError) -> [RedisValue] {
    try await self.connection.pipeline(commands)
  }

  /// Closes every connection.
  package func close() async {
    for connection in self.connections { await connection.close() }
  }
}
