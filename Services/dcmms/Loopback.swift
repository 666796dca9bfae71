import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Small blocking socket helpers for 127.0.0.1: free ports, reachability, an HTTP GET, a Redis
/// PING. Everything here has a short timeout; nothing here leaves the machine.
enum Loopback {
  /// A TCP port on 127.0.0.1 that nobody listens on right now (the kernel's choice for port 0).
  /// A free port that is not in `taken` (ports chosen earlier but not yet bound).
  static func freePort(avoiding taken: Set<Int>) throws -> Int {
    for _ in 0..<64 {
      let port = try self.freePort()
      if !taken.contains(port) { return port }
    }
    throw DcmmsError(.environment, "cannot find a free loopback port")
  }

  static func freePort() throws -> Int {
    let socket = try self.makeSocket()
    defer { close(socket) }
    var address = self.address(port: 0)
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard bound == 0 else {
      throw DcmmsError(.environment, "cannot bind a loopback port: \(self.lastError)")
    }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
    }
    guard named == 0 else {
      throw DcmmsError(.environment, "getsockname failed: \(self.lastError)")
    }
    return Int(UInt16(bigEndian: address.sin_port))
  }

  /// Whether something accepts TCP connections on 127.0.0.1:`port`.
  static func isListening(port: Int) -> Bool {
    guard let socket = try? self.connect(port: port) else { return false }
    close(socket)
    return true
  }

  /// Sends `GET path` to 127.0.0.1:`port`.
  /// - Returns: The status code and body, or nil when nothing answered.
  static func httpGet(port: Int, path: String) -> (status: Int, body: String)? {
    guard
      let reply = self.exchange(
        port: port, request: "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    else { return nil }
    let parts = reply.components(separatedBy: "\r\n\r\n")
    let statusLine = parts.first?.split(separator: "\r\n").first ?? ""
    let fields = statusLine.split(separator: " ")
    guard fields.count >= 2, let status = Int(fields[1]) else { return nil }
    return (status, parts.dropFirst().joined(separator: "\r\n\r\n"))
  }

  /// Whether a Redis server on 127.0.0.1:`port` answers PING with PONG.
  static func redisAnswersPing(port: Int) -> Bool {
    self.exchange(port: port, request: "PING\r\n", untilClosed: false)?.hasPrefix("+PONG") ?? false
  }

  // MARK: - Plumbing

  private static var lastError: String { String(cString: strerror(errno)) }

  private static func address(port: Int) -> sockaddr_in {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    return address
  }

  private static func makeSocket() throws -> Int32 {
    let socket = Glibc.socket(
      AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard socket >= 0 else {
      throw DcmmsError(.environment, "cannot open a socket: \(self.lastError)")
    }
    // Loopback answers at once; two seconds only guards against a stuck peer.
    var timeout = timeval(tv_sec: 2, tv_usec: 0)
    setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    return socket
  }

  private static func connect(port: Int) throws -> Int32 {
    let socket = try self.makeSocket()
    var address = self.address(port: port)
    let connected = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard connected == 0 else {
      close(socket)
      throw DcmmsError(.environment, "connect to 127.0.0.1:\(port): \(self.lastError)")
    }
    return socket
  }

  /// Sends `request` and reads the reply: until the peer closes, or the first read.
  private static func exchange(port: Int, request: String, untilClosed: Bool = true) -> String? {
    guard let socket = try? self.connect(port: port) else { return nil }
    defer { close(socket) }
    let bytes = Array(request.utf8)
    let sent = bytes.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    guard sent == bytes.count else { return nil }
    var reply: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while reply.count < 1 << 20 {
      let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
      if count <= 0 { break }
      reply += buffer[0..<count]
      if !untilClosed { break }
    }
    return reply.isEmpty ? nil : String(decoding: reply, as: UTF8.self)
  }
}
