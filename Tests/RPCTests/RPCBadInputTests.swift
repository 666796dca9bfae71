import Foundation
import NetworkIO
import RPC
import RPCCore
import Testing
import WireProtos

@Suite("Bad input on an RPC connection", .timeLimit(.minutes(1)))
struct RPCBadInputTests {
  @Test("a connection that does not start with the preface is closed and reported")
  func badPreface() async throws {
    let events = EventLog()
    let (server, address) = try startServer(events: events)
    let raw = try RawConnection(port: address.port)
    raw.write(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
    #expect(raw.waitForClose())
    #expect(
      await eventually {
        events.all.contains { $0.hasPrefix("violation: the connection did not start") }
      })
    await server.shutdownGracefully(gracePeriod: .seconds(1))
  }

  @Test("an oversized frame is refused from its header, before its payload is sent")
  func oversizedFrame() async throws {
    var limits = RPCLimits()
    limits.maxFramePayloadBytes = 64 << 10
    let events = EventLog()
    let (server, address) = try startServer(events: events, limits: limits)
    let raw = try RawConnection(port: address.port)
    var bytes = Frame.preface
    bytes += headersFrame(stream: 1, method: Echo.Method.echo.path).encoded()
    Frame.encodeHeader(
      kind: .message, flags: .endStream, streamID: 1, length: 1 << 30, into: &bytes)
    raw.write(bytes)
    // Only the header was sent: the server must answer (GOAWAY, close) without waiting for 1 GiB.
    let (frames, closed) = try raw.readFrames(count: 2)
    #expect(frames.contains { $0.kind == .goAway })
    #expect(closed || raw.waitForClose())
    let goAway = try GoAway(
      serializedBytes: try #require(frames.first { $0.kind == .goAway }).payload)
    #expect(goAway.message.contains("exceeds the limit"))
    #expect(events.all.contains { $0.contains("exceeds the limit") })
    await server.shutdownGracefully(gracePeriod: .seconds(1))
  }

  @Test("garbage after the preface closes the connection with a GOAWAY")
  func garbageFrames() async throws {
    let (server, address) = try startServer()
    var generator = SystemRandomNumberGenerator()
    for _ in 0..<20 {
      let raw = try RawConnection(port: address.port)
      var bytes = Frame.preface
      bytes.append(UInt8.random(in: 9...255, using: &generator))  // an unknown kind
      bytes += (0..<200).map { _ in UInt8.random(in: 0...255, using: &generator) }
      raw.write(bytes)
      #expect(raw.waitForClose())
    }
    // The server still serves.
    let client = RPCClient(configuration: .init(endpoints: [address]))
    let response = try await client.unary(
      MethodDescriptor(Echo.Method.echo), request: echoRequest("ok"), response: EchoResponse.self)
    #expect(response.text == "ok")
    client.close()
    await server.shutdownGracefully(gracePeriod: .seconds(1))
  }

  @Test("a truncated frame followed by a hang-up disturbs nothing")
  func truncated() async throws {
    let (server, address) = try startServer()
    do {
      let raw = try RawConnection(port: address.port)
      let frame = headersFrame(stream: 1, method: Echo.Method.echo.path).encoded()
      raw.write(Frame.preface + Array(frame[..<(frame.count - 3)]))
    }
    let client = RPCClient(configuration: .init(endpoints: [address]))
    let response = try await client.unary(
      MethodDescriptor(Echo.Method.echo), request: echoRequest("ok"), response: EchoResponse.self)
    #expect(response.text == "ok")
    #expect(await eventually { server.activeCallCount == 0 })
    client.close()
    await server.shutdownGracefully(gracePeriod: .seconds(1))
  }

  @Test("a MESSAGE for a stream never opened is out of order: GOAWAY and close")
  func outOfOrder() async throws {
    let (server, address) = try startServer()
    let raw = try RawConnection(port: address.port)
    raw.writeFrames([Frame(kind: .message, streamID: 9, payload: [])])
    let (frames, _) = try raw.readFrames(count: 1)
    #expect(frames.first?.kind == .goAway)
    #expect(raw.waitForClose())
    await server.shutdownGracefully(gracePeriod: .seconds(1))
  }

  @Test("a HEADERS id that does not increase is a protocol error")
  func decreasingStreamID() async throws {
    let (server, address) = try startServer()
    let raw = try RawConnection(port: address.port)
    raw.writeFrames([
      headersFrame(stream: 5, method: Echo.Method.echo.path),
      Frame(
        kind: .message, flags: .endStream, streamID: 5, payload: echoRequest("a").serializedBytes()),
      headersFrame(stream: 3, method: Echo.Method.echo.path),
    ])
    let (frames, _) = try raw.readFrames(count: 3)
    #expect(frames.contains { $0.kind == .goAway })
    await server.shutdownGracefully(gracePeriod: .seconds(1))
  }

  @Test("undecodable headers or request fail their own call only; the neighbour call completes")
  func undecodableMessages() async throws {
    let (server, address) = try startServer()
    let raw = try RawConnection(port: address.port)
    raw.writeFrames([
      // Stream 1: a slow, valid call.
      headersFrame(stream: 1, method: Probe.sleep.path),
      Frame(
        kind: .message, flags: .endStream, streamID: 1,
        payload: echoRequest(sequence: 100).serializedBytes()),
      // Stream 3: call headers that are not protobuf.
      Frame(kind: .headers, streamID: 3, payload: [0xff, 0xff, 0xff, 0x0f]),
      // Stream 5: a request with a string that is not UTF-8.
      headersFrame(stream: 5, method: Echo.Method.echo.path),
      Frame(kind: .message, flags: .endStream, streamID: 5, payload: [0x12, 0x02, 0xc3, 0x28]),
      // Stream 7: an unknown method.
      headersFrame(stream: 7, method: "/nope.Nope/Nope"),
      // Stream 9: a compressed message that is not zstd.
      headersFrame(stream: 9, method: Echo.Method.echo.path),
      Frame(kind: .message, flags: [.compressed, .endStream], streamID: 9, payload: [1, 2, 3, 4]),
    ])
    let (frames, closed) = try raw.readFrames(count: 6)
    #expect(!closed)
    var statuses: [UInt32: UInt32] = [:]
    for frame in frames where frame.kind == .status {
      statuses[frame.streamID] = try CallStatus(serializedBytes: frame.payload).code
    }
    #expect(statuses[3] == RPCStatusCode.invalidArgument.rawValue)
    #expect(statuses[5] == RPCStatusCode.invalidArgument.rawValue)
    #expect(statuses[7] == RPCStatusCode.unimplemented.rawValue)
    #expect(statuses[9] == RPCStatusCode.internalError.rawValue)
    #expect(statuses[1] == RPCStatusCode.ok.rawValue)
    #expect(frames.contains { $0.kind == .message && $0.streamID == 1 })
    await server.shutdownGracefully(gracePeriod: .seconds(1))
  }

  @Test("calls beyond the per-connection limit get RESOURCE_EXHAUSTED")
  func concurrentStreamLimit() async throws {
    var limits = RPCLimits()
    limits.maxConcurrentStreams = 2
    let (server, address) = try startServer(limits: limits)
    let raw = try RawConnection(port: address.port)
    var frames: [Frame] = []
    for stream in stride(from: UInt32(1), through: 5, by: 2) {
      frames.append(headersFrame(stream: stream, method: Probe.sleep.path))
      frames.append(
        Frame(
          kind: .message, flags: .endStream, streamID: stream,
          payload: echoRequest(sequence: 200).serializedBytes()))
    }
    raw.writeFrames(frames)
    let (received, _) = try raw.readFrames(count: 1)
    let first = try #require(received.first)
    #expect(first.streamID == 5)
    #expect(
      try CallStatus(serializedBytes: first.payload).code
        == RPCStatusCode.resourceExhausted.rawValue)
    await server.shutdownGracefully(gracePeriod: .seconds(2))
  }

  @Test("connections beyond the server's limit are closed at once and counted")
  func connectionLimit() async throws {
    var limits = RPCLimits()
    limits.maxConnections = 2
    let events = EventLog()
    let (server, address) = try startServer(events: events, limits: limits)
    let first = try RawConnection(port: address.port)
    let second = try RawConnection(port: address.port)
    #expect(await eventually { events.all.filter { $0 == "opened" }.count == 2 })
    let third = try RawConnection(port: address.port)
    #expect(third.waitForClose())
    #expect(events.all.contains("refused: connection limit reached"))
    // The admitted connections still work.
    first.writeFrames([
      headersFrame(stream: 1, method: Echo.Method.echo.path),
      Frame(
        kind: .message, flags: .endStream, streamID: 1,
        payload: echoRequest("still here").serializedBytes()),
    ])
    let (frames, _) = try first.readFrames(count: 2)
    #expect(
      try EchoResponse(serializedBytes: try #require(frames.first).payload).text == "still here")
    _ = second
    await server.shutdownGracefully(gracePeriod: .seconds(1))
  }

  @Test("a port already in use is reported clearly")
  func portInUse() throws {
    let (server, address) = try startServer()
    let error = #expect(throws: NetworkError.self) { _ = try startServer(port: address.port) }
    #expect(error?.code == .bindFailed)
    #expect(error?.message.contains("Address already in use") == true)
    _ = server
  }
}
