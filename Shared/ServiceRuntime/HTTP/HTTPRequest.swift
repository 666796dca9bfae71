/// A complete HTTP/1.x request as the parser delivers it: head and whole body.
package struct HTTPRequest: Sendable, Equatable {
  /// The method.
  package var method: HTTPMethod
  /// The request target exactly as sent (`/v1/models/a%20b?limit=5`).
  package var target: String
  /// The path part of the target, still percent-encoded; `*` for `OPTIONS *`.
  package var path: String
  /// The query after `?`, still percent-encoded, or `nil` when the target has none.
  package var query: String?
  /// The protocol version.
  package var version: HTTPVersion
  /// The header fields.
  package var headers: HTTPHeaders
  /// The body, de-chunked; empty when the request has none.
  package var body: [UInt8]
  /// Values of the route's `{name}` segments, percent-decoded; filled in by ``HTTPRouter``.
  package var pathParameters: [String: String] = [:]

  /// Creates a request, splitting `target` into path and query.
  /// - Parameters:
  ///   - method: The method.
  ///   - target: The request target; an absolute-form target (`http://host/p`) is reduced to
  ///     its path and query.
  ///   - version: The protocol version.
  ///   - headers: The header fields.
  ///   - body: The body.
  package init(
    method: HTTPMethod, target: String, version: HTTPVersion = .http1_1,
    headers: HTTPHeaders = [:], body: [UInt8] = []
  ) {
    self.method = method
    self.target = target
    self.version = version
    self.headers = headers
    self.body = body
    var rest = Substring(target)
    if rest.utf8.first != UInt8(ascii: "/"), let schemeEnd = rest.firstRange(of: "://"),
      ["http", "https"].contains(rest[..<schemeEnd.lowerBound].lowercased())
    {
      // Absolute form (RFC 9112 §3.2.2): drop the scheme and authority.
      rest = rest[schemeEnd.upperBound...]
      rest = rest.firstIndex(where: { $0 == "/" || $0 == "?" }).map { rest[$0...] } ?? ""
    }
    // Searching UTF-8 code units avoids grapheme breaking; "?" is ASCII, so the index is a
    // valid boundary for slicing.
    if let mark = rest.utf8.firstIndex(of: UInt8(ascii: "?")) {
      self.path = String(rest[..<mark])
      self.query = String(rest[rest.utf8.index(after: mark)...])
    } else {
      self.path = String(rest)
      self.query = nil
    }
    if self.path.isEmpty { self.path = "/" }
  }

  /// Whether the connection may carry another request after this one's response: HTTP/1.1
  /// unless `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`.
  package var keepAlive: Bool {
    let tokens = self.headers.tokens(for: "Connection")
    if tokens.contains("close") { return false }
    return self.version.minor >= 1 || tokens.contains("keep-alive")
  }

  /// The query's `name=value` pairs, percent-decoded with `+` as a space; pairs that do not
  /// decode are skipped.
  package var queryItems: [(name: String, value: String)] {
    guard let query = self.query else { return [] }
    return query.split(separator: "&").compactMap { pair in
      let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      let plus = { (text: Substring) in text.replacingPlusWithSpace() }
      guard let name = PercentEncoding.decode(plus(parts[0])),
        let value = PercentEncoding.decode(parts.count > 1 ? plus(parts[1]) : "")
      else { return nil }
      return (name, value)
    }
  }

  /// The first value of query parameter `name`, or `nil`.
  /// - Parameter name: The parameter name.
  /// - Returns: The decoded value.
  package func queryValue(_ name: String) -> String? {
    self.queryItems.first { $0.name == name }?.value
  }
}

extension Substring {
  fileprivate func replacingPlusWithSpace() -> String {
    String(self.map { $0 == "+" ? " " : $0 })
  }
}

/// Percent-decoding of path segments and query components.
enum PercentEncoding {
  /// Decodes `%XX` escapes; returns `nil` for a malformed escape or bytes that are not UTF-8.
  static func decode<S: StringProtocol>(_ text: S) -> String? {
    guard text.contains("%") else { return String(text) }
    var bytes: [UInt8] = []
    var iterator = text.utf8.makeIterator()
    while let byte = iterator.next() {
      guard byte == UInt8(ascii: "%") else {
        bytes.append(byte)
        continue
      }
      guard let high = iterator.next().flatMap(Self.hexValue),
        let low = iterator.next().flatMap(Self.hexValue)
      else { return nil }
      bytes.append(high << 4 | low)
    }
    return String(validating: bytes, as: UTF8.self)
  }

  static func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
  }
}
