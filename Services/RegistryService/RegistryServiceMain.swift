import Foundation
import PostgresClient
import RPC
import ServiceRuntime

/// The `registry-service` executable: Stores model versions, stages, aliases and artifacts.
@main
struct RegistryServiceMain {
  static func main() async {
    do {
      guard
        let host = try ServiceHost.bootstrap(
          name: "registry-service",
          summary: "Stores model versions, stages, aliases and artifacts.",
          rpcPort: 7003, adminPort: 9103,
          options: [
            .string(
              "postgres", default: nil,
              help: "libpq connection string of the PostgreSQL that holds the registry.",
              secret: true),
            .string(
              "postgres-schema", default: RegistrySchema.defaultName,
              help: "Schema of the registry's tables."),
            .integer(
              "postgres-pool-size", default: 8, help: "Most PostgreSQL connections open at once."),
            .integer(
              "max-artifact-bytes", default: 2 << 30,
              help: "Largest artifact accepted, uncompressed."),
            .boolean(
              "no-wait", default: false,
              help:
                "Exit with an error when PostgreSQL is unreachable at start instead of retrying."),
          ])
      else { return }
      try await Self.run(host)
    } catch {
      FileHandle.standardError.write(Data("registry-service: \(error)\n".utf8))
      exit(1)
    }
  }

  private static func run(_ host: ServiceHost) async throws {
    let configuration = host.configuration
    let schema = configuration.string("postgres-schema")
    guard RegistrySchema.isValidSchemaName(schema) else {
      throw RegistryError(
        .invalidArgument, "--postgres-schema '\(schema)' must match [a-z][a-z0-9_]*")
    }
    let poolSize = configuration.integer("postgres-pool-size")
    let maxArtifactBytes = configuration.integer("max-artifact-bytes")
    guard poolSize >= 1, maxArtifactBytes >= 1 else {
      throw RegistryError(
        .invalidArgument, "--postgres-pool-size and --max-artifact-bytes must be at least 1")
    }
    let pool = PostgresPool(
      configuration: PostgresConfiguration(connectionString: configuration.string("postgres")),
      maximumConnections: poolSize)
    let applied = try await RegistryDatabase.migrate(
      pool: pool, schema: schema, waitForServer: !configuration.boolean("no-wait"),
      logger: host.logger)
    host.logger.notice(
      "schema up to date", ["schema": .string(schema), "applied": .integer(applied.count)])

    let artifacts = ArtifactStore(
      pool: pool, schema: schema, maxArtifactBytes: UInt64(maxArtifactBytes))
    // Uploads that started a day ago and never finished were abandoned by a crashed replica.
    let swept = try await artifacts.removeAbandonedUploads(
      startedBefore: Date(timeIntervalSinceNow: -86_400))
    if swept > 0 { host.logger.notice("removed abandoned uploads", ["count": .integer(swept)]) }

    host.health.registerCheck("postgres") {
      _ = try await pool.query("SELECT 1")
    }
    var router = RPCRouter()
    RegistryHandlers(registry: RegistryStore(pool: pool, schema: schema), artifacts: artifacts)
      .register(into: &router)
    try await host.run(router: router, policy: AccessPolicy())
    await pool.close()
  }
}
