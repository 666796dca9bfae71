/// The parts of forest training that classifier and regressor share: growing trees in parallel,
/// importances and out-of-bag predictions.
enum ForestTraining {
  /// Grows `treeCount` trees on all cores. Tree `i` uses random stream `i` of `seed`, so the
  /// result does not depend on scheduling.
  static func growTrees(_ grower: ForestTreeGrower, treeCount: Int, seed: UInt64) -> (
    trees: [FlatTree], importances: [Double]
  ) {
    let slots = ResultSlots<(tree: FlatTree, importance: [Double])>(count: treeCount)
    parallelFor(treeCount) { index in
      slots.set(index, grower.grow(seed: seed, treeIndex: index))
    }
    let grown = slots.collect()
    // scikit-learn's normalisation: per tree by root weight and to sum 1, mean over trees, sum 1.
    var importances = [Double](repeating: 0, count: grower.binned.featureCount)
    for (tree, importance) in grown {
      let total = importance.reduce(0, +)
      guard total > 0, tree.covers[0] > 0 else { continue }
      for feature in importances.indices { importances[feature] += importance[feature] / total }
    }
    let total = importances.reduce(0, +)
    if total > 0 { importances = importances.map { $0 / total } }
    return (grown.map(\.tree), importances)
  }

  /// Sum of each row's outputs over the trees that did not train on it, and how many trees that
  /// was. Rebuilds every tree's sample from its seed. Parallel over fixed blocks of trees, merged
  /// in block order, so deterministic.
  static func outOfBagSums(
    _ grower: ForestTreeGrower, trees: [FlatTree], seed: UInt64, features: FeatureMatrix
  ) -> (sums: [Double], counts: [Int]) {
    let rowCount = features.rowCount
    let outputCount = grower.outputCount
    let blockCount = min(trees.count, deterministicSliceCount)
    let slots = ResultSlots<(sums: [Double], counts: [Int])>(count: blockCount)
    parallelFor(blockCount) { block in
      var sums = [Double](repeating: 0, count: rowCount * outputCount)
      var counts = [Int](repeating: 0, count: rowCount)
      var treeIndex = block
      while treeIndex < trees.count {
        var random = SplitMix64.stream(seed: seed, index: treeIndex)
        let inBag = grower.sampleCounts(random: &random)
        let tree = trees[treeIndex]
        for row in 0..<rowCount where inBag[row] == 0 {
          let leaf = tree.leaf { features[row, $0] }
          for output in 0..<outputCount {
            sums[row * outputCount + output] += tree.values[leaf * outputCount + output]
          }
          counts[row] += 1
        }
        treeIndex += blockCount
      }
      slots.set(block, (sums, counts))
    }
    var sums = [Double](repeating: 0, count: rowCount * outputCount)
    var counts = [Int](repeating: 0, count: rowCount)
    for part in slots.collect() {
      for index in sums.indices { sums[index] += part.sums[index] }
      for index in counts.indices { counts[index] += part.counts[index] }
    }
    return (sums, counts)
  }

  /// Mean drop of `score` when one feature's column is shuffled, per feature.
  ///
  /// - Parameters:
  ///   - features: the evaluation features.
  ///   - repeats: shuffles per feature.
  ///   - seed: seed of the shuffles.
  ///   - score: higher-is-better score of the model on a matrix.
  static func permutationImportance(
    features: FeatureMatrix, repeats: Int, seed: UInt64,
    score: (FeatureMatrix) throws(ModelMathError) -> Double
  ) throws(ModelMathError) -> [Double] {
    try ModelMathError.require(repeats >= 1, "repeats must be >= 1, got \(repeats)")
    let baseline = try score(features)
    let rowCount = features.rowCount
    var result = [Double](repeating: 0, count: features.featureCount)
    for feature in 0..<features.featureCount {
      var random = SplitMix64.stream(seed: seed, index: feature)
      var total = 0.0
      for _ in 0..<repeats {
        var values = features.values
        var column = Array(values[(feature * rowCount)..<((feature + 1) * rowCount)])
        column.shuffle(using: &random)
        values.replaceSubrange((feature * rowCount)..<((feature + 1) * rowCount), with: column)
        let shuffled = FeatureMatrix(
          validatedValues: values, rowCount: rowCount, featureCount: features.featureCount)
        total += baseline - (try score(shuffled))
      }
      result[feature] = total / Double(repeats)
    }
    return result
  }
}
