/// A statement that each connection prepares once, on first use, and then runs by name.
///
/// A value, not a server handle: it works with any connection of a pool, and after a
/// reconnection the new session prepares it again by itself. Parameter types are inferred by
/// the server from the SQL (add casts such as `$1::bigint` where it cannot tell).
package struct PostgresPreparedStatement: Hashable, Sendable {
  /// The server-side name; unique per distinct SQL text.
  package let name: String
  /// One SQL statement with `$1`, `$2`… placeholders.
  package let sql: String

  /// Creates a statement; the name is derived from the SQL, so equal SQL shares one name.
  /// - Parameter sql: One SQL statement with `$n` placeholders.
  package init(_ sql: String) {
    self.sql = sql
    // FNV-1a 64 of the SQL text: stable across processes, unlike `hashValue`.
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in sql.utf8 {
      hash ^= UInt64(byte)
      hash &*= 0x0000_0100_0000_01b3
    }
    self.name = "dcmms_" + String(hash, radix: 16)
  }
}
