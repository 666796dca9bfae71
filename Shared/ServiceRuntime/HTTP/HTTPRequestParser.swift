/// An incremental HTTP/1.0 and HTTP/1.1 request parser, independent of any socket.
///
/// Feed bytes as they arrive with ``append(_:)`` and take complete requests with
/// ``nextRequest()`` until it returns `nil`; pipelined requests come out one by one, in order.
/// Work is linear in the input however it is split: a partial line is scanned once.
///
/// Framing follows RFC 9112: `Content-Length` bodies, `chunked` bodies (extensions ignored,
/// trailers discarded), no body otherwise. Limits are checked before bytes are buffered
/// beyond them. Errors carry the status to answer with before closing the connection:
///
/// | problem | status |
/// |---|---|
/// | malformed request line, header, chunk or framing; missing `Host` in HTTP/1.1; `Content-Length` with `Transfer-Encoding` | 400 |
/// | body over ``Limits/maxBodyBytes`` | 413 |
/// | request line over ``Limits/maxRequestLineBytes`` | 414 |
/// | head over ``Limits/maxHeaderBytes`` or more than ``Limits/maxHeaderCount`` fields | 431 |
/// | a transfer coding other than `chunked` | 501 |
/// | a version other than HTTP/1.0 and HTTP/1.1 | 505 |
///
/// After an error the parser stays failed: the connection cannot be resynchronised.
/// One per connection; not `Sendable`.
package struct HTTPRequestParser {
  /// Size limits; a request over any of them fails with the status listed above.
  package struct Limits: Sendable {
    /// Bytes in the request line, line ending excluded.
    package var maxRequestLineBytes: Int
    /// Bytes in the request line and all header lines together (and in chunked trailers).
    package var maxHeaderBytes: Int
    /// Header fields in one request (and trailer fields).
    package var maxHeaderCount: Int
    /// Bytes of body, after de-chunking.
    package var maxBodyBytes: Int

    /// Creates limits.
    /// - Parameters:
    ///   - maxRequestLineBytes: Bytes in the request line; 8 KiB by default.
    ///   - maxHeaderBytes: Bytes in the head; 16 KiB by default.
    ///   - maxHeaderCount: Header fields; 100 by default.
    ///   - maxBodyBytes: Body bytes; 1 MiB by default.
    package init(
      maxRequestLineBytes: Int = 8 * 1024, maxHeaderBytes: Int = 16 * 1024,
      maxHeaderCount: Int = 100, maxBodyBytes: Int = 1024 * 1024
    ) {
      self.maxRequestLineBytes = maxRequestLineBytes
      self.maxHeaderBytes = maxHeaderBytes
      self.maxHeaderCount = maxHeaderCount
      self.maxBodyBytes = maxBodyBytes
    }
  }

  private enum State {
    case requestLine
    case headers
    case body(remaining: Int)
    case chunkSize
    case chunkData(remaining: Int)
    case chunkDataEnd
    case trailers
    case failed(HTTPError)
  }

  /// The request being parsed; kept outside `State` so the body grows in place.
  private struct Head {
    var method: HTTPMethod
    var target: String
    var version: HTTPVersion
    var headers: HTTPHeaders = [:]
    var body: [UInt8] = []
    var headBytes: Int
    var trailerCount = 0
  }

  /// A chunk-size line longer than this (extensions included) is malformed.
  private static let maxChunkSizeLineBytes = 4096

  /// The limits in force.
  package let limits: Limits
  private var buffer: [UInt8] = []
  private var readIndex = 0
  /// Where the search for the next line feed resumes, so partial lines are scanned once.
  private var scanIndex = 0
  private var state = State.requestLine
  /// Non-nil in every state from `.headers` until the request is finished.
  private var current: Head?
  private var continuePending = false

  /// Creates a parser.
  /// - Parameter limits: The size limits.
  package init(limits: Limits = Limits()) {
    self.limits = limits
  }

  /// Buffers received bytes. Bytes after a failure are dropped.
  /// - Parameter bytes: The bytes, in the order received.
  package mutating func append(_ bytes: some Sequence<UInt8>) {
    if case .failed = self.state { return }
    if self.readIndex > 4096 && self.readIndex * 2 > self.buffer.count {
      self.buffer.removeFirst(self.readIndex)
      self.scanIndex -= self.readIndex
      self.readIndex = 0
    }
    self.buffer.append(contentsOf: bytes)
  }

  /// Whether bytes of an unfinished request are buffered; a peer that closes now has sent a
  /// truncated request.
  package var hasPartialRequest: Bool {
    if case .requestLine = self.state { return self.readIndex < self.buffer.count }
    if case .failed = self.state { return false }
    return true
  }

  /// Returns `true` once when the request being received has a complete head with
  /// `Expect: 100-continue` and its body has not arrived: the connection should write
  /// `HTTP/1.1 100 Continue` so the client sends the body.
  /// - Returns: Whether to send `100 Continue` now.
  package mutating func takeContinueRequest() -> Bool {
    defer { self.continuePending = false }
    return self.continuePending
  }

  /// Parses the next complete request from the buffered bytes.
  /// - Returns: The request, or `nil` when more bytes are needed.
  /// - Throws: ``HTTPError`` with the status to answer with; the parser then stays failed.
  package mutating func nextRequest() throws(HTTPError) -> HTTPRequest? {
    if case .failed(let error) = self.state { throw error }
    do {
      return try self.parse()
    } catch {
      self.state = .failed(error)
      self.current = nil
      throw error
    }
  }

  // MARK: - State machine

  private mutating func parse() throws(HTTPError) -> HTTPRequest? {
    while true {
      switch self.state {
      case .failed(let error):
        throw error
      case .requestLine:
        guard
          let line = try self.readLine(
            limit: self.limits.maxRequestLineBytes,
            error: HTTPError(status: .uriTooLong, message: "the request line is too long"))
        else { return nil }
        // RFC 9112 §2.2: ignore empty lines before a request line.
        if line.isEmpty { continue }
        if line.count + 2 > self.limits.maxHeaderBytes { throw Self.headTooLarge }
        self.current = try Self.parseRequestLine(line)
        self.state = .headers
      case .headers:
        guard let line = try self.readHeaderLine() else { return nil }
        if line.isEmpty {
          if let request = try self.finishHead() { return request }
          continue
        }
        try self.current!.headers.add(Self.parseHeaderLine(line))
        if self.current!.headers.count > self.limits.maxHeaderCount {
          throw HTTPError(
            status: .requestHeaderFieldsTooLarge,
            message: "more than \(self.limits.maxHeaderCount) header fields")
        }
      case .body(let remaining):
        let take = min(remaining, self.buffer.count - self.readIndex)
        guard take > 0 else { return nil }
        self.consumeBody(take)
        if remaining == take { return self.finishRequest() }
        self.state = .body(remaining: remaining - take)
      case .chunkSize:
        guard
          let line = try self.readLine(
            limit: Self.maxChunkSizeLineBytes,
            error: HTTPError(status: .badRequest, message: "a chunk-size line is too long"))
        else { return nil }
        let size = try Self.parseChunkSize(line)
        if size > self.limits.maxBodyBytes - self.current!.body.count {
          throw Self.bodyTooLarge(self.limits.maxBodyBytes)
        }
        self.state = size == 0 ? .trailers : .chunkData(remaining: size)
      case .chunkData(let remaining):
        let take = min(remaining, self.buffer.count - self.readIndex)
        guard take > 0 else { return nil }
        self.consumeBody(take)
        self.state = remaining == take ? .chunkDataEnd : .chunkData(remaining: remaining - take)
      case .chunkDataEnd:
        guard
          let line = try self.readLine(
            limit: 0,
            error: HTTPError(status: .badRequest, message: "chunk data is longer than its size"))
        else { return nil }
        guard line.isEmpty else {
          throw HTTPError(status: .badRequest, message: "chunk data is longer than its size")
        }
        self.state = .chunkSize
      case .trailers:
        guard let line = try self.readHeaderLine() else { return nil }
        if line.isEmpty { return self.finishRequest() }
        // Trailer fields are checked like header fields, then dropped: nothing here needs them.
        _ = try Self.parseHeaderLine(line)
        self.current!.trailerCount += 1
        if self.current!.trailerCount > self.limits.maxHeaderCount {
          throw HTTPError(
            status: .requestHeaderFieldsTooLarge,
            message: "more than \(self.limits.maxHeaderCount) trailer fields")
        }
      }
    }
  }

  private static let headTooLarge = HTTPError(
    status: .requestHeaderFieldsTooLarge, message: "the request head is too large")

  private static func bodyTooLarge(_ limit: Int) -> HTTPError {
    HTTPError(status: .contentTooLarge, message: "the body is larger than \(limit) bytes")
  }

  /// Reads a header or trailer line, counting it against the head limit.
  private mutating func readHeaderLine() throws(HTTPError) -> ArraySlice<UInt8>? {
    let used = self.current!.headBytes
    let room = max(0, self.limits.maxHeaderBytes - used - 2)
    guard let line = try self.readLine(limit: room, error: Self.headTooLarge) else { return nil }
    self.current!.headBytes += line.count + 2
    return line
  }

  /// Returns the next line without its CRLF (or bare LF), or `nil` when no full line is
  /// buffered. Throws `error` as soon as the line is known to be longer than `limit` bytes.
  private mutating func readLine(
    limit: Int, error: HTTPError
  ) throws(HTTPError) -> ArraySlice<UInt8>? {
    let end = self.buffer.count
    var index = self.scanIndex
    while index < end && self.buffer[index] != 0x0A { index += 1 }
    guard index < end else {
      self.scanIndex = end
      // One byte of slack for a CR whose LF has not arrived yet.
      if end - self.readIndex > limit + 1 { throw error }
      return nil
    }
    var line = self.buffer[self.readIndex..<index]
    if line.last == 0x0D { line = line.dropLast() }
    if line.count > limit { throw error }
    self.readIndex = index + 1
    self.scanIndex = self.readIndex
    return line
  }

  private mutating func consumeBody(_ count: Int) {
    self.current!.body.append(contentsOf: self.buffer[self.readIndex..<(self.readIndex + count)])
    self.readIndex += count
    self.scanIndex = self.readIndex
  }

  /// Decides the body framing once the head is complete; returns the request if it has no body.
  private mutating func finishHead() throws(HTTPError) -> HTTPRequest? {
    let head = self.current!
    let headers = head.headers
    if head.version == .http1_1 {
      let hosts = headers.values(for: "Host")
      guard hosts.count == 1 else {
        throw HTTPError(
          status: .badRequest,
          message: hosts.isEmpty
            ? "HTTP/1.1 requests need a Host header" : "more than one Host header")
      }
    }
    let codings = headers.tokens(for: "Transfer-Encoding")
    let lengths = headers.values(for: "Content-Length")
    if headers.contains("Transfer-Encoding") {
      // Both framings at once is how requests are smuggled past proxies (RFC 9112 §6.3).
      guard lengths.isEmpty else {
        throw HTTPError(
          status: .badRequest, message: "Content-Length and Transfer-Encoding together")
      }
      guard head.version == .http1_1 else {
        throw HTTPError(status: .badRequest, message: "Transfer-Encoding in an HTTP/1.0 request")
      }
      guard codings.allSatisfy({ $0 == "chunked" }) else {
        throw HTTPError(
          status: .notImplemented, message: "only the chunked transfer coding is supported")
      }
      guard codings == ["chunked"] else {
        throw HTTPError(status: .badRequest, message: "malformed Transfer-Encoding")
      }
      self.noteExpectation(headers)
      self.state = .chunkSize
      return nil
    }
    if !lengths.isEmpty {
      let length = try Self.parseContentLength(lengths)
      if length > self.limits.maxBodyBytes { throw Self.bodyTooLarge(self.limits.maxBodyBytes) }
      if length > 0 {
        self.noteExpectation(headers)
        self.state = .body(remaining: length)
        return nil
      }
    }
    return self.finishRequest()
  }

  private mutating func noteExpectation(_ headers: HTTPHeaders) {
    if self.current!.version == .http1_1,
      headers.tokens(for: "Expect").contains("100-continue"),
      self.readIndex == self.buffer.count
    {
      self.continuePending = true
    }
  }

  private mutating func finishRequest() -> HTTPRequest {
    let head = self.current!
    self.current = nil
    self.state = .requestLine
    self.continuePending = false
    return HTTPRequest(
      method: head.method, target: head.target, version: head.version, headers: head.headers,
      body: head.body)
  }

  // MARK: - Line grammar

  /// `tchar` of RFC 9110 §5.6.2: the characters of methods and field names.
  private static func isTokenByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
      UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "!"), UInt8(ascii: "#"),
      UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
      UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
      UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"),
      UInt8(ascii: "~"):
      return true
    default:
      return false
    }
  }

  private static func parseRequestLine(_ line: ArraySlice<UInt8>) throws(HTTPError) -> Head {
    let parts = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
    guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy(Self.isTokenByte),
      !parts[1].isEmpty, parts[1].allSatisfy({ $0 > 0x20 && $0 < 0x7F })
    else {
      throw HTTPError(status: .badRequest, message: "malformed request line")
    }
    let version = parts[2]
    guard version.count == 8, version.starts(with: "HTTP/".utf8),
      version[version.startIndex + 6] == UInt8(ascii: "."),
      let major = Self.digit(version[version.startIndex + 5]),
      let minor = Self.digit(version[version.startIndex + 7])
    else {
      throw HTTPError(status: .badRequest, message: "malformed HTTP version")
    }
    guard major == 1 && minor <= 1 else {
      throw HTTPError(
        status: .httpVersionNotSupported, message: "only HTTP/1.0 and HTTP/1.1 are supported")
    }
    return Head(
      method: HTTPMethod(rawValue: String(decoding: parts[0], as: UTF8.self)),
      target: String(decoding: parts[1], as: UTF8.self),
      version: HTTPVersion(major: major, minor: minor), headBytes: line.count + 2)
  }

  private static func digit(_ byte: UInt8) -> Int? {
    byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
  }

  private static func parseHeaderLine(
    _ line: ArraySlice<UInt8>
  ) throws(HTTPError) -> (name: String, value: String) {
    guard let first = line.first, first != UInt8(ascii: " "), first != UInt8(ascii: "\t") else {
      throw HTTPError(status: .badRequest, message: "obsolete line folding in a header")
    }
    guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
      throw HTTPError(status: .badRequest, message: "a header line has no colon")
    }
    let name = line[..<colon]
    guard !name.isEmpty, name.allSatisfy(Self.isTokenByte) else {
      throw HTTPError(status: .badRequest, message: "malformed header name")
    }
    var value = line[(colon + 1)...]
    while let byte = value.first, byte == 0x20 || byte == 0x09 { value = value.dropFirst() }
    while let byte = value.last, byte == 0x20 || byte == 0x09 { value = value.dropLast() }
    // Field values may hold visible characters, spaces, tabs and obs-text; no other controls.
    guard !value.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) else {
      throw HTTPError(status: .badRequest, message: "a control character in a header value")
    }
    return (String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
  }

  private static func parseContentLength(_ values: [String]) throws(HTTPError) -> Int {
    // The common case: one plain decimal value.
    if values.count == 1, let value = values.first, !value.isEmpty, value.utf8.count <= 18,
      value.utf8.allSatisfy({ Self.digit($0) != nil }), let length = Int(value)
    {
      return length
    }
    // Several identical values (or a list of them) are allowed; anything else is an error.
    let elements = values.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
      .map { $0.trimmingSpacesAndTabs() }
    guard let first = elements.first, elements.allSatisfy({ $0 == first }), !first.isEmpty,
      first.utf8.count <= 18, first.utf8.allSatisfy({ Self.digit($0) != nil }),
      let length = Int(first)
    else {
      throw HTTPError(status: .badRequest, message: "malformed Content-Length")
    }
    return length
  }

  private static func parseChunkSize(_ line: ArraySlice<UInt8>) throws(HTTPError) -> Int {
    var digits = line
    if let semicolon = line.firstIndex(of: UInt8(ascii: ";")) { digits = line[..<semicolon] }
    while let byte = digits.last, byte == 0x20 || byte == 0x09 { digits = digits.dropLast() }
    guard !digits.isEmpty else {
      throw HTTPError(status: .badRequest, message: "malformed chunk size")
    }
    // Skip leading zeros so that only significant digits count towards overflow.
    while digits.count > 1, digits.first == UInt8(ascii: "0") { digits = digits.dropFirst() }
    guard digits.count <= 15 else {
      throw HTTPError(status: .contentTooLarge, message: "a chunk is too large")
    }
    var size = 0
    for byte in digits {
      guard let value = PercentEncoding.hexValue(byte) else {
        throw HTTPError(status: .badRequest, message: "malformed chunk size")
      }
      size = size << 4 | Int(value)
    }
    return size
  }
}

extension HTTPHeaders {
  fileprivate mutating func add(_ field: (name: String, value: String)) {
    self.add(name: field.name, value: field.value)
  }
}
