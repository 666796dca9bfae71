import Foundation
import ServiceRuntime
import PostgresClient

/// The PostgreSQL server the integration tests use: `TEST_POSTGRES_CONNINFO` from
/// `scripts/test-servers.sh`.
enum TestServer {
  static let connectionString = ProcessInfo.processInfo.environment["TEST_POSTGRES_CONNINFO"]
  static var isAvailable: Bool { Self.connectionString != nil }

  /// Set when the servers were started by `scripts/test-servers.sh`, whose data directory
  /// lets the restart tests stop and start PostgreSQL.
  static let serversDirectory = ProcessInfo.processInfo.environment["TEST_SERVERS_DIR"]
  /// Restart tests stop the shared test servers, which would break every suite running beside
  /// them; scripts/test.sh runs them alone, in a second pass, with TEST_RESTART_SERVERS=1.
  static var canRestart: Bool {
    Self.isAvailable && Self.serversDirectory != nil
      && ProcessInfo.processInfo.environment["TEST_RESTART_SERVERS"] == "1"
  }

  static func configuration(
    _ adjust: (inout PostgresConfiguration) -> Void = { _ in }
  ) -> PostgresConfiguration {
    var configuration = PostgresConfiguration(connectionString: Self.connectionString ?? "")
    adjust(&configuration)
    return configuration
  }

  static func connect(
    _ adjust: (inout PostgresConfiguration) -> Void = { _ in }
  ) async throws -> PostgresConnection {
    try await PostgresConnection.connect(configuration: Self.configuration(adjust))
  }

  /// A name no other test uses, for schemas and tables.
  static func uniqueName(_ prefix: String) -> String {
    "\(prefix)_\(UInt32.random(in: 0...UInt32.max))"
  }

  /// Runs `scripts/test-servers.sh COMMAND DIR` and waits for it (with `ChildProcess`, which
  /// gives the servers a clean signal state and does not rely on Foundation's `Process`).
  static func servers(_ command: String) throws {
    guard let directory = Self.serversDirectory else { return }
    let script = URL(fileURLWithPath: #filePath)
      .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("scripts/test-servers.sh").path
    let (status, _) = try ChildProcess.run("/bin/bash", [script, command, directory])
    guard status == 0 else { throw ScriptFailure(command: command, status: status) }
  }

  struct ScriptFailure: Error {
    var command: String
    var status: Int32
  }
}
