package import Foundation

/// A value sent as a statement parameter or read from a result cell.
///
/// Parameters always travel separately from the SQL text, so a value is never parsed as SQL.
/// Results are decoded by column type: `bool` → ``bool(_:)``, `int2`/`int4` → ``int32(_:)``,
/// `int8`/`oid` → ``int64(_:)``, `float4`/`float8` → ``double(_:)``, `bytea` → ``bytea(_:)``,
/// `timestamp`/`timestamptz` → ``timestamp(_:)`` (a `timestamp` without zone is read as UTC;
/// `infinity` becomes `Date.distantFuture`, BC dates stay ``text(_:)``),
/// `json`/`jsonb` → ``json(_:)``, and every other type (including `numeric`, `uuid`, `date`)
/// → ``text(_:)`` in PostgreSQL's text form, so nothing is lost.
package enum PostgresValue: Hashable, Sendable {
  /// SQL `NULL`.
  case null
  /// `boolean`.
  case bool(Bool)
  /// `integer` (`int4`); `smallint` results are widened to it.
  case int32(Int32)
  /// `bigint` (`int8`).
  case int64(Int64)
  /// `double precision` (`float8`); `real` results are widened to it.
  case double(Double)
  /// `text`; must not contain NUL characters, which PostgreSQL text cannot store.
  case text(String)
  /// `bytea`: arbitrary bytes, zero bytes included.
  case bytea([UInt8])
  /// `timestamptz` with microsecond precision (finer fractions are rounded).
  case timestamp(Date)
  /// `json` text; PostgreSQL converts it to `jsonb` on assignment.
  case json(String)
}

extension PostgresValue {
  /// `true` for ``null``.
  package var isNull: Bool {
    if case .null = self { return true }
    return false
  }

  /// The name of the case, for error messages that must not show the value itself.
  var kindName: String {
    switch self {
    case .null: "null"
    case .bool: "bool"
    case .int32: "int32"
    case .int64: "int64"
    case .double: "double"
    case .text: "text"
    case .bytea: "bytea"
    case .timestamp: "timestamp"
    case .json: "json"
    }
  }
}
