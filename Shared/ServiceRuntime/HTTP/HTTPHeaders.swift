/// Header fields in the order received, with case-insensitive name lookup.
package struct HTTPHeaders: Hashable, Sendable, Sequence, ExpressibleByDictionaryLiteral {
  private var fields: [(name: String, value: String)]

  /// Creates headers from name/value pairs, keeping their order.
  /// - Parameter fields: The fields.
  package init(_ fields: [(name: String, value: String)] = []) {
    self.fields = fields
  }

  /// Creates headers from a literal, keeping its order.
  /// - Parameter elements: The fields.
  package init(dictionaryLiteral elements: (String, String)...) {
    self.fields = elements.map { (name: $0.0, value: $0.1) }
  }

  /// The number of fields, repeated names counted separately.
  package var count: Int { self.fields.count }

  /// The first value of the field `name` (any case), or `nil`.
  /// - Parameter name: The field name.
  package subscript(name: String) -> String? {
    self.fields.first { Self.namesMatch($0.name, name) }?.value
  }

  /// Every value of the field `name` (any case), in order.
  /// - Parameter name: The field name.
  /// - Returns: The values.
  package func values(for name: String) -> [String] {
    self.fields.filter { Self.namesMatch($0.name, name) }.map(\.value)
  }

  /// The comma-separated elements of every `name` field, trimmed and lowercased, for list
  /// fields such as `Connection` and `Transfer-Encoding`.
  /// - Parameter name: The field name.
  /// - Returns: The non-empty elements in order.
  package func tokens(for name: String) -> [String] {
    self.values(for: name).flatMap { value in
      value.split(separator: ",").map { $0.trimmingSpacesAndTabs().lowercased() }
        .filter { !$0.isEmpty }
    }
  }

  /// Whether a field named `name` (any case) is present.
  /// - Parameter name: The field name.
  /// - Returns: `true` when present.
  package func contains(_ name: String) -> Bool { self[name] != nil }

  /// Appends a field, keeping any existing fields of the same name.
  /// - Parameters:
  ///   - name: The field name.
  ///   - value: The value.
  package mutating func add(name: String, value: String) {
    self.fields.append((name, value))
  }

  /// Removes every field named `name`, then appends one with `value`.
  /// - Parameters:
  ///   - name: The field name.
  ///   - value: The value.
  package mutating func replaceOrAdd(name: String, value: String) {
    self.remove(name)
    self.fields.append((name, value))
  }

  /// Removes every field named `name` (any case).
  /// - Parameter name: The field name.
  package mutating func remove(_ name: String) {
    self.fields.removeAll { Self.namesMatch($0.name, name) }
  }

  /// Iterates the fields in order.
  package func makeIterator() -> some IteratorProtocol<(name: String, value: String)> {
    self.fields.makeIterator()
  }

  /// Compares fields in order, names case-insensitively.
  package static func == (lhs: Self, rhs: Self) -> Bool {
    lhs.fields.count == rhs.fields.count
      && zip(lhs.fields, rhs.fields).allSatisfy {
        Self.namesMatch($0.name, $1.name) && $0.value == $1.value
      }
  }

  /// Hashes fields in order, names lowercased.
  package func hash(into hasher: inout Hasher) {
    for field in self.fields {
      hasher.combine(field.name.lowercased())
      hasher.combine(field.value)
    }
  }

  private static func namesMatch(_ lhs: String, _ rhs: String) -> Bool {
    if lhs == rhs { return true }
    return lhs.utf8.count == rhs.utf8.count
      && zip(lhs.utf8, rhs.utf8).allSatisfy { Self.lowercased($0) == Self.lowercased($1) }
  }

  private static func lowercased(_ byte: UInt8) -> UInt8 {
    byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte
  }
}

extension StringProtocol {
  /// The text without leading and trailing spaces and horizontal tabs (HTTP's OWS).
  func trimmingSpacesAndTabs() -> String {
    // Works on UTF-8 code units: grapheme breaking is not needed to find ASCII blanks.
    let text = Substring(self)
    let utf8 = text.utf8
    var start = utf8.startIndex
    var end = utf8.endIndex
    while start < end, utf8[start] == 0x20 || utf8[start] == 0x09 {
      start = utf8.index(after: start)
    }
    while start < end {
      let last = utf8.index(before: end)
      guard utf8[last] == 0x20 || utf8[last] == 0x09 else { break }
      end = last
    }
    return String(text[start..<end])
  }
}
