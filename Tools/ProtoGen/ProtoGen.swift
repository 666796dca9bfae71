import Foundation

/// `dcmms-protogen`: writes the Swift side of our `.proto` files.
///
///     dcmms-protogen --proto-path proto --swift-out Shared/WireProtos/Generated \
///       proto/dcmms/v1/rpc.proto proto/dcmms/v1/common.proto …
///
/// For each file it writes `<name>.pb.swift` (value types, enums, service namespaces) and
/// `<name>.pb-c.swift` (encoding and decoding through the protobuf-c code that protoc-c
/// generates from the same file), plus `ProtoCatalog.pb.swift` listing every message type and
/// method. Files are written only when their content changes.
@main
struct ProtoGen {
  static func main() {
    do {
      try self.run(arguments: Array(CommandLine.arguments.dropFirst()))
    } catch {
      FileHandle.standardError.write(Data("dcmms-protogen: \(error)\n".utf8))
      exit(1)
    }
  }

  static let usage = """
    usage: dcmms-protogen --proto-path DIR --swift-out DIR FILE.proto...
      --proto-path DIR   root the .proto paths and imports are relative to
      --swift-out DIR    where the .pb.swift and .pb-c.swift files go
    """

  static func run(arguments: [String]) throws {
    var protoPath: String?
    var swiftOut: String?
    var inputs: [String] = []
    var index = 0
    while index < arguments.count {
      let argument = arguments[index]
      switch argument {
      case "--proto-path", "--swift-out":
        guard index + 1 < arguments.count else {
          throw ProtoGenError("\(argument) needs a value\n\(Self.usage)")
        }
        if argument == "--proto-path" {
          protoPath = arguments[index + 1]
        } else {
          swiftOut = arguments[index + 1]
        }
        index += 2
      case "-h", "--help":
        print(Self.usage)
        return
      default:
        guard !argument.hasPrefix("-") else {
          throw ProtoGenError("unknown option \(argument)\n\(Self.usage)")
        }
        inputs.append(argument)
        index += 1
      }
    }
    guard let protoPath, let swiftOut, !inputs.isEmpty else { throw ProtoGenError(Self.usage) }

    let root = URL(fileURLWithPath: protoPath).standardizedFileURL.path
    var files: [ProtoFile] = []
    for input in inputs {
      let absolute = URL(fileURLWithPath: input).standardizedFileURL.path
      guard absolute.hasPrefix(root + "/") else {
        throw ProtoGenError("\(input) is not under --proto-path \(protoPath)")
      }
      let relative = String(absolute.dropFirst(root.count + 1))
      let text = try String(contentsOfFile: absolute, encoding: .utf8)
      files.append(try ProtoParser.parse(text: text, path: relative))
    }
    let schema = try SchemaResolver(files: files)

    try FileManager.default.createDirectory(atPath: swiftOut, withIntermediateDirectories: true)
    for file in schema.files {
      let emitter = SwiftEmitter(file: file, schema: schema)
      let base = URL(fileURLWithPath: file.path).deletingPathExtension().lastPathComponent
      try Self.write(emitter.typesSource(), to: "\(swiftOut)/\(base).pb.swift")
      try Self.write(emitter.bridgingSource(), to: "\(swiftOut)/\(base).pb-c.swift")
    }
    try Self.write(CatalogEmitter(schema: schema).source(), to: "\(swiftOut)/ProtoCatalog.pb.swift")
  }

  private static func write(_ text: String, to path: String) throws {
    if let existing = try? String(contentsOfFile: path, encoding: .utf8), existing == text {
      return
    }
    try text.write(toFile: path, atomically: true, encoding: .utf8)
  }
}
