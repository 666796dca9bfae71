import Foundation
import ServiceRuntime
import RedisClient

/// The Redis server the integration tests use: `TEST_REDIS_URL` from `scripts/test-servers.sh`.
enum TestServer {
  static let url = ProcessInfo.processInfo.environment["TEST_REDIS_URL"]
  static var isAvailable: Bool { Self.url != nil }

  /// Set when the servers were started by `scripts/test-servers.sh`, so the restart test may
  /// stop and start Redis.
  static let serversDirectory = ProcessInfo.processInfo.environment["TEST_SERVERS_DIR"]
  /// Restart tests stop the shared test servers, which would break every suite running beside
  /// them; scripts/test.sh runs them alone, in a second pass, with TEST_RESTART_SERVERS=1.
  static var canRestart: Bool {
    Self.isAvailable && Self.serversDirectory != nil
      && ProcessInfo.processInfo.environment["TEST_RESTART_SERVERS"] == "1"
  }

  static func configuration(
    _ adjust: (inout RedisConfiguration) -> Void = { _ in }
  ) throws -> RedisConfiguration {
    var configuration = try RedisConfiguration(url: Self.url ?? "")
    adjust(&configuration)
    return configuration
  }

  static func connect(
    _ adjust: (inout RedisConfiguration) -> Void = { _ in }
  ) async throws -> RedisConnection {
    try await RedisConnection.connect(configuration: Self.configuration(adjust))
  }

  /// A key no other test uses.
  static func uniqueKey(_ prefix: String) -> String {
    "test:\(prefix):\(UInt64.random(in: 0...UInt64.max))"
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
