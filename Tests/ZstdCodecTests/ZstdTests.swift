import Testing
import ZstdCodec

@Suite("zstd codec")
struct ZstdTests {
  @Test("round trip of empty, small, repetitive and random data")
  func roundTrip() throws {
    var generator = SystemRandomNumberGenerator()
    let inputs: [[UInt8]] = [
      [], [42], Array(repeating: 7, count: 100_000),
      (0..<50_000).map { _ in UInt8.random(in: 0...255, using: &generator) },
    ]
    for input in inputs {
      let compressed = Zstd.compress(input)
      #expect(try Zstd.decompress(compressed, maxOutputBytes: input.count) == input)
    }
    #expect(Zstd.compress([UInt8](repeating: 7, count: 100_000)).count < 100)
  }

  @Test("content above the limit is refused before decompressing")
  func limit() {
    let compressed = Zstd.compress([UInt8](repeating: 1, count: 10_000))
    let error = #expect(throws: ZstdError.self) {
      try Zstd.decompress(compressed, maxOutputBytes: 9_999)
    }
    #expect(error?.code == .tooLarge)
  }

  @Test("garbage and truncated frames are refused")
  func garbage() {
    let error = #expect(throws: ZstdError.self) {
      try Zstd.decompress([1, 2, 3, 4, 5, 6, 7, 8], maxOutputBytes: 1_000)
    }
    #expect(error?.code == .corrupt)
    let compressed = Zstd.compress((0..<5_000).map { UInt8(truncatingIfNeeded: $0 * 7) })
    for cut in [4, compressed.count / 2, compressed.count - 1] {
      #expect(throws: ZstdError.self) {
        try Zstd.decompress(Array(compressed[..<cut]), maxOutputBytes: 10_000)
      }
    }
  }
}
