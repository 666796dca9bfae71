import Foundation

/// Liu, Ting and Zhou's isolation forest: anomalies are isolated by fewer random splits.
///
/// Each tree is grown on a subsample of `sampleSize` rows (without replacement) to depth
/// `ceil(log2(sampleSize))`, splitting a random feature at a uniform random value between its
/// node minimum and maximum. A row's score is `s(x) = 2^(-E[h(x)] / c(ψ))` in (0, 1]: near 1 is
/// anomalous, well below 0.5 is normal. NaN values go to the side that received more rows.
package struct IsolationForest: Sendable {
  /// Hyperparameters (scikit-learn's names and defaults).
  package struct Options: Sendable, Hashable {
    /// Number of trees, ≥ 1 (`n_estimators`).
    package var treeCount: Int = 100
    /// Rows per tree, ≥ 2; clipped to the row count (`max_samples`).
    package var sampleSize: Int = 256
    /// Expected share of anomalies in (0, 0.5], used to set `threshold` from the training scores;
    /// `nil` keeps the paper's threshold 0.5 (`contamination="auto"`).
    package var contamination: Double? = nil
    /// The seed of all randomness; stored with the model.
    package var seed: UInt64 = 0

    /// Options with every default.
    package init() {}
  }

  /// The options the forest was trained with.
  package let options: Options
  /// The subsample size actually used (ψ).
  package let sampleSize: Int
  /// Rows scoring above this are anomalies.
  package let threshold: Double
  /// The trees; each leaf holds its depth plus `c(rows in the leaf)`, the estimated path length.
  package let ensemble: TreeEnsemble

  /// Trains the forest. O(trees × ψ log ψ), parallel over trees; with `contamination`, plus
  /// scoring every training row.
  /// - Parameters:
  ///   - features: training rows (NaN allowed).
  ///   - options: hyperparameters.
  /// - Throws: `invalidHyperparameter`.
  package static func fit(_ features: FeatureMatrix, options: Options = Options())
    throws(ModelMathError)
    -> IsolationForest
  {
    try ModelMathError.require(
      options.treeCount >= 1, "treeCount must be >= 1, got \(options.treeCount)")
    try ModelMathError.require(
      options.sampleSize >= 2, "sampleSize must be >= 2, got \(options.sampleSize)")
    if let contamination = options.contamination {
      try ModelMathError.require(
        contamination > 0 && contamination <= 0.5,
        "contamination must be in (0, 0.5], got \(contamination)")
    }
    let sampleSize = min(options.sampleSize, features.rowCount)
    let depthLimit = Int(Foundation.log2(Double(max(sampleSize, 2))).rounded(.up))
    let slots = ResultSlots<FlatTree>(count: options.treeCount)
    parallelFor(options.treeCount) { index in
      var random = SplitMix64.stream(seed: options.seed, index: index)
      slots.set(
        index,
        Self.growTree(
          features: features, sampleSize: sampleSize, depthLimit: depthLimit, random: &random))
    }
    let ensemble = try TreeEnsemble(trees: slots.collect(), featureCount: features.featureCount)
    var model = try IsolationForest(
      options: options, sampleSize: sampleSize, threshold: 0.5, ensemble: ensemble)
    if let contamination = options.contamination {
      let scores = try model.scores(features).sorted()
      // The (1 - contamination) quantile, linear between order statistics (numpy's default).
      let position = (1 - contamination) * Double(scores.count - 1)
      let low = Int(position.rounded(.down))
      let high = min(low + 1, scores.count - 1)
      let threshold = scores[low] + (scores[high] - scores[low]) * (position - Double(low))
      model = try IsolationForest(
        options: options, sampleSize: sampleSize, threshold: threshold, ensemble: ensemble)
    }
    return model
  }

  /// Rebuilds a forest from its parts (for deserialization).
  /// - Throws: `invalidModel` for a bad sample size or multi-output trees.
  package init(options: Options, sampleSize: Int, threshold: Double, ensemble: TreeEnsemble)
    throws(ModelMathError)
  {
    guard sampleSize >= 1, ensemble.outputCount == 1, threshold.isFinite else {
      throw ModelMathError(code: .invalidModel, message: "inconsistent isolation forest parts")
    }
    self.options = options
    self.sampleSize = sampleSize
    self.threshold = threshold
    self.ensemble = ensemble
  }

  /// Average path length of an unsuccessful search in a binary search tree of `n` nodes,
  /// `c(n) = 2 H(n-1) - 2 (n-1) / n`, with c(1) = 0 and c(2) = 1.
  package static func averagePathLength(_ count: Int) -> Double {
    if count <= 1 { return 0 }
    if count == 2 { return 1 }
    let n = Double(count)
    return 2 * (Foundation.log(n - 1) + 0.577_215_664_901_532_9) - 2 * (n - 1) / n
  }

  private static func growTree(
    features: FeatureMatrix, sampleSize: Int, depthLimit: Int, random: inout SplitMix64
  ) -> FlatTree {
    // Partial Fisher–Yates: the first `sampleSize` entries are the sample.
    var rows = Array(0..<features.rowCount)
    for position in 0..<sampleSize {
      rows.swapAt(position, position + random.nextIndex(below: features.rowCount - position))
    }
    rows.removeSubrange(sampleSize...)
    var recorder = TreeRecorder(outputCount: 1)
    var featureOrder = Array(0..<features.featureCount)
    _ = recorder.addLeaf(cover: Double(sampleSize), values: [0])
    var stack: [(node: Int, start: Int, end: Int, depth: Int)] = [(0, 0, sampleSize, 0)]
    while let item = stack.popLast() {
      let count = item.end - item.start
      var split: (feature: Int, threshold: Float)?
      if item.depth < depthLimit && count > 1 {
        // Try features in random order until one is not constant here.
        for drawn in 0..<features.featureCount {
          featureOrder.swapAt(drawn, drawn + random.nextIndex(below: features.featureCount - drawn))
          let feature = featureOrder[drawn]
          var low = Float.infinity
          var high = -Float.infinity
          for position in item.start..<item.end {
            let value = features[rows[position], feature]
            if value < low { low = value }
            if value > high { high = value }
          }
          if low < high {
            var threshold = low + Float(random.nextUnit()) * (high - low)
            if threshold >= high { threshold = low }
            split = (feature, threshold)
            break
          }
        }
      }
      guard let split else {
        recorder.setValue(item.node, Double(item.depth) + Self.averagePathLength(count))
        continue
      }
      // Values <= threshold left, NaN to the larger side.
      var leftCount = 0
      var missingCount = 0
      for position in item.start..<item.end {
        let value = features[rows[position], split.feature]
        if value.isNaN { missingCount += 1 } else if value <= split.threshold { leftCount += 1 }
      }
      let defaultLeft = leftCount >= count - missingCount - leftCount
      var low = item.start
      var high = item.end - 1
      while low <= high {
        let value = features[rows[low], split.feature]
        if value <= split.threshold || (value.isNaN && defaultLeft) {
          low += 1
        } else {
          rows.swapAt(low, high)
          high -= 1
        }
      }
      let left = recorder.addLeaf(cover: Double(low - item.start), values: [0])
      let right = recorder.addLeaf(cover: Double(item.end - low), values: [0])
      recorder.split(
        item.node, feature: split.feature, bin: 0, threshold: split.threshold,
        defaultLeft: defaultLeft,
        left: left, right: right)
      stack.append((right, low, item.end, item.depth + 1))
      stack.append((left, item.start, low, item.depth + 1))
    }
    return recorder.makeTree()
  }

  /// Anomaly score of one row in (0, 1]. No allocation; O(trees × depth).
  /// - Throws: `featureCountMismatch`.
  package func score(row: [Float]) throws(ModelMathError) -> Double {
    try self.ensemble.checkRow(row.count)
    let meanPath =
      row.withUnsafeBufferPointer { buffer in
        self.ensemble.sum(row: buffer.baseAddress!)
      } / Double(self.ensemble.treeCount)
    return Self.score(meanPathLength: meanPath, sampleSize: self.sampleSize)
  }

  /// Anomaly scores of every row, on all cores.
  /// - Throws: `featureCountMismatch`.
  package func scores(_ features: FeatureMatrix) throws(ModelMathError) -> [Double] {
    let treeCount = Double(self.ensemble.treeCount)
    return try self.ensemble.sums(features).map {
      Self.score(meanPathLength: $0 / treeCount, sampleSize: self.sampleSize)
    }
  }

  /// Whether each row scores above `threshold`.
  /// - Throws: `featureCountMismatch`.
  package func isAnomaly(_ features: FeatureMatrix) throws(ModelMathError) -> [Bool] {
    try self.scores(features).map { $0 > self.threshold }
  }

  private static func score(meanPathLength: Double, sampleSize: Int) -> Double {
    Foundation.pow(2, -meanPathLength / Self.averagePathLength(max(sampleSize, 2)))
  }
}
