/// An HTTP response status: a three-digit code and its reason phrase.
package struct HTTPStatus: Hashable, Sendable, CustomStringConvertible {
  /// The three-digit code.
  package let code: Int
  /// The reason phrase written in the status line.
  package let reasonPhrase: String

  /// Creates a status; a known code gets its standard reason phrase.
  /// - Parameters:
  ///   - code: A code from 100 to 599.
  ///   - reasonPhrase: Overrides the standard phrase.
  package init(code: Int, reasonPhrase: String? = nil) {
    precondition((100...599).contains(code), "HTTP status \(code) is out of range")
    self.code = code
    self.reasonPhrase = reasonPhrase ?? Self.standardPhrases[code] ?? "Status \(code)"
  }

  private static let standardPhrases: [Int: String] = [
    100: "Continue", 200: "OK", 201: "Created", 202: "Accepted", 204: "No Content",
    301: "Moved Permanently", 304: "Not Modified", 400: "Bad Request", 401: "Unauthorized",
    403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 408: "Request Timeout",
    409: "Conflict", 413: "Content Too Large", 414: "URI Too Long",
    415: "Unsupported Media Type", 422: "Unprocessable Content", 429: "Too Many Requests",
    431: "Request Header Fields Too Large", 500: "Internal Server Error",
    501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable",
    504: "Gateway Timeout", 505: "HTTP Version Not Supported",
  ]

  /// 100 Continue.
  package static let `continue` = Self(code: 100)
  /// 200 OK.
  package static let ok = Self(code: 200)
  /// 201 Created.
  package static let created = Self(code: 201)
  /// 204 No Content.
  package static let noContent = Self(code: 204)
  /// 304 Not Modified.
  package static let notModified = Self(code: 304)
  /// 400 Bad Request: malformed syntax or framing.
  package static let badRequest = Self(code: 400)
  /// 401 Unauthorized.
  package static let unauthorized = Self(code: 401)
  /// 403 Forbidden.
  package static let forbidden = Self(code: 403)
  /// 404 Not Found.
  package static let notFound = Self(code: 404)
  /// 405 Method Not Allowed.
  package static let methodNotAllowed = Self(code: 405)
  /// 413 Content Too Large: the body exceeds the limit.
  package static let contentTooLarge = Self(code: 413)
  /// 414 URI Too Long: the request line exceeds the limit.
  package static let uriTooLong = Self(code: 414)
  /// 415 Unsupported Media Type.
  package static let unsupportedMediaType = Self(code: 415)
  /// 422 Unprocessable Content.
  package static let unprocessableContent = Self(code: 422)
  /// 431 Request Header Fields Too Large: too many header bytes or fields.
  package static let requestHeaderFieldsTooLarge = Self(code: 431)
  /// 500 Internal Server Error.
  package static let internalServerError = Self(code: 500)
  /// 501 Not Implemented: for example a transfer coding other than chunked.
  package static let notImplemented = Self(code: 501)
  /// 503 Service Unavailable.
  package static let serviceUnavailable = Self(code: 503)
  /// 505 HTTP Version Not Supported.
  package static let httpVersionNotSupported = Self(code: 505)

  /// Whether a response with this status never has a body (1xx, 204, 304).
  package var forbidsBody: Bool { self.code < 200 || self.code == 204 || self.code == 304 }

  /// `404 Not Found` and so on.
  package var description: String { "\(self.code) \(self.reasonPhrase)" }
}
