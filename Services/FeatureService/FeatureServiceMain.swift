import Foundation
import PostgresClient
import RPC
import RedisClient
import ServiceRuntime

/// The `feature-service` executable: Ingests telemetry, computes features, serves the offline and online feature stores.
@main
struct FeatureServiceMain {
  static let options: [ConfigurationOption] = [
    .string(
      "postgres", default: "host=127.0.0.1 port=5432 user=dcmms dbname=postgres",
      help: "libpq connection string of the PostgreSQL database holding the features schema.",
      secret: true),
    .string(
      "redis", default: "redis://127.0.0.1:6379",
      help: "URL of the Redis server holding online features."),
    .boolean(
      "no-wait", default: false,
      help:
        "Exit with an error when PostgreSQL or Redis is unreachable at start, instead of retrying."),
  ]

  static func main() async {
    do {
      guard
        let host = try ServiceHost.bootstrap(
          name: "feature-service",
          summary:
            "Ingests telemetry, computes features, serves the offline and online feature stores.",
          rpcPort: 7001, adminPort: 9101, options: Self.options)
      else { return }
      try await Self.run(host)
    } catch {
      FileHandle.standardError.write(Data("feature-service: \(error)\n".utf8))
      exit(1)
    }
  }

  static func run(_ host: ServiceHost) async throws {
    let configuration = host.configuration
    let waits = !configuration.boolean("no-wait")
    let postgresConfiguration = PostgresConfiguration(
      connectionString: configuration.string("postgres"))
    let redisConfiguration = try RedisConfiguration(url: configuration.string("redis"))

    try await DependencyWait(name: "PostgreSQL", waits: waits).run(logger: host.logger) {
      let connection = try await PostgresConnection.connect(configuration: postgresConfiguration)
      await connection.close()
    }
    try await DependencyWait(name: "Redis", waits: waits).run(logger: host.logger) {
      let connection = try await RedisConnection.connect(configuration: redisConfiguration)
      _ = try await connection.send(["PING"]).checked("PING")
      await connection.close()
    }

    let postgres = PostgresPool(configuration: postgresConfiguration, maximumConnections: 8)
    let redis = RedisPool(configuration: redisConfiguration, size: 4)
    let telemetry = TelemetryStore(pool: postgres)
    let applied = try await telemetry.migrate()
    host.logger.notice(
      "schema \(telemetry.schema) is up to date",
      ["applied_versions": .string(applied.map(String.init).joined(separator: ","))])
    let registry = FeatureRegistry(pool: postgres)
    for view in OnlineFeatureView.builtIn {
      _ = try await registry.register(view.spec, replaceExisting: true)
    }

    let handlers = FeatureHandlers(
      telemetry: telemetry, online: OnlineStore(redis: redis), registry: registry,
      logger: host.logger,
      metrics: host.metrics)
    var router = RPCRouter()
    handlers.register(into: &router)
    try await host.run(router: router, policy: AccessPolicy())
    await postgres.close()
    await redis.close()
  }
}
