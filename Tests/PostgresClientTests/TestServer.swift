import Foundation
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

  /// Runs `scripts/test-servers.sh COMMAND DIR` and waits for it.
  ///
  /// Uses posix_spawn and waitpid: Foundation's `Process.waitUntilExit` on Linux sometimes
  /// misses the exit of a script that started a daemon and waits forever.
  static func servers(_ command: String) throws {
    guard let directory = Self.serversDirectory else { return }
    let script = URL(fileURLWithPath: #filePath)
      .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("scripts/test-servers.sh").path
    let arguments = ["/bin/bash", script, command, directory]
    let cArguments = arguments.map { strdup($0) } + [nil]
    defer { cArguments.forEach { free($0) } }
    // Dispatch threads block most signals and a child inherits that mask: without a clean
    // mask, a server started from here would ignore the SIGTERM that stops it.
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var signals = sigset_t()
    sigemptyset(&signals)
    posix_spawnattr_setsigmask(&attributes, &signals)
    sigfillset(&signals)
    posix_spawnattr_setsigdefault(&attributes, &signals)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, "/bin/bash", nil, &attributes, cArguments, environ)
    guard spawned == 0 else { throw ScriptFailure(command: command, status: spawned) }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    // WIFEXITED && WEXITSTATUS == 0
    guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
      throw ScriptFailure(command: command, status: status)
    }
  }

  struct ScriptFailure: Error {
    var command: String
    var status: Int32
  }
}
