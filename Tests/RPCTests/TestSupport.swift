import Foundation
import NetworkIO
import RPC
import RPCCore
import Synchronization
import WireProtos

#if canImport(Glibc)
import Glibc
#endif

/// Methods that exist only in tests, to observe deadlines, cancellation and auth.
enum Probe {
  static let sleep = MethodDescriptor(service: "dcmms.test.Probe", method: "Sleep")
  static let waitForCancel = MethodDescriptor(service: "dcmms.test.Probe", method: "WaitForCancel")
  static let whoami = MethodDescriptor(service: "dcmms.test.Probe", method: "Whoami")
  static let fail = MethodDescriptor(service: "dcmms.test.Probe", method: "Fail")
  static let promote = MethodDescriptor(service: "dcmms.test.Probe", method: "Promote")
}

/// What the probe handlers saw.
final class ProbeLog: Sendable {
  let cancellations = Atomic<Int>(0)
  let started = Atomic<Int>(0)
  let finished = Atomic<Int>(0)
}

struct SomeLocalError: Error {}

func makeRouter(log: ProbeLog) -> RPCRouter {
  var router = RPCRouter()
  EchoService.register(into: &router)
  router.registerUnary(Probe.sleep, request: EchoRequest.self, response: EchoResponse.self) {
    request, _ in
    log.started.add(1, ordering: .relaxed)
    do {
      try await Task.sleep(for: .milliseconds(Int(request.sequence)))
    } catch {
      log.cancellations.add(1, ordering: .relaxed)
      throw error
    }
    log.finished.add(1, ordering: .relaxed)
    var response = EchoResponse()
    response.sequence = request.sequence
    return response
  }
  router.registerUnary(Probe.waitForCancel, request: EchoRequest.self, response: EchoResponse.self)
  { _, _ in
    log.started.add(1, ordering: .relaxed)
    while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
    log.cancellations.add(1, ordering: .relaxed)
    throw CancellationError()
  }
  let whoami: @Sendable (EchoRequest, ServerContext) async throws -> EchoResponse = { _, context in
    var response = EchoResponse()
    response.text = "\(context.principal?.subject ?? "-")/\(context.principal?.role.name ?? "-")"
    return response
  }
  router.registerUnary(
    Probe.whoami, request: EchoRequest.self, response: EchoResponse.self, handler: whoami)
  router.registerUnary(
    Probe.promote, request: EchoRequest.self, response: EchoResponse.self, handler: whoami)
  router.registerUnary(Probe.fail, request: EchoRequest.self, response: EchoResponse.self) { _, _ in
    throw SomeLocalError()
  }
  return router
}

/// Server events collected for assertions.
final class EventLog: Sendable {
  private let events = Mutex<[String]>([])
  func record(_ event: RPCServerEvent) {
    let text: String
    switch event {
    case .protocolViolation(_, let message): text = "violation: \(message)"
    case .callFinished(let method, let code, _): text = "finished \(method) \(code)"
    case .handlerFailed(let method, _, _): text = "failed \(method)"
    case .connectionOpened: text = "opened"
    case .connectionClosed: text = "closed"
    case .connectionRefused(_, let reason): text = "refused: \(reason)"
    }
    self.events.withLock { $0.append(text) }
  }
  var all: [String] { self.events.withLock { $0 } }
}

func startServer(
  port: Int = 0, log: ProbeLog = ProbeLog(), events: EventLog = EventLog(),
  interceptors: [any ServerInterceptor] = [], limits: RPCLimits = RPCLimits()
) throws -> (RPCServer, HostAndPort) {
  var configuration = RPCServer.Configuration(endpoint: HostAndPort(host: "127.0.0.1", port: port))
  configuration.limits = limits
  let server = RPCServer(
    configuration: configuration, router: makeRouter(log: log), interceptors: interceptors,
    observer: { events.record($0) })
  let address = try server.start()
  return (server, address)
}

func echoRequest(_ text: String = "", sequence: UInt64 = 0, payload: [UInt8] = []) -> EchoRequest {
  var request = EchoRequest()
  request.text = text
  request.sequence = sequence
  request.payload = payload
  return request
}

/// Waits until `condition` holds, checking every 5 ms, for at most `timeout` (generous: CI runs
/// every suite at once on two cores, and CPU-heavy tests can hold the cooperative pool).
func eventually(timeout: Duration = .seconds(20), _ condition: () async -> Bool) async -> Bool {
  let clock = ContinuousClock()
  let end = clock.now + timeout
  while clock.now < end {
    if await condition() { return true }
    try? await Task.sleep(for: .milliseconds(5))
  }
  return await condition()
}

/// A blocking socket that speaks raw bytes, for protocol tests.
final class RawConnection {
  let fd: Int32
  private var decoder = FrameDecoder(maxPayloadLength: 64 << 20, expectsPreface: false)

  init(port: Int) throws {
    self.fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let status = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        connect(self.fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard status == 0 else { throw SomeLocalError() }
    var timeout = timeval(tv_sec: 20, tv_usec: 0)
    setsockopt(self.fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
  }

  deinit { close(self.fd) }

  func write(_ bytes: [UInt8]) {
    _ = bytes.withUnsafeBytes { Glibc.send(self.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
  }

  func writeFrames(_ frames: [Frame], preface: Bool = true) {
    var bytes: [UInt8] = preface ? Frame.preface : []
    for frame in frames { frame.encode(into: &bytes) }
    self.write(bytes)
  }

  /// Reads frames until `count` arrived, the peer closed (returns what came), or 20 s passed.
  func readFrames(count: Int) throws -> (frames: [Frame], closed: Bool) {
    var frames: [Frame] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while frames.count < count {
      let read = buffer.withUnsafeMutableBytes { Glibc.read(self.fd, $0.baseAddress, $0.count) }
      if read <= 0 { return (frames, read == 0) }
      self.decoder.append(Array(buffer[..<read]))
      while let frame = try self.decoder.nextFrame() { frames.append(frame) }
    }
    return (frames, false)
  }

  /// Whether the peer closes the connection within 20 s (reading and dropping what arrives).
  func waitForClose() -> Bool {
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
      let read = buffer.withUnsafeMutableBytes { Glibc.read(self.fd, $0.baseAddress, $0.count) }
      if read == 0 { return true }
      if read < 0 { return errno == ECONNRESET }
    }
  }
}

func headersFrame(
  stream: UInt32, method: String, timeoutUs: UInt64 = 0, metadata: [MetadataEntry] = [],
  acceptZstd: Bool = false
) -> Frame {
  var headers = CallHeaders()
  headers.method = method
  headers.timeoutUs = timeoutUs
  headers.metadata = metadata
  headers.acceptCompression = acceptZstd ? "zstd" : ""
  return Frame(kind: .headers, streamID: stream, payload: headers.serializedBytes())
}
