/// Hyperparameters of histogram gradient boosting (LightGBM's names in the comments).
package struct GradientBoostingOptions: Sendable, Hashable {
  /// The objective the trees descend.
  package enum Loss: Sendable, Hashable {
    /// Binary log loss on labels 0/1; predictions are probabilities (`binary`).
    case logistic
    /// Squared error (`regression`).
    case squaredError
    /// Absolute error; leaves are renewed to the median residual (`regression_l1`).
    case absoluteError
    /// Pinball loss at quantile `alpha` in (0, 1); leaves renewed to the residual quantile
    /// (`quantile`). Use 0.1/0.5/0.9 for P10/P50/P90.
    case quantile(alpha: Double)
  }

  /// The objective.
  package var loss: Loss
  /// Boosting rounds (trees), ≥ 1 (`num_iterations`).
  package var roundCount: Int = 100
  /// Shrinkage applied to every leaf, in (0, 1] (`learning_rate`).
  package var learningRate: Double = 0.1
  /// Most leaves per tree, grown best-first, ≥ 2 (`num_leaves`).
  package var leafCount: Int = 31
  /// Deepest level a leaf may be at, `nil` for no limit (`max_depth`).
  package var maxDepth: Int? = nil
  /// Fewest rows in a leaf, ≥ 1 (`min_data_in_leaf`).
  package var minDataInLeaf: Int = 20
  /// Smallest hessian sum in a leaf, ≥ 0 (`min_sum_hessian_in_leaf`).
  package var minHessianInLeaf: Double = 1e-3
  /// L2 penalty on leaf values, ≥ 0 (`lambda_l2`).
  package var l2Regularization: Double = 0
  /// Smallest gain worth a split, ≥ 0 (`min_gain_to_split`).
  package var minGainToSplit: Double = 0
  /// Share of features each tree may use, in (0, 1] (`feature_fraction`).
  package var featureFraction: Double = 1
  /// Share of rows each tree trains on, in (0, 1]; 1 disables bagging (`bagging_fraction`).
  package var baggingFraction: Double = 1
  /// Stop when the validation loss has not improved for this many rounds; needs a validation
  /// set (`early_stopping_round`).
  package var earlyStoppingRounds: Int? = nil
  /// Bins per feature including the missing bin, 3...255 (`max_bin`).
  package var maxBins: Int = 255
  /// Seed of bagging and feature sampling; stored with the model.
  package var seed: UInt64 = 0

  /// Options for `loss` with LightGBM's defaults otherwise.
  /// - Parameter loss: the objective.
  package init(loss: Loss) {
    self.loss = loss
  }

  func validate() throws(ModelMathError) {
    try ModelMathError.require(
      self.roundCount >= 1, "roundCount must be >= 1, got \(self.roundCount)")
    try ModelMathError.require(
      self.learningRate > 0 && self.learningRate <= 1,
      "learningRate must be in (0, 1], got \(self.learningRate)")
    try ModelMathError.require(self.leafCount >= 2, "leafCount must be >= 2, got \(self.leafCount)")
    try ModelMathError.require((self.maxDepth ?? 1) >= 1, "maxDepth must be >= 1 or nil")
    try ModelMathError.require(
      self.minDataInLeaf >= 1, "minDataInLeaf must be >= 1, got \(self.minDataInLeaf)")
    try ModelMathError.require(
      self.minHessianInLeaf >= 0 && self.l2Regularization >= 0 && self.minGainToSplit >= 0,
      "minHessianInLeaf, l2Regularization and minGainToSplit must be >= 0")
    try ModelMathError.require(
      self.featureFraction > 0 && self.featureFraction <= 1,
      "featureFraction must be in (0, 1], got \(self.featureFraction)")
    try ModelMathError.require(
      self.baggingFraction > 0 && self.baggingFraction <= 1,
      "baggingFraction must be in (0, 1], got \(self.baggingFraction)")
    try ModelMathError.require(
      (self.earlyStoppingRounds ?? 1) >= 1, "earlyStoppingRounds must be >= 1")
    if case .quantile(let alpha) = self.loss {
      try ModelMathError.require(
        alpha > 0 && alpha < 1, "quantile alpha must be in (0, 1), got \(alpha)")
    }
  }
}
