/// A random forest of histogram-based CART regression trees (squared error).
///
/// Same training and prediction machinery as ``RandomForestClassifier``; the prediction is the
/// mean of the trees' leaf means.
package struct RandomForestRegressor: Sendable {
  /// The options the forest was trained with (including the seed).
  package let options: RandomForestOptions
  /// The trees, flattened; each leaf holds the weighted mean label of its rows.
  package let ensemble: TreeEnsemble
  /// Mean impurity decrease per feature, summing to 1 (0s if no tree split).
  package let featureImportances: [Double]
  /// R² of out-of-bag predictions when requested.
  package let outOfBagScore: Double?

  /// Trains a forest.
  ///
  /// O(trees × depth × rows × maxFeatures / cores) after binning.
  /// - Parameters:
  ///   - data: features (NaN allowed), finite labels, optional weights.
  ///   - options: hyperparameters; criterion must be `.squaredError` (or `nil`).
  /// - Returns: the trained forest.
  /// - Throws: `invalidHyperparameter`.
  package static func fit(_ data: Dataset, options: RandomForestOptions = RandomForestOptions())
    throws(ModelMathError) -> RandomForestRegressor
  {
    let (criterion, maxFeatures) = try options.validated(
      featureCount: data.featureCount, classification: false)
    let binned = try BinnedMatrix(binning: data.features, maxBins: options.maxBins)
    let grower = ForestTreeGrower(
      binned: binned, classes: [], targets: data.labels,
      baseWeights: (0..<data.rowCount).map { data.weight($0) }, classCount: 0,
      criterion: criterion, maxDepth: options.maxDepth ?? Int.max,
      minSamplesSplit: options.minSamplesSplit, minSamplesLeaf: options.minSamplesLeaf,
      maxFeatures: maxFeatures, bootstrap: options.bootstrap)
    let (trees, importances) = ForestTraining.growTrees(
      grower, treeCount: options.treeCount, seed: options.seed)
    var outOfBagScore: Double?
    if options.computesOutOfBagScore {
      let (sums, counts) = ForestTraining.outOfBagSums(
        grower, trees: trees, seed: options.seed, features: data.features)
      let rows = (0..<data.rowCount).filter { counts[$0] > 0 }
      outOfBagScore = Self.rSquared(
        labels: rows.map { data.labels[$0] },
        predictions: rows.map { sums[$0] / Double(counts[$0]) })
    }
    return try RandomForestRegressor(
      options: options, ensemble: try TreeEnsemble(trees: trees, featureCount: data.featureCount),
      featureImportances: importances, outOfBagScore: outOfBagScore)
  }

  /// Rebuilds a forest from its parts (for deserialization).
  /// - Throws: `invalidModel` when the trees have more than one output.
  package init(
    options: RandomForestOptions, ensemble: TreeEnsemble, featureImportances: [Double],
    outOfBagScore: Double?
  ) throws(ModelMathError) {
    guard ensemble.outputCount == 1 else {
      throw ModelMathError(code: .invalidModel, message: "a regressor's trees have one output")
    }
    self.options = options
    self.ensemble = ensemble
    self.featureImportances = featureImportances
    self.outOfBagScore = outOfBagScore
  }

  /// Coefficient of determination; `nil` for no rows, 0 denominator → 0 unless perfect.
  static func rSquared(labels: [Double], predictions: [Double]) -> Double? {
    guard !labels.isEmpty else { return nil }
    let mean = labels.reduce(0, +) / Double(labels.count)
    var residual = 0.0
    var total = 0.0
    for (label, prediction) in zip(labels, predictions) {
      residual += (label - prediction) * (label - prediction)
      total += (label - mean) * (label - mean)
    }
    return total > 0 ? 1 - residual / total : (residual == 0 ? 1 : 0)
  }

  /// Prediction for one row. No allocation; O(trees × depth).
  /// - Parameter row: `featureCount` raw values, NaN for missing.
  /// - Throws: `featureCountMismatch`.
  package func predict(row: UnsafeBufferPointer<Float>) throws(ModelMathError) -> Double {
    try self.ensemble.checkRow(row.count)
    guard let base = row.baseAddress else { return 0 }
    return self.ensemble.sum(row: base) / Double(self.ensemble.treeCount)
  }

  /// Prediction for one row given as an array. No allocation.
  /// - Throws: `featureCountMismatch`.
  package func predict(row: [Float]) throws(ModelMathError) -> Double {
    try row.withUnsafeBufferPointer { buffer throws(ModelMathError) in try self.predict(row: buffer)
    }
  }

  /// Predictions for every row, on all cores.
  /// - Throws: `featureCountMismatch`.
  package func predict(_ features: FeatureMatrix) throws(ModelMathError) -> [Double] {
    let scale = 1 / Double(self.ensemble.treeCount)
    return try self.ensemble.sums(features).map { $0 * scale }
  }

  /// Mean drop in R² when each feature is shuffled, per feature.
  /// - Throws: `featureCountMismatch`, `invalidHyperparameter`.
  package func permutationImportance(_ data: Dataset, repeats: Int = 5, seed: UInt64 = 0)
    throws(ModelMathError) -> [Double]
  {
    try ForestTraining.permutationImportance(features: data.features, repeats: repeats, seed: seed)
    {
      features throws(ModelMathError) in
      Self.rSquared(labels: data.labels, predictions: try self.predict(features)) ?? 0
    }
  }
}
