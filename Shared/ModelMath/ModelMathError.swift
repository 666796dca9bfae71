/// The one error type of ModelMath: bad data or options found at an API boundary.
///
/// `message` says what is wrong in terms a caller can act on; it never contains row values.
package struct ModelMathError: Error, Hashable, Sendable, CustomStringConvertible {
  /// What kind of problem was found. A struct over a private enum, so adding a case never
  /// breaks a caller's `switch`.
  package struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Wrapped: Hashable, Sendable {
      case emptyDataset
      case mismatchedLengths
      case invalidLabel
      case singleClass
      case invalidHyperparameter
      case invalidFeatureValue
      case featureCountMismatch
      case invalidModel
      case cancelled
    }

    private let wrapped: Wrapped

    private init(_ wrapped: Wrapped) {
      self.wrapped = wrapped
    }

    /// The data set has no rows or no features.
    package static let emptyDataset = Self(.emptyDataset)
    /// Two inputs that must have one entry per row (or per feature) have different lengths.
    package static let mismatchedLengths = Self(.mismatchedLengths)
    /// A label is NaN or infinite, or not a class index where one is needed.
    package static let invalidLabel = Self(.invalidLabel)
    /// A classifier was given labels of only one class.
    package static let singleClass = Self(.singleClass)
    /// An option is out of its allowed range.
    package static let invalidHyperparameter = Self(.invalidHyperparameter)
    /// A feature value is infinite, or a weight is negative or not finite.
    package static let invalidFeatureValue = Self(.invalidFeatureValue)
    /// Rows to predict have a different number of features than the model was trained on.
    package static let featureCountMismatch = Self(.featureCountMismatch)
    /// Flattened tree arrays are inconsistent (bad child index, wrong lengths, a cycle).
    package static let invalidModel = Self(.invalidModel)
    /// Training stopped because the task was cancelled or the caller's `shouldStop` said so.
    package static let cancelled = Self(.cancelled)

    /// The code's name, for logs.
    package var description: String {
      String(describing: self.wrapped)
    }
  }

  /// What kind of problem this is.
  package var code: Code
  /// What is wrong, safe to show to a client.
  package var message: String
  /// A lower-level error that led to this one, if any; local only.
  package var cause: (any Error)?

  /// Creates an error.
  /// - Parameters:
  ///   - code: the kind of problem.
  ///   - message: what is wrong, safe to show to a client.
  ///   - cause: a lower-level error, if any.
  package init(code: Code, message: String, cause: (any Error)? = nil) {
    self.code = code
    self.message = message
    self.cause = cause
  }

  /// `code: message`.
  package var description: String {
    "\(self.code): \(self.message)"
  }

  // MARK: - Hashable (the cause is local context, not identity)

  package static func == (lhs: Self, rhs: Self) -> Bool {
    lhs.code == rhs.code && lhs.message == rhs.message
  }

  package func hash(into hasher: inout Hasher) {
    hasher.combine(self.code)
    hasher.combine(self.message)
  }
}

extension ModelMathError {
  /// Throws `invalidHyperparameter` with `message` unless `condition` holds.
  static func require(_ condition: Bool, _ message: @autoclosure () -> String)
    throws(ModelMathError)
  {
    if !condition {
      throw ModelMathError(code: .invalidHyperparameter, message: message())
    }
  }
}
