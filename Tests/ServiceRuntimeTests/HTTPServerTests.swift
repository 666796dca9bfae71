import Foundation
import NetworkIO
import RPC
import RPCCore
import ServiceRuntime
import Testing
import WireProtos

#if canImport(Glibc)
import Glibc
#endif

/// Sends raw bytes to 127.0.0.1:`port` and reads until the server closes (at most 5 s).
private func exchange(port: Int, _ request: String) -> String {
  let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
  defer { close(fd) }
  var address = sockaddr_in()
  address.sin_family = sa_family_t(AF_INET)
  address.sin_port = UInt16(port).bigEndian
  address.sin_addr.s_addr = inet_addr("127.0.0.1")
  let connected = withUnsafePointer(to: &address) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
      connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
    }
  }
  guard connected == 0 else { return "" }
  var timeout = timeval(tv_sec: 5, tv_usec: 0)
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
  _ = Array(request.utf8).withUnsafeBytes {
    send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
  }
  var received: [UInt8] = []
  var buffer = [UInt8](repeating: 0, count: 65_536)
  while true {
    let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
    if count <= 0 { break }
    received += buffer[..<count]
  }
  return String(decoding: received, as: UTF8.self)
}

@Suite("HTTP server and RPC telemetry over 127.0.0.1", .timeLimit(.minutes(1)))
struct HTTPServerTests {
  @Test("admin routes answer over a real socket, pipelined, and bad requests get 400")
  func adminRoutes() async throws {
    let metrics = MetricsRegistry()
    let health = HealthState()
    var router = HTTPRouter()
    router.registerAdminRoutes(health: health, metrics: metrics)
    let server = HTTPServer(endpoint: HostAndPort(host: "127.0.0.1", port: 0), router: router)
    let address = try server.start()

    let alive = exchange(
      port: address.port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    #expect(alive.hasPrefix("HTTP/1.1 200"))
    let notReady = exchange(
      port: address.port, "GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    #expect(notReady.hasPrefix("HTTP/1.1 503"))
    let pipelined = exchange(
      port: address.port,
      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    #expect(pipelined.components(separatedBy: "HTTP/1.1 200").count == 3)
    let garbage = exchange(port: address.port, "NOT HTTP AT ALL\r\n\r\n")
    #expect(garbage.hasPrefix("HTTP/1.1 400"))
    server.beginGracefulShutdown()
  }

  @Test("RPC calls show up in /metrics by method and status code")
  func rpcTelemetry() async throws {
    let metrics = MetricsRegistry()
    let logger = Logger(service: "test", minimumLevel: .critical)
    let telemetry = RPCServerTelemetry(metrics: metrics, logger: logger)
    var rpcRouter = RPCRouter()
    EchoService.register(into: &rpcRouter)
    let rpc = RPCServer(
      configuration: .init(endpoint: HostAndPort(host: "127.0.0.1", port: 0)), router: rpcRouter,
      interceptors: [telemetry.interceptor], observer: telemetry.observe)
    let rpcAddress = try rpc.start()
    let client = RPCClient(configuration: .init(endpoints: [rpcAddress]))
    for _ in 0..<3 {
      _ = try await client.unary(
        MethodDescriptor(Echo.Method.echo), request: EchoRequest(), response: EchoResponse.self)
    }
    _ = try? await client.unary(
      MethodDescriptor(service: "dcmms.v1.Nope", method: "Nope"), request: EchoRequest(),
      response: EchoResponse.self)

    var router = HTTPRouter()
    router.registerAdminRoutes(health: HealthState(), metrics: metrics)
    let http = HTTPServer(endpoint: HostAndPort(host: "127.0.0.1", port: 0), router: router)
    let httpAddress = try http.start()
    let page = exchange(
      port: httpAddress.port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    #expect(
      page.contains(#"dcmms_rpc_server_calls_total{method="/dcmms.v1.Echo/Echo",code="OK"} 3"#))
    #expect(
      page.contains(
        #"dcmms_rpc_server_calls_total{method="/dcmms.v1.Nope/Nope",code="UNIMPLEMENTED"} 1"#))
    #expect(
      page.contains(
        #"dcmms_rpc_server_call_duration_seconds_count{method="/dcmms.v1.Echo/Echo"} 3"#))
    #expect(page.contains("dcmms_rpc_server_connections 1"))
    client.close()
    http.beginGracefulShutdown()
    await rpc.shutdownGracefully(gracePeriod: .seconds(1))
  }
}
