import NetworkIO
import RPC
import RPCCore
import Testing
import WireProtos

@Suite("Health service", .timeLimit(.minutes(1)))
struct HealthServiceTests {
  @Test("Check reports the status; Watch streams each change")
  func checkAndWatch() async throws {
    let health = HealthService()
    var router = RPCRouter()
    health.register(into: &router)
    let server = RPCServer(
      configuration: .init(endpoint: HostAndPort(host: "127.0.0.1", port: 0)), router: router)
    let address = try server.start()
    let client = RPCClient(configuration: .init(endpoints: [address]))

    let first = try await client.call(Health.Method.Check.self, HealthCheckRequest())
    #expect(first.status == .notServing)
    health.setStatus(.serving)
    let second = try await client.call(Health.Method.Check.self, HealthCheckRequest())
    #expect(second.status == .serving)

    let seen = try await client.call(Health.Method.Watch.self, HealthCheckRequest()) { responses in
      var seen: [HealthCheckResponse.ServingStatus] = []
      for try await response in responses {
        seen.append(response.status)
        if seen.count == 1 { health.setStatus(.notServing) }
        if seen.count == 2 { break }
      }
      return seen
    }
    #expect(seen == [.serving, .notServing])
    client.close()
    await server.shutdownGracefully(gracePeriod: .seconds(1))
  }
}
