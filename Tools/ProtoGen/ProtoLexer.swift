/// One token of a `.proto` file.
struct ProtoToken {
  enum Kind: Equatable {
    case identifier  // also keywords and dotted names: `dcmms.v1.Foo`, `.dcmms.v1.Foo`
    case integer
    case string  // contents without the quotes
    case symbol  // one of `{ } ( ) [ ] < > ; , = -`
  }

  var kind: Kind
  var text: String
  var line: Int
  /// The `//` comment lines directly above this token, with no blank line in between.
  var doc: DocLines
}

/// Splits a `.proto` file into tokens, keeping the comments that document declarations.
struct ProtoLexer {
  private let bytes: [UInt8]
  private let path: String

  init(text: String, path: String) {
    self.bytes = Array(text.utf8)
    self.path = path
  }

  func tokenize() throws(ProtoGenError) -> [ProtoToken] {
    var tokens: [ProtoToken] = []
    var index = 0
    var line = 1
    var pendingDoc: DocLines = []
    var lastCommentLine = -1
    var lastTokenLine = 0

    while index < self.bytes.count {
      let byte = self.bytes[index]
      if byte == UInt8(ascii: "\n") {
        line += 1
        index += 1
        // A blank line between a comment and a declaration detaches the comment.
        if lastCommentLine < line - 1 { pendingDoc = [] }
        continue
      }
      if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") {
        index += 1
        continue
      }
      if byte == UInt8(ascii: "/"), index + 1 < self.bytes.count {
        if self.bytes[index + 1] == UInt8(ascii: "/") {
          var end = index + 2
          while end < self.bytes.count, self.bytes[end] != UInt8(ascii: "\n") { end += 1 }
          var text = String(decoding: self.bytes[(index + 2)..<end], as: UTF8.self)
          if text.hasPrefix(" ") { text.removeFirst() }
          index = end
          // A comment after a token on the same line is a trailing comment: it documents nothing.
          if lastTokenLine == line { continue }
          if lastCommentLine != line - 1 { pendingDoc = [] }
          pendingDoc.append(text)
          lastCommentLine = line
          continue
        }
        if self.bytes[index + 1] == UInt8(ascii: "*") {
          var end = index + 2
          while end + 1 < self.bytes.count,
            !(self.bytes[end] == UInt8(ascii: "*") && self.bytes[end + 1] == UInt8(ascii: "/"))
          {
            if self.bytes[end] == UInt8(ascii: "\n") { line += 1 }
            end += 1
          }
          guard end + 1 < self.bytes.count else {
            throw self.error(line, "unterminated /* comment")
          }
          index = end + 2
          pendingDoc = []
          continue
        }
      }

      let start = index
      let kind: ProtoToken.Kind
      if Self.isIdentifierStart(byte) || byte == UInt8(ascii: ".") {
        index += 1
        while index < self.bytes.count,
          Self.isIdentifierPart(self.bytes[index]) || self.bytes[index] == UInt8(ascii: ".")
        {
          index += 1
        }
        kind = .identifier
      } else if Self.isDigit(byte) {
        while index < self.bytes.count, Self.isIdentifierPart(self.bytes[index]) { index += 1 }
        kind = .integer
      } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
        index += 1
        while index < self.bytes.count, self.bytes[index] != byte {
          if self.bytes[index] == UInt8(ascii: "\n") {
            throw self.error(line, "unterminated string")
          }
          index += 1
        }
        guard index < self.bytes.count else { throw self.error(line, "unterminated string") }
        index += 1
        tokens.append(
          ProtoToken(
            kind: .string,
            text: String(decoding: self.bytes[(start + 1)..<(index - 1)], as: UTF8.self),
            line: line, doc: pendingDoc))
        pendingDoc = []
        lastTokenLine = line
        continue
      } else if Array("{}()[]<>;,=-".utf8).contains(byte) {
        index += 1
        kind = .symbol
      } else {
        throw self.error(line, "unexpected character '\(Character(Unicode.Scalar(byte)))'")
      }
      tokens.append(
        ProtoToken(
          kind: kind, text: String(decoding: self.bytes[start..<index], as: UTF8.self), line: line,
          doc: pendingDoc))
      pendingDoc = []
      lastTokenLine = line
    }
    return tokens
  }

  private func error(_ line: Int, _ message: String) -> ProtoGenError {
    ProtoGenError("\(self.path):\(line): \(message)")
  }

  private static func isIdentifierStart(_ byte: UInt8) -> Bool {
    (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
      || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || byte == UInt8(ascii: "_")
  }

  private static func isDigit(_ byte: UInt8) -> Bool {
    byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
  }

  private static func isIdentifierPart(_ byte: UInt8) -> Bool {
    Self.isIdentifierStart(byte) || Self.isDigit(byte)
  }
}

/// Why the generator stopped: a message that names the file and line when there is one.
struct ProtoGenError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
