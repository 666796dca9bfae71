#if canImport(Glibc)
internal import Glibc
#endif

/// An HTTP response: status, header fields and body.
///
/// The serializer sets `Content-Length` and `Connection` itself; headers set here with those
/// names are replaced.
package struct HTTPResponse: Sendable {
  /// The status.
  package var status: HTTPStatus
  /// The header fields.
  package var headers: HTTPHeaders
  /// The body; dropped for statuses that forbid one and for `HEAD` requests.
  package var body: [UInt8]

  /// Creates a response.
  /// - Parameters:
  ///   - status: The status.
  ///   - headers: The header fields.
  ///   - body: The body.
  package init(status: HTTPStatus = .ok, headers: HTTPHeaders = [:], body: [UInt8] = []) {
    self.status = status
    self.headers = headers
    self.body = body
  }

  /// A `text/plain; charset=utf-8` response.
  /// - Parameters:
  ///   - text: The body.
  ///   - status: The status.
  ///   - contentType: Overrides the content type (`/metrics` uses Prometheus's).
  /// - Returns: The response.
  package static func text(
    _ text: String, status: HTTPStatus = .ok, contentType: String = "text/plain; charset=utf-8"
  ) -> Self {
    Self(status: status, headers: ["Content-Type": contentType], body: Array(text.utf8))
  }

  /// Serializes the response for the wire.
  ///
  /// Writes the status line, the headers (CR and LF in values replaced by spaces, so request
  /// data echoed into a header cannot split the response), `Content-Length` (except for 1xx,
  /// 204 and 304), `Connection: close` when `keepAlive` is false (or `keep-alive` for an
  /// HTTP/1.0 client that asked for it), a `Date`, then the body.
  /// - Parameters:
  ///   - version: The request's version; the status line always says HTTP/1.1.
  ///   - keepAlive: Whether the connection stays open after this response.
  ///   - includeBody: `false` for a `HEAD` request: headers as for `GET`, no body bytes.
  ///   - date: The `Date` value; the current time by default.
  /// - Returns: The bytes to write.
  package func serialized(
    version: HTTPVersion = .http1_1, keepAlive: Bool, includeBody: Bool = true,
    date: String = HTTPDate.now()
  ) -> [UInt8] {
    var head = "HTTP/1.1 \(self.status.code) \(self.status.reasonPhrase)\r\n"
    for (name, value) in self.headers {
      let lowered = name.lowercased()
      if lowered == "content-length" || lowered == "connection" || lowered == "date" {
        continue
      }
      head += "\(name): \(Self.sanitized(value))\r\n"
    }
    if !self.status.forbidsBody {
      head += "Content-Length: \(self.body.count)\r\n"
    }
    if !keepAlive {
      head += "Connection: close\r\n"
    } else if version.minor == 0 {
      head += "Connection: keep-alive\r\n"
    }
    head += "Date: \(date)\r\n\r\n"
    var bytes = Array(head.utf8)
    if includeBody && !self.status.forbidsBody {
      bytes.append(contentsOf: self.body)
    }
    return bytes
  }

  private static func sanitized(_ value: String) -> String {
    guard value.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else { return value }
    return String(value.map { $0 == "\r" || $0 == "\n" || $0 == "\r\n" ? " " : $0 })
  }
}

/// The IMF-fixdate format of the `Date` header (`Sun, 06 Nov 1994 08:49:37 GMT`).
package enum HTTPDate {
  private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
  private static let months = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
  ]

  /// The current time as an IMF-fixdate.
  /// - Returns: The formatted date.
  package static func now() -> String {
    Self.format(secondsSinceEpoch: Int(time(nil)))
  }

  /// Formats a Unix time as an IMF-fixdate.
  /// - Parameter secondsSinceEpoch: Seconds since 1970-01-01T00:00:00Z.
  /// - Returns: The formatted date.
  package static func format(secondsSinceEpoch: Int) -> String {
    var time = time_t(secondsSinceEpoch)
    var parts = tm()
    gmtime_r(&time, &parts)
    func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
    return "\(Self.days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) "
      + "\(Self.months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
      + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
  }
}
