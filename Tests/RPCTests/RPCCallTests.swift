import Foundation
import NetworkIO
import RPC
import RPCCore
import Synchronization
import Testing
import WireProtos

@Suite("RPC calls over 127.0.0.1", .timeLimit(.minutes(1)))
struct RPCCallTests {
  @Test("a unary call returns the handler's answer")
  func unary() async throws {
    let (server, address) = try startServer()
    let client = RPCClient(configuration: .init(endpoints: [address]))
    let response = try await client.unary(
      MethodDescriptor(Echo.Method.echo), request: echoRequest("hello", sequence: 42),
      response: EchoResponse.self)
    #expect(response.text == "hello")
    #expect(response.sequence == 42)
    client.close()
    await server.shutdownGracefully(gracePeriod: .seconds(1))
  }

  @Test("1,000 concurrent calls over one connection each get their own answer")
  func thousandConcurrentCalls() async throws {
    let (server, address) = try startServer()
    let client = RPCClient(configuration: .init(endpoints: [address]))
    try await withThrowingTaskGroup(of: (UInt64, EchoResponse).self) { group in
      for index in 0..<1_000 {
        group.addTask {
          let payload = [UInt8](repeating: UInt8(index % 251), count: index % 97)
          let response = try await client.unary(
            MethodDescriptor(Echo.Method.echo),
            request: echoRequest("call \(index)", sequence: UInt64(index), payload: payload),
            response: EchoResponse.self)
          return (UInt64(index), response)
        }
      }
      var seen = Set<UInt64>()
      for try await (index, response) in group {
        #expect(response.sequence == index)
        #expect(response.text == "call \(index)")
        #expect(
          response.payload == [UInt8](repeating: UInt8(Int(index) % 251), count: Int(index) % 97))
        seen.insert(index)
      }
      #expect(seen.count == 1_000)
    }
    client.close()
    await server.shutdownGracefully(gracePeriod: .seconds(1))
  }

  @Test("a call past its deadline ends with DEADLINE_EXCEEDED and the handler is cancelled")
  func deadline() async throws {
    let log = ProbeLog()
    let (server, address) = try startServer(log: log)
    let client = RPCClient(configuration: .init(endpoints: [address]))
    let clock = ContinuousClock()
    let start = clock.now
    let error = await #expect(throws: RPCError.self) {
      _ = try await client.unary(
        Probe.sleep, request: echoRequest(sequence: 50_000), response: EchoResponse.self,
        options: CallOptions(timeout: .milliseconds(500)))
    }
    #expect(error?.code == .deadlineExceeded)
    // The call ends at its deadline, not when the 50 s handler would (with slack for a loaded CI).
    #expect(clock.now - start < .seconds(20))
    // A handler that started is cancelled. (On a starved machine the deadline can pass before
    // the handler runs at all; then it never starts, which is right too.)
    #expect(
      await eventually {
        log.cancellations.load(ordering: .relaxed) == log.started.load(ordering: .relaxed)
      })
    #expect(log.finished.load(ordering: .relaxed) == 0)
    client.close()
    await server.shutdownGracefully(gracePeriod: .seconds(1))
  }

  @Test("the server enforces the deadline it was sent, even if the client does not wait")
  func serverSideDeadline() async throws {
    let log = ProbeLog()
    let (server, address) = try startServer(log: log)
    let raw = try RawConnection(port: address.port)
    raw.writeFrames([
      headersFrame(stream: 1, method: Probe.sleep.path, timeoutUs: 500_000),
      Frame(
        kind: .message, flags: .endStream, streamID: 1,
        payload: echoRequest(sequence: 50_000).serializedBytes()),
    ])
    let (frames, _) = try raw.readFrames(count: 1)
    let status = try CallStatus(serializedBytes: try #require(frames.first).payload)
    #expect(frames.first?.kind == .status)
    #expect(status.code == RPCStatusCode.deadlineExceeded.rawValue)
    #expect(
      await eventually {
        log.cancellations.load(ordering: .relaxed) == log.started.load(ordering: .relaxed)
      })
    await server.shutdownGracefully(gracePeriod: .seconds(1))
  }

  @Test("cancelling the caller's task reaches the handler")
  func cancellation() async throws {
    let log = ProbeLog()
    let (server, address) = try startServer(log: log)
    let client = RPCClient(configuration: .init(endpoints: [address]))
    let call = Task {
      try await client.unary(
        Probe.waitForCancel, request: echoRequest(), response: EchoResponse.self)
    }
    #expect(await eventually { log.started.load(ordering: .relaxed) == 1 })
    call.cancel()
    let result = await call.result
    #expect(throws: RPCError.self) { try result.get() }
    #expect(await eventually { log.cancellations.load(ordering: .relaxed) == 1 })
    client.close()
    await server.shutdownGracefully(gracePeriod: .seconds(1))
  }

  @Test("an unknown method gets UNIMPLEMENTED and the connection stays usable")
  func unknownMethod() async throws {
    let (server, address) = try startServer()
    let client = RPCClient(configuration: .init(endpoints: [address]))
    let error = await #expect(throws: RPCError.self) {
      _ = try await client.unary(
        MethodDescriptor(service: "dcmms.v1.Nothing", method: "Here"), request: echoRequest(),
        response: EchoResponse.self)
    }
    #expect(error?.code == .unimplemented)
    let response = try await client.unary(
      MethodDescriptor(Echo.Method.echo), request: echoRequest("still"), response: EchoResponse.self
    )
    #expect(response.text == "still")
    client.close()
    await server.shutdownGracefully(gracePeriod: .seconds(1))
  }

  @Test("an error the handler did not map becomes INTERNAL without its details")
  func internalError() async throws {
    let events = EventLog()
    let (server, address) = try startServer(events: events)
    let client = RPCClient(configuration: .init(endpoints: [address]))
    let error = await #expect(throws: RPCError.self) {
      _ = try await client.unary(Probe.fail, request: echoRequest(), response: EchoResponse.self)
    }
    #expect(error?.code == .internalError)
    #expect(error?.message == "internal error")
    #expect(events.all.contains("failed /dcmms.test.Probe/Fail"))
    client.close()
    await server.shutdownGracefully(gracePeriod: .seconds(1))
  }

  @Test("server streaming delivers every response in order")
  func serverStreaming() async throws {
    let (server, address) = try startServer()
    let client = RPCClient(configuration: .init(endpoints: [address]))
    var request = echoRequest("s", sequence: 100, payload: [UInt8](repeating: 3, count: 10_000))
    request.responseCount = 500
    let sequences = try await client.serverStreaming(
      MethodDescriptor(Echo.Method.expand), request: request, response: EchoResponse.self
    ) { responses in
      var sequences: [UInt64] = []
      for try await response in responses {
        #expect(response.payload.count == 10_000)
        sequences.append(response.sequence)
      }
      return sequences
    }
    #expect(sequences == Array(100..<600))
    client.close()
    await server.shutdownGracefully(gracePeriod: .seconds(1))
  }

  @Test("client streaming of 8 MiB goes through flow control intact")
  func clientStreaming() async throws {
    let (server, address) = try startServer()
    let client = RPCClient(configuration: .init(endpoints: [address]))
    let chunk = (0..<65_536).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
    let response = try await client.clientStreaming(
      MethodDescriptor(Echo.Method.collect), request: EchoRequest.self, response: EchoResponse.self
    ) { writer in
      for index in 0..<128 {
        try await writer.write(echoRequest(sequence: UInt64(index), payload: chunk))
      }
    }
    #expect(response.sequence == 128)
    #expect(response.payload.count == 128 * 65_536)
    #expect(Array(response.payload[65_536..<131_072]) == chunk)
    client.close()
    await server.shutdownGracefully(gracePeriod: .seconds(1))
  }

  @Test("large messages are zstd-compressed on the wire and arrive intact")
  func compression() async throws {
    let (server, address) = try startServer()
    let payload = [UInt8](repeating: 0x41, count: 200_000)
    // A raw connection shows what travels on the wire.
    let raw = try RawConnection(port: address.port)
    raw.writeFrames([
      headersFrame(stream: 1, method: Echo.Method.echo.path, acceptZstd: true),
      Frame(
        kind: .message, flags: .endStream, streamID: 1,
        payload: echoRequest(payload: payload).serializedBytes()),
    ])
    let (frames, _) = try raw.readFrames(count: 2)
    let message = try #require(frames.first)
    #expect(message.kind == .message)
    #expect(message.flags.contains(.compressed))
    #expect(message.payload.count < 10_000)
    // And the client decompresses transparently, in both directions.
    let client = RPCClient(configuration: .init(endpoints: [address]))
    let response = try await client.unary(
      MethodDescriptor(Echo.Method.echo), request: echoRequest(payload: payload),
      response: EchoResponse.self)
    #expect(response.payload == payload)
    client.close()
    await server.shutdownGracefully(gracePeriod: .seconds(1))
  }
}

@Suite("Client streaming ended early by the server", .timeLimit(.minutes(1)))
struct EarlyStatusTests {
  @Test("a writer still sending when the server answers sees the server's status")
  func earlyStatus() async throws {
    var router = RPCRouter()
    let refuse = MethodDescriptor(service: "dcmms.test.Probe", method: "RefuseUpload")
    router.registerClientStreaming(refuse, request: EchoRequest.self, response: EchoResponse.self) { requests, _ in
      var iterator = requests.makeAsyncIterator()
      _ = try await iterator.next()
      throw RPCError(code: .notFound, message: "no such model")
    }
    let server = RPCServer(configuration: .init(endpoint: HostAndPort(host: "127.0.0.1", port: 0)), router: router)
    let client = RPCClient(configuration: .init(endpoints: [try server.start()]))
    let chunk = [UInt8](repeating: 1, count: 256 << 10)
    let error = await #expect(throws: RPCError.self) {
      _ = try await client.clientStreaming(refuse, request: EchoRequest.self, response: EchoResponse.self) { writer in
        // Far more than one window: the writer must block, then learn the call ended.
        for _ in 0..<64 { try await writer.write(echoRequest(payload: chunk)) }
      }
    }
    #expect(error?.code == .notFound)
    #expect(error?.message == "no such model")
    client.close()
    await server.shutdownGracefully(gracePeriod: .seconds(1))
  }
}
