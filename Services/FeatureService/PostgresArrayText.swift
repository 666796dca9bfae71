/// PostgreSQL's text form of one-dimensional arrays, for parameters (`$1::text[]`) and for
/// array cells, which the client returns as text.
enum PostgresArrayText {
  /// `{"a","b\"c"}`: every element quoted, `"` and `\` escaped. Elements must not contain NUL
  /// (the client refuses such text).
  static func literal(_ elements: [String]) -> String {
    var text = "{"
    for (index, element) in elements.enumerated() {
      if index > 0 { text += "," }
      text += "\""
      for character in element.unicodeScalars {
        if character == "\"" || character == "\\" { text += "\\" }
        text.unicodeScalars.append(character)
      }
      text += "\""
    }
    return text + "}"
  }

  /// `{1.5,NaN,-2}`. NaN is written as PostgreSQL reads it; callers refuse infinities first.
  static func literal(_ values: [Double]) -> String {
    var text = "{"
    for (index, value) in values.enumerated() {
      if index > 0 { text += "," }
      text += value.isNaN ? "NaN" : value.description
    }
    return text + "}"
  }

  /// Reads `{1.5,NaN,-2}`; nil if the text is not such an array.
  static func doubles(_ text: String) -> [Double]? {
    guard let inner = Self.inner(text) else { return nil }
    if inner.isEmpty { return [] }
    var values: [Double] = []
    for part in inner.split(separator: ",", omittingEmptySubsequences: false) {
      guard let value = Double(part) else { return nil }
      values.append(value)
    }
    return values
  }

  /// Reads an array of simple identifiers such as `{ac_power_kw,temperature_c}` (elements that
  /// PostgreSQL quoted, such as `"null"`, are unquoted); nil for anything else.
  static func identifiers(_ text: String) -> [String]? {
    guard let inner = Self.inner(text) else { return nil }
    if inner.isEmpty { return [] }
    return inner.split(separator: ",", omittingEmptySubsequences: false).map { part in
      part.count >= 2 && part.first == "\"" && part.last == "\""
        ? String(part.dropFirst().dropLast()) : String(part)
    }
  }

  private static func inner(_ text: String) -> Substring? {
    guard text.first == "{", text.last == "}" else { return nil }
    return text.dropFirst().dropLast()
  }
}
