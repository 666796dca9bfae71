/// A table name, optionally schema-qualified, quoted as an identifier wherever it is used.
package struct PostgresTableName: Hashable, Sendable, ExpressibleByStringLiteral {
  /// The schema, or `nil` for the connection's `search_path`.
  package var schema: String?
  /// The table's name, exactly as created (quoted identifiers are case-sensitive).
  package var name: String

  /// Creates a name.
  /// - Parameters:
  ///   - name: The table's name.
  ///   - schema: The schema, or `nil` for the `search_path`.
  package init(_ name: String, schema: String? = nil) {
    self.name = name
    self.schema = schema
  }

  /// A table in the `search_path`, from a literal: `"telemetry"`.
  package init(stringLiteral value: String) {
    self.init(value)
  }

  /// The name as SQL: `"schema"."table"`.
  func quoted() throws(PostgresError) -> String {
    let table = try Self.quoted(self.name)
    guard let schema else { return table }
    return "\(try Self.quoted(schema)).\(table)"
  }

  /// Quotes one identifier, doubling embedded quotes, so it can never end the identifier.
  static func quoted(_ identifier: String) throws(PostgresError) -> String {
    guard !identifier.isEmpty, !identifier.utf8.contains(0) else {
      throw PostgresError(
        code: .invalidValue, message: "an SQL identifier must be non-empty and contain no NUL")
    }
    return "\"" + identifier.replacing("\"", with: "\"\"") + "\""
  }
}
