import Testing

@testable import ServiceRuntime

@Suite("HTTP request parser")
struct HTTPRequestParserTests {
  /// Feeds `chunks` in order and collects every request; rethrows the first error.
  static func parse(
    _ chunks: [ArraySlice<UInt8>], limits: HTTPRequestParser.Limits = .init()
  ) throws(HTTPError) -> [HTTPRequest] {
    var parser = HTTPRequestParser(limits: limits)
    var requests: [HTTPRequest] = []
    for chunk in chunks {
      parser.append(chunk)
      while let request = try parser.nextRequest() { requests.append(request) }
    }
    #expect(!parser.hasPartialRequest)
    return requests
  }

  static func parse(_ text: String) throws(HTTPError) -> [HTTPRequest] {
    try Self.parse([ArraySlice(text.utf8)])
  }

  static let getRequest =
    "GET /v1/models/a%20b?limit=5&q=x+y HTTP/1.1\r\nHost: localhost\r\nUser-Agent: t\r\n"
    + "Accept:  */* \t\r\n\r\n"
  static let postRequest =
    "POST /v2/models/m/infer HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
    + "Content-Length: 13\r\n\r\n{\"inputs\":[]}"
  static let chunkedRequest =
    "PUT /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
    + "5;name=value\r\nhello\r\n000007\r\n, world\r\n0\r\nChecksum: abc\r\n\r\n"
  static let http10Request = "GET / HTTP/1.0\r\n\r\n"
  static let bareLineFeeds = "DELETE /x HTTP/1.1\nHost: h\nContent-Length: 2\n\nok"

  static let expected: [String: [HTTPRequest]] = [
    getRequest: [
      HTTPRequest(
        method: .get, target: "/v1/models/a%20b?limit=5&q=x+y",
        headers: ["Host": "localhost", "User-Agent": "t", "Accept": "*/*"])
    ],
    postRequest: [
      HTTPRequest(
        method: .post, target: "/v2/models/m/infer",
        headers: ["Host": "h", "Content-Type": "application/json", "Content-Length": "13"],
        body: Array(#"{"inputs":[]}"#.utf8))
    ],
    chunkedRequest: [
      HTTPRequest(
        method: .put, target: "/upload", headers: ["Host": "h", "Transfer-Encoding": "chunked"],
        body: Array("hello, world".utf8))
    ],
    http10Request: [HTTPRequest(method: .get, target: "/", version: .http1_0)],
    bareLineFeeds: [
      HTTPRequest(
        method: .delete, target: "/x", headers: ["Host": "h", "Content-Length": "2"],
        body: Array("ok".utf8))
    ],
    // Pipelined: three requests in one stream, with an empty line before the second.
    getRequest + "\r\n" + chunkedRequest + postRequest: [
      HTTPRequest(
        method: .get, target: "/v1/models/a%20b?limit=5&q=x+y",
        headers: ["Host": "localhost", "User-Agent": "t", "Accept": "*/*"]),
      HTTPRequest(
        method: .put, target: "/upload", headers: ["Host": "h", "Transfer-Encoding": "chunked"],
        body: Array("hello, world".utf8)),
      HTTPRequest(
        method: .post, target: "/v2/models/m/infer",
        headers: ["Host": "h", "Content-Type": "application/json", "Content-Length": "13"],
        body: Array(#"{"inputs":[]}"#.utf8)),
    ],
  ]

  @Test(
    "Requests parse the same in one piece, split at every byte, and byte by byte",
    arguments: Array(expected.keys))
  func everySplit(text: String) throws {
    let bytes = Array(text.utf8)
    let expected = try #require(Self.expected[text])
    #expect(try Self.parse([bytes[...]]) == expected)
    for split in 0...bytes.count {
      #expect(try Self.parse([bytes[..<split], bytes[split...]]) == expected, "split at \(split)")
    }
    #expect(try Self.parse(bytes.indices.map { bytes[$0...$0] }) == expected)
  }

  @Test("Path, query and decoded query items")
  func targetParts() throws {
    let request = try #require(try Self.parse(Self.getRequest).first)
    #expect(request.path == "/v1/models/a%20b")
    #expect(request.query == "limit=5&q=x+y")
    #expect(request.queryValue("limit") == "5")
    #expect(request.queryValue("q") == "x y")
    #expect(request.headers["accept"] == "*/*")
    let absolute = HTTPRequest(method: .get, target: "http://example.com:8080/p/q?x=1")
    #expect(absolute.path == "/p/q")
    #expect(absolute.query == "x=1")
    #expect(HTTPRequest(method: .get, target: "http://example.com").path == "/")
  }

  @Test(
    "Keep-alive follows the version and the Connection header",
    arguments: [
      ("GET / HTTP/1.1\r\nHost: h\r\n\r\n", true),
      ("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", false),
      ("GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, CLOSE\r\n\r\n", false),
      ("GET / HTTP/1.0\r\n\r\n", false),
      ("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true),
    ])
  func keepAlive(text: String, expected: Bool) throws {
    #expect(try Self.parse(text).first?.keepAlive == expected)
  }

  @Test(
    "Malformed or oversized requests fail with the right status",
    arguments: [
      ("GET /\r\n\r\n", 400),
      ("GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400),
      ("G(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400),
      ("GET / HTTP/1.1 extra\r\nHost: h\r\n\r\n", 400),
      ("GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", 400),
      ("GET / http/1.1\r\nHost: h\r\n\r\n", 400),
      ("GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505),
      ("GET / HTTP/1.2\r\nHost: h\r\n\r\n", 505),
      ("GET / HTTP/1.1\r\n\r\n", 400),
      ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
      ("GET / HTTP/1.1\r\nHost: h\r\nBad Name: x\r\n\r\n", 400),
      ("GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n", 400),
      ("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n folded\r\n\r\n", 400),
      ("GET / HTTP/1.1\r\nHost: h\r\nX: a\u{1}b\r\n\r\n", 400),
      ("GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n", 400),
      ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400),
      ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1x\r\n\r\n", 400),
      ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n", 400),
      ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n", 400),
      ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2000000\r\n\r\n", 413),
      (
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400
      ),
      ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
      ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400),
      ("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
      ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
      ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", 400),
      ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", 400),
      (
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n", 413
      ),
      ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n200000\r\n", 413),
    ])
  func errors(text: String, status: Int) {
    let bytes = Array(text.utf8)
    let whole = #expect(throws: HTTPError.self) { try Self.parse([bytes[...]]) }
    #expect(whole?.status.code == status, "\(whole?.message ?? "")")
    let byteByByte = #expect(throws: HTTPError.self) {
      try Self.parse(bytes.indices.map { bytes[$0...$0] })
    }
    #expect(byteByByte?.status.code == status)
  }

  @Test("Head limits fail before the head is complete")
  func headLimits() {
    let limits = HTTPRequestParser.Limits(
      maxRequestLineBytes: 64, maxHeaderBytes: 256, maxHeaderCount: 4, maxBodyBytes: 100)
    // A request line that never ends: 414 once it passes the limit, without waiting.
    var parser = HTTPRequestParser(limits: limits)
    parser.append(Array(("GET /" + String(repeating: "a", count: 70)).utf8))
    #expect(throws: HTTPError(status: .uriTooLong, message: "the request line is too long")) {
      try parser.nextRequest()
    }
    // The parser stays failed.
    parser.append(Array("GET / HTTP/1.1\r\n\r\n".utf8))
    #expect(throws: HTTPError.self) { try parser.nextRequest() }

    // A header that never ends: 431 once the head passes the limit.
    parser = HTTPRequestParser(limits: limits)
    parser.append(
      Array("GET / HTTP/1.1\r\nX: ".utf8) + Array(repeating: UInt8(ascii: "v"), count: 300))
    let error = #expect(throws: HTTPError.self) { try parser.nextRequest() }
    #expect(error?.status == .requestHeaderFieldsTooLarge)

    // Too many fields.
    let many = "GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n"
    let tooMany = #expect(throws: HTTPError.self) {
      try Self.parse([ArraySlice(many.utf8)], limits: limits)
    }
    #expect(tooMany?.status == .requestHeaderFieldsTooLarge)

    // Exactly at the limits is fine.
    let line = "GET /" + String(repeating: "a", count: 64 - "GET / HTTP/1.1".count) + " HTTP/1.1"
    #expect(line.utf8.count == 64)
    let exact = line + "\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"
    #expect((try? Self.parse([ArraySlice(exact.utf8)], limits: limits))?.count == 1)
  }

  @Test("Body limits apply to Content-Length and to the sum of chunks")
  func bodyLimits() throws {
    let limits = HTTPRequestParser.Limits(maxBodyBytes: 10)
    let exact = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789"
    #expect(try Self.parse([ArraySlice(exact.utf8)], limits: limits).first?.body.count == 10)
    let over = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n"
    let error = #expect(throws: HTTPError.self) {
      try Self.parse([ArraySlice(over.utf8)], limits: limits)
    }
    #expect(error?.status == .contentTooLarge)
    let chunks =
      "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n5\r\n"
    let chunked = #expect(throws: HTTPError.self) {
      try Self.parse([ArraySlice(chunks.utf8)], limits: limits)
    }
    #expect(chunked?.status == .contentTooLarge)
  }

  @Test("Expect: 100-continue is signalled once, only while the body is missing")
  func expectContinue() throws {
    var parser = HTTPRequestParser()
    parser.append(
      Array("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n".utf8))
    #expect(try parser.nextRequest() == nil)
    let first = parser.takeContinueRequest()
    let second = parser.takeContinueRequest()
    #expect(first && !second)
    #expect(parser.hasPartialRequest)
    parser.append(Array("hi".utf8))
    #expect(try parser.nextRequest()?.body == Array("hi".utf8))
    let afterBody = parser.takeContinueRequest()
    #expect(!afterBody)

    var eager = HTTPRequestParser()
    eager.append(
      Array("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nh".utf8)
    )
    #expect(try eager.nextRequest() == nil)
    let eagerContinue = eager.takeContinueRequest()
    #expect(!eagerContinue)
  }

  @Test(
    "A long pipelined stream parses in linear time and compacts its buffer", .timeLimit(.minutes(1))
  )
  func longStream() throws {
    var parser = HTTPRequestParser()
    let request = Array(Self.postRequest.utf8)
    var count = 0
    for _ in 0..<20_000 {
      parser.append(request)
      while try parser.nextRequest() != nil { count += 1 }
    }
    #expect(count == 20_000)
    #expect(!parser.hasPartialRequest)
  }
}
