package import RPC
import RPCCore

/// Turns what an RPC server reports into Prometheus metrics and log lines.
///
/// Pass `observe` as the server's observer and `interceptor` first in its interceptors:
///
/// ```swift
/// let telemetry = RPCServerTelemetry(metrics: metrics, logger: logger)
/// let server = RPCServer(configuration: …, router: router,
///                        interceptors: [telemetry.interceptor, auth], observer: telemetry.observe)
/// ```
///
/// Metrics: `dcmms_rpc_server_calls_total{method,code}`,
/// `dcmms_rpc_server_call_duration_seconds{method}`, `dcmms_rpc_server_calls_in_flight`,
/// `dcmms_rpc_server_connections`, `dcmms_rpc_protocol_errors_total`,
/// `dcmms_rpc_connections_refused_total`.
package struct RPCServerTelemetry: Sendable {
  private let calls: MetricFamily<Counter>
  private let durations: MetricFamily<Histogram>
  private let inFlight: Gauge
  private let connections: Gauge
  private let protocolErrors: Counter
  private let refused: Counter
  private let logger: Logger

  /// Registers the metrics in `metrics`; logs go to `logger`.
  package init(metrics: MetricsRegistry, logger: Logger) {
    self.calls = metrics.makeCounterFamily(
      name: "dcmms_rpc_server_calls_total", help: "RPC calls served, by method and status code.",
      labelNames: ["method", "code"])
    self.durations = metrics.makeHistogramFamily(
      name: "dcmms_rpc_server_call_duration_seconds",
      help: "Time from a call's headers to its status.",
      labelNames: ["method"],
      buckets: [
        0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
        0.5, 1, 2.5, 5, 10,
      ])
    self.inFlight = metrics.makeGauge(
      name: "dcmms_rpc_server_calls_in_flight", help: "RPC calls being served now.")
    self.connections = metrics.makeGauge(
      name: "dcmms_rpc_server_connections", help: "Open RPC connections.")
    self.protocolErrors = metrics.makeCounter(
      name: "dcmms_rpc_protocol_errors_total",
      help: "Connections closed because the peer broke the protocol.")
    self.refused = metrics.makeCounter(
      name: "dcmms_rpc_connections_refused_total",
      help: "Connections closed at accept (limit or shutdown).")
    self.logger = logger
  }

  /// The observer to give the server.
  package var observe: @Sendable (RPCServerEvent) -> Void {
    { event in self.record(event) }
  }

  /// Counts calls in flight; put it first among the server's interceptors.
  package var interceptor: any ServerInterceptor { InFlightInterceptor(gauge: self.inFlight) }

  private func record(_ event: RPCServerEvent) {
    switch event {
    case .callFinished(let method, let code, let duration):
      let label = method.isEmpty ? "unknown" : method
      self.calls.labels(label, code.description).increment()
      if duration > 0 { self.durations.labels(label).observe(Double(duration) / 1e9) }
    case .connectionOpened:
      self.connections.increment()
    case .connectionClosed(let peer, let error):
      self.connections.decrement()
      if let error {
        self.logger.info("RPC connection lost", ["peer": .string(peer), "error": .string(error)])
      }
    case .connectionRefused(let peer, let reason):
      self.refused.increment()
      self.logger.warning(
        "RPC connection refused", ["peer": .string(peer), "reason": .string(reason)])
    case .protocolViolation(let peer, let message):
      self.protocolErrors.increment()
      self.logger.warning(
        "RPC protocol violation; connection closed",
        ["peer": .string(peer), "reason": .string(message)])
    case .handlerFailed(let method, _, let error):
      self.logger.error("RPC handler failed", ["method": .string(method), "error": .error(error)])
    }
  }
}

private struct InFlightInterceptor: ServerInterceptor {
  let gauge: Gauge

  func intercept(context: ServerContext, next: @Sendable (ServerContext) async throws -> Void)
    async throws
  {
    self.gauge.increment()
    defer { self.gauge.decrement() }
    try await next(context)
  }
}

/// An RPC server as a lifecycle service: binds on `run()` (unless already started) and drains
/// calls in flight on graceful shutdown.
package struct RPCServerService: LifecycleService {
  package let name: String
  private let server: RPCServer
  private let gracePeriod: Duration
  private let stopped = AsyncStream<Void>.makeStream()

  /// Wraps `server`; shutdown lets calls finish for up to `gracePeriod`.
  package init(name: String = "rpc", server: RPCServer, gracePeriod: Duration) {
    self.name = name
    self.server = server
    self.gracePeriod = gracePeriod
  }

  package func run() async throws {
    for await _ in self.stopped.stream { break }
    await self.server.shutdownGracefully(gracePeriod: self.gracePeriod)
  }

  package func beginGracefulShutdown() {
    self.stopped.continuation.yield()
    self.stopped.continuation.finish()
  }
}
