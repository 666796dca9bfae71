internal import CPlatformShims
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A host and TCP port, such as `127.0.0.1:7001`.
package struct HostAndPort: Hashable, Sendable, CustomStringConvertible {
  /// A host name or an IPv4/IPv6 address.
  package var host: String
  /// The TCP port; 0 asks the system for a free port when listening.
  package var port: Int

  /// Creates an endpoint.
  package init(host: String, port: Int) {
    self.host = host
    self.port = port
  }

  /// Parses `host:port` or `[ipv6]:port`; nil when the text is not such an address.
  ///
  /// The host must be non-empty and contain no whitespace; an IPv6 host must be bracketed (its
  /// last group would otherwise read as a port); the port is a decimal number from 0 to 65535.
  package init?(parsing text: String) {
    let host: Substring
    let portText: Substring
    if text.hasPrefix("[") {
      guard let close = text.firstIndex(of: "]") else { return nil }
      host = text[text.index(after: text.startIndex)..<close]
      let rest = text[text.index(after: close)...]
      guard rest.hasPrefix(":"), host.contains(":") else { return nil }
      portText = rest.dropFirst()
    } else {
      guard let colon = text.lastIndex(of: ":") else { return nil }
      host = text[..<colon]
      portText = text[text.index(after: colon)...]
      guard !host.contains(":") else { return nil }
    }
    guard !host.isEmpty, !host.contains(where: { $0.isWhitespace || $0 == "/" }),
      !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
      let port = UInt16(portText)
    else { return nil }
    self.host = String(host)
    self.port = Int(port)
  }

  package var description: String {
    self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)"
  }
}

/// Why a socket operation failed.
package struct NetworkError: Error, Hashable, Sendable, CustomStringConvertible {
  /// What failed.
  package struct Code: Hashable, Sendable {
    private enum Wrapped { case resolve, bind, connect, closed, timeout, io }
    private let wrapped: Wrapped
    /// The host name could not be resolved.
    package static let resolveFailed = Self(wrapped: .resolve)
    /// The address could not be bound (in use, not allowed).
    package static let bindFailed = Self(wrapped: .bind)
    /// The peer could not be reached.
    package static let connectFailed = Self(wrapped: .connect)
    /// The connection is closed.
    package static let connectionClosed = Self(wrapped: .closed)
    /// The operation took longer than allowed.
    package static let timedOut = Self(wrapped: .timeout)
    /// A read or write failed.
    package static let ioFailed = Self(wrapped: .io)
  }
  /// What failed.
  package var code: Code
  /// What happened, with the address and the system's reason.
  package var message: String
  package var description: String { self.message }

  static func system(_ code: Code, _ what: String, errno number: Int32 = errno) -> NetworkError {
    NetworkError(code: code, message: "\(what): \(String(cString: strerror(number)))")
  }
}

/// Resolved socket addresses, and the raw calls that use them.
enum SocketAddress {
  /// Resolves `endpoint` to socket addresses (IPv4 and IPv6), in the resolver's order.
  static func resolve(_ endpoint: HostAndPort, passive: Bool) throws(NetworkError) -> [(
    family: Int32, storage: sockaddr_storage, length: socklen_t
  )] {
    var hints = addrinfo()
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    hints.ai_family = AF_UNSPEC
    hints.ai_flags = passive ? AI_PASSIVE | AI_NUMERICSERV : AI_NUMERICSERV
    var list: UnsafeMutablePointer<addrinfo>?
    let status = getaddrinfo(endpoint.host, String(endpoint.port), &hints, &list)
    guard status == 0, let first = list else {
      throw NetworkError(
        code: .resolveFailed,
        message: "cannot resolve \(endpoint.host): \(String(cString: gai_strerror(status)))")
    }
    defer { freeaddrinfo(first) }
    var results: [(Int32, sockaddr_storage, socklen_t)] = []
    var cursor: UnsafeMutablePointer<addrinfo>? = first
    while let entry = cursor {
      var storage = sockaddr_storage()
      withUnsafeMutableBytes(of: &storage) { target in
        target.copyMemory(
          from: UnsafeRawBufferPointer(
            start: entry.pointee.ai_addr, count: Int(entry.pointee.ai_addrlen)))
      }
      results.append((entry.pointee.ai_family, storage, entry.pointee.ai_addrlen))
      cursor = entry.pointee.ai_next
    }
    return results
  }

  /// The local port a bound socket listens on.
  static func localPort(of fd: Int32) -> Int {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    _ = withUnsafeMutablePointer(to: &storage) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return port(of: storage)
  }

  /// A printable peer address of a connected socket.
  static func peerDescription(of fd: Int32) -> String {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let status = withUnsafeMutablePointer(to: &storage) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) }
    }
    guard status == 0 else { return "unknown" }
    var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
    let result = withUnsafePointer(to: &storage) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        getnameinfo($0, length, &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST)
      }
    }
    guard result == 0 else { return "unknown" }
    let name = host.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    return HostAndPort(host: name, port: port(of: storage)).description
  }

  private static func port(of storage: sockaddr_storage) -> Int {
    var storage = storage
    switch Int32(storage.ss_family) {
    case AF_INET:
      return withUnsafePointer(to: &storage) {
        $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
          Int(UInt16(bigEndian: $0.pointee.sin_port))
        }
      }
    case AF_INET6:
      return withUnsafePointer(to: &storage) {
        $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
          Int(UInt16(bigEndian: $0.pointee.sin6_port))
        }
      }
    default:
      return 0
    }
  }
}
