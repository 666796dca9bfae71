import RPCCore
import WireProtos

/// The diagnostic `dcmms.v1.Echo` service that every dCMMS service serves: round-trip checks,
/// latency measurement and streaming checks from `dcmms` and the benchmarks.
package enum EchoService {
  /// The largest `response_count` Expand honours.
  package static let maxExpandCount: UInt32 = 100_000

  /// Adds the Echo methods to `router`.
  package static func register(into router: inout RPCRouter) {
    router.register(Echo.Method.Echo.self) { request, _ in
      Self.response(to: request, sequence: request.sequence)
    }
    router.register(Echo.Method.Expand.self) { request, writer, _ in
      guard request.responseCount <= Self.maxExpandCount else {
        throw RPCError(
          code: .invalidArgument, message: "response_count is at most \(Self.maxExpandCount)")
      }
      for index in 0..<UInt64(request.responseCount) {
        try await writer.write(Self.response(to: request, sequence: request.sequence &+ index))
      }
    }
    router.register(Echo.Method.Collect.self) { requests, _ in
      var response = EchoResponse()
      for try await request in requests {
        response.payload.append(contentsOf: request.payload)
        response.sequence += 1
      }
      return response
    }
  }

  private static func response(to request: EchoRequest, sequence: UInt64) -> EchoResponse {
    var response = EchoResponse()
    response.payload = request.payload
    response.text = request.text
    response.sequence = sequence
    return response
  }
}
