package import RPCCore
package import WireProtos

/// Maps method descriptors to handlers. Filled before the server starts; read-only afterwards.
package struct RPCRouter: Sendable {
  /// A handler over raw messages: reads requests from and writes responses to its stream.
  package typealias RawHandler = @Sendable (ServerStream, ServerContext) async throws -> Void

  private var handlers: [String: (descriptor: MethodDescriptor, handler: RawHandler)] = [:]

  /// An empty router.
  package init() {}

  /// The methods with a handler.
  package var methods: [String] { self.handlers.keys.sorted() }

  /// The method and handler for a path, such as `/dcmms.v1.Registry/GetModelVersion`.
  package func route(forPath path: String) -> (descriptor: MethodDescriptor, handler: RawHandler)? {
    self.handlers[path]
  }

  /// Registers a raw handler, replacing any earlier one for the same method.
  package mutating func register(_ descriptor: MethodDescriptor, handler: @escaping RawHandler) {
    self.handlers[descriptor.path] = (descriptor, handler)
  }

  /// Registers a unary method: one request, one response.
  package mutating func registerUnary<Request: ProtoMessage, Response: ProtoMessage>(
    _ descriptor: MethodDescriptor, request: Request.Type = Request.self,
    response: Response.Type = Response.self,
    handler: @escaping @Sendable (Request, ServerContext) async throws -> Response
  ) {
    self.register(descriptor) { stream, context in
      let request = try await stream.receiveSingle(Request.self)
      let response = try await handler(request, context)
      stream.sendFinal(response)
    }
  }

  /// Registers a server-streaming method: one request, any number of responses.
  package mutating func registerServerStreaming<Request: ProtoMessage, Response: ProtoMessage>(
    _ descriptor: MethodDescriptor, request: Request.Type = Request.self,
    response: Response.Type = Response.self,
    handler:
      @escaping @Sendable (Request, ResponseWriter<Response>, ServerContext) async throws -> Void
  ) {
    self.register(descriptor) { stream, context in
      let request = try await stream.receiveSingle(Request.self)
      try await handler(request, ResponseWriter(stream: stream), context)
    }
  }

  /// Registers a client-streaming method: any number of requests, one response.
  package mutating func registerClientStreaming<Request: ProtoMessage, Response: ProtoMessage>(
    _ descriptor: MethodDescriptor, request: Request.Type = Request.self,
    response: Response.Type = Response.self,
    handler: @escaping @Sendable (RequestStream<Request>, ServerContext) async throws -> Response
  ) {
    self.register(descriptor) { stream, context in
      let response = try await handler(RequestStream(stream: stream), context)
      stream.sendFinal(response)
    }
  }

  /// Registers a bidirectional-streaming method.
  package mutating func registerBidirectionalStreaming<
    Request: ProtoMessage, Response: ProtoMessage
  >(
    _ descriptor: MethodDescriptor, request: Request.Type = Request.self,
    response: Response.Type = Response.self,
    handler:
      @escaping @Sendable (RequestStream<Request>, ResponseWriter<Response>, ServerContext)
      async throws -> Void
  ) {
    self.register(descriptor) { stream, context in
      try await handler(RequestStream(stream: stream), ResponseWriter(stream: stream), context)
    }
  }
}

/// The request messages of a streaming call, in order; ends when the client half-closes.
package struct RequestStream<Request: ProtoMessage>: AsyncSequence, Sendable {
  package typealias Element = Request
  let stream: ServerStream

  package struct AsyncIterator: AsyncIteratorProtocol {
    let stream: ServerStream
    package mutating func next() async throws -> Request? {
      guard let bytes = try await self.stream.receive() else { return nil }
      return try decodeRequest(Request.self, from: bytes)
    }
  }

  package func makeAsyncIterator() -> AsyncIterator { AsyncIterator(stream: self.stream) }
}

/// Sends the response messages of a streaming call.
package struct ResponseWriter<Response: ProtoMessage>: Sendable {
  let stream: ServerStream

  /// Sends one response; waits while the client has granted no more window.
  /// - Throws: `RPCError` (`CANCELLED`) when the call has already ended.
  package func write(_ response: Response) async throws {
    try await self.stream.send(response.serializedBytes())
  }
}

func decodeRequest<Request: ProtoMessage>(_ type: Request.Type, from bytes: [UInt8]) throws
  -> Request
{
  do {
    return try Request(serializedBytes: bytes)
  } catch {
    throw RPCError(
      code: .invalidArgument, message: "invalid request: \(error.description)", cause: error)
  }
}
