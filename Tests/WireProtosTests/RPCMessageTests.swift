import Testing
import WireProtos

@Suite("RPC messages")
struct RPCMessageTests {
  @Test("CallHeaders survives a round trip with metadata")
  func callHeadersRoundTrip() throws {
    let headers = CallHeaders(
      method: "/dcmms.v1.Registry/GetModelVersion", timeoutUs: 250_000,
      metadata: [
        MetadataEntry(key: "authorization", value: Array("Bearer abc.def".utf8)),
        MetadataEntry(key: "trace-bin", value: [0, 1, 2, 255]),
      ],
      acceptCompression: "zstd")
    let decoded = try CallHeaders(serializedBytes: headers.serializedBytes())
    #expect(decoded == headers)
    #expect(decoded.metadata.count == 2)
    #expect(decoded.metadata[1].value == [0, 1, 2, 255])
  }

  @Test("A message decodes from the middle of a larger buffer")
  func decodeFromSlice() throws {
    let status = CallStatus(code: 5, message: "no model named inverter_fault")
    let frame: [UInt8] = [3, 0, 0, 1, 0, 0, 0, 0] + status.serializedBytes() + [0xFF, 0xFF]
    #expect(try CallStatus(serializedBytes: frame[8..<(frame.count - 2)]) == status)
    #expect(throws: ProtoDecodingError.self) { try CallStatus(serializedBytes: frame[8...]) }
  }

  @Test("A message at its defaults encodes to no bytes and decodes from none")
  func emptyMessage() throws {
    #expect(CallStatus().serializedBytes().isEmpty)
    #expect(try CallStatus(serializedBytes: [UInt8]()) == CallStatus())
  }

  @Test("Scalars at their limits survive a round trip")
  func scalarLimits() throws {
    let range = TimeRange(startTimeUs: .min, endTimeUs: .max)
    #expect(try TimeRange(serializedBytes: range.serializedBytes()) == range)
    let goAway = GoAway(lastStreamID: .max, code: 13, message: "shutting down")
    #expect(try GoAway(serializedBytes: goAway.serializedBytes()) == goAway)
  }

  @Test("An enum value this build does not know survives decoding and re-encoding")
  func unknownEnumValue() throws {
    let response = HealthCheckResponse(status: .init(rawValue: 77))
    let decoded = try HealthCheckResponse(serializedBytes: response.serializedBytes())
    #expect(decoded.status.rawValue == 77)
    #expect(decoded.status.protoName == nil)
    #expect(HealthCheckResponse.ServingStatus.notServing.protoName == "NOT_SERVING")
    #expect(HealthCheckResponse.ServingStatus.knownValues.count == 3)
  }

  @Test("Method descriptors carry the service, path and streaming kind")
  func methodDescriptors() {
    #expect(Health.Method.check.path == "/dcmms.v1.Health/Check")
    #expect(Health.Method.check.kind == .unary)
    #expect(Health.Method.watch.kind == .serverStreaming)
    #expect(Health.Method.Watch.info.responseType == "dcmms.v1.HealthCheckResponse")
    #expect(Health.Method.all == [Health.Method.check, Health.Method.watch])
  }
}
