import RPCCore
import Testing

@Suite("Frame decoder")
struct FrameDecoderTests {
  private static let frames: [Frame] = [
    Frame(kind: .headers, streamID: 1, payload: Array("headers".utf8)),
    Frame(kind: .message, flags: .endStream, streamID: 1, payload: [1, 2, 3]),
    Frame(
      kind: .message, flags: [.compressed], streamID: 0xFFFF_FFFE,
      payload: (0..<300).map { UInt8($0 % 251) }),
    Frame(kind: .end, streamID: 3),
    Frame(kind: .ping, streamID: 0, payload: [0, 1, 2, 3, 4, 5, 6, 7]),
    Frame(kind: .status, streamID: 1, payload: []),
  ]

  private static func wireBytes(preface: Bool) -> [UInt8] {
    var bytes: [UInt8] = preface ? Frame.preface : []
    for frame in Self.frames { frame.encode(into: &bytes) }
    return bytes
  }

  @Test("a header is 12 big-endian bytes: kind, flags, reserved, stream id, length")
  func headerLayout() {
    let bytes = Frame(
      kind: .message, flags: [.compressed, .endStream], streamID: 0x0102_0304, payload: [9, 9]
    ).encoded()
    #expect(bytes == [2, 3, 0, 0, 1, 2, 3, 4, 0, 0, 0, 2, 9, 9])
  }

  @Test("frames split at every byte boundary decode the same", arguments: [false, true])
  func everySplit(preface: Bool) throws {
    let bytes = Self.wireBytes(preface: preface)
    for split in 0...bytes.count {
      var decoder = FrameDecoder(maxPayloadLength: 1 << 20, expectsPreface: preface)
      var decoded: [Frame] = []
      decoder.append(Array(bytes[..<split]))
      while let frame = try decoder.nextFrame() { decoded.append(frame) }
      decoder.append(Array(bytes[split...]))
      while let frame = try decoder.nextFrame() { decoded.append(frame) }
      #expect(decoded == Self.frames, "split at \(split)")
      #expect(decoder.bufferedByteCount == 0)
    }
  }

  @Test("bytes fed one at a time decode the same")
  func oneByteAtATime() throws {
    var decoder = FrameDecoder(maxPayloadLength: 1 << 20, expectsPreface: true)
    var decoded: [Frame] = []
    for byte in Self.wireBytes(preface: true) {
      decoder.append([byte])
      while let frame = try decoder.nextFrame() { decoded.append(frame) }
    }
    #expect(decoded == Self.frames)
  }

  @Test("an oversized length is refused from the header alone")
  func oversized() {
    var decoder = FrameDecoder(maxPayloadLength: 1_024, expectsPreface: false)
    var header: [UInt8] = []
    Frame.encodeHeader(kind: .message, flags: [], streamID: 1, length: 1_025, into: &header)
    decoder.append(header)
    let error = #expect(throws: FrameDecoder.DecodingError.self) { try decoder.nextFrame() }
    #expect(error?.code == .frameTooLarge)
  }

  @Test("a frame of exactly the limit is accepted")
  func atLimit() throws {
    var decoder = FrameDecoder(maxPayloadLength: 1_024, expectsPreface: false)
    decoder.append(
      Frame(kind: .message, streamID: 1, payload: [UInt8](repeating: 7, count: 1_024)).encoded())
    #expect(try decoder.nextFrame()?.payload.count == 1_024)
  }

  @Test(
    "malformed headers are refused with the right code",
    arguments: [
      ([0x09, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0] as [UInt8], "unknownKind"),
      ([0x00, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0], "unknownKind"),
      ([0x02, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0], "reservedBitsSet"),
      ([0x02, 0x80, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0], "unknownFlags"),
    ])
  func malformed(bytes: [UInt8], expected: String) {
    var decoder = FrameDecoder(maxPayloadLength: 1_024, expectsPreface: false)
    decoder.append(bytes)
    let error = #expect(throws: FrameDecoder.DecodingError.self) { try decoder.nextFrame() }
    let codes: [String: FrameDecoder.DecodingError.Code] = [
      "unknownKind": .unknownKind, "reservedBitsSet": .reservedBitsSet,
      "unknownFlags": .unknownFlags,
    ]
    #expect(error?.code == codes[expected])
  }

  @Test("a wrong preface is refused as soon as its first wrong byte arrives")
  func badPreface() {
    var decoder = FrameDecoder(maxPayloadLength: 1_024, expectsPreface: true)
    decoder.append(Array("GET".utf8))
    let error = #expect(throws: FrameDecoder.DecodingError.self) { try decoder.nextFrame() }
    #expect(error?.code == .badPreface)
  }

  @Test("large streams compact their buffer and keep decoding")
  func compaction() throws {
    var decoder = FrameDecoder(maxPayloadLength: 1 << 20, expectsPreface: false)
    let frame = Frame(kind: .message, streamID: 5, payload: [UInt8](repeating: 1, count: 40_000))
    let bytes = frame.encoded()
    var count = 0
    for _ in 0..<50 {
      decoder.append(bytes + Array(bytes[..<100]))
      while let decodedFrame = try decoder.nextFrame() {
        #expect(decodedFrame == frame)
        count += 1
      }
      decoder.append(Array(bytes[100...]))
      while let decodedFrame = try decoder.nextFrame() {
        #expect(decodedFrame == frame)
        count += 1
      }
    }
    #expect(count == 100)
  }
}

@Suite("Metadata and descriptors")
struct MetadataTests {
  @Test("keys are case-insensitive and keep order")
  func metadata() {
    var metadata = Metadata()
    metadata.add("Bearer x", forKey: "Authorization")
    metadata.add("1", forKey: "x-a")
    metadata.add("2", forKey: "X-A")
    #expect(metadata["authorization"] == "Bearer x")
    #expect(metadata.values(forKey: "x-a") == [Array("1".utf8), Array("2".utf8)])
    metadata.replace("3", forKey: "x-a")
    #expect(metadata.values(forKey: "X-A") == [Array("3".utf8)])
    #expect(metadata.count == 2)
  }

  @Test("method paths parse only in the /service/method form")
  func paths() {
    #expect(
      MethodDescriptor(path: "/dcmms.v1.Echo/Echo")
        == MethodDescriptor(service: "dcmms.v1.Echo", method: "Echo"))
    #expect(MethodDescriptor(path: "dcmms.v1.Echo/Echo") == nil)
    #expect(MethodDescriptor(path: "/dcmms.v1.Echo/") == nil)
    #expect(MethodDescriptor(path: "/a/b/c") == nil)
    #expect(MethodDescriptor(path: "") == nil)
  }

  @Test("status codes carry gRPC's numbers and names")
  func statusCodes() {
    #expect(RPCStatusCode.deadlineExceeded.rawValue == 4)
    #expect(RPCStatusCode.unimplemented.rawValue == 12)
    #expect(RPCStatusCode.unauthenticated.description == "UNAUTHENTICATED")
    #expect(RPCStatusCode(rawValue: 99).description == "CODE_99")
  }
}
