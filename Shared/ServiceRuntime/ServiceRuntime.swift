import NetworkIO
/// Configuration, logging, metrics, health endpoints, an HTTP/1.1 codec and lifecycle shared by
/// every dCMMS executable. Pure Swift (Foundation, Dispatch, Synchronization); no sockets.
///
/// How an executable wires the pieces:
///
/// ```swift
/// @main struct RegistryService {
///   static let schema = ConfigurationSchema(
///     service: "registry-service", summary: "Stores model versions and artifacts.",
///     options: [
///       .hostPort("rpc-listen", default: HostAndPort(host: "0.0.0.0", port: 7003), help: "RPC address."),
///       .hostPort("admin-listen", default: HostAndPort(host: "0.0.0.0", port: 9103), help: "HTTP admin address."),
///       .choice("log-level", Logger.Level.allCases.map(\.description), default: "info", help: "Log level."),
///       .duration("shutdown-grace-ms", default: .seconds(10), help: "Time to finish calls on shutdown."),
///     ])
///
///   static func main() async throws {
///     let configuration: Configuration
///     switch try Self.schema.parseProcessArguments() {
///     case .helpRequested(let text): print(text, terminator: ""); return
///     case .configuration(let parsed): configuration = parsed
///     }
///     let logger = Logger(
///       service: "registry-service",
///       minimumLevel: Logger.Level(name: configuration.string("log-level")) ?? .info)  // validated
///     let metrics = MetricsRegistry()
///     let health = HealthState()
///     var admin = HTTPRouter(logger: logger)
///     admin.registerAdminRoutes(health: health, metrics: metrics)
///     // A NetworkIO listener feeds each admin connection's bytes to an
///     // HTTPConnectionHandler(router: admin) and writes back what it returns.
///     try await ServiceLifecycle.run(
///       services: [rpcServer, adminServer],
///       gracePeriod: configuration.duration("shutdown-grace-ms"), logger: logger)
///   }
/// }
/// ```
package enum ServiceRuntime {}
