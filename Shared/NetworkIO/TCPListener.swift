internal import CPlatformShims
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A listening TCP socket that hands each accepted connection to the next loop of a group.
///
/// The socket is bound when the listener is created, so a port already in use fails at once
/// with a clear error. Accepted connections are given to `onAccept` on their own loop's thread,
/// inactive: the callee activates them with its delegate (or closes them).
package final class TCPListener: EventHandler, @unchecked Sendable {
  // @unchecked: `token` and `isOpen` are touched on the accepting loop's thread only.
  /// The address the socket is bound to, with the real port when 0 was asked for.
  package let address: HostAndPort
  private let fd: Int32
  private let group: EventLoopGroup
  private let acceptLoop: EventLoop
  private let onAccept: @Sendable (TCPConnection) -> Void
  private var token: UInt64 = 0
  private var isOpen = true

  /// Binds and starts listening.
  /// - Parameters:
  ///   - endpoint: where to listen; port 0 picks a free port.
  ///   - group: the loops that serve accepted connections, round-robin.
  ///   - backlog: the kernel's queue of connections not yet accepted.
  ///   - onAccept: receives each new connection on its loop's thread.
  /// - Throws: `NetworkError` when the address cannot be resolved or bound.
  package init(
    endpoint: HostAndPort, group: EventLoopGroup, backlog: Int32 = 1024,
    onAccept: @escaping @Sendable (TCPConnection) -> Void
  ) throws {
    guard let address = try SocketAddress.resolve(endpoint, passive: true).first else {
      throw NetworkError(code: .resolveFailed, message: "no address for \(endpoint)")
    }
    let fd = socket(
      address.family,
      Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw NetworkError.system(.bindFailed, "socket") }
    _ = CPlatform_set_reuseaddr(fd)
    var storage = address.storage
    let bound = withUnsafePointer(to: &storage) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, address.length) }
    }
    guard bound == 0, listen(fd, backlog) == 0 else {
      let error = NetworkError.system(.bindFailed, "cannot listen on \(endpoint)")
      Glibc.close(fd)
      throw error
    }
    self.fd = fd
    self.address = HostAndPort(host: endpoint.host, port: SocketAddress.localPort(of: fd))
    self.group = group
    self.acceptLoop = group.loops[0]
    self.onAccept = onAccept
    self.acceptLoop.execute { [self] in
      guard self.isOpen else { return }
      self.token = self.acceptLoop.register(fd: self.fd, events: [.readable], handler: self)
    }
  }

  /// Stops accepting and closes the socket. Connections already accepted are not affected.
  package func close() {
    self.acceptLoop.execute { [self] in
      guard self.isOpen else { return }
      self.isOpen = false
      if self.token != 0 { self.acceptLoop.deregister(fd: self.fd, token: self.token) }
      Glibc.close(self.fd)
    }
  }

  package func handleEvent(_ events: EventMask) {
    // Accept everything queued; the socket is non-blocking, so EAGAIN ends the round.
    for _ in 0..<256 {
      let connectionFD = CPlatform_accept4(self.fd, nil, nil)
      guard connectionFD >= 0 else { return }
      _ = CPlatform_set_nodelay(connectionFD)
      let loop = self.group.next()
      let connection = TCPConnection(fd: connectionFD, loop: loop)
      let onAccept = self.onAccept
      loop.execute { onAccept(connection) }
    }
  }
}
