import Foundation
import NetworkIO
package import RPC
import RPCCore
import WireProtos

/// What every executable of the platform shares, assembled once: options from flags and
/// `DCMMS_*` variables, the JSON logger, the metrics registry, health, an RPC server with token
/// checks and telemetry, the admin HTTP server (`/metrics`, `/healthz`, `/readyz`), and the
/// lifecycle that stops it all on SIGTERM.
///
/// ```swift
/// guard let host = try ServiceHost.bootstrap(name: "registry-service", summary: "…",
///                                            rpcPort: 7003, adminPort: 9103, options: []) else { return }
/// var router = RPCRouter()
/// router.register(Registry.Method.GetModelVersion.self) { request, context in … }
/// try await host.run(router: router, policy: AccessPolicy())
/// ```
package struct ServiceHost: Sendable {
  /// The service's name, as in logs and metrics.
  package let name: String
  /// The parsed options.
  package let configuration: Configuration
  /// The service's logger.
  package let logger: Logger
  /// The service's metrics, served at `/metrics`.
  package let metrics: MetricsRegistry
  /// Liveness and readiness, served at `/healthz` and `/readyz`.
  package let health: HealthState
  /// The RPC health service, SERVING while the service is ready.
  package let rpcHealth: HealthService
  /// Signs and checks bearer tokens with the configured secret.
  package let tokens: TokenAuthority

  /// The options every service has.
  package static func standardOptions(rpcPort: Int, adminPort: Int) -> [ConfigurationOption] {
    [
      .hostPort(
        "rpc-listen", default: HostAndPort(host: "127.0.0.1", port: rpcPort),
        help: "Address of the RPC server."),
      .hostPort(
        "admin-listen", default: HostAndPort(host: "127.0.0.1", port: adminPort),
        help: "Address of the HTTP server for /metrics, /healthz and /readyz."),
      .string(
        "token-secret", default: nil,
        help: "HMAC key that signs and checks bearer tokens (32+ bytes).", secret: true),
      .choice(
        "log-level", Logger.Level.allCases.map(\.description), default: "info",
        help: "Lowest level logged."),
      .duration(
        "shutdown-grace-ms", default: .seconds(10),
        help: "Time calls in flight get to finish on shutdown."),
    ]
  }

  /// Parses the process's flags and environment and sets up logging and metrics.
  /// - Returns: the host, or nil when `--help` was asked for (the help was printed).
  /// - Throws: `ConfigurationError` for unknown flags, bad or missing values (the caller prints
  ///   it and exits non-zero).
  package static func bootstrap(
    name: String, summary: String, rpcPort: Int, adminPort: Int, options: [ConfigurationOption]
  ) throws -> ServiceHost? {
    let schema = ConfigurationSchema(
      service: name, summary: summary,
      options: Self.standardOptions(rpcPort: rpcPort, adminPort: adminPort) + options)
    switch try schema.parseProcessArguments() {
    case .helpRequested(let text):
      print(text, terminator: "")
      return nil
    case .configuration(let configuration):
      return ServiceHost(name: name, configuration: configuration)
    }
  }

  /// Assembles a host from parsed options.
  package init(name: String, configuration: Configuration) {
    self.name = name
    self.configuration = configuration
    self.logger = Logger(
      service: name, minimumLevel: Logger.Level(name: configuration.string("log-level")) ?? .info)
    self.metrics = MetricsRegistry()
    self.health = HealthState()
    self.rpcHealth = HealthService()
    self.tokens = TokenAuthority(secret: Array(configuration.string("token-secret").utf8))
  }

  /// Serves `router` (plus the Echo and Health services) until SIGTERM or SIGINT, then shuts
  /// down gracefully.
  /// - Parameters:
  ///   - router: the service's methods.
  ///   - policy: who may call which method.
  ///   - services: more long-running parts (background loops) to run and stop with the host.
  /// - Throws: `NetworkError` when a port cannot be bound; the first error of a service.
  package func run(
    router: RPCRouter, policy: AccessPolicy, services: [any LifecycleService] = []
  ) async throws {
    var router = router
    EchoService.register(into: &router)
    self.rpcHealth.register(into: &router)
    let telemetry = RPCServerTelemetry(metrics: self.metrics, logger: self.logger)
    var rpcConfiguration = RPCServer.Configuration(
      endpoint: self.configuration.hostPort("rpc-listen"))
    rpcConfiguration.limits = RPCLimits()
    let rpcServer = RPCServer(
      configuration: rpcConfiguration, router: router,
      interceptors: [
        telemetry.interceptor, AuthInterceptor(authority: self.tokens, policy: policy),
      ],
      observer: telemetry.observe)
    var adminRouter = HTTPRouter(logger: self.logger)
    adminRouter.registerAdminRoutes(health: self.health, metrics: self.metrics)
    let admin = HTTPServer(
      name: "admin", endpoint: self.configuration.hostPort("admin-listen"), router: adminRouter)

    let rpcAddress = try rpcServer.start()
    let adminAddress = try admin.start()
    self.logger.notice(
      "serving",
      ["rpc": .string(rpcAddress.description), "admin": .string(adminAddress.description)])
    self.health.advance(to: .ready)
    self.rpcHealth.setStatus(.serving)

    let grace = self.configuration.duration("shutdown-grace-ms")
    let draining = DrainingMarker(health: self.health, rpcHealth: self.rpcHealth)
    try await ServiceLifecycle.run(
      services: [draining, RPCServerService(server: rpcServer, gracePeriod: grace), admin]
        + services,
      gracePeriod: grace + .seconds(2), logger: self.logger)
    self.health.advance(to: .stopped)
    self.logger.notice("stopped")
  }
}

/// Marks the service not ready as soon as shutdown starts, so balancers stop sending work.
private struct DrainingMarker: LifecycleService {
  let health: HealthState
  let rpcHealth: HealthService
  private let stopped = AsyncStream<Void>.makeStream()

  init(health: HealthState, rpcHealth: HealthService) {
    self.health = health
    self.rpcHealth = rpcHealth
  }

  var name: String { "health" }

  func run() async throws {
    for await _ in self.stopped.stream { break }
  }

  func beginGracefulShutdown() {
    self.health.advance(to: .draining)
    self.rpcHealth.setStatus(.notServing)
    self.rpcHealth.finishWatchers()
    self.stopped.continuation.finish()
  }
}
