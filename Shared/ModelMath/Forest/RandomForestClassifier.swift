/// A random forest of histogram-based CART trees predicting class probabilities.
///
/// Training bins features (at most 255 bins), grows trees in parallel on all cores, and is
/// deterministic for a given `options.seed`. Prediction reads raw Float32 rows (no binning); NaN
/// follows each split's learned default side. The forest's probability is the mean of its trees'
/// leaf class frequencies, as in scikit-learn.
package struct RandomForestClassifier: Sendable {
  /// The options the forest was trained with (including the seed).
  package let options: RandomForestOptions
  /// Number of classes (labels were `0..<classCount`).
  package let classCount: Int
  /// The trees, flattened; leaves hold P(class 1) for two classes, else all class frequencies.
  package let ensemble: TreeEnsemble
  /// Mean impurity decrease per feature, summing to 1 (0s if no tree split).
  package let featureImportances: [Double]
  /// Accuracy of out-of-bag predictions when requested (rows no tree left out are skipped).
  package let outOfBagScore: Double?

  /// Trains a forest.
  ///
  /// O(trees × depth × rows × maxFeatures / cores) after an O(features × rows log rows) binning.
  /// - Parameters:
  ///   - data: features (NaN allowed), class labels `0, 1, …`, optional weights.
  ///   - options: hyperparameters; criterion must be `.gini` or `.entropy`.
  /// - Returns: the trained forest.
  /// - Throws: `invalidLabel`, `singleClass`, `invalidHyperparameter`.
  package static func fit(_ data: Dataset, options: RandomForestOptions = RandomForestOptions())
    throws(ModelMathError) -> RandomForestClassifier
  {
    let classCount = try data.classCount()
    let (criterion, maxFeatures) = try options.validated(
      featureCount: data.featureCount, classification: true)
    let binned = try BinnedMatrix(binning: data.features, maxBins: options.maxBins)
    let classes = data.labels.map { Int32($0) }
    var classWeights = [Double](repeating: 1, count: classCount)
    if options.classWeight == .balanced {
      var counts = [Double](repeating: 0, count: classCount)
      for label in classes { counts[Int(label)] += 1 }
      for index in 0..<classCount where counts[index] > 0 {
        classWeights[index] = Double(data.rowCount) / (Double(classCount) * counts[index])
      }
    }
    let grower = ForestTreeGrower(
      binned: binned, classes: classes, targets: [],
      baseWeights: (0..<data.rowCount).map { data.weight($0) * classWeights[Int(classes[$0])] },
      classCount: classCount, criterion: criterion, maxDepth: options.maxDepth ?? Int.max,
      minSamplesSplit: options.minSamplesSplit, minSamplesLeaf: options.minSamplesLeaf,
      maxFeatures: maxFeatures, bootstrap: options.bootstrap)
    let (trees, importances) = ForestTraining.growTrees(
      grower, treeCount: options.treeCount, seed: options.seed)

    var outOfBagScore: Double?
    if options.computesOutOfBagScore {
      let (sums, counts) = ForestTraining.outOfBagSums(
        grower, trees: trees, seed: options.seed, features: data.features)
      var correct = 0
      var scored = 0
      for row in 0..<data.rowCount where counts[row] > 0 {
        let predicted: Int
        if classCount == 2 {
          predicted = sums[row] / Double(counts[row]) > 0.5 ? 1 : 0
        } else {
          var best = 0
          for index in 1..<classCount
          where sums[row * classCount + index] > sums[row * classCount + best] {
            best = index
          }
          predicted = best
        }
        scored += 1
        if predicted == Int(classes[row]) { correct += 1 }
      }
      outOfBagScore = scored > 0 ? Double(correct) / Double(scored) : nil
    }
    return try RandomForestClassifier(
      options: options, classCount: classCount,
      ensemble: try TreeEnsemble(trees: trees, featureCount: data.featureCount),
      featureImportances: importances, outOfBagScore: outOfBagScore)
  }

  /// Rebuilds a forest from its parts (for deserialization).
  /// - Parameters:
  ///   - options: the training options.
  ///   - classCount: number of classes, ≥ 2; the trees' output width must match it.
  ///   - ensemble: the trees.
  ///   - featureImportances: stored importances.
  ///   - outOfBagScore: stored score.
  /// - Throws: `invalidModel` when the ensemble's output width does not fit `classCount`.
  package init(
    options: RandomForestOptions, classCount: Int, ensemble: TreeEnsemble,
    featureImportances: [Double], outOfBagScore: Double?
  ) throws(ModelMathError) {
    guard classCount >= 2, ensemble.outputCount == (classCount == 2 ? 1 : classCount) else {
      throw ModelMathError(
        code: .invalidModel,
        message: "\(ensemble.outputCount) leaf outputs for \(classCount) classes")
    }
    self.options = options
    self.classCount = classCount
    self.ensemble = ensemble
    self.featureImportances = featureImportances
    self.outOfBagScore = outOfBagScore
  }

  // MARK: - Single row (no allocation, no thread hop)

  /// Probability of `classIndex` for one row. No allocation; O(trees × depth).
  /// - Parameters:
  ///   - classIndex: a class in `0..<classCount`.
  ///   - row: `featureCount` raw values, NaN for missing.
  /// - Throws: `featureCountMismatch` for a row of the wrong width.
  package func probability(ofClass classIndex: Int, row: UnsafeBufferPointer<Float>)
    throws(ModelMathError)
    -> Double
  {
    try self.ensemble.checkRow(row.count)
    precondition((0..<self.classCount).contains(classIndex), "class index out of range")
    guard let base = row.baseAddress else { return 0 }
    let scale = 1 / Double(self.ensemble.treeCount)
    if self.classCount == 2 {
      let positive = self.ensemble.sum(row: base) * scale
      return classIndex == 1 ? positive : 1 - positive
    }
    return withUnsafeTemporaryAllocation(of: Double.self, capacity: self.classCount) { buffer in
      buffer.initialize(repeating: 0)
      self.ensemble.accumulate(row: base, into: buffer.baseAddress!)
      return buffer[classIndex] * scale
    }
  }

  /// Probability of `classIndex` for one row given as an array. No allocation.
  /// - Throws: `featureCountMismatch` for a row of the wrong width.
  package func probability(ofClass classIndex: Int, row: [Float]) throws(ModelMathError) -> Double {
    try row.withUnsafeBufferPointer { buffer throws(ModelMathError) in
      try self.probability(ofClass: classIndex, row: buffer)
    }
  }

  // MARK: - Batch (all cores)

  /// Class probabilities for every row, row-major (`result[row * classCount + class]`).
  /// - Throws: `featureCountMismatch`.
  package func probabilities(_ features: FeatureMatrix) throws(ModelMathError) -> [Double] {
    let sums = try self.ensemble.sums(features)
    let scale = 1 / Double(self.ensemble.treeCount)
    if self.classCount == 2 {
      var result = [Double](repeating: 0, count: sums.count * 2)
      for (row, sum) in sums.enumerated() {
        result[row * 2 + 1] = sum * scale
        result[row * 2] = 1 - sum * scale
      }
      return result
    }
    return sums.map { $0 * scale }
  }

  /// The most probable class of every row (ties go to the lower class).
  /// - Throws: `featureCountMismatch`.
  package func predictedClasses(_ features: FeatureMatrix) throws(ModelMathError) -> [Int] {
    let probabilities = try self.probabilities(features)
    return (0..<features.rowCount).map { row in
      var best = 0
      for index in 1..<self.classCount
      where probabilities[row * self.classCount + index]
        > probabilities[row * self.classCount + best]
      {
        best = index
      }
      return best
    }
  }

  /// Mean drop in accuracy when each feature is shuffled, per feature.
  /// - Parameters:
  ///   - data: evaluation data with class labels.
  ///   - repeats: shuffles per feature, ≥ 1.
  ///   - seed: seed of the shuffles.
  /// - Throws: `featureCountMismatch`, `invalidHyperparameter`.
  package func permutationImportance(_ data: Dataset, repeats: Int = 5, seed: UInt64 = 0)
    throws(ModelMathError) -> [Double]
  {
    try ForestTraining.permutationImportance(features: data.features, repeats: repeats, seed: seed)
    {
      features throws(ModelMathError) in
      let predicted = try self.predictedClasses(features)
      var correct = 0
      for (row, label) in data.labels.enumerated() where Double(predicted[row]) == label {
        correct += 1
      }
      return Double(correct) / Double(data.rowCount)
    }
  }
}
