import Foundation

/// Hyperparameters of a random forest (and of a single CART tree, a forest of one).
///
/// Names and defaults follow scikit-learn's `RandomForestClassifier`/`Regressor`; `nil` means
/// "the task's default" where the two differ.
package struct RandomForestOptions: Sendable, Hashable {
  /// How many features a node may examine.
  package enum MaxFeatures: Sendable, Hashable {
    /// Every feature.
    case all
    /// `max(1, floor(sqrt(features)))`, the classifier default.
    case sqrt
    /// `max(1, floor(log2(features)))`.
    case log2
    /// A fixed count, clipped to the number of features.
    case count(Int)
    /// A share of the features in (0, 1], at least one.
    case fraction(Double)
  }

  /// How classes are weighted.
  package enum ClassWeight: Sendable, Hashable {
    /// Every row counts by its sample weight.
    case none
    /// Class `c` is weighted `n / (k × n_c)` (scikit-learn's `"balanced"`, computed on the
    /// whole training set, not per bootstrap sample).
    case balanced
  }

  /// Number of trees, ≥ 1.
  package var treeCount: Int = 100
  /// Deepest level a node may be at (root is 0); `nil` for no limit.
  package var maxDepth: Int? = nil
  /// A node with fewer rows is not split, ≥ 2.
  package var minSamplesSplit: Int = 2
  /// Each child must keep at least this many rows, ≥ 1.
  package var minSamplesLeaf: Int = 1
  /// Features examined per node; `nil` is `.sqrt` for classifiers and `.all` for regressors.
  package var maxFeatures: MaxFeatures? = nil
  /// Draw each tree's rows with replacement.
  package var bootstrap: Bool = true
  /// Class weighting (classifiers only).
  package var classWeight: ClassWeight = .none
  /// Impurity; `nil` is `.gini` for classifiers and `.squaredError` for regressors.
  package var criterion: SplitCriterion? = nil
  /// Score each row with the trees that did not see it (needs `bootstrap`).
  package var computesOutOfBagScore: Bool = false
  /// Bins per feature including the missing bin, 3...255.
  package var maxBins: Int = 255
  /// The seed of all randomness; stored with the model.
  package var seed: UInt64 = 0

  /// Options with every default.
  package init() {}

  /// A single CART tree: one tree, no bootstrap, every feature at every node.
  /// - Parameters:
  ///   - maxDepth: depth limit, `nil` for none.
  ///   - criterion: the impurity, `nil` for the task default.
  package static func decisionTree(maxDepth: Int? = nil, criterion: SplitCriterion? = nil) -> Self {
    var options = Self()
    options.treeCount = 1
    options.bootstrap = false
    options.maxFeatures = .all
    options.maxDepth = maxDepth
    options.criterion = criterion
    return options
  }

  /// Checks ranges and resolves task defaults.
  func validated(featureCount: Int, classification: Bool) throws(ModelMathError) -> (
    criterion: SplitCriterion, maxFeatures: Int
  ) {
    try ModelMathError.require(self.treeCount >= 1, "treeCount must be >= 1, got \(self.treeCount)")
    try ModelMathError.require((self.maxDepth ?? 1) >= 1, "maxDepth must be >= 1 or nil")
    try ModelMathError.require(
      self.minSamplesSplit >= 2, "minSamplesSplit must be >= 2, got \(self.minSamplesSplit)")
    try ModelMathError.require(
      self.minSamplesLeaf >= 1, "minSamplesLeaf must be >= 1, got \(self.minSamplesLeaf)")
    try ModelMathError.require(
      !self.computesOutOfBagScore || self.bootstrap, "an out-of-bag score needs bootstrap")
    let criterion = self.criterion ?? (classification ? .gini : .squaredError)
    try ModelMathError.require(
      criterion.isClassification == classification,
      "criterion \(criterion) does not fit a \(classification ? "classifier" : "regressor")")
    try ModelMathError.require(
      classification || self.classWeight == .none, "classWeight applies to classifiers only")
    let maxFeatures: Int
    switch self.maxFeatures ?? (classification ? .sqrt : .all) {
    case .all: maxFeatures = featureCount
    case .sqrt: maxFeatures = Int(Double(featureCount).squareRoot())
    case .log2: maxFeatures = Int(Foundation.log2(Double(featureCount)))
    case .count(let count):
      try ModelMathError.require(count >= 1, "maxFeatures count must be >= 1, got \(count)")
      maxFeatures = count
    case .fraction(let fraction):
      try ModelMathError.require(
        fraction > 0 && fraction <= 1, "maxFeatures fraction must be in (0, 1], got \(fraction)")
      maxFeatures = Int(fraction * Double(featureCount))
    }
    return (criterion, min(featureCount, max(1, maxFeatures)))
  }
}
