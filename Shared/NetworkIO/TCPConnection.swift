internal import CPlatformShims
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Receives what happens on a connection. Called on the connection's loop thread only.
package protocol ConnectionDelegate: AnyObject {
  /// Bytes arrived. The buffer is valid only during the call.
  func connection(_ connection: TCPConnection, didRead bytes: UnsafeRawBufferPointer)
  /// The connection closed: by either side, or after an error (`error` non-nil). Called once.
  func connectionDidClose(_ connection: TCPConnection, error: NetworkError?)
}

/// A non-blocking TCP connection served by one event loop.
///
/// Reads are delivered to the delegate on the loop's thread. `send` may be called from any
/// thread: bytes are appended to an output buffer under a lock; on the loop thread they are
/// written once at the end of the loop iteration (so many small responses share one `write`),
/// elsewhere they are written at once. Slow peers are felt through `bufferedOutputBytes` and
/// `waitUntilWritable()`.
package final class TCPConnection: EventHandler, @unchecked Sendable {
  // @unchecked: `delegate`, `token` and `isActive` are touched on the loop thread only; the
  // output side is behind the `output` Mutex.

  private struct Output: ~Copyable {
    var buffer: [UInt8] = []
    var offset = 0
    var isClosed = false
    var closeWhenFlushed = false
    var isWaitingForWritable = false
    var isFlushScheduled = false
    var writableWaiters: [CheckedContinuation<Void, any Error>] = []
    /// The epoll registration; 0 until the connection is activated.
    var token: UInt64 = 0
    var pendingBytes: Int { self.buffer.count - self.offset }
  }

  /// The loop that serves this connection.
  package let loop: EventLoop
  /// The peer's address, for logs.
  package let peerDescription: String
  /// Buffered output on the loop thread is written at once past this size, instead of at the
  /// end of the iteration.
  /// 256 bytes is about eight small RPC responses: measured on 2 cores, unary calls over one
  /// connection went from 52k/s to 104k/s with 16 callers (BENCHMARKS.md).
  static let earlyFlushBytes = 256

  /// Output above this many buffered bytes makes `waitUntilWritable()` wait.
  package let highWaterMark = 1 << 20

  private let fd: Int32
  private let output = Mutex(Output())
  private var token: UInt64 = 0
  private var delegate: (any ConnectionDelegate)?
  private var isActive = false

  init(fd: Int32, loop: EventLoop) {
    self.fd = fd
    self.loop = loop
    self.peerDescription = SocketAddress.peerDescription(of: fd)
  }

  /// Starts reading and delivering events to `delegate`. On the connection's loop thread.
  package func activate(delegate: any ConnectionDelegate) {
    precondition(self.loop.inEventLoop)
    self.delegate = delegate
    self.isActive = true
    let token = self.loop.register(fd: self.fd, events: [.readable, .hangup], handler: self)
    self.token = token
    self.output.withLock { $0.token = token }
    // Output queued before activation (a client's first call) is flushed now.
    self.flush()
  }

  /// Bytes queued but not yet written to the socket.
  package var bufferedOutputBytes: Int { self.output.withLock { $0.pendingBytes } }

  /// Whether the connection has closed.
  package var isClosed: Bool { self.output.withLock { $0.isClosed } }

  /// Queues bytes for the peer. Any thread.
  /// - Parameter write: appends the bytes to the output buffer (called under the output lock,
  ///   so it must not block or call back into the connection).
  /// - Returns: false when the connection is already closed and nothing was queued.
  @discardableResult
  package func send(_ write: (inout [UInt8]) -> Void) -> Bool {
    let onLoop = self.loop.inEventLoop
    let scheduleFlush = self.output.withLock { state -> Bool? in
      guard !state.isClosed, !state.closeWhenFlushed else { return nil }
      write(&state.buffer)
      if state.isWaitingForWritable { return false }
      if onLoop {
        // Batch small writes until the end of the loop iteration, but not too many: the peer
        // starts on the first part of a batch while this side prepares the rest.
        if state.pendingBytes >= Self.earlyFlushBytes {
          self.flushLocked(&state)
          return false
        }
        if state.isFlushScheduled { return false }
        state.isFlushScheduled = true
        return true
      }
      self.flushLocked(&state)
      return false
    }
    guard let scheduleFlush else { return false }
    if scheduleFlush {
      self.loop.executeAtEndOfIteration { [self] in self.flush() }
    }
    return true
  }

  /// Waits until buffered output falls below the high-water mark.
  /// - Throws: `NetworkError.connectionClosed` when the connection closes first.
  package func waitUntilWritable() async throws {
    try await withCheckedThrowingContinuation {
      (continuation: CheckedContinuation<Void, any Error>) in
      let ready = self.output.withLock { state -> Result<Void, any Error>? in
        if state.isClosed {
          return .failure(
            NetworkError(code: .connectionClosed, message: "the connection is closed"))
        }
        if state.pendingBytes < self.highWaterMark { return .success(()) }
        state.writableWaiters.append(continuation)
        return nil
      }
      if let ready { continuation.resume(with: ready) }
    }
  }

  /// Closes the connection at once, dropping unsent output. Any thread.
  package func close() {
    if self.loop.inEventLoop {
      self.closeOnLoop(error: nil)
    } else {
      self.loop.execute { [self] in self.closeOnLoop(error: nil) }
    }
  }

  /// Closes the connection once buffered output has been written. Any thread.
  package func closeAfterFlush() {
    let closeNow = self.output.withLock { state -> Bool in
      state.closeWhenFlushed = true
      return state.pendingBytes == 0
    }
    if closeNow { self.close() }
  }

  package func handleEvent(_ events: EventMask) {
    if events.contains(.writable) { self.flush() }
    if events.contains(.readable) || events.contains(.error) || events.contains(.hangup) {
      self.readOnce()
    }
  }

  private func readOnce() {
    guard self.isActive else { return }
    let buffer = self.loop.readBuffer
    let count = Glibc.read(self.fd, buffer.baseAddress, buffer.count)
    if count > 0 {
      self.delegate?.connection(self, didRead: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
    } else if count == 0 {
      self.closeOnLoop(error: nil)
    } else if errno != EAGAIN && errno != EINTR {
      self.closeOnLoop(error: .system(.ioFailed, "read from \(self.peerDescription)"))
    }
  }

  private func flush() {
    let failed = self.output.withLock { state -> NetworkError? in
      state.isFlushScheduled = false
      return self.flushLocked(&state)
    }
    if let failed { self.closeOnLoopOrLater(error: failed) }
  }

  /// Writes what the socket takes. Returns an error when the socket failed.
  @discardableResult
  private func flushLocked(_ state: inout Output) -> NetworkError? {
    // Before activation (a client connection still being set up) output waits in the buffer.
    guard !state.isClosed, state.token != 0 else { return nil }
    while state.pendingBytes > 0 {
      let written = state.buffer.withUnsafeBytes { bytes in
        Glibc.send(
          self.fd, bytes.baseAddress! + state.offset, state.pendingBytes, Int32(MSG_NOSIGNAL))
      }
      if written > 0 {
        state.offset += written
      } else if written < 0 && errno == EINTR {
        continue
      } else if written < 0 && errno == EAGAIN {
        if !state.isWaitingForWritable {
          state.isWaitingForWritable = true
          self.loop.modify(
            fd: self.fd, token: state.token, events: [.readable, .writable, .hangup])
        }
        return nil
      } else {
        return .system(.ioFailed, "write to \(self.peerDescription)")
      }
    }
    if state.buffer.capacity > 4 << 20 {
      state.buffer = []
    } else {
      state.buffer.removeAll(keepingCapacity: true)
    }
    state.offset = 0
    if state.isWaitingForWritable {
      state.isWaitingForWritable = false
      self.loop.modify(fd: self.fd, token: state.token, events: [.readable, .hangup])
    }
    if !state.writableWaiters.isEmpty {
      let waiters = state.writableWaiters
      state.writableWaiters.removeAll()
      for waiter in waiters { waiter.resume() }
    }
    if state.closeWhenFlushed {
      self.loop.execute { [self] in self.closeOnLoop(error: nil) }
    }
    return nil
  }

  private func closeOnLoopOrLater(error: NetworkError) {
    if self.loop.inEventLoop {
      self.closeOnLoop(error: error)
    } else {
      self.loop.execute { [self] in self.closeOnLoop(error: error) }
    }
  }

  private func closeOnLoop(error: NetworkError?) {
    let waiters = self.output.withLock { state -> [CheckedContinuation<Void, any Error>]? in
      guard !state.isClosed else { return nil }
      state.isClosed = true
      state.buffer = []
      state.offset = 0
      defer { state.writableWaiters.removeAll() }
      return state.writableWaiters
    }
    guard let waiters else { return }
    for waiter in waiters {
      waiter.resume(
        throwing: NetworkError(code: .connectionClosed, message: "the connection closed"))
    }
    if self.token != 0 { self.loop.deregister(fd: self.fd, token: self.token) }
    Glibc.close(self.fd)
    let delegate = self.delegate
    self.delegate = nil
    self.isActive = false
    delegate?.connectionDidClose(self, error: error)
  }

  deinit {
    if !self.output.withLock({ $0.isClosed }) { Glibc.close(self.fd) }
  }
}

// MARK: - Connecting

extension TCPConnection {
  /// Opens a connection to `endpoint`, served by `loop`.
  ///
  /// The connection is returned inactive: call `activate(delegate:)` on its loop to start
  /// reading. Bytes sent before that are queued.
  /// - Throws: `NetworkError` when the host does not resolve, refuses, or does not answer
  ///   within `timeout`.
  package static func connect(
    to endpoint: HostAndPort, on loop: EventLoop, timeout: Duration = .seconds(5)
  ) async throws -> TCPConnection {
    let addresses = try SocketAddress.resolve(endpoint, passive: false)
    var lastError = NetworkError(code: .connectFailed, message: "no address for \(endpoint)")
    for address in addresses {
      do {
        let fd = try await Self.connectOne(
          address, endpoint: endpoint, loop: loop, timeout: timeout)
        _ = CPlatform_set_nodelay(fd)
        return TCPConnection(fd: fd, loop: loop)
      } catch let error as NetworkError {
        lastError = error
      }
    }
    throw lastError
  }

  private static func connectOne(
    _ address: (family: Int32, storage: sockaddr_storage, length: socklen_t),
    endpoint: HostAndPort, loop: EventLoop, timeout: Duration
  ) async throws -> Int32 {
    let fd = socket(
      address.family,
      Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { throw NetworkError.system(.connectFailed, "socket") }
    var storage = address.storage
    let status = withUnsafePointer(to: &storage) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, address.length) }
    }
    if status == 0 { return fd }
    guard errno == EINPROGRESS else {
      let error = NetworkError.system(.connectFailed, "connect to \(endpoint)")
      Glibc.close(fd)
      throw error
    }
    let waiter = ConnectWaiter(fd: fd, endpoint: endpoint, loop: loop)
    return try await waiter.wait(timeout: timeout)
  }
}

/// Waits on the loop for a non-blocking connect to finish.
private final class ConnectWaiter: EventHandler, @unchecked Sendable {
  // @unchecked: `continuation` and `token` are touched on the loop thread only.
  let fd: Int32
  let endpoint: HostAndPort
  let loop: EventLoop
  var token: UInt64 = 0
  var timerID: UInt64 = 0
  var continuation: CheckedContinuation<Int32, any Error>?

  init(fd: Int32, endpoint: HostAndPort, loop: EventLoop) {
    self.fd = fd
    self.endpoint = endpoint
    self.loop = loop
  }

  func wait(timeout: Duration) async throws -> Int32 {
    try await withCheckedThrowingContinuation { continuation in
      self.loop.execute { [self] in
        self.continuation = continuation
        self.token = self.loop.register(fd: self.fd, events: [.writable], handler: self)
        let deadline = DispatchTime.now().uptimeNanoseconds + timeout.nanoseconds
        self.timerID = self.loop.scheduleTimer(atUptimeNanoseconds: deadline) { [self] in
          self.finish(
            .failure(
              NetworkError(code: .timedOut, message: "connect to \(self.endpoint) timed out")))
        }
      }
    }
  }

  func handleEvent(_ events: EventMask) {
    var error: Int32 = 0
    var length = socklen_t(MemoryLayout<Int32>.size)
    getsockopt(self.fd, SOL_SOCKET, SO_ERROR, &error, &length)
    if error == 0 {
      self.finish(.success(self.fd))
    } else {
      self.finish(
        .failure(NetworkError.system(.connectFailed, "connect to \(self.endpoint)", errno: error)))
    }
  }

  private func finish(_ result: Result<Int32, NetworkError>) {
    guard let continuation = self.continuation else { return }
    self.continuation = nil
    self.loop.cancelTimer(self.timerID)
    self.loop.deregister(fd: self.fd, token: self.token)
    if case .failure = result { Glibc.close(self.fd) }
    continuation.resume(with: result.mapError { $0 as any Error })
  }
}

extension Duration {
  /// The duration in whole nanoseconds, clamped at zero.
  package var nanoseconds: UInt64 {
    let (seconds, attoseconds) = self.components
    guard seconds >= 0 else { return 0 }
    return UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
  }
}
