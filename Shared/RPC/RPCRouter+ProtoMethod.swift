import RPCCore
package import WireProtos

extension RPCRouter {
  /// Registers the handler of a unary method declared in `proto/dcmms/v1`.
  package mutating func register<Method: UnaryProtoMethod>(
    _ method: Method.Type,
    handler: @escaping @Sendable (Method.Input, ServerContext) async throws -> Method.Output
  ) {
    self.registerUnary(MethodDescriptor(Method.info), handler: handler)
  }

  /// Registers the handler of a server-streaming method declared in `proto/dcmms/v1`.
  package mutating func register<Method: ServerStreamingProtoMethod>(
    _ method: Method.Type,
    handler:
      @escaping @Sendable (Method.Input, ResponseWriter<Method.Output>, ServerContext) async throws
      -> Void
  ) {
    self.registerServerStreaming(MethodDescriptor(Method.info), handler: handler)
  }

  /// Registers the handler of a client-streaming method declared in `proto/dcmms/v1`.
  package mutating func register<Method: ClientStreamingProtoMethod>(
    _ method: Method.Type,
    handler:
      @escaping @Sendable (RequestStream<Method.Input>, ServerContext) async throws -> Method.Output
  ) {
    self.registerClientStreaming(MethodDescriptor(Method.info), handler: handler)
  }

  /// Registers the handler of a bidirectional-streaming method declared in `proto/dcmms/v1`.
  package mutating func register<Method: BidirectionalStreamingProtoMethod>(
    _ method: Method.Type,
    handler:
      @escaping @Sendable (
        RequestStream<Method.Input>, ResponseWriter<Method.Output>, ServerContext
      ) async throws -> Void
  ) {
    self.registerBidirectionalStreaming(MethodDescriptor(Method.info), handler: handler)
  }
}

extension RPCClient {
  /// Calls a unary method declared in `proto/dcmms/v1`.
  package func call<Method: UnaryProtoMethod>(
    _ method: Method.Type, _ request: Method.Input, options: CallOptions = CallOptions()
  ) async throws -> Method.Output {
    try await self.unary(
      MethodDescriptor(Method.info), request: request, response: Method.Output.self,
      options: options)
  }

  /// Calls a server-streaming method declared in `proto/dcmms/v1`; `body` reads the responses.
  package func call<Method: ServerStreamingProtoMethod, Result: Sendable>(
    _ method: Method.Type, _ request: Method.Input, options: CallOptions = CallOptions(),
    body: @Sendable (ResponseStream<Method.Output>) async throws -> Result
  ) async throws -> Result {
    try await self.serverStreaming(
      MethodDescriptor(Method.info), request: request, response: Method.Output.self,
      options: options, body: body)
  }

  /// Calls a client-streaming method declared in `proto/dcmms/v1`; `body` writes the requests.
  package func call<Method: ClientStreamingProtoMethod>(
    _ method: Method.Type, options: CallOptions = CallOptions(),
    body: @Sendable (RequestWriter<Method.Input>) async throws -> Void
  ) async throws -> Method.Output {
    try await self.clientStreaming(
      MethodDescriptor(Method.info), request: Method.Input.self, response: Method.Output.self,
      options: options,
      body: body)
  }
}
