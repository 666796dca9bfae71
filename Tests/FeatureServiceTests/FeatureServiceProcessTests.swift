import Foundation
import NetworkIO
import RPC
import RPCCore
import Testing
import WireProtos

/// The `feature-service` executable as a process: start-up waiting, migrations, shutdown.
@Suite("feature-service executable", .timeLimit(.minutes(2)))
struct FeatureServiceProcessTests {
  static let executable = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent(".build/debug/feature-service").path
  static let secret = "feature-service-test-secret-0123456789abcdef"

  /// A started process whose stderr goes to a file.
  final class Service {
    let process = Process()
    let logURL: URL

    init(arguments: [String]) throws {
      self.logURL = FileManager.default.temporaryDirectory.appendingPathComponent(
        "fs-\(UUID().uuidString).log")
      FileManager.default.createFile(atPath: self.logURL.path, contents: nil)
      self.process.executableURL = URL(fileURLWithPath: FeatureServiceProcessTests.executable)
      self.process.arguments = arguments
      // Only the options given here: no DCMMS_* variables from the environment.
      self.process.environment = ProcessInfo.processInfo.environment.filter {
        !$0.key.hasPrefix("DCMMS_")
      }
      self.process.standardError = try FileHandle(forWritingTo: self.logURL)
      self.process.standardOutput = FileHandle.nullDevice
      try self.process.run()
    }

    var log: String { (try? String(contentsOf: self.logURL, encoding: .utf8)) ?? "" }

    /// Waits for the process to exit, at most `timeout`; nil if it is still running.
    func exitStatus(within timeout: Duration) async -> Int32? {
      let end = ContinuousClock.now + timeout
      while self.process.isRunning, ContinuousClock.now < end {
        try? await Task.sleep(for: .milliseconds(20))
      }
      return self.process.isRunning ? nil : self.process.terminationStatus
    }

    /// Waits for a log line containing `text`.
    func waitForLog(_ text: String, timeout: Duration = .seconds(30)) async -> Bool {
      let end = ContinuousClock.now + timeout
      while ContinuousClock.now < end {
        if self.log.contains(text) { return true }
        if !self.process.isRunning { return self.log.contains(text) }
        try? await Task.sleep(for: .milliseconds(20))
      }
      return false
    }

    deinit {
      if self.process.isRunning { self.process.terminate() }
      try? FileManager.default.removeItem(at: self.logURL)
    }
  }

  static func arguments(postgres: String, redis: String, extra: [String] = []) -> [String] {
    [
      "--postgres", postgres, "--redis", redis, "--token-secret", Self.secret, "--rpc-listen",
      "127.0.0.1:0",
      "--admin-listen", "127.0.0.1:0",
    ] + extra
  }

  @Test(
    "With --no-wait and PostgreSQL unreachable, it exits non-zero naming PostgreSQL",
    .enabled(if: FileManager.default.isExecutableFile(atPath: Self.executable)))
  func noWaitExits() async throws {
    let service = try Service(
      arguments: Self.arguments(
        postgres: "host=127.0.0.1 port=1 user=dcmms dbname=postgres", redis: "redis://127.0.0.1:1",
        extra: ["--no-wait"]))
    let status = await service.exitStatus(within: .seconds(30))
    #expect(status == 1)
    #expect(service.log.contains("PostgreSQL is unreachable"), "\(service.log)")
  }

  @Test(
    "Without --no-wait it keeps retrying and says which server it waits for",
    .enabled(
      if: FileManager.default.isExecutableFile(atPath: Self.executable)
        && TestEnvironment.isAvailable))
  func waitsForRedis() async throws {
    let service = try Service(
      arguments: Self.arguments(
        postgres: TestEnvironment.postgresConnectionString ?? "", redis: "redis://127.0.0.1:1"))
    #expect(await service.waitForLog("waiting for Redis"), "\(service.log)")
    #expect(await service.waitForLog("\"attempt\":2"), "\(service.log)")
    #expect(service.process.isRunning)
    service.process.terminate()
    _ = await service.exitStatus(within: .seconds(10))
  }

  @Test(
    "It migrates at start (a second start applies nothing), serves RPC, and stops on SIGTERM",
    .enabled(
      if: FileManager.default.isExecutableFile(atPath: Self.executable)
        && TestEnvironment.isAvailable))
  func startsMigratesAndStops() async throws {
    let arguments = Self.arguments(
      postgres: TestEnvironment.postgresConnectionString ?? "",
      redis: TestEnvironment.redisURL ?? "")
    for run in 0..<2 {
      let service = try Service(arguments: arguments)
      #expect(await service.waitForLog("\"message\":\"serving\""), "\(service.log)")
      if run == 1 {
        #expect(service.log.contains("\"applied_versions\":\"\""), "\(service.log)")
      }
      // The RPC address from the "serving" line: {"rpc":"127.0.0.1:PORT"}.
      let port = try #require(
        service.log.firstMatch(of: /"rpc":"127\.0\.0\.1:(\d+)"/).flatMap { Int($0.1) },
        "\(service.log)")
      let client = RPCClient(
        configuration: .init(endpoints: [HostAndPort(host: "127.0.0.1", port: port)]))
      // Without a token the feature methods refuse; health answers anyone.
      let refused = await #expect(throws: RPCError.self) {
        _ = try await client.call(Feature.Method.ListFeatureViews.self, ListFeatureViewsRequest())
      }
      #expect(refused?.code == .unauthenticated)
      client.close()
      service.process.terminate()
      #expect(await service.exitStatus(within: .seconds(20)) == 0, "\(service.log)")
    }
  }
}
