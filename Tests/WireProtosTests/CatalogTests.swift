import Foundation
import Testing
import WireProtos

@Suite("Every message and method")
struct CatalogTests {
  @Test("The catalog lists every message declared in proto/ and every method's types")
  func catalogIsComplete() throws {
    // Counted from the .proto text, independently of the generator's parser.
    let files = try FileManager.default.contentsOfDirectory(atPath: ProtocC.protoRoot + "/dcmms/v1")
    var declared = 0
    for file in files where file.hasSuffix(".proto") {
      let text = try String(
        contentsOfFile: ProtocC.protoRoot + "/dcmms/v1/" + file, encoding: .utf8)
      declared +=
        text.split(separator: "\n").filter {
          $0.trimmingCharacters(in: .whitespaces).hasPrefix("message ")
        }.count
    }
    #expect(declared > 200)
    #expect(ProtoCatalog.messageTypes.count == declared)
    #expect(ProtoCatalog.messageTypes["dcmms.v1.CallHeaders"] == CallHeaders.self)
    let paths = ProtoCatalog.methods.map(\.path)
    #expect(Set(paths).count == paths.count)
    #expect(paths.contains("/dcmms.v1.Registry/GetModelVersion"))
    for method in ProtoCatalog.methods {
      #expect(ProtoCatalog.messageTypes[method.requestType] != nil, "\(method)")
      #expect(ProtoCatalog.messageTypes[method.responseType] != nil, "\(method)")
    }
  }

  @Test("Every message at its defaults encodes to no bytes, and no bytes decode to the defaults")
  func defaults() throws {
    for type in ProtoCatalog.messageTypes.values {
      try Self.checkDefaults(type)
    }
  }

  @Test("Random bytes never crash any decoder; what decodes re-encodes stably")
  func randomBytesForEveryMessage() {
    var generator = SplitMix64(seed: 2026)
    for _ in 0..<300 {
      let length = Int(generator.next() % 64)
      let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
      let unstable = bytes.withUnsafeBytes { ProtoCatalog.unstableReencodings(of: $0) }
      #expect(unstable.isEmpty, "\(bytes)")
    }
  }

  private static func checkDefaults<M: ProtoMessage>(_ type: M.Type) throws {
    #expect(M().serializedBytes().isEmpty, "\(M.self)")
    #expect(try M(serializedBytes: [UInt8]()) == M(), "\(M.self)")
  }
}
