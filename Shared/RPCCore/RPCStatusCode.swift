/// The outcome of a call: gRPC's canonical status codes, with the same numbers on the wire.
///
/// A struct over the wire value rather than an enum, so a code added later does not break
/// callers' `switch`es and an unknown value read from a peer is still representable.
package struct RPCStatusCode: Hashable, Sendable, CustomStringConvertible {
  /// The value carried in `CallStatus.code`.
  package let rawValue: UInt32

  /// Wraps a wire value. Values above 16 are kept as they are and described as unknown.
  package init(rawValue: UInt32) { self.rawValue = rawValue }

  package static let ok = Self(rawValue: 0)
  package static let cancelled = Self(rawValue: 1)
  package static let unknown = Self(rawValue: 2)
  package static let invalidArgument = Self(rawValue: 3)
  package static let deadlineExceeded = Self(rawValue: 4)
  package static let notFound = Self(rawValue: 5)
  package static let alreadyExists = Self(rawValue: 6)
  package static let permissionDenied = Self(rawValue: 7)
  package static let resourceExhausted = Self(rawValue: 8)
  package static let failedPrecondition = Self(rawValue: 9)
  package static let aborted = Self(rawValue: 10)
  package static let outOfRange = Self(rawValue: 11)
  package static let unimplemented = Self(rawValue: 12)
  package static let internalError = Self(rawValue: 13)
  package static let unavailable = Self(rawValue: 14)
  package static let dataLoss = Self(rawValue: 15)
  package static let unauthenticated = Self(rawValue: 16)

  private static let names = [
    "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
    "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
    "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
  ]

  /// The gRPC name of the code, such as `DEADLINE_EXCEEDED`.
  package var description: String {
    self.rawValue < Self.names.count ? Self.names[Int(self.rawValue)] : "CODE_\(self.rawValue)"
  }
}
