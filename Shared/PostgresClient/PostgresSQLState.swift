/// Turns the server's error diagnostics into a ``PostgresError`` whose message is safe to show.
enum PostgresSQLState {
  /// SQLSTATE classes whose primary message names only SQL objects (tables, columns,
  /// constraints, types), never the data: their message is kept. Other classes, such as 22
  /// (data exception: `invalid input syntax for type integer: "…"`) and P0 (PL/pgSQL RAISE),
  /// can quote values, so only the SQLSTATE and its name are reported.
  private static let classesWithSafeMessages: Set<String> = [
    "0A", "23", "25", "2B", "3D", "3F", "40", "42", "53", "54", "55", "57",
  ]

  private static let names: [String: String] = [
    "0A000": "feature_not_supported",
    "22001": "string_data_right_truncation",
    "22003": "numeric_value_out_of_range",
    "22007": "invalid_datetime_format",
    "22008": "datetime_field_overflow",
    "22012": "division_by_zero",
    "22021": "character_not_in_repertoire",
    "22P02": "invalid_text_representation",
    "22P05": "untranslatable_character",
    "23502": "not_null_violation",
    "23503": "foreign_key_violation",
    "23505": "unique_violation",
    "23514": "check_violation",
    "25P02": "in_failed_sql_transaction",
    "40001": "serialization_failure",
    "40P01": "deadlock_detected",
    "42601": "syntax_error",
    "42703": "undefined_column",
    "42883": "undefined_function",
    "42P01": "undefined_table",
    "42P07": "duplicate_table",
    "42804": "datatype_mismatch",
    "53300": "too_many_connections",
    "55P03": "lock_not_available",
    "57014": "query_canceled",
    "57P01": "admin_shutdown",
    "57P02": "crash_shutdown",
    "57P03": "cannot_connect_now",
  ]

  static func error(for server: PostgresServerError, server description: String) -> PostgresError {
    let state = server.sqlState
    let name = Self.names[state].map { " \($0)" } ?? ""
    let safeMessage =
      Self.classesWithSafeMessages.contains(String(state.prefix(2))) && !server.message.isEmpty
      ? ": \(server.message)" : ""
    switch state {
    case "57014":
      return PostgresError(
        code: .timeout,
        message: "the statement was cancelled after statement_timeout (SQLSTATE 57014)",
        sqlState: state, cause: server)
    case "57P01", "57P02", "57P03":
      return PostgresError(
        code: .unavailable,
        message: "\(description) is shutting down or starting (SQLSTATE \(state)\(name)); "
          + "the call was not retried",
        sqlState: state, cause: server)
    default:
      return PostgresError(
        code: .queryFailed,
        message: "the server rejected the statement (SQLSTATE \(state)\(name))\(safeMessage)",
        sqlState: state, cause: server)
    }
  }
}
