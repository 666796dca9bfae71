/// Resolves type names across all parsed files and checks what the Swift side needs:
/// one package, no type name that shadows a standard library type, map keys that can be
/// dictionary keys, and no message that contains itself, directly or not, through any field:
/// protobuf-c unpacks nested messages recursively with no depth limit, so a recursive type
/// would let a peer overflow the stack with deeply nested bytes. Without recursion, the
/// schema bounds the nesting depth.
struct SchemaResolver {
  private(set) var files: [ProtoFile]
  private(set) var messages: [String: MessageDecl] = [:]
  private(set) var enums: [String: EnumDecl] = [:]
  let package: String

  init(files: [ProtoFile]) throws(ProtoGenError) {
    guard let package = files.first?.package else { throw ProtoGenError("no .proto files given") }
    for file in files where file.package != package {
      throw ProtoGenError(
        "\(file.path): package \(file.package) differs from \(package); one package per run")
    }
    self.package = package
    self.files = []
    var files = files
    for fileIndex in files.indices {
      for index in files[fileIndex].messages.indices {
        try self.register(&files[fileIndex].messages[index], scope: package)
      }
      for index in files[fileIndex].enums.indices {
        try self.register(&files[fileIndex].enums[index], scope: package)
      }
      for index in files[fileIndex].services.indices {
        let name = files[fileIndex].services[index].name
        try Self.checkTypeName(name, path: files[fileIndex].path)
        files[fileIndex].services[index].fullName = package + "." + name
      }
    }
    for fileIndex in files.indices {
      let path = files[fileIndex].path
      for index in files[fileIndex].messages.indices {
        try self.resolve(&files[fileIndex].messages[index], path: path)
      }
      for index in files[fileIndex].services.indices {
        for methodIndex in files[fileIndex].services[index].methods.indices {
          var method = files[fileIndex].services[index].methods[methodIndex]
          method.resolvedRequest = try self.resolveMessage(method.requestType, path: path)
          method.resolvedResponse = try self.resolveMessage(method.responseType, path: path)
          files[fileIndex].services[index].methods[methodIndex] = method
        }
      }
    }
    self.files = files
    for message in self.messages.values.sorted(by: { $0.fullName < $1.fullName }) {
      try self.checkOneofNames(message)
    }
    var acyclic: Set<String> = []
    for name in self.messages.keys.sorted() {
      try self.checkNoCycle(from: name, path: [name], acyclic: &acyclic)
    }
  }

  // MARK: - Registration

  private mutating func register(_ message: inout MessageDecl, scope: String) throws(ProtoGenError)
  {
    try Self.checkTypeName(message.name, path: scope)
    message.fullName = scope + "." + message.name
    for index in message.messages.indices {
      try self.register(&message.messages[index], scope: message.fullName)
    }
    for index in message.enums.indices {
      try self.register(&message.enums[index], scope: message.fullName)
    }
    var seenNumbers: Set<Int32> = []
    var seenNames: Set<String> = []
    for field in message.fields {
      guard seenNumbers.insert(field.number).inserted, seenNames.insert(field.name).inserted else {
        throw ProtoGenError("\(message.fullName): duplicate field \(field.name) = \(field.number)")
      }
      guard field.name != "base", !field.name.hasPrefix("n_"), field.name == field.name.lowercased()
      else {
        throw ProtoGenError(
          "\(message.fullName).\(field.name): field names are lower_snake_case and must not be 'base' or start with 'n_' (protoc-c uses those)"
        )
      }
    }
    guard self.messages[message.fullName] == nil, self.enums[message.fullName] == nil else {
      throw ProtoGenError("\(message.fullName) is declared twice")
    }
    self.messages[message.fullName] = message
  }

  private mutating func register(_ decl: inout EnumDecl, scope: String) throws(ProtoGenError) {
    try Self.checkTypeName(decl.name, path: scope)
    decl.fullName = scope + "." + decl.name
    guard self.messages[decl.fullName] == nil, self.enums[decl.fullName] == nil else {
      throw ProtoGenError("\(decl.fullName) is declared twice")
    }
    var seen: Set<String> = []
    for value in decl.values {
      let swiftName = Naming.swiftEnumCaseName(value.name, enumName: decl.name)
      guard seen.insert(swiftName).inserted else {
        throw ProtoGenError(
          "\(decl.fullName).\(value.name): two values map to Swift name \(swiftName)")
      }
    }
    self.enums[decl.fullName] = decl
  }

  private static func checkTypeName(_ name: String, path: String) throws(ProtoGenError) {
    guard !Naming.reservedTypeNames.contains(name) else {
      throw ProtoGenError("\(path).\(name): this name would shadow a Swift type; choose another")
    }
    guard let first = name.first, first.isUppercase, !name.contains("_") else {
      throw ProtoGenError("\(path).\(name): type names are UpperCamelCase")
    }
  }

  // MARK: - Resolution

  private mutating func resolve(_ message: inout MessageDecl, path: String) throws(ProtoGenError) {
    for index in message.fields.indices {
      var field = message.fields[index]
      let context = "\(path): \(message.fullName).\(field.name)"
      if let (key, value) = field.mapTypes {
        guard let keyType = ScalarType(rawValue: key), keyType != .double, keyType != .float,
          keyType != .bytes
        else {
          throw ProtoGenError("\(context): map keys must be an integer, bool or string type")
        }
        field.resolvedMap = (
          keyType, try self.resolveType(value, scope: message.fullName, context: context)
        )
      } else {
        field.resolved = try self.resolveType(
          field.typeName, scope: message.fullName, context: context)
      }
      message.fields[index] = field
    }
    for index in message.messages.indices {
      try self.resolve(&message.messages[index], path: path)
    }
    self.messages[message.fullName] = message
  }

  private func resolveType(_ name: String, scope: String, context: String) throws(ProtoGenError)
    -> ResolvedType
  {
    if let scalar = ScalarType(rawValue: name) { return .scalar(scalar) }
    guard let fullName = self.lookUp(name, scope: scope) else {
      throw ProtoGenError("\(context): unknown type \(name)")
    }
    return self.messages[fullName] != nil ? .message(fullName) : .enumeration(fullName)
  }

  private func resolveMessage(_ name: String, path: String) throws(ProtoGenError) -> String {
    guard let fullName = self.lookUp(name, scope: self.package), self.messages[fullName] != nil
    else {
      throw ProtoGenError("\(path): rpc type \(name) is not a message")
    }
    return fullName
  }

  /// Proto scoping: innermost scope first, then each enclosing scope out to the root.
  private func lookUp(_ name: String, scope: String) -> String? {
    if name.hasPrefix(".") {
      let fullName = String(name.dropFirst())
      return self.messages[fullName] != nil || self.enums[fullName] != nil ? fullName : nil
    }
    var parts = scope.split(separator: ".").map(String.init)
    while true {
      let candidate = (parts + [name]).joined(separator: ".")
      if self.messages[candidate] != nil || self.enums[candidate] != nil { return candidate }
      if parts.isEmpty { return nil }
      parts.removeLast()
    }
  }

  /// A oneof becomes a nested Swift enum named after it (`kind` → `Kind`); that name must not
  /// hide a type the message uses or declares, or `case x(Kind)` would refer to the enum itself.
  private func checkOneofNames(_ message: MessageDecl) throws(ProtoGenError) {
    for oneof in message.oneofs {
      let typeName = oneof.name.split(separator: "_").map {
        $0.prefix(1).uppercased() + $0.dropFirst()
      }
      .joined()
      let nested = message.messages.map(\.name) + message.enums.map(\.name)
      let topLevel = self.package + "." + typeName
      if nested.contains(typeName) || self.messages[topLevel] != nil || self.enums[topLevel] != nil
      {
        throw ProtoGenError(
          "\(message.fullName): oneof \(oneof.name) would become Swift enum \(typeName), which hides the type of that name; rename the oneof"
        )
      }
    }
  }

  /// Depth-first search; `acyclic` remembers messages already known to reach no cycle.
  private func checkNoCycle(from name: String, path: [String], acyclic: inout Set<String>)
    throws(ProtoGenError)
  {
    guard !acyclic.contains(name), let message = self.messages[name] else { return }
    for field in message.fields {
      let target: String
      if let (_, value) = field.resolvedMap, case .message(let name) = value {
        target = name
      } else if field.mapTypes == nil, case .message(let name) = field.resolved {
        target = name
      } else {
        continue
      }
      if path.contains(target) {
        throw ProtoGenError(
          "message cycle \((path + [target]).joined(separator: " → ")): recursive messages are not allowed"
        )
      }
      try self.checkNoCycle(from: target, path: path + [target], acyclic: &acyclic)
    }
    acyclic.insert(name)
  }
}
