/// A proto3 enum as a Swift value: an open set of `Int32` values, some of them named.
///
/// Generated enums are structs, not Swift `enum`s, so a value this build does not know (sent
/// by a newer peer) survives decoding and re-encoding unchanged.
package protocol ProtoEnum: RawRepresentable, Hashable, Sendable, CustomStringConvertible
where RawValue == Int32 {
  /// The values declared in the `.proto` file, in declaration order.
  static var knownValues: [Self] { get }

  /// The value's name as declared in the `.proto` file, or `nil` for an unknown value.
  var protoName: String? { get }
}

extension ProtoEnum {
  /// The proto name of a known value, or the number of an unknown one.
  package var description: String { self.protoName ?? String(self.rawValue) }
}
