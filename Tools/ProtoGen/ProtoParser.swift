/// Parses the proto3 subset our API uses: `syntax`, `package`, `import`, `option` (ignored),
/// `message` with nested messages and enums, scalar, message and enum fields, `repeated`,
/// `map<K, V>`, `oneof`, `reserved`, `enum`, and `service` with `rpc` and `stream`.
///
/// Anything else (`optional`, `group`, `extend`, proto2) is refused with the line number:
/// protoc-c 1.4.1 cannot compile proto3 `optional` fields.
struct ProtoParser {
  private var tokens: [ProtoToken]
  private var position = 0
  private let path: String

  init(tokens: [ProtoToken], path: String) {
    self.tokens = tokens
    self.path = path
  }

  static func parse(text: String, path: String) throws(ProtoGenError) -> ProtoFile {
    let tokens = try ProtoLexer(text: text, path: path).tokenize()
    var parser = ProtoParser(tokens: tokens, path: path)
    return try parser.parseFile()
  }

  mutating func parseFile() throws(ProtoGenError) -> ProtoFile {
    var file = ProtoFile(path: self.path, package: "")
    while let token = self.peek() {
      switch token.text {
      case "syntax":
        self.advance()
        try self.expect("=")
        let syntax = try self.expectString()
        guard syntax == "proto3" else { throw self.error(token, "only proto3 is supported") }
        try self.expect(";")
      case "package":
        self.advance()
        file.package = try self.expectIdentifier()
        try self.expect(";")
      case "import":
        self.advance()
        if self.peek()?.text == "public" || self.peek()?.text == "weak" { self.advance() }
        file.imports.append(try self.expectString())
        try self.expect(";")
      case "option":
        try self.skipStatement()
      case "message":
        file.messages.append(try self.parseMessage())
      case "enum":
        file.enums.append(try self.parseEnum())
      case "service":
        file.services.append(try self.parseService())
      case ";":
        self.advance()
      default:
        throw self.error(token, "unexpected '\(token.text)' at top level")
      }
    }
    guard !file.package.isEmpty else {
      throw ProtoGenError("\(self.path): a package declaration is required")
    }
    return file
  }

  // MARK: - Messages

  private mutating func parseMessage() throws(ProtoGenError) -> MessageDecl {
    let keyword = try self.next()
    var message = MessageDecl(name: try self.expectIdentifier(), doc: keyword.doc)
    try self.expect("{")
    while true {
      let token = try self.peekOrFail()
      switch token.text {
      case "}":
        self.advance()
        return message
      case "message":
        message.messages.append(try self.parseMessage())
      case "enum":
        message.enums.append(try self.parseEnum())
      case "option", "reserved":
        try self.skipStatement()
      case ";":
        self.advance()
      case "oneof":
        self.advance()
        let oneofIndex = message.oneofs.count
        message.oneofs.append(OneofDecl(name: try self.expectIdentifier(), doc: token.doc))
        try self.expect("{")
        while try self.peekOrFail().text != "}" {
          if self.peek()?.text == "option" {
            try self.skipStatement()
            continue
          }
          var field = try self.parseField(allowLabel: false)
          field.oneofIndex = oneofIndex
          message.fields.append(field)
        }
        self.advance()
      case "optional":
        throw self.error(
          token,
          "proto3 'optional' is not supported by protoc-c 1.4.1: use a one-field oneof or a wrapper message"
        )
      case "required", "group", "extend", "extensions":
        throw self.error(token, "'\(token.text)' is not supported")
      default:
        message.fields.append(try self.parseField(allowLabel: true))
      }
    }
  }

  private mutating func parseField(allowLabel: Bool) throws(ProtoGenError) -> FieldDecl {
    let first = try self.peekOrFail()
    var label = FieldDecl.Label.singular
    if first.text == "repeated" {
      guard allowLabel else { throw self.error(first, "oneof members cannot be repeated") }
      label = .repeated
      self.advance()
    }
    var typeName: String
    var mapTypes: (key: String, value: String)?
    if try self.peekOrFail().text == "map" && self.peek(offset: 1)?.text == "<" {
      guard allowLabel, label == .singular else {
        throw self.error(first, "map fields cannot be repeated or inside a oneof")
      }
      self.advance()
      try self.expect("<")
      let key = try self.expectIdentifier()
      try self.expect(",")
      let value = try self.expectIdentifier()
      try self.expect(">")
      typeName = "map"
      mapTypes = (key, value)
    } else {
      typeName = try self.expectIdentifier()
    }
    let name = try self.expectIdentifier()
    try self.expect("=")
    let numberToken = try self.next()
    guard numberToken.kind == .integer, let number = Int32(numberToken.text), number > 0 else {
      throw self.error(numberToken, "expected a positive field number, found '\(numberToken.text)'")
    }
    if self.peek()?.text == "[" {
      while try self.next().text != "]" {}
    }
    try self.expect(";")
    return FieldDecl(
      name: name, number: number, label: label, typeName: typeName, mapTypes: mapTypes,
      doc: first.doc)
  }

  // MARK: - Enums and services

  private mutating func parseEnum() throws(ProtoGenError) -> EnumDecl {
    let keyword = try self.next()
    var decl = EnumDecl(name: try self.expectIdentifier(), doc: keyword.doc)
    try self.expect("{")
    while true {
      let token = try self.peekOrFail()
      switch token.text {
      case "}":
        self.advance()
        guard decl.values.first?.number == 0 else {
          throw self.error(token, "the first value of enum \(decl.name) must be 0")
        }
        return decl
      case "option", "reserved":
        try self.skipStatement()
      case ";":
        self.advance()
      default:
        let name = try self.expectIdentifier()
        try self.expect("=")
        var negative = false
        if self.peek()?.text == "-" {
          negative = true
          self.advance()
        }
        let numberToken = try self.next()
        guard numberToken.kind == .integer, let magnitude = Int32(numberToken.text) else {
          throw self.error(numberToken, "expected an enum value number")
        }
        if self.peek()?.text == "[" {
          while try self.next().text != "]" {}
        }
        try self.expect(";")
        decl.values.append(
          EnumValueDecl(name: name, number: negative ? -magnitude : magnitude, doc: token.doc))
      }
    }
  }

  private mutating func parseService() throws(ProtoGenError) -> ServiceDecl {
    let keyword = try self.next()
    var service = ServiceDecl(name: try self.expectIdentifier(), doc: keyword.doc)
    try self.expect("{")
    while true {
      let token = try self.next()
      switch token.text {
      case "}":
        return service
      case "option":
        self.position -= 1
        try self.skipStatement()
      case ";":
        continue
      case "rpc":
        let name = try self.expectIdentifier()
        let (request, requestStreaming) = try self.parseMethodType()
        guard try self.next().text == "returns" else {
          throw self.error(token, "expected 'returns'")
        }
        let (response, responseStreaming) = try self.parseMethodType()
        if self.peek()?.text == "{" {
          self.advance()
          while try self.peekOrFail().text != "}" { try self.skipStatement() }
          self.advance()
        } else {
          try self.expect(";")
        }
        service.methods.append(
          MethodDecl(
            name: name, doc: token.doc, requestType: request, requestStreaming: requestStreaming,
            responseType: response, responseStreaming: responseStreaming))
      default:
        throw self.error(token, "unexpected '\(token.text)' in service \(service.name)")
      }
    }
  }

  private mutating func parseMethodType() throws(ProtoGenError) -> (String, Bool) {
    try self.expect("(")
    var streaming = false
    if self.peek()?.text == "stream", self.peek(offset: 1)?.text != ")" {
      streaming = true
      self.advance()
    }
    let type = try self.expectIdentifier()
    try self.expect(")")
    return (type, streaming)
  }

  // MARK: - Token helpers

  private func peek(offset: Int = 0) -> ProtoToken? {
    self.position + offset < self.tokens.count ? self.tokens[self.position + offset] : nil
  }

  private func peekOrFail() throws(ProtoGenError) -> ProtoToken {
    guard let token = self.peek() else {
      throw ProtoGenError("\(self.path): unexpected end of file")
    }
    return token
  }

  private mutating func advance() { self.position += 1 }

  private mutating func next() throws(ProtoGenError) -> ProtoToken {
    let token = try self.peekOrFail()
    self.position += 1
    return token
  }

  private mutating func expect(_ text: String) throws(ProtoGenError) {
    let token = try self.next()
    guard token.text == text, token.kind != .string else {
      throw self.error(token, "expected '\(text)', found '\(token.text)'")
    }
  }

  private mutating func expectIdentifier() throws(ProtoGenError) -> String {
    let token = try self.next()
    guard token.kind == .identifier else {
      throw self.error(token, "expected a name, found '\(token.text)'")
    }
    return token.text
  }

  private mutating func expectString() throws(ProtoGenError) -> String {
    let token = try self.next()
    guard token.kind == .string else {
      throw self.error(token, "expected a quoted string, found '\(token.text)'")
    }
    return token.text
  }

  /// Skips to the end of a statement: past the next `;`, or past a balanced `{ … }` block.
  private mutating func skipStatement() throws(ProtoGenError) {
    var depth = 0
    while true {
      let token = try self.next()
      if token.kind == .string { continue }
      if token.text == "{" { depth += 1 }
      if token.text == "}" {
        depth -= 1
        if depth == 0 { return }
      }
      if token.text == ";" && depth == 0 { return }
    }
  }

  private func error(_ token: ProtoToken, _ message: String) -> ProtoGenError {
    ProtoGenError("\(self.path):\(token.line): \(message)")
  }
}
