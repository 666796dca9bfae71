package import Foundation

/// A Swift type that a result cell can be read as, with ``PostgresRow/decode(_:_:)``.
package protocol PostgresDecodable: Sendable {
  /// Converts a cell, or returns `nil` if this type cannot represent it (NULL included).
  init?(postgresValue: PostgresValue)
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
  /// NULL becomes `nil`; any other cell must convert to `Wrapped`.
  package init?(postgresValue: PostgresValue) {
    if case .null = postgresValue {
      self = .none
    } else if let wrapped = Wrapped(postgresValue: postgresValue) {
      self = .some(wrapped)
    } else {
      return nil
    }
  }
}

extension PostgresValue: PostgresDecodable {
  /// Every cell, NULL included, reads as itself.
  package init?(postgresValue: PostgresValue) { self = postgresValue }
}

extension Bool: PostgresDecodable {
  /// Reads `boolean`.
  package init?(postgresValue: PostgresValue) {
    guard case .bool(let value) = postgresValue else { return nil }
    self = value
  }
}

extension Int64: PostgresDecodable {
  /// Reads `bigint`, `integer` and `smallint`.
  package init?(postgresValue: PostgresValue) {
    switch postgresValue {
    case .int64(let value): self = value
    case .int32(let value): self = Int64(value)
    default: return nil
    }
  }
}

extension Int: PostgresDecodable {
  /// Reads `bigint`, `integer` and `smallint`.
  package init?(postgresValue: PostgresValue) {
    guard let value = Int64(postgresValue: postgresValue) else { return nil }
    self = Int(value)
  }
}

extension Int32: PostgresDecodable {
  /// Reads `integer` and `smallint`, and `bigint` values that fit.
  package init?(postgresValue: PostgresValue) {
    switch postgresValue {
    case .int32(let value): self = value
    case .int64(let value):
      guard let narrowed = Int32(exactly: value) else { return nil }
      self = narrowed
    default: return nil
    }
  }
}

extension Double: PostgresDecodable {
  /// Reads `double precision` and `real`, and integers (exactly when below 2^53).
  package init?(postgresValue: PostgresValue) {
    switch postgresValue {
    case .double(let value): self = value
    case .int32(let value): self = Double(value)
    case .int64(let value): self = Double(value)
    default: return nil
    }
  }
}

extension String: PostgresDecodable {
  /// Reads `text` and every type the client has no case for (`numeric`, `uuid`, `date`…),
  /// in PostgreSQL's text form, and `json`/`jsonb` text.
  package init?(postgresValue: PostgresValue) {
    switch postgresValue {
    case .text(let value), .json(let value): self = value
    default: return nil
    }
  }
}

extension [UInt8]: PostgresDecodable {
  /// Reads `bytea`.
  package init?(postgresValue: PostgresValue) {
    guard case .bytea(let value) = postgresValue else { return nil }
    self = value
  }
}

extension Date: PostgresDecodable {
  /// Reads `timestamptz` and `timestamp` (taken as UTC).
  package init?(postgresValue: PostgresValue) {
    guard case .timestamp(let value) = postgresValue else { return nil }
    self = value
  }
}
