/// Features, one label per row and optional sample weights: what supervised learners train on.
///
/// Labels are Doubles: class indices `0, 1, …` for classifiers, any finite value for regressors.
/// Validation of finiteness happens here; classifiers further check that labels are class indices.
package struct Dataset: Sendable, Hashable {
  /// The features.
  package let features: FeatureMatrix
  /// One finite label per row.
  package let labels: [Double]
  /// One finite, non-negative weight per row, or `nil` for all ones.
  package let weights: [Double]?

  /// Creates a data set and checks that everything lines up.
  /// - Parameters:
  ///   - features: the feature matrix.
  ///   - labels: one label per row.
  ///   - weights: one weight per row, or `nil` for equal weights.
  /// - Throws: `mismatchedLengths`, `invalidLabel` for a NaN or infinite label,
  ///   `invalidFeatureValue` for a negative or non-finite weight or weights summing to zero.
  package init(features: FeatureMatrix, labels: [Double], weights: [Double]? = nil)
    throws(ModelMathError)
  {
    guard labels.count == features.rowCount else {
      throw ModelMathError(
        code: .mismatchedLengths,
        message: "\(labels.count) labels for \(features.rowCount) rows")
    }
    if let index = labels.firstIndex(where: { !$0.isFinite }) {
      throw ModelMathError(
        code: .invalidLabel, message: "label of row \(index) is \(labels[index])")
    }
    if let weights {
      guard weights.count == features.rowCount else {
        throw ModelMathError(
          code: .mismatchedLengths,
          message: "\(weights.count) weights for \(features.rowCount) rows")
      }
      if let index = weights.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
        throw ModelMathError(
          code: .invalidFeatureValue, message: "weight of row \(index) is \(weights[index])")
      }
      guard weights.reduce(0, +) > 0 else {
        throw ModelMathError(code: .invalidFeatureValue, message: "all sample weights are zero")
      }
    }
    self.features = features
    self.labels = labels
    self.weights = weights
  }

  /// Number of rows.
  package var rowCount: Int { self.features.rowCount }
  /// Number of features.
  package var featureCount: Int { self.features.featureCount }

  /// The weight of `row` (1 when no weights were given).
  package func weight(_ row: Int) -> Double {
    self.weights?[row] ?? 1
  }

  /// A new data set with the given rows (repeats allowed), e.g. one side of a split.
  /// - Parameter indices: row indices, each in `0..<rowCount`.
  package func selecting(rows indices: [Int]) -> Dataset {
    let weights = self.weights.map { weights in indices.map { weights[$0] } }
    // Already validated: a subset of valid rows is valid, except that all-zero weights are allowed.
    return Dataset(
      unchecked: self.features.selecting(rows: indices), labels: indices.map { self.labels[$0] },
      weights: weights)
  }

  private init(unchecked features: FeatureMatrix, labels: [Double], weights: [Double]?) {
    self.features = features
    self.labels = labels
    self.weights = weights
  }

  /// Checks that labels are class indices `0..<k` with at least two classes present.
  /// - Returns: the number of classes `k` (largest label + 1).
  /// - Throws: `invalidLabel` for a negative or fractional label or more than 65,536 classes,
  ///   `singleClass` when only one class occurs.
  package func classCount() throws(ModelMathError) -> Int {
    var largest = 0
    for (row, label) in self.labels.enumerated() {
      guard label >= 0, label < 65_536, label.rounded() == label else {
        throw ModelMathError(
          code: .invalidLabel, message: "label of row \(row) is \(label), not a class index 0, 1, …"
        )
      }
      largest = max(largest, Int(label))
    }
    let first = self.labels[0]
    guard self.labels.contains(where: { $0 != first }) else {
      throw ModelMathError(
        code: .singleClass, message: "all \(self.rowCount) labels are class \(Int(first))")
    }
    return largest + 1
  }
}
