internal import CLibpq
internal import Glibc

/// One libpq connection (`PGconn *`) and the blocking calls made on it.
///
/// Owned by exactly one ``PostgresConnection`` and used only on its serial executor; not
/// Sendable. `deinit` closes the socket and frees the handle.
final class PostgresSession {
  private let handle: OpaquePointer
  /// `host:port` as libpq resolved it, for messages.
  let serverDescription: String
  /// Names of the prepared statements this session has already prepared.
  private var preparedNames: Set<String> = []

  private init(handle: OpaquePointer) {
    self.handle = handle
    let host = PQhost(handle).map { String(cString: $0) } ?? "?"
    let port = PQport(handle).map { String(cString: $0) } ?? "?"
    self.serverDescription = "PostgreSQL at \(host):\(port)"
  }

  deinit {
    PQfinish(self.handle)
  }

  /// Opens a connection; blocks for at most the configured connect timeout.
  /// - Returns: The session, or libpq's first line of error text.
  static func open(_ configuration: PostgresConfiguration) -> Result<PostgresSession, OpenFailure> {
    let seconds = max(
      1,
      Int(configuration.connectTimeout.components.seconds)
        + (configuration.connectTimeout.components.attoseconds > 0 ? 1 : 0))
    // Session settings make the text results this client parses unambiguous.
    var options = "-c TimeZone=UTC -c DateStyle=ISO -c bytea_output=hex -c extra_float_digits=3"
    if let timeout = configuration.statementTimeout {
      let milliseconds = max(
        1,
        timeout.components.seconds * 1000
          + timeout.components.attoseconds / 1_000_000_000_000_000)
      options += " -c statement_timeout=\(milliseconds)"
    }
    // The connection string comes first and is expanded; the entries after it override it.
    let pairs: [(String, String)] = [
      ("dbname", configuration.connectionString),
      ("connect_timeout", String(seconds)),
      ("client_encoding", "UTF8"),
      ("application_name", configuration.applicationName),
      ("options", options),
    ]
    let handle = Self.withCStringArray(pairs.map(\.0)) { keywords in
      Self.withCStringArray(pairs.map(\.1)) { values in
        PQconnectdbParams(keywords, values, 1)
      }
    }
    guard let handle else { return .failure(OpenFailure(message: "out of memory")) }
    guard PQstatus(handle) == CONNECTION_OK else {
      let message = Self.firstLine(PQerrorMessage(handle))
      PQfinish(handle)
      return .failure(OpenFailure(message: message))
    }
    // libpq prints server notices (and late FATAL messages) to stderr by default; the client
    // reports failures through its errors instead.
    PQsetNoticeProcessor(handle, { _, _ in }, nil)
    return .success(PostgresSession(handle: handle))
  }

  /// libpq's reason for a failed connection attempt.
  struct OpenFailure: Error {
    var message: String
  }

  /// Whether the session can take a statement now. Reads what the server sent while the
  /// session was idle, so a server that closed the connection (restart, idle timeout) is
  /// noticed before a statement is sent rather than after.
  var isUsable: Bool {
    guard PQstatus(self.handle) == CONNECTION_OK, PQconsumeInput(self.handle) == 1 else {
      return false
    }
    while let notification = PQnotifies(self.handle) {
      PQfreemem(notification)
    }
    return PQstatus(self.handle) == CONNECTION_OK
  }

  /// Whether libpq has given up on the socket.
  var isBroken: Bool { PQstatus(self.handle) != CONNECTION_OK }

  // MARK: - Statements

  /// Runs one statement with parameters (extended protocol: never several statements).
  func execute(
    _ sql: String, _ parameters: [PostgresValue], format: PostgresParameterFormat
  ) throws(PostgresError) -> PostgresRows {
    let encoded = try Self.encode(parameters, format: format)
    let result = Self.withParameterArrays(encoded) { types, values, lengths, formats in
      PQexecParams(self.handle, sql, Int32(encoded.count), types, values, lengths, formats, 0)
    }
    return try self.rows(from: result)
  }

  /// Runs a named prepared statement, preparing it first on this session if needed.
  /// Parameters go as text: the server inferred their types when it prepared the statement,
  /// and the text form is valid for every type.
  func execute(
    _ statement: PostgresPreparedStatement, _ parameters: [PostgresValue]
  ) throws(PostgresError) -> PostgresRows {
    if !self.preparedNames.contains(statement.name) {
      let result = PQprepare(self.handle, statement.name, statement.sql, 0, nil)
      _ = try self.rows(from: result)
      self.preparedNames.insert(statement.name)
    }
    let encoded = try Self.encode(parameters, format: .text)
    let result = Self.withParameterArrays(encoded) { _, values, lengths, formats in
      PQexecPrepared(self.handle, statement.name, Int32(encoded.count), values, lengths, formats, 0)
    }
    return try self.rows(from: result)
  }

  /// Runs fixed SQL that may hold several statements (simple protocol, no parameters).
  /// Only for SQL written in the program, such as migrations; never for text built from data.
  func executeScript(_ sql: String) throws(PostgresError) {
    _ = try self.rows(from: PQexec(self.handle, sql))
  }

  /// Streams rows to `COPY … FROM STDIN` in text format.
  /// - Returns: The number of rows the server stored.
  func copyIn(
    _ copySQL: String, columnCount: Int, rows: [[PostgresValue]]
  ) throws(PostgresError) -> Int {
    let start = PQexec(self.handle, copySQL)
    let startStatus = start.map { PQresultStatus($0) }
    guard startStatus == PGRES_COPY_IN else {
      _ = try self.rows(from: start)
      throw PostgresError(code: .queryFailed, message: "the server did not enter COPY IN mode")
    }
    PQclear(start)

    var buffer: [UInt8] = []
    buffer.reserveCapacity(Self.copyChunkSize + 4096)
    do throws(PostgresError) {
      for (rowNumber, row) in rows.enumerated() {
        guard row.count == columnCount else {
          throw PostgresError(
            code: .invalidValue,
            message: "COPY row \(rowNumber + 1) has \(row.count) values for \(columnCount) columns")
        }
        for (column, value) in row.enumerated() {
          if column > 0 { buffer.append(UInt8(ascii: "\t")) }
          try value.appendCopyText(to: &buffer, row: rowNumber + 1, column: column + 1)
        }
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= Self.copyChunkSize {
          try self.putCopyData(buffer)
          buffer.removeAll(keepingCapacity: true)
        }
      }
      if !buffer.isEmpty { try self.putCopyData(buffer) }
    } catch {
      // Abort the COPY so the connection returns to normal; nothing from it is stored.
      if !self.isBroken {
        PQputCopyEnd(self.handle, "client aborted the COPY")
        self.drainResults()
      }
      throw error
    }
    guard PQputCopyEnd(self.handle, nil) == 1 else { throw self.lostConnection() }
    let result = try self.rows(from: PQgetResult(self.handle))
    self.drainResults()
    return result.affectedRows ?? 0
  }

  // MARK: - Results and errors

  private static let copyChunkSize = 256 * 1024

  private func putCopyData(_ bytes: [UInt8]) throws(PostgresError) {
    let sent = bytes.withUnsafeBufferPointer { buffer in
      buffer.withMemoryRebound(to: CChar.self) { chars in
        PQputCopyData(self.handle, chars.baseAddress, Int32(chars.count))
      }
    }
    guard sent == 1 else { throw self.lostConnection() }
  }

  private func drainResults() {
    while let result = PQgetResult(self.handle) {
      PQclear(result)
    }
  }

  /// Copies a result into Swift values and frees it, or throws the error it carries.
  private func rows(from result: OpaquePointer?) throws(PostgresError) -> PostgresRows {
    guard let result else {
      if self.isBroken { throw self.lostConnection() }
      throw PostgresError(
        code: .queryFailed,
        message: "libpq returned no result: \(Self.firstLine(PQerrorMessage(self.handle)))")
    }
    defer { PQclear(result) }
    let status = PQresultStatus(result)
    if status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK {
      return try Self.copyRows(result)
    }
    if status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH {
      // A COPY sent as an ordinary statement: leave copy mode so the session stays usable.
      PQputCopyEnd(self.handle, "COPY is only supported through copyFrom")
      self.drainResults()
      throw PostgresError(
        code: .queryFailed, message: "COPY statements must go through copyFrom(table:columns:rows:)"
      )
    }
    if self.isBroken { throw self.lostConnection() }
    guard let stateField = PQresultErrorField(result, Int32(UInt8(ascii: "C"))) else {
      throw PostgresError(
        code: .queryFailed,
        message: "the statement failed: \(Self.firstLine(PQresultErrorMessage(result)))")
    }
    let server = PostgresServerError(
      sqlState: String(cString: stateField),
      message: PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) }
        ?? "",
      detail: PQresultErrorField(result, Int32(UInt8(ascii: "D"))).map { String(cString: $0) },
      hint: PQresultErrorField(result, Int32(UInt8(ascii: "H"))).map { String(cString: $0) })
    throw PostgresSQLState.error(for: server, server: self.serverDescription)
  }

  func lostConnection() -> PostgresError {
    PostgresError(
      code: .unavailable,
      message: "the connection to \(self.serverDescription) was lost during the call "
        + "(\(Self.firstLine(PQerrorMessage(self.handle)))); the call was not retried, and "
        + "outside a transaction it may or may not have taken effect")
  }

  private static func copyRows(_ result: OpaquePointer) throws(PostgresError) -> PostgresRows {
    let rowCount = Int(PQntuples(result))
    let columnCount = Int(PQnfields(result))
    var names: [String] = []
    var types: [UInt32] = []
    for column in 0..<columnCount {
      names.append(PQfname(result, Int32(column)).map { String(cString: $0) } ?? "")
      types.append(PQftype(result, Int32(column)))
    }
    let columns = PostgresColumns(names: names, typeOIDs: types)
    var rows: [PostgresRow] = []
    rows.reserveCapacity(rowCount)
    for row in 0..<rowCount {
      var values: [PostgresValue] = []
      values.reserveCapacity(columnCount)
      for column in 0..<columnCount {
        if PQgetisnull(result, Int32(row), Int32(column)) == 1 {
          values.append(.null)
          continue
        }
        let length = Int(PQgetlength(result, Int32(row), Int32(column)))
        let pointer = UnsafeRawPointer(PQgetvalue(result, Int32(row), Int32(column)))
        let text = UnsafeBufferPointer(
          start: pointer?.assumingMemoryBound(to: UInt8.self), count: pointer == nil ? 0 : length)
        guard let value = PostgresValue.decode(text: text, typeOID: types[column]) else {
          throw PostgresError(
            code: .decodingFailed,
            message: "column '\(names[column])' (type OID \(types[column])) held text "
              + "the client could not parse")
        }
        values.append(value)
      }
      rows.append(PostgresRow(columns: columns, values: values))
    }
    let tag = PQcmdTuples(result).map { String(cString: $0) } ?? ""
    return PostgresRows(columns: columns, rows: rows, affectedRows: Int(tag))
  }

  /// The command tag of the last result, for `COMMIT` (which answers `ROLLBACK` when the
  /// transaction had already failed).
  func executeReturningTag(_ sql: String) throws(PostgresError) -> String {
    guard let result = PQexec(self.handle, sql) else { throw self.lostConnection() }
    let tag = PQcmdStatus(result).map { String(cString: $0) } ?? ""
    _ = try self.rows(from: result)
    return tag
  }

  // MARK: - Parameter marshalling

  private static func encode(
    _ parameters: [PostgresValue], format: PostgresParameterFormat
  ) throws(PostgresError) -> [EncodedParameter] {
    guard parameters.count <= Int(Int16.max) else {
      throw PostgresError(
        code: .invalidValue, message: "\(parameters.count) parameters exceed PostgreSQL's 32767")
    }
    var encoded: [EncodedParameter] = []
    encoded.reserveCapacity(parameters.count)
    for (index, value) in parameters.enumerated() {
      encoded.append(try value.encoded(format: format, index: index + 1))
    }
    return encoded
  }

  /// Lays the parameters out in one allocation that lives exactly as long as `body`.
  private static func withParameterArrays<R>(
    _ parameters: [EncodedParameter],
    _ body: (
      UnsafePointer<UInt32>?, UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?,
      UnsafePointer<Int32>?
    ) -> R
  ) -> R {
    // Text values need a terminating zero byte: libpq reads them with strlen.
    let total = parameters.reduce(0) { $0 + ($1.bytes?.count ?? 0) + 1 }
    let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(total, 1), alignment: 1)
    defer { storage.deallocate() }
    var values: [UnsafePointer<CChar>?] = []
    var offset = 0
    for parameter in parameters {
      guard let bytes = parameter.bytes else {
        values.append(nil)
        continue
      }
      let start = storage.baseAddress! + offset
      bytes.withUnsafeBytes { source in
        if let base = source.baseAddress { start.copyMemory(from: base, byteCount: source.count) }
      }
      start.storeBytes(of: 0, toByteOffset: bytes.count, as: UInt8.self)
      values.append(UnsafePointer(start.assumingMemoryBound(to: CChar.self)))
      offset += bytes.count + 1
    }
    let types = parameters.map(\.oid)
    let lengths = parameters.map { Int32($0.bytes?.count ?? 0) }
    let formats = parameters.map { Int32($0.isBinary ? 1 : 0) }
    return types.withUnsafeBufferPointer { types in
      values.withUnsafeBufferPointer { values in
        lengths.withUnsafeBufferPointer { lengths in
          formats.withUnsafeBufferPointer { formats in
            body(types.baseAddress, values.baseAddress, lengths.baseAddress, formats.baseAddress)
          }
        }
      }
    }
  }

  private static func withCStringArray<R>(
    _ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R
  ) -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    let pointers: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } } + [nil]
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
  }

  static func firstLine(_ text: UnsafePointer<CChar>?) -> String {
    guard let text else { return "no error text" }
    let line = String(cString: text).split(separator: "\n").first.map(String.init) ?? ""
    return line.isEmpty ? "no error text" : line
  }
}
