import Foundation
import Testing

@testable import ServiceRuntime

private struct DatabaseDown: Error, CustomStringConvertible {
  var description: String { "connection refused" }
}

@Suite("Health and admin endpoints")
struct HealthStateTests {
  static func body(_ response: HTTPResponse) -> String {
    String(decoding: response.body, as: UTF8.self)
  }

  @Test("A starting service is alive but not ready")
  func starting() async {
    let health = HealthState()
    let live = health.livenessResponse()
    #expect(live.status == .ok)
    #expect(Self.body(live) == #"{"phase":"starting","status":"alive"}"#)
    let ready = await health.readinessResponse()
    #expect(ready.status == .serviceUnavailable)
    #expect(Self.body(ready) == #"{"checks":{},"phase":"starting","status":"not_ready"}"#)
  }

  @Test("Ready needs the ready phase and every check passing")
  func checks() async {
    let health = HealthState()
    health.advance(to: .ready)
    health.registerCheck("postgres") {}
    #expect(await health.readinessResponse().status == .ok)
    #expect(
      Self.body(await health.readinessResponse())
        == #"{"checks":{"postgres":{"status":"pass"}},"phase":"ready","status":"ready"}"#)
    health.registerCheck("redis") { throw DatabaseDown() }
    let failing = await health.readinessResponse()
    #expect(failing.status == .serviceUnavailable)
    #expect(
      Self.body(failing)
        == #"{"checks":{"postgres":{"status":"pass"},"redis":{"error":"connection refused","status":"fail"}},"phase":"ready","status":"not_ready"}"#
    )
    health.registerCheck("redis") {}
    #expect(await health.readinessResponse().status == .ok)
  }

  @Test("A check that hangs fails after the timeout", .timeLimit(.minutes(1)))
  func timeout() async {
    let health = HealthState(checkTimeout: .milliseconds(100))
    health.advance(to: .ready)
    health.registerCheck("slow") { try await Task.sleep(for: .seconds(30)) }
    let clock = ContinuousClock()
    let start = clock.now
    let readiness = await health.evaluateReadiness()
    #expect(clock.now - start < .seconds(10))
    #expect(!readiness.isReady)
    #expect(readiness.checks.first?.failure?.hasPrefix("timed out after") == true)
  }

  @Test("The phase only moves forward; draining is not ready; stopped is not alive")
  func phases() async {
    let health = HealthState()
    health.advance(to: .ready)
    health.advance(to: .draining)
    health.advance(to: .ready)
    #expect(health.phase == .draining)
    #expect(await health.readinessResponse().status == .serviceUnavailable)
    #expect(health.livenessResponse().status == .ok)
    health.advance(to: .stopped)
    let live = health.livenessResponse()
    #expect(live.status == .serviceUnavailable)
    #expect(Self.body(live) == #"{"phase":"stopped","status":"stopped"}"#)
  }

  @Test("Admin routes answer over the HTTP connection logic")
  func adminRoutes() async throws {
    let health = HealthState()
    health.advance(to: .ready)
    let metrics = MetricsRegistry()
    metrics.makeCounter(name: "dcmms_admin_test_total", help: "Test.").increment(by: 3)
    var router = HTTPRouter()
    router.registerAdminRoutes(health: health, metrics: metrics)
    var connection = HTTPConnectionHandler(router: router)
    let output = await connection.receive(
      Array(
        ("GET /metrics HTTP/1.1\r\nHost: h\r\n\r\nGET /readyz HTTP/1.1\r\nHost: h\r\n\r\n"
          + "GET /healthz HTTP/1.0\r\n\r\n").utf8))
    let text = String(decoding: output.bytes, as: UTF8.self)
    #expect(
      text.hasPrefix(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"))
    #expect(
      text.contains(
        "\r\n\r\n# HELP dcmms_admin_test_total Test.\n# TYPE dcmms_admin_test_total counter\ndcmms_admin_test_total 3\n"
      ))
    #expect(text.contains(#"{"checks":{},"phase":"ready","status":"ready"}"#))
    // The HTTP/1.0 request without keep-alive gets the last response, and the connection closes.
    let last = try #require(text.range(of: "HTTP/1.1 200 OK", options: .backwards))
    #expect(text[last.lowerBound...].contains("Connection: close\r\n"))
    #expect(text.hasSuffix("\r\n\r\n" + #"{"phase":"ready","status":"alive"}"#))
    #expect(output.shouldClose)
  }
}
