internal import Foundation

extension HTTPResponse {
  /// A response whose body is `value` encoded as JSON (keys sorted, so bodies are stable).
  /// - Parameters:
  ///   - value: The value to encode.
  ///   - status: The status.
  /// - Returns: The response with `Content-Type: application/json`.
  /// - Throws: The encoder's error when `value` cannot be encoded (for example a NaN).
  package static func json(_ value: some Encodable, status: HTTPStatus = .ok) throws -> Self {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    let body = try encoder.encode(value)
    return Self(status: status, headers: ["Content-Type": "application/json"], body: Array(body))
  }

  /// The JSON error response for `error`: `{"error":"message","status":code}`.
  /// - Parameter error: The error.
  /// - Returns: The response, with the error's status.
  package static func error(_ error: HTTPError) -> Self {
    struct Body: Encodable {
      var error: String
      var status: Int
    }
    // Encoding two plain fields cannot fail; the fallback keeps this total anyway.
    return
      (try? Self.json(Body(error: error.message, status: error.status.code), status: error.status))
      ?? Self.text(error.message, status: error.status)
  }
}

extension HTTPRequest {
  /// Decodes the body as JSON.
  /// - Parameter type: The type to decode.
  /// - Returns: The decoded value.
  /// - Throws: ``HTTPError`` 400 when the body is not valid JSON for `type`, naming the field.
  package func decodeJSON<Value: Decodable>(
    _ type: Value.Type = Value.self
  ) throws(HTTPError) -> Value {
    do {
      return try JSONDecoder().decode(type, from: Data(self.body))
    } catch let DecodingError.keyNotFound(key, _) {
      throw HTTPError(status: .badRequest, message: "the JSON body lacks '\(key.stringValue)'")
    } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context)
    {
      let path = context.codingPath.map(\.stringValue).joined(separator: ".")
      throw HTTPError(status: .badRequest, message: "the JSON body has a wrong type at '\(path)'")
    } catch {
      throw HTTPError(status: .badRequest, message: "the body is not valid JSON", cause: error)
    }
  }
}
