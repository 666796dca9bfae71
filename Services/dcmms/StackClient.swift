import Foundation
import NetworkIO
import RPC
import WireProtos

/// Calls the running stack's services over RPC with a token signed by the stack's secret.
struct StackClient {
  let state: StackState
  let authority: TokenAuthority
  /// The token sent with every call; nil sends a fresh service token.
  var bearerToken: String?

  init(state: StackState, secret: String) {
    self.state = state
    self.authority = TokenAuthority(secret: Array(secret.utf8))
  }

  /// The service called `name`.
  /// - Throws: `usage` naming the services when there is no such service.
  func service(_ name: String) throws -> StackState.Component {
    guard let service = self.state.services.first(where: { $0.name == name }) else {
      throw DcmmsError(
        .usage,
        "no service '\(name)'; the services are \(LocalStack.serviceNames.joined(separator: ", "))")
    }
    return service
  }

  /// A client of one service; close it when done.
  func makeClient(for service: StackState.Component) -> RPCClient {
    var configuration = RPCClient.Configuration(endpoints: [
      HostAndPort(host: "127.0.0.1", port: service.port)
    ])
    configuration.defaultTimeout = .seconds(5)
    configuration.bearerToken =
      self.bearerToken
      ?? self.authority.makeToken(subject: "dcmms-cli", role: .service, lifetime: .seconds(300))
    return RPCClient(configuration: configuration)
  }

  /// Health/Check on `service`.
  /// - Returns: The serving status's name and the call's latency.
  func checkHealth(_ service: StackState.Component) async throws -> (
    status: String, latency: Duration
  ) {
    let client = self.makeClient(for: service)
    defer { client.close() }
    let start = ContinuousClock.now
    let response = try await self.calling(service) {
      try await client.call(Health.Method.Check.self, HealthCheckRequest())
    }
    return (response.status.protoName ?? "\(response.status.rawValue)", ContinuousClock.now - start)
  }

  /// Echo/Echo on `service`, `count` times over one connection.
  /// - Returns: The last response's text and the median latency (the first call, which opens
  ///   the connection, is timed apart).
  func echo(_ service: StackState.Component, text: String, count: Int = 1) async throws -> (
    text: String, first: Duration, median: Duration
  ) {
    let client = self.makeClient(for: service)
    defer { client.close() }
    var latencies: [Duration] = []
    var reply = ""
    for sequence in 0..<max(count, 1) {
      let start = ContinuousClock.now
      let response = try await self.calling(service) {
        try await client.call(
          Echo.Method.Echo.self, EchoRequest(text: text, sequence: UInt64(sequence)))
      }
      latencies.append(ContinuousClock.now - start)
      guard response.text == text, response.sequence == UInt64(sequence) else {
        throw DcmmsError(
          .callFailed,
          "\(service.name) echoed '\(response.text)' #\(response.sequence) for '\(text)' #\(sequence)"
        )
      }
      reply = response.text
    }
    let rest = latencies.count > 1 ? Array(latencies.dropFirst()).sorted() : latencies
    return (reply, latencies[0], rest[rest.count / 2])
  }

  /// Runs a call, naming the service and its port in any error.
  private func calling<T>(_ service: StackState.Component, _ body: () async throws -> T)
    async throws -> T
  {
    do {
      return try await body()
    } catch {
      throw DcmmsError(.callFailed, "\(service.name) at 127.0.0.1:\(service.port): \(error)")
    }
  }
}
