/// The result of one statement: its columns, its rows, and how many rows it affected.
///
/// All cells are copied out of libpq before the result is freed, so this value is independent
/// of the connection and may be sent anywhere.
package struct PostgresRows: RandomAccessCollection, Sendable {
  /// The result's columns, in order.
  package let columns: PostgresColumns
  /// The rows, in the order the server sent them.
  package let rows: [PostgresRow]
  /// The row count from the command tag (`INSERT`, `UPDATE`, `DELETE`, `SELECT`, `COPY`…),
  /// or `nil` for commands without one.
  package let affectedRows: Int?

  init(columns: PostgresColumns, rows: [PostgresRow], affectedRows: Int?) {
    self.columns = columns
    self.rows = rows
    self.affectedRows = affectedRows
  }

  /// The first row's index: always 0.
  package var startIndex: Int { self.rows.startIndex }
  /// One past the last row's index.
  package var endIndex: Int { self.rows.endIndex }
  /// The row at `position`.
  package subscript(position: Int) -> PostgresRow { self.rows[position] }
}

/// The names and type OIDs of a result's columns, with lookup by name.
package struct PostgresColumns: Sendable {
  /// Column names in order.
  package let names: [String]
  /// Column type OIDs from `pg_type`, in order.
  package let typeOIDs: [UInt32]
  private let indexByName: [String: Int]

  init(names: [String], typeOIDs: [UInt32]) {
    self.names = names
    self.typeOIDs = typeOIDs
    var index: [String: Int] = [:]
    // With duplicate names (`SELECT a.id, b.id`) the first column wins, as in libpq's PQfnumber.
    for (position, name) in names.enumerated() where index[name] == nil {
      index[name] = position
    }
    self.indexByName = index
  }

  /// The position of the first column called `name`, or `nil`.
  package func index(of name: String) -> Int? { self.indexByName[name] }
}

/// One result row. Cells are read by column name or position, as ``PostgresValue``s or as
/// Swift types through ``decode(_:_:)``.
package struct PostgresRow: Sendable {
  /// The result's columns.
  package let columns: PostgresColumns
  /// The cells, one per column.
  package let values: [PostgresValue]

  init(columns: PostgresColumns, values: [PostgresValue]) {
    self.columns = columns
    self.values = values
  }

  /// The cell in the column called `name`, or `nil` if there is no such column.
  package subscript(name: String) -> PostgresValue? {
    self.columns.index(of: name).map { self.values[$0] }
  }

  /// Reads the cell in column `name` as `T`.
  ///
  /// Use an optional type (`String?`) for columns that may be NULL.
  /// - Throws: ``PostgresError/Code/decodingFailed`` if there is no such column, the cell is
  ///   NULL and `T` is not optional, or the cell's type does not convert to `T`.
  package func decode<T: PostgresDecodable>(
    _ type: T.Type = T.self, _ name: String
  ) throws(PostgresError) -> T {
    guard let index = self.columns.index(of: name) else {
      throw PostgresError(
        code: .decodingFailed,
        message:
          "the result has no column '\(name)' (columns: \(self.columns.names.joined(separator: ", ")))"
      )
    }
    return try self.decode(type, at: index)
  }

  /// Reads the cell at position `index` as `T`.
  /// - Throws: ``PostgresError/Code/decodingFailed`` as ``decode(_:_:)`` does, or for an index
  ///   outside the row.
  package func decode<T: PostgresDecodable>(
    _ type: T.Type = T.self, at index: Int
  ) throws(PostgresError) -> T {
    guard self.values.indices.contains(index) else {
      throw PostgresError(
        code: .decodingFailed,
        message: "column index \(index) is outside a row of \(self.values.count) columns")
    }
    let value = self.values[index]
    guard let decoded = T(postgresValue: value) else {
      throw PostgresError(
        code: .decodingFailed,
        message: "column '\(self.columns.names[index])' holds \(value.kindName), "
          + "which cannot be read as \(T.self)")
    }
    return decoded
  }
}
