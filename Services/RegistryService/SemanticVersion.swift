/// A model version number `MAJOR.MINOR.PATCH`, written `1.2.0` (a leading `v`, as in `v1.2.0`,
/// is accepted and dropped). Pre-release and build suffixes are not supported.
package struct SemanticVersion: Hashable, Sendable, Comparable, CustomStringConvertible {
  /// Incremented for changes that break callers (other features, another output).
  package var major: Int32
  /// Incremented for a retrained model with the same interface.
  package var minor: Int32
  /// Incremented for fixes that change no behaviour callers rely on.
  package var patch: Int32

  /// Creates a version from its parts (each 0 or more).
  package init(major: Int32, minor: Int32, patch: Int32) {
    precondition(major >= 0 && minor >= 0 && patch >= 0, "version parts cannot be negative")
    self.major = major
    self.minor = minor
    self.patch = patch
  }

  /// Parses `1.2.0` or `v1.2.0`.
  /// - Parameter text: The version as a client wrote it.
  /// - Throws: `invalidArgument` naming the text when it is not three dot-separated numbers
  ///   (no leading zeros, each at most 2^31 − 1).
  package init(parsing text: String) throws(RegistryError) {
    let body = text.hasPrefix("v") ? text.dropFirst() : Substring(text)
    let parts = body.split(separator: ".", omittingEmptySubsequences: false)
    var numbers: [Int32] = []
    for part in parts {
      guard !part.isEmpty, part.count <= 10, part.allSatisfy({ $0 >= "0" && $0 <= "9" }),
        part == "0" || part.first != "0", let number = Int32(part)
      else { break }
      numbers.append(number)
    }
    guard parts.count == 3, numbers.count == 3 else {
      throw RegistryError(
        .invalidArgument,
        "version '\(text.prefix(64))' is not a semantic version such as 1.2.0 (MAJOR.MINOR.PATCH)")
    }
    self.init(major: numbers[0], minor: numbers[1], patch: numbers[2])
  }

  /// The version after this one when `bump` is incremented (lower parts reset to 0).
  /// - Throws: `failedPrecondition` when the part is already at its maximum.
  package func bumped(_ bump: Bump) throws(RegistryError) -> SemanticVersion {
    let limit = Int32.max
    switch bump {
    case .major:
      guard self.major < limit else { throw Self.overflow(self) }
      return SemanticVersion(major: self.major + 1, minor: 0, patch: 0)
    case .minor:
      guard self.minor < limit else { throw Self.overflow(self) }
      return SemanticVersion(major: self.major, minor: self.minor + 1, patch: 0)
    case .patch:
      guard self.patch < limit else { throw Self.overflow(self) }
      return SemanticVersion(major: self.major, minor: self.minor, patch: self.patch + 1)
    }
  }

  /// Which part of a version to increment.
  package enum Bump: Sendable {
    /// `1.2.3` → `2.0.0`.
    case major
    /// `1.2.3` → `1.3.0`.
    case minor
    /// `1.2.3` → `1.2.4`.
    case patch
  }

  /// The first version of a model.
  package static let initial = SemanticVersion(major: 1, minor: 0, patch: 0)

  /// `MAJOR.MINOR.PATCH`, without a `v`.
  package var description: String { "\(self.major).\(self.minor).\(self.patch)" }

  /// Orders by major, then minor, then patch.
  package static func < (lhs: Self, rhs: Self) -> Bool {
    (lhs.major, lhs.minor, lhs.patch) < (rhs.major, rhs.minor, rhs.patch)
  }

  private static func overflow(_ version: Self) -> RegistryError {
    RegistryError(.failedPrecondition, "version \(version) cannot be incremented further")
  }
}
