import Foundation
import Testing

@testable import ServiceRuntime

private struct Failure: Error {}

@Suite("HTTP router, responses and connection handling")
struct HTTPRoutingTests {
  static func makeRouter() -> HTTPRouter {
    var router = HTTPRouter()
    router.register(.get, "/v1/models/{name}") { request in
      .text("model \(request.pathParameters["name"] ?? "?")")
    }
    router.register(.get, "/v1/models/latest") { _ in .text("latest") }
    router.register(.post, "/v1/models/{name}/predict") { request in
      struct Input: Decodable { var rows: [Double] }
      struct Output: Encodable { var name: String, sum: Double }
      let input = try request.decodeJSON(Input.self)
      return try .json(
        Output(name: request.pathParameters["name"] ?? "", sum: input.rows.reduce(0, +)))
    }
    router.register(.get, "/teapot") { _ in
      throw HTTPError(
        status: HTTPStatus(code: 418, reasonPhrase: "I'm a teapot"), message: "short and stout")
    }
    router.register(.get, "/crash") { _ in throw Failure() }
    return router
  }

  static func body(_ response: HTTPResponse) -> String {
    String(decoding: response.body, as: UTF8.self)
  }

  @Test("Literal segments win over parameters; parameters are percent-decoded")
  func matching() async {
    let router = Self.makeRouter()
    let latest = await router.respond(to: HTTPRequest(method: .get, target: "/v1/models/latest"))
    #expect(Self.body(latest) == "latest")
    let named = await router.respond(to: HTTPRequest(method: .get, target: "/v1/models/a%2Fb%20c"))
    #expect(Self.body(named) == "model a/b c")
    let head = await router.respond(to: HTTPRequest(method: .head, target: "/v1/models/x"))
    #expect(head.status == .ok)
  }

  @Test("404, 405 with Allow, 400 for bad escapes, handler errors")
  func errors() async throws {
    let router = Self.makeRouter()
    let missing = await router.respond(to: HTTPRequest(method: .get, target: "/nope"))
    #expect(missing.status == .notFound)
    #expect(Self.body(missing) == #"{"error":"no route for /nope","status":404}"#)
    let trailing = await router.respond(to: HTTPRequest(method: .get, target: "/v1/models/"))
    #expect(trailing.status == .notFound)
    let wrongMethod = await router.respond(to: HTTPRequest(method: .delete, target: "/v1/models/x"))
    #expect(wrongMethod.status == .methodNotAllowed)
    #expect(wrongMethod.headers["Allow"] == "GET, HEAD")
    let badEscape = await router.respond(to: HTTPRequest(method: .get, target: "/v1/models/%zz"))
    #expect(badEscape.status == .badRequest)
    let teapot = await router.respond(to: HTTPRequest(method: .get, target: "/teapot"))
    #expect(teapot.status.code == 418)
    #expect(Self.body(teapot) == #"{"error":"short and stout","status":418}"#)
    let crash = await router.respond(to: HTTPRequest(method: .get, target: "/crash"))
    #expect(crash.status == .internalServerError)
    #expect(Self.body(crash) == #"{"error":"internal error","status":500}"#)
  }

  @Test("JSON in and out")
  func json() async throws {
    let router = Self.makeRouter()
    let ok = await router.respond(
      to: HTTPRequest(
        method: .post, target: "/v1/models/m1/predict", body: Array(#"{"rows":[1.5,2]}"#.utf8)))
    #expect(ok.status == .ok)
    #expect(ok.headers["content-type"] == "application/json")
    #expect(Self.body(ok) == #"{"name":"m1","sum":3.5}"#)
    let missingKey = await router.respond(
      to: HTTPRequest(method: .post, target: "/v1/models/m1/predict", body: Array("{}".utf8)))
    #expect(missingKey.status == .badRequest)
    #expect(Self.body(missingKey).contains("lacks 'rows'"))
    let notJSON = await router.respond(
      to: HTTPRequest(method: .post, target: "/v1/models/m1/predict", body: Array("{".utf8)))
    #expect(Self.body(notJSON) == #"{"error":"the body is not valid JSON","status":400}"#)
  }

  @Test("Serialization: status line, headers, length, connection, date, body")
  func serialization() {
    let response = HTTPResponse(
      status: .ok,
      headers: [
        "Content-Type": "text/plain", "Content-Length": "999", "X-Echo": "a\r\nInjected: 1",
      ],
      body: Array("hi".utf8))
    let date = "Sun, 06 Nov 1994 08:49:37 GMT"
    #expect(
      String(decoding: response.serialized(keepAlive: true, date: date), as: UTF8.self)
        == "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Echo: a Injected: 1\r\n"
        + "Content-Length: 2\r\nDate: \(date)\r\n\r\nhi")
    #expect(
      String(
        decoding: response.serialized(keepAlive: false, includeBody: false, date: date),
        as: UTF8.self)
        == "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Echo: a Injected: 1\r\n"
        + "Content-Length: 2\r\nConnection: close\r\nDate: \(date)\r\n\r\n")
    #expect(
      String(
        decoding: HTTPResponse(status: .noContent, body: [1]).serialized(
          version: .http1_0, keepAlive: true, date: date), as: UTF8.self)
        == "HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\nDate: \(date)\r\n\r\n")
  }

  @Test("IMF-fixdate of known instants (RFC 9110's example and a leap day)")
  func dates() {
    #expect(HTTPDate.format(secondsSinceEpoch: 784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
    #expect(HTTPDate.format(secondsSinceEpoch: 951_782_400) == "Tue, 29 Feb 2000 00:00:00 GMT")
  }

  /// The status lines of serialized responses, in order.
  static func statusLines(_ bytes: [UInt8]) -> [String] {
    String(decoding: bytes, as: UTF8.self).matches(of: /HTTP\/1\.1 \d{3} [^\r]*\r\n/)
      .map { String($0.output.dropLast()) }  // "\r\n" is one Character
  }

  @Test("Pipelined requests are answered in order; Connection: close ends the connection")
  func pipelining() async {
    var connection = HTTPConnectionHandler(router: Self.makeRouter())
    let stream =
      "GET /v1/models/latest HTTP/1.1\r\nHost: h\r\n\r\n"
      + "GET /nope HTTP/1.1\r\nHost: h\r\n\r\n"
      + "GET /v1/models/b HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
      + "GET /v1/models/c HTTP/1.1\r\nHost: h\r\n\r\n"
    let output = await connection.receive(Array(stream.utf8))
    #expect(
      Self.statusLines(output.bytes) == [
        "HTTP/1.1 200 OK", "HTTP/1.1 404 Not Found", "HTTP/1.1 200 OK",
      ])
    let text = String(decoding: output.bytes, as: UTF8.self)
    #expect(text.hasSuffix("\r\n\r\nmodel b"))
    #expect(output.shouldClose)
    #expect(connection.finished)
  }

  @Test("A request split across reads is answered once it is complete; HEAD has no body")
  func splitAcrossReads() async {
    var connection = HTTPConnectionHandler(router: Self.makeRouter())
    let first = await connection.receive(Array("HEAD /v1/models/x HTTP/1.1\r\nHo".utf8))
    #expect(first.bytes.isEmpty && !first.shouldClose)
    let second = await connection.receive(Array("st: h\r\n\r\n".utf8))
    let text = String(decoding: second.bytes, as: UTF8.self)
    #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
    #expect(text.contains("Content-Length: 7\r\n"))
    #expect(text.hasSuffix("\r\n\r\n"))
    #expect(!second.shouldClose)
  }

  @Test("A parse error is answered with its status and closes; so does a truncated request")
  func errorsClose() async {
    var connection = HTTPConnectionHandler(router: Self.makeRouter())
    let output = await connection.receive(Array("GET / HTTP/3.0\r\n\r\n".utf8))
    #expect(Self.statusLines(output.bytes) == ["HTTP/1.1 505 HTTP Version Not Supported"])
    #expect(String(decoding: output.bytes, as: UTF8.self).contains("Connection: close\r\n"))
    #expect(output.shouldClose)

    var truncated = HTTPConnectionHandler(router: Self.makeRouter())
    _ = await truncated.receive(
      Array("POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nab".utf8))
    let end = truncated.receiveEndOfInput()
    #expect(Self.statusLines(end.bytes) == ["HTTP/1.1 400 Bad Request"])

    var idle = HTTPConnectionHandler(router: Self.makeRouter())
    #expect(idle.receiveEndOfInput().bytes.isEmpty)
  }

  @Test("Expect: 100-continue gets an interim response before the body")
  func continueResponse() async {
    var connection = HTTPConnectionHandler(router: Self.makeRouter())
    let head = await connection.receive(
      Array(
        "POST /v1/models/m/predict HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 12\r\n\r\n"
          .utf8))
    #expect(String(decoding: head.bytes, as: UTF8.self) == "HTTP/1.1 100 Continue\r\n\r\n")
    let body = await connection.receive(Array(#"{"rows":[1]}"#.utf8))
    #expect(Self.statusLines(body.bytes) == ["HTTP/1.1 200 OK"])
  }
}

/// Requests as real clients send them. Captured on loopback with a Python socket listener that
/// printed the bytes it received from `curl` 7.88.1 (Debian 12) and from Python 3.11's
/// `http.client` with `encode_chunked=True`; only the port in `Host` differs between runs.
@Suite("HTTP requests from real clients")
struct HTTPRealClientTests {
  static let curlPost =
    "POST /v1/models/a%20b/predict?x=1 HTTP/1.1\r\nHost: 127.0.0.1:41115\r\n"
    + "User-Agent: curl/7.88.1\r\nAccept: */*\r\nContent-Type: application/json\r\n"
    + "Content-Length: 12\r\n\r\n{\"rows\":[1]}"
  static let curlHTTP10 =
    "GET /healthz HTTP/1.0\r\nHost: 127.0.0.1:48861\r\nUser-Agent: curl/7.88.1\r\n"
    + "Accept: */*\r\n\r\n"
  static let curlChunkedHead =
    "PUT /upload HTTP/1.1\r\nHost: 127.0.0.1:39307\r\nUser-Agent: curl/7.88.1\r\n"
    + "Accept: */*\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n"
  static let curlChunkedBody = "6\r\nhello\n\r\n0\r\n\r\n"
  static let pythonChunked =
    "POST /v2/models/fault/infer HTTP/1.1\r\nHost: localhost:8080\r\n"
    + "Accept-Encoding: identity\r\nTransfer-Encoding: chunked\r\n"
    + "Content-Type: application/json\r\n\r\nA\r\n{\"inputs\":\r\n6\r\n[1,2]}\r\n0\r\n\r\n"

  static func makeRouter() -> HTTPRouter {
    var router = HTTPRouter()
    let echo: HTTPRouter.Handler = { request in
      let parameters = request.pathParameters.sorted { $0.key < $1.key }
        .map { "\($0.key)=\($0.value)" }.joined(separator: ",")
      return .text(
        "\(request.method) \(parameters) q=\(request.queryValue("x") ?? "-") "
          + String(decoding: request.body, as: UTF8.self))
    }
    router.register(.post, "/v1/models/{name}/predict", handler: echo)
    router.register(.get, "/healthz", handler: echo)
    router.register(.put, "/upload", handler: echo)
    router.register(.post, "/v2/models/{name}/infer", handler: echo)
    return router
  }

  static func body(_ bytes: [UInt8]) -> String {
    let text = String(decoding: bytes, as: UTF8.self)
    return text.components(separatedBy: "\r\n\r\n").last ?? ""
  }

  @Test("curl's POST with Content-Length and a query")
  func curlPost() async {
    var connection = HTTPConnectionHandler(router: Self.makeRouter())
    let output = await connection.receive(Array(Self.curlPost.utf8))
    #expect(Self.body(output.bytes) == #"POST name=a b q=1 {"rows":[1]}"#)
    #expect(!output.shouldClose)
  }

  @Test("curl --http1.0 gets one response and a close")
  func curlHTTP10() async {
    var connection = HTTPConnectionHandler(router: Self.makeRouter())
    let output = await connection.receive(Array(Self.curlHTTP10.utf8))
    #expect(String(decoding: output.bytes, as: UTF8.self).hasPrefix("HTTP/1.1 200 OK\r\n"))
    #expect(Self.body(output.bytes) == "GET  q=- ")
    #expect(output.shouldClose)
  }

  @Test("curl's chunked upload waits for 100 Continue, then sends the body")
  func curlChunked() async {
    var connection = HTTPConnectionHandler(router: Self.makeRouter())
    let head = await connection.receive(Array(Self.curlChunkedHead.utf8))
    #expect(String(decoding: head.bytes, as: UTF8.self) == "HTTP/1.1 100 Continue\r\n\r\n")
    let body = await connection.receive(Array(Self.curlChunkedBody.utf8))
    #expect(Self.body(body.bytes) == "PUT  q=- hello\n")
  }

  @Test("Python http.client's chunked body")
  func pythonChunked() async {
    var connection = HTTPConnectionHandler(router: Self.makeRouter())
    let output = await connection.receive(Array(Self.pythonChunked.utf8))
    #expect(Self.body(output.bytes) == #"POST name=fault q=- {"inputs":[1,2]}"#)
  }
}
