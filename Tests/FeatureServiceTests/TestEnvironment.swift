import FeatureService
import Foundation
import NetworkIO
import PostgresClient
import RPC
import RedisClient
import ServiceRuntime
import WireProtos

/// The servers from `scripts/test-servers.sh` (`TEST_POSTGRES_CONNINFO`, `TEST_REDIS_URL`), and
/// per-test isolation: each test migrates its own schema and uses its own Redis key prefix.
enum TestEnvironment {
  static let postgresConnectionString = ProcessInfo.processInfo.environment[
    "TEST_POSTGRES_CONNINFO"]
  static let redisURL = ProcessInfo.processInfo.environment["TEST_REDIS_URL"]
  static var isAvailable: Bool { Self.postgresConnectionString != nil && Self.redisURL != nil }

  static func uniqueName(_ prefix: String) -> String {
    "\(prefix)_\(UInt32.random(in: 0...UInt32.max))"
  }
}

/// One test's stores over the real servers, in a fresh schema and key prefix.
struct Fixture {
  let postgres: PostgresPool
  let redis: RedisPool
  let schema: String
  let telemetry: TelemetryStore
  let online: OnlineStore
  let registry: FeatureRegistry
  let handlers: FeatureHandlers

  static func make() async throws -> Fixture {
    let postgres = PostgresPool(
      configuration: PostgresConfiguration(
        connectionString: TestEnvironment.postgresConnectionString ?? ""),
      maximumConnections: 4)
    let redis = RedisPool(
      configuration: try RedisConfiguration(url: TestEnvironment.redisURL ?? ""), size: 2)
    let schema = TestEnvironment.uniqueName("fs_test")
    let telemetry = TelemetryStore(pool: postgres, schema: schema)
    try await telemetry.migrate()
    let online = OnlineStore(redis: redis, keyPrefix: "test:\(schema)")
    let registry = FeatureRegistry(pool: postgres, schema: schema)
    let handlers = FeatureHandlers(
      telemetry: telemetry, online: online, registry: registry,
      logger: Logger(service: "feature-service-tests", minimumLevel: .critical),
      metrics: MetricsRegistry())
    return Fixture(
      postgres: postgres, redis: redis, schema: schema, telemetry: telemetry, online: online,
      registry: registry,
      handlers: handlers)
  }

  /// Drops the schema and closes the pools.
  func tearDown() async {
    _ = try? await self.postgres.execute("DROP SCHEMA \(self.schema) CASCADE")
    await self.postgres.close()
    await self.redis.close()
  }

  /// One solar site with `count` inverters named `inv-0`, `inv-1`…
  @discardableResult
  func makeFleet(inverters count: Int, site: String = "site-a") async throws -> [String] {
    var request = UpsertAssetsRequest()
    var solar = Site()
    solar.siteID = site
    solar.name = "Plant A"
    solar.kind = .solarPlant
    solar.capacityKw = 5000
    request.sites = [solar]
    request.assets = (0..<count).map { index in
      var asset = Asset()
      asset.assetID = "inv-\(index)"
      asset.siteID = site
      asset.kind = .inverter
      asset.ratedPowerKw = 100
      asset.stringCount = 24
      return asset
    }
    _ = try await self.telemetry.upsertAssets(request)
    return request.assets.map(\.assetID)
  }

  func telemetryRowCount() async throws -> Int {
    try await self.postgres.query("SELECT count(*) AS n FROM \(self.schema).telemetry")[0].decode(
      Int.self, "n")
  }

  /// Starts an RPC server on 127.0.0.1 serving the handlers, and a client to it.
  func startServer() throws -> (RPCServer, RPCClient) {
    var router = RPCRouter()
    self.handlers.register(into: &router)
    let server = RPCServer(
      configuration: .init(endpoint: HostAndPort(host: "127.0.0.1", port: 0)), router: router)
    let address = try server.start()
    // Volume tests run in debug builds beside every other suite: give calls room.
    var configuration = RPCClient.Configuration(endpoints: [address])
    configuration.defaultTimeout = .seconds(300)
    return (server, RPCClient(configuration: configuration))
  }
}

/// Telemetry with the columns most tests use.
enum Telemetry {
  static let columns = ["ac_power_kw", "dc_power_kw", "temperature_c"]
  static let minuteUs: Int64 = 60_000_000
  static let hourUs: Int64 = 3_600_000_000

  static func row(
    _ asset: String, _ timeUs: Int64, _ values: [Double], status: AssetStatus = .operational
  ) -> TelemetryRow {
    var row = TelemetryRow()
    row.assetID = asset
    row.eventTimeUs = timeUs
    row.values = values
    row.status = status
    return row
  }

  static func batch(_ id: String, _ rows: [TelemetryRow], columns: [String] = Self.columns)
    -> TelemetryBatch
  {
    var batch = TelemetryBatch()
    batch.batchID = id
    batch.columns = columns
    batch.rows = rows
    return batch
  }

  /// The start of the current UTC minute, minus `minutesAgo`.
  static func recentMinute(minutesAgo: Int64) -> Int64 {
    let now = TelemetryStore.nowMicroseconds()
    return now - now % Self.minuteUs - minutesAgo * Self.minuteUs
  }
}

/// Collects an array into an async sequence, as the RPC server hands a stream to the handler.
struct ArrayStream<Element: Sendable>: AsyncSequence, Sendable {
  typealias Failure = any Error
  let elements: [Element]
  struct AsyncIterator: AsyncIteratorProtocol {
    var index = 0
    let elements: [Element]
    mutating func next() async throws -> Element? {
      guard self.index < self.elements.count else { return nil }
      defer { self.index += 1 }
      return self.elements[self.index]
    }
  }
  func makeAsyncIterator() -> AsyncIterator { AsyncIterator(elements: self.elements) }
}

extension Fixture {
  /// Runs `body` with a fresh fixture and tears it down afterwards, also when `body` throws.
  static func run(_ body: (Fixture) async throws -> Void) async throws {
    let fixture = try await Fixture.make()
    do {
      try await body(fixture)
    } catch {
      await fixture.tearDown()
      throw error
    }
    await fixture.tearDown()
  }
}
