/// Request headers or response trailers: an ordered list of key/value pairs.
///
/// Keys are compared case-insensitively and stored in lower case. A key may repeat. Keys ending
/// in `-bin` carry binary values; the others carry text. Keys starting with `dcmms-` are
/// reserved for the RPC itself.
package struct Metadata: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
  /// One entry.
  package struct Entry: Sendable, Hashable {
    /// The key, in lower case.
    package var key: String
    /// The value's bytes (UTF-8 for text keys).
    package var value: [UInt8]
  }

  private var entries: [Entry]

  /// Creates empty metadata.
  package init() { self.entries = [] }

  package init(dictionaryLiteral elements: (String, String)...) {
    self.entries = elements.map { Entry(key: $0.0.lowercased(), value: Array($0.1.utf8)) }
  }

  /// The number of entries.
  package var count: Int { self.entries.count }

  /// Whether there are no entries.
  package var isEmpty: Bool { self.entries.isEmpty }

  /// Appends a text value under `key`.
  package mutating func add(_ value: String, forKey key: String) {
    self.entries.append(Entry(key: key.lowercased(), value: Array(value.utf8)))
  }

  /// Appends a binary value under `key` (which should end in `-bin`).
  package mutating func add(bytes value: [UInt8], forKey key: String) {
    self.entries.append(Entry(key: key.lowercased(), value: value))
  }

  /// Replaces every value under `key` with one text value.
  package mutating func replace(_ value: String, forKey key: String) {
    self.removeAll(forKey: key)
    self.add(value, forKey: key)
  }

  /// Removes every value under `key`.
  package mutating func removeAll(forKey key: String) {
    let key = key.lowercased()
    self.entries.removeAll { $0.key == key }
  }

  /// The first text value under `key`, or nil when absent or not valid UTF-8.
  package subscript(key: String) -> String? {
    let key = key.lowercased()
    guard let entry = self.entries.first(where: { $0.key == key }) else { return nil }
    return String(validating: entry.value, as: UTF8.self)
  }

  /// Every value under `key`, as bytes.
  package func values(forKey key: String) -> [[UInt8]] {
    let key = key.lowercased()
    return self.entries.filter { $0.key == key }.map(\.value)
  }

  package func makeIterator() -> IndexingIterator<[Entry]> { self.entries.makeIterator() }
}
