import Testing
import WireProtos

@Suite("Decoding bad input")
struct DecodingErrorTests {
  @Test(
    "Bytes that are not protobuf throw ProtoDecodingError",
    arguments: [
      [0x0A, 0x05, 0x61],  // field 1, length 5, only 1 byte follows
      [0x0A],  // a tag with no length
      [0x10],  // field 2 (varint) with no value
      [0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],  // 11-byte varint
      [0x0F],  // wire type 7 does not exist
      [0x0B, 0x0C],  // groups (wire types 3 and 4) are not proto3
      [0x1A, 0x03, 0x0A, 0x05, 0x61],  // a nested message whose own length overruns it
    ] as [[UInt8]])
  func garbage(bytes: [UInt8]) {
    let error = #expect(throws: ProtoDecodingError.self) { try CallHeaders(serializedBytes: bytes) }
    #expect(error?.messageName == "dcmms.v1.CallHeaders")
    #expect(error?.reason == "not a valid protobuf encoding")
  }

  @Test("A string field that is not UTF-8 is rejected, naming the field")
  func invalidUTF8() {
    // MetadataEntry.key (field 1) = C3 28: a two-byte lead followed by a non-continuation byte.
    let error = #expect(throws: ProtoDecodingError.self) {
      try MetadataEntry(serializedBytes: [0x0A, 0x02, 0xC3, 0x28])
    }
    #expect(error?.messageName == "dcmms.v1.MetadataEntry")
    #expect(error?.reason.contains("dcmms.v1.MetadataEntry.key") == true)
  }

  @Test(
    "Overlong encodings, surrogates and code points above U+10FFFF are not UTF-8",
    arguments: [[0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF], [0x80]]
      as [[UInt8]])
  func invalidSequences(sequence: [UInt8]) {
    let bytes: [UInt8] = [0x0A, UInt8(sequence.count)] + sequence
    #expect(throws: ProtoDecodingError.self) { try HealthCheckRequest(serializedBytes: bytes) }
  }

  @Test("Invalid UTF-8 deep inside a message is reported against the outer message")
  func nestedInvalidUTF8() {
    // CallHeaders.metadata (field 3) holding a MetadataEntry whose key is invalid.
    let entry: [UInt8] = [0x0A, 0x02, 0xC3, 0x28]
    let bytes: [UInt8] = [0x1A, UInt8(entry.count)] + entry
    let error = #expect(throws: ProtoDecodingError.self) { try CallHeaders(serializedBytes: bytes) }
    #expect(error?.messageName == "dcmms.v1.CallHeaders")
    #expect(error?.reason.contains("dcmms.v1.MetadataEntry.key") == true)
  }

  @Test("Map keys and repeated strings are validated too")
  func invalidUTF8InMapsAndLists() {
    // Asset.attributes (field 10): entry {key (1) = C3 28, value (2) = "v"}.
    let entry: [UInt8] = [0x0A, 0x02, 0xC3, 0x28, 0x12, 0x01, 0x76]
    let asset: [UInt8] = [0x52, UInt8(entry.count)] + entry
    #expect(throws: ProtoDecodingError.self) { try Asset(serializedBytes: asset) }
    // FeatureVector.names (field 1), second element invalid.
    let vector: [UInt8] = [0x0A, 0x01, 0x61, 0x0A, 0x01, 0xFE]
    #expect(throws: ProtoDecodingError.self) { try FeatureVector(serializedBytes: vector) }
  }

  @Test("Valid multi-byte UTF-8 is accepted")
  func validUTF8() throws {
    let request = HealthCheckRequest(service: "dcmms.v1.Föature — 特徴 🌞")
    #expect(try HealthCheckRequest(serializedBytes: request.serializedBytes()) == request)
  }

  @Test("Unknown fields are skipped, as protobuf requires")
  func unknownFields() throws {
    // HealthCheckRequest.service = "x", then field 99 (varint 1) and field 100 (bytes "ab").
    let bytes: [UInt8] = [0x0A, 0x01, 0x78, 0x98, 0x06, 0x01, 0xA2, 0x06, 0x02, 0x61, 0x62]
    #expect(try HealthCheckRequest(serializedBytes: bytes) == HealthCheckRequest(service: "x"))
  }

  @Test("Random bytes never crash the decoder; what decodes re-encodes stably")
  func randomBytes() throws {
    var generator = SplitMix64(seed: 0x5EED)
    var decodedCount = 0
    for _ in 0..<20_000 {
      let length = Int(generator.next() % 48)
      let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
      // Compare encodings rather than values: a random double may be NaN.
      if let headers = try? CallHeaders(serializedBytes: bytes) {
        decodedCount += 1
        let encoded = headers.serializedBytes()
        #expect(try CallHeaders(serializedBytes: encoded).serializedBytes() == encoded)
      }
      if let job = try? Job(serializedBytes: bytes) {
        let encoded = job.serializedBytes()
        #expect(try Job(serializedBytes: encoded).serializedBytes() == encoded)
      }
    }
    // Short random inputs are often valid protobuf (unknown fields, empty messages).
    #expect(decodedCount > 0)
  }
}

/// A small seeded generator (SplitMix64), so the random inputs are the same on every run.
struct SplitMix64: RandomNumberGenerator {
  private var state: UInt64
  init(seed: UInt64) { self.state = seed }
  mutating func next() -> UInt64 {
    self.state &+= 0x9E37_79B9_7F4A_7C15
    var z = self.state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}
