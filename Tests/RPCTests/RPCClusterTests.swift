import Foundation
import NetworkIO
import RPC
import RPCCore
import Synchronization
import Testing
import WireProtos

@Suite("Several endpoints, failover and shutdown", .timeLimit(.minutes(1)))
struct RPCClusterTests {
  @Test(
    "a client of three endpoints keeps answering when one stops and uses it again when it returns")
  func failoverAndReadmission() async throws {
    let logs = [ProbeLog(), ProbeLog(), ProbeLog()]
    var servers: [RPCServer] = []
    var addresses: [HostAndPort] = []
    for log in logs {
      let (server, address) = try startServer(log: log)
      servers.append(server)
      addresses.append(address)
    }
    var configuration = RPCClient.Configuration(endpoints: addresses)
    configuration.ejectionBackoff = .milliseconds(50)
    configuration.maxEjectionBackoff = .milliseconds(200)
    let client = RPCClient(configuration: configuration)
    let idempotent = CallOptions(timeout: .seconds(20), isIdempotent: true)

    func callMany(_ count: Int) async throws {
      for index in 0..<count {
        let response = try await client.unary(
          Probe.sleep, request: echoRequest(sequence: 0), response: EchoResponse.self,
          options: idempotent)
        #expect(response.sequence == 0, "call \(index)")
      }
    }
    try await callMany(30)
    #expect(logs.allSatisfy { $0.finished.load(ordering: .relaxed) >= 5 })

    // Stop the second server: every call still succeeds.
    await servers[1].shutdownGracefully(gracePeriod: .seconds(1))
    let before = logs.map { $0.finished.load(ordering: .relaxed) }
    try await callMany(30)
    #expect(logs[1].finished.load(ordering: .relaxed) == before[1])
    #expect(
      logs[0].finished.load(ordering: .relaxed) + logs[2].finished.load(ordering: .relaxed)
        == before[0] + before[2] + 30)

    // Start it again on the same port: the client comes back to it.
    let (restarted, _) = try startServer(port: addresses[1].port, log: logs[1])
    #expect(
      await eventually(timeout: .seconds(30)) {
        _ = try? await callMany(3)
        return logs[1].finished.load(ordering: .relaxed) > before[1]
      })
    client.close()
    for server in [servers[0], servers[2], restarted] {
      await server.shutdownGracefully(gracePeriod: .seconds(1))
    }
  }

  @Test("with every endpoint down a call fails fast with UNAVAILABLE")
  func allDown() async throws {
    let (server, address) = try startServer()
    await server.shutdownGracefully(gracePeriod: .seconds(1))
    let client = RPCClient(
      configuration: .init(endpoints: [address, HostAndPort(host: "127.0.0.1", port: address.port)])
    )
    let error = await #expect(throws: RPCError.self) {
      _ = try await client.unary(
        MethodDescriptor(Echo.Method.echo), request: echoRequest(), response: EchoResponse.self)
    }
    #expect(error?.code == .unavailable)
    #expect(error?.message.contains("no endpoint is reachable") == true)
  }

  @Test("graceful shutdown finishes calls in flight and refuses new ones")
  func gracefulShutdown() async throws {
    let log = ProbeLog()
    let (server, address) = try startServer(log: log)
    let client = RPCClient(configuration: .init(endpoints: [address]))
    let inFlight = Task {
      try await client.unary(
        Probe.sleep, request: echoRequest(sequence: 300), response: EchoResponse.self)
    }
    #expect(await eventually { log.started.load(ordering: .relaxed) == 1 })
    let clock = ContinuousClock()
    let start = clock.now
    await server.shutdownGracefully(gracePeriod: .seconds(40))
    // Shutdown returns when the call in flight is done, not at the end of the grace period.
    #expect(clock.now - start < .seconds(20))
    let response = try await inFlight.value
    #expect(response.sequence == 300)
    #expect(log.finished.load(ordering: .relaxed) == 1)
    let error = await #expect(throws: RPCError.self) {
      _ = try await client.unary(
        MethodDescriptor(Echo.Method.echo), request: echoRequest(), response: EchoResponse.self)
    }
    #expect(error?.code == .unavailable)
  }

  @Test("shutdown ends calls that outlive the grace period with UNAVAILABLE")
  func shutdownGraceExpires() async throws {
    let log = ProbeLog()
    let (server, address) = try startServer(log: log)
    let client = RPCClient(configuration: .init(endpoints: [address]))
    let inFlight = Task {
      try await client.unary(
        Probe.sleep, request: echoRequest(sequence: 30_000), response: EchoResponse.self)
    }
    #expect(await eventually { log.started.load(ordering: .relaxed) == 1 })
    await server.shutdownGracefully(gracePeriod: .milliseconds(100))
    let result = await inFlight.result
    let error = #expect(throws: RPCError.self) { try result.get() }
    #expect(error?.code == .unavailable)
  }
}
