/// The byte-level logic of one HTTP/1.1 server connection, without the socket: bytes in,
/// response bytes out, and whether to close.
///
/// Requests are answered one at a time in arrival order (pipelining keeps order). After a
/// response with `Connection: close`, or a parse error (answered with its status and
/// `Connection: close`), the connection is finished and further input is ignored. A socket
/// loop calls ``receive(_:)`` with each read, writes ``Output/bytes``, and closes when
/// ``Output/shouldClose`` is true or the peer closes. One per connection; not `Sendable`.
package struct HTTPConnectionHandler {
  /// What to write after a read.
  package struct Output: Sendable {
    /// Response bytes to write, in order; may be empty.
    package var bytes: [UInt8] = []
    /// Whether to close the connection after writing `bytes`.
    package var shouldClose = false
  }

  private let router: HTTPRouter
  private var parser: HTTPRequestParser
  private var isFinished = false

  /// Creates the handler for one connection.
  /// - Parameters:
  ///   - router: Answers the requests.
  ///   - limits: The parser's size limits.
  package init(router: HTTPRouter, limits: HTTPRequestParser.Limits = .init()) {
    self.router = router
    self.parser = HTTPRequestParser(limits: limits)
  }

  /// Whether the connection is done; further input is ignored.
  package var finished: Bool { self.isFinished }

  /// Handles bytes read from the peer.
  /// - Parameter bytes: The bytes, in order.
  /// - Returns: The bytes to write and whether to close afterwards.
  package mutating func receive(_ bytes: some Sequence<UInt8>) async -> Output {
    var output = Output()
    guard !self.isFinished else {
      output.shouldClose = true
      return output
    }
    self.parser.append(bytes)
    while true {
      let request: HTTPRequest
      do {
        guard let next = try self.parser.nextRequest() else { break }
        request = next
      } catch {
        output.bytes += HTTPResponse.error(error).serialized(keepAlive: false)
        self.isFinished = true
        output.shouldClose = true
        return output
      }
      let response = await self.router.respond(to: request)
      let keepAlive = request.keepAlive
      output.bytes += response.serialized(
        version: request.version, keepAlive: keepAlive, includeBody: request.method != .head)
      if !keepAlive {
        self.isFinished = true
        output.shouldClose = true
        return output
      }
    }
    if self.parser.takeContinueRequest() {
      output.bytes += Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
    }
    return output
  }

  /// Handles the peer closing its side: a half-received request is answered with 400.
  /// - Returns: The bytes to write (possibly none); the connection should then close.
  package mutating func receiveEndOfInput() -> Output {
    var output = Output(shouldClose: true)
    if !self.isFinished && self.parser.hasPartialRequest {
      output.bytes = HTTPResponse.error(
        HTTPError(status: .badRequest, message: "the request was truncated")
      ).serialized(keepAlive: false)
    }
    self.isFinished = true
    return output
  }
}
