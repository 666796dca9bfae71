import Foundation
import PostgresClient
import RPC
import ServiceRuntime

/// The `monitor-service` executable: records predictions and outcomes, computes drift and
/// raises alerts.
@main
struct MonitorServiceMain {
  static func main() async {
    do {
      guard
        let host = try ServiceHost.bootstrap(
          name: "monitor-service",
          summary: "Records predictions and outcomes, computes drift and raises alerts.",
          rpcPort: 7005, adminPort: 9105,
          options: [
            .string("postgres", default: "host=127.0.0.1 dbname=postgres", help: "libpq connection string of the database."),
            .boolean("no-wait", default: false, help: "Exit at once when PostgreSQL is unreachable instead of retrying."),
          ])
      else { return }
      let pool = PostgresPool(
        configuration: PostgresConfiguration(connectionString: host.configuration.string("postgres")),
        maximumConnections: 4)
      let applied = try await StartupWait.until(
        "PostgreSQL", wait: !host.configuration.boolean("no-wait"), logger: host.logger
      ) { try await MonitorSchema.migrator.migrate(on: pool) }
      host.logger.info("schema ready", ["migrations_applied": .integer(applied.count)])
      var router = RPCRouter()
      MonitorHandlers.register(into: &router, log: PredictionLog(pool: pool))
      try await host.run(router: router, policy: MonitorHandlers.policy)
      await pool.close()
    } catch {
      FileHandle.standardError.write(Data("monitor-service: \(error)\n".utf8))
      exit(1)
    }
  }
}
