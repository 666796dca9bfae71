extension HealthState {
  private struct LivenessBody: Encodable {
    var status: String
    var phase: String
  }

  private struct ReadinessBody: Encodable {
    struct Check: Encodable {
      var status: String
      var error: String?
    }

    var status: String
    var phase: String
    var checks: [String: Check]
  }

  /// The `/healthz` response: 200 `{"phase":"ready","status":"alive"}` while the process runs,
  /// 503 with status `stopped` once it has stopped.
  /// - Returns: The response.
  package func livenessResponse() -> HTTPResponse {
    let phase = self.phase
    let alive = phase != .stopped
    let body = LivenessBody(status: alive ? "alive" : "stopped", phase: phase.description)
    // Two strings always encode; the fallback keeps the function total.
    return (try? HTTPResponse.json(body, status: alive ? .ok : .serviceUnavailable))
      ?? .text(body.status, status: alive ? .ok : .serviceUnavailable)
  }

  /// The `/readyz` response: 200 when ready, else 503; the body lists the phase and each
  /// check, for example
  /// `{"checks":{"postgres":{"status":"pass"}},"phase":"ready","status":"ready"}`.
  /// - Returns: The response.
  package func readinessResponse() async -> HTTPResponse {
    let readiness = await self.evaluateReadiness()
    var checks: [String: ReadinessBody.Check] = [:]
    for check in readiness.checks {
      checks[check.name] = ReadinessBody.Check(
        status: check.passed ? "pass" : "fail", error: check.failure)
    }
    let body = ReadinessBody(
      status: readiness.isReady ? "ready" : "not_ready", phase: readiness.phase.description,
      checks: checks)
    let status: HTTPStatus = readiness.isReady ? .ok : .serviceUnavailable
    return (try? HTTPResponse.json(body, status: status)) ?? .text(body.status, status: status)
  }
}

extension HTTPRouter {
  /// Registers the admin endpoints every service serves: `GET /healthz`, `GET /readyz` and
  /// `GET /metrics` (Prometheus text format 0.0.4).
  /// - Parameters:
  ///   - health: The service's health state.
  ///   - metrics: The service's metrics registry.
  package mutating func registerAdminRoutes(health: HealthState, metrics: MetricsRegistry) {
    self.register(.get, "/healthz") { _ in health.livenessResponse() }
    self.register(.get, "/readyz") { _ in await health.readinessResponse() }
    self.register(.get, "/metrics") { _ in
      .text(metrics.exposition(), contentType: MetricsRegistry.contentType)
    }
  }
}
