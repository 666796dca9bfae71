import FeatureService
import Foundation
import RPC
import RPCCore
import RedisClient
import ServiceRuntime
import Testing
import WireProtos

/// Redis going away during ingestion, on a private Redis server so other tests are unaffected.
@Suite(
  "Feature service across a Redis restart",
  .enabled(
    if: TestEnvironment.isAvailable
      && FileManager.default.isExecutableFile(atPath: "/usr/bin/redis-server")),
  .timeLimit(.minutes(2)))
struct RedisRestartTests {
  /// A redis-server on a loopback port, stopped by its own PID.
  ///
  /// Spawned with posix_spawn and a clean signal mask: Dispatch threads block most signals, a
  /// child inherits that mask, and a redis-server started with it would ignore SIGTERM.
  final class PrivateRedis {
    let port: Int
    private var pid: pid_t = 0

    init() throws {
      self.port = Int.random(in: 20_000...60_000)
      try self.start()
    }

    func start() throws {
      let arguments = [
        "/usr/bin/redis-server", "--bind", "127.0.0.1", "--port", String(self.port), "--save", "",
        "--appendonly", "no", "--loglevel", "warning",
      ]
      let pid: pid_t
      do {
        pid = try ChildProcess.spawn(
          arguments[0], Array(arguments.dropFirst()), environment: ProcessInfo.processInfo.environment,
          logPath: "/dev/null", detached: false)
      } catch {
        throw RedisError(code: .connectionFailed, message: "could not start redis-server: \(error)")
      }
      self.pid = pid
    }

    func stop() {
      guard self.pid > 0 else { return }
      kill(self.pid, SIGTERM)
      var status: Int32 = 0
      while waitpid(self.pid, &status, 0) == -1 && errno == EINTR {}
      self.pid = 0
    }

    deinit { self.stop() }
  }

  /// Waits until a fresh connection to `port` answers PING.
  static func waitUntilUp(port: Int) async throws {
    for _ in 0..<200 {
      if let connection = try? await RedisConnection.connect(
        configuration: RedisConfiguration(host: "127.0.0.1", port: port))
      {
        await connection.close()
        return
      }
      try await Task.sleep(for: .milliseconds(25))
    }
    throw RedisError(code: .connectionFailed, message: "private redis did not start")
  }

  @Test(
    "With Redis down, a batch is stored and the call says to resend; resent, it is not stored twice"
  )
  func resendAfterRedisOutage() async throws {
    let redisServer = try PrivateRedis()
    defer { redisServer.stop() }
    try await Self.waitUntilUp(port: redisServer.port)
    try await Fixture.run { fixture in
      try await fixture.makeFleet(inverters: 1)
      // One connection: once the resend succeeds, the read below goes over the same, reconnected
      // connection (a second one might still be waiting out its reconnection backoff).
      let redis = RedisPool(
        configuration: RedisConfiguration(host: "127.0.0.1", port: redisServer.port), size: 1)
      let online = OnlineStore(redis: redis, keyPrefix: "test:restart")
      let handlers = FeatureHandlers(
        telemetry: fixture.telemetry, online: online, registry: fixture.registry,
        logger: Logger(service: "feature-service-tests", minimumLevel: .critical),
        metrics: MetricsRegistry())
      let start = Telemetry.recentMinute(minutesAgo: 10)
      let first = Telemetry.batch("restart-1", [Telemetry.row("inv-0", start, [1, 2, 3])])
      let second = Telemetry.batch(
        "restart-2", [Telemetry.row("inv-0", start + Telemetry.minuteUs, [4, 5, 6])])
      _ = try await handlers.ingest(ArrayStream(elements: [IngestTelemetryRequest(batch: first)]))

      redisServer.stop()
      let error = await #expect(throws: FeatureError.self) {
        _ = try await handlers.ingest(
          ArrayStream(elements: [IngestTelemetryRequest(batch: second)]))
      }
      #expect(error?.code == .unavailable)
      #expect(
        error?.message.contains(
          "batch 'restart-2' was stored, but its online features were not updated")
          == true, "\(error?.message ?? "")")
      #expect(try await fixture.telemetryRowCount() == 2)

      try redisServer.start()
      try await Self.waitUntilUp(port: redisServer.port)
      // The pool's connections reconnect by themselves once their backoff has passed.
      var summary: IngestTelemetryResponse?
      for _ in 0..<100 where summary == nil {
        summary = try? await handlers.ingest(
          ArrayStream(elements: [IngestTelemetryRequest(batch: second)]))
        if summary == nil { try await Task.sleep(for: .milliseconds(50)) }
      }
      let resent = try #require(summary)
      #expect(resent.batchesDuplicate == 1 && resent.rowsLoaded == 0)
      #expect(try await fixture.telemetryRowCount() == 2)

      var request = GetOnlineFeaturesRequest()
      request.features = ["telemetry_latest:ac_power_kw"]
      request.assetIDs = ["inv-0"]
      let features = try await online.read(request, nowUs: TelemetryStore.nowMicroseconds())
      #expect(features.features?.values == [4])
      #expect(features.valueTimeUs == [start + Telemetry.minuteUs])
      await redis.close()
    }
  }
}
