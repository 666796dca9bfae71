/// An error thrown by the metrics, statistics, calibration and tuning APIs of ModelMath when
/// their input cannot be used: empty samples, arrays of different lengths, NaN labels, values
/// out of range.
///
/// The message says what is wrong and is safe to show to a client (it never echoes data
/// beyond an index or a count).
package struct StatisticsError: Error, Hashable, Sendable, CustomStringConvertible {
  /// The kind of failure; a struct over a private enum so new codes do not break callers.
  package struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Wrapped: Hashable, Sendable {
      case emptySample
      case mismatchedLengths
      case invalidArgument
      case nonFiniteValue
      case singleClass
      case notFitted
    }

    private let wrapped: Wrapped

    private init(_ wrapped: Wrapped) {
      self.wrapped = wrapped
    }

    /// A sample, a label array or a histogram has no elements (or no weight).
    package static let emptySample = Self(.emptySample)
    /// Two arrays that must pair up element by element have different lengths.
    package static let mismatchedLengths = Self(.mismatchedLengths)
    /// An argument is out of its allowed range (a quantile outside (0, 1), a negative weight,
    /// a label that is not 0 or 1, an unknown parameter name…).
    package static let invalidArgument = Self(.invalidArgument)
    /// A label, score or sample value is NaN or infinite where a finite number is required.
    package static let nonFiniteValue = Self(.nonFiniteValue)
    /// The metric needs both classes but the labels contain only one.
    package static let singleClass = Self(.singleClass)
    /// A study or model was used before it had what it needs (for example `best` with no
    /// completed trial).
    package static let notFitted = Self(.notFitted)

    /// The code's name, for logs.
    package var description: String {
      String(describing: self.wrapped)
    }
  }

  /// What went wrong.
  package var code: Code
  /// A message that says what is wrong with the input.
  package var message: String

  /// Creates an error.
  /// - Parameters:
  ///   - code: The kind of failure.
  ///   - message: What is wrong, in words a caller can act on.
  package init(code: Code, message: String) {
    self.code = code
    self.message = message
  }

  /// `code: message`.
  package var description: String {
    "\(self.code): \(self.message)"
  }
}
