/// What the RPC runtime needs to know about one method of a service in `proto/dcmms/v1`.
///
/// The generated namespace enums hold one per method, for example
/// `Registry.Method.getModelVersion`, whose `path` is `/dcmms.v1.Registry/GetModelVersion`.
package struct ProtoMethodInfo: Hashable, Sendable, CustomStringConvertible {
  /// How many messages each side of a call sends.
  package enum Kind: Hashable, Sendable {
    /// One request, one response.
    case unary
    /// A stream of requests, one response.
    case clientStreaming
    /// One request, a stream of responses.
    case serverStreaming
    /// A stream each way.
    case bidirectionalStreaming

    /// Derives the kind from the `stream` keywords of an `rpc` declaration.
    /// - Parameters:
    ///   - requestStreaming: whether the request type is declared `stream`.
    ///   - responseStreaming: whether the response type is declared `stream`.
    package init(requestStreaming: Bool, responseStreaming: Bool) {
      switch (requestStreaming, responseStreaming) {
      case (false, false): self = .unary
      case (true, false): self = .clientStreaming
      case (false, true): self = .serverStreaming
      case (true, true): self = .bidirectionalStreaming
      }
    }
  }

  /// Fully-qualified service name, such as `dcmms.v1.Registry`.
  package let service: String
  /// Method name as declared, such as `GetModelVersion`.
  package let method: String
  /// The path carried in `CallHeaders.method`: `/` + service + `/` + method.
  package let path: String
  /// Whether requests, responses or both are streamed.
  package let kind: Kind
  /// Fully-qualified proto name of the request message, such as `dcmms.v1.GetModelVersionRequest`.
  package let requestType: String
  /// Fully-qualified proto name of the response message.
  package let responseType: String

  /// Describes one method.
  /// - Parameters:
  ///   - service: fully-qualified service name.
  ///   - method: method name as declared in the `.proto` file.
  ///   - kind: unary or streaming.
  ///   - requestType: fully-qualified proto name of the request message.
  ///   - responseType: fully-qualified proto name of the response message.
  package init(
    service: String, method: String, kind: Kind, requestType: String, responseType: String
  ) {
    self.service = service
    self.method = method
    self.path = "/\(service)/\(method)"
    self.kind = kind
    self.requestType = requestType
    self.responseType = responseType
  }

  /// The method path, such as `/dcmms.v1.Registry/GetModelVersion`.
  package var description: String { self.path }
}
