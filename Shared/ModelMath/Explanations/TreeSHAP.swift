/// Path-dependent TreeSHAP (Lundberg, Erion and Lee, Algorithm 2): exact Shapley values of a tree
/// model's output, where "feature unknown" means following both children weighted by training
/// cover.
///
/// For a row, `baseValue + contributions.reduce(0, +)` equals the model's output (local
/// accuracy). O(trees × leaves × depth²) per row; no randomness.
package struct SHAPExplanation: Sendable, Hashable {
  /// The expected output over the training data (cover-weighted mean of leaf values).
  package var baseValue: Double
  /// One contribution per feature.
  package var contributions: [Double]
}

/// TreeSHAP over the trees of an ensemble.
enum TreeSHAP {
  /// Explains `scale × Σ trees[output] + offset` for one row.
  static func explain(
    ensemble: TreeEnsemble, output: Int, scale: Double, offset: Double, row: [Float]
  ) -> SHAPExplanation {
    var contributions = [Double](repeating: 0, count: ensemble.featureCount)
    var base = offset
    for tree in ensemble.trees {
      base += scale * Self.expectedValue(tree, output: output)
      Self.accumulate(tree, output: output, scale: scale, row: row, into: &contributions)
    }
    return SHAPExplanation(baseValue: base, contributions: contributions)
  }

  /// Mean |contribution| per feature over the rows of `features`, on all cores.
  static func meanAbsolute(
    ensemble: TreeEnsemble, output: Int, scale: Double, features: FeatureMatrix
  ) -> [Double] {
    // A fixed block count: the order of floating-point sums never depends on the machine.
    let blockCount = min(features.rowCount, deterministicSliceCount * 2)
    let slots = ResultSlots<[Double]>(count: blockCount)
    parallelFor(blockCount) { block in
      var sums = [Double](repeating: 0, count: features.featureCount)
      var row = block
      while row < features.rowCount {
        var contributions = [Double](repeating: 0, count: features.featureCount)
        let values = features.row(row)
        for tree in ensemble.trees {
          Self.accumulate(tree, output: output, scale: scale, row: values, into: &contributions)
        }
        for index in sums.indices { sums[index] += abs(contributions[index]) }
        row += blockCount
      }
      slots.set(block, sums)
    }
    var total = [Double](repeating: 0, count: features.featureCount)
    for part in slots.collect() {
      for index in total.indices { total[index] += part[index] }
    }
    return total.map { $0 / Double(features.rowCount) }
  }

  /// Cover-weighted mean leaf value of one tree.
  static func expectedValue(_ tree: FlatTree, output: Int) -> Double {
    guard tree.covers[0] > 0 else { return tree.values[output] }
    var total = 0.0
    for node in 0..<tree.nodeCount where tree.features[node] < 0 {
      total += tree.covers[node] * tree.values[node * tree.outputCount + output]
    }
    return total / tree.covers[0]
  }

  /// The unique path of Lundberg's algorithm, in one buffer; each recursion level works on its
  /// own segment.
  private struct Path {
    var feature: [Int]
    var zero: [Double]
    var one: [Double]
    var weight: [Double]

    init(capacity: Int) {
      self.feature = [Int](repeating: -1, count: capacity)
      self.zero = [Double](repeating: 0, count: capacity)
      self.one = [Double](repeating: 0, count: capacity)
      self.weight = [Double](repeating: 0, count: capacity)
    }

    mutating func copy(from source: Int, to target: Int, count: Int) {
      for index in 0..<count {
        self.feature[target + index] = self.feature[source + index]
        self.zero[target + index] = self.zero[source + index]
        self.one[target + index] = self.one[source + index]
        self.weight[target + index] = self.weight[source + index]
      }
    }

    mutating func extend(base: Int, depth: Int, zero: Double, one: Double, feature: Int) {
      self.feature[base + depth] = feature
      self.zero[base + depth] = zero
      self.one[base + depth] = one
      self.weight[base + depth] = depth == 0 ? 1 : 0
      let size = Double(depth + 1)
      var index = depth - 1
      while index >= 0 {
        self.weight[base + index + 1] += one * self.weight[base + index] * Double(index + 1) / size
        self.weight[base + index] = zero * self.weight[base + index] * Double(depth - index) / size
        index -= 1
      }
    }

    mutating func unwind(base: Int, depth: Int, pathIndex: Int) {
      let one = self.one[base + pathIndex]
      let zero = self.zero[base + pathIndex]
      let size = Double(depth + 1)
      var next = self.weight[base + depth]
      var index = depth - 1
      while index >= 0 {
        if one != 0 {
          let saved = self.weight[base + index]
          self.weight[base + index] = next * size / (Double(index + 1) * one)
          next = saved - self.weight[base + index] * zero * Double(depth - index) / size
        } else {
          self.weight[base + index] =
            self.weight[base + index] * size / (zero * Double(depth - index))
        }
        index -= 1
      }
      for index in pathIndex..<depth {
        self.feature[base + index] = self.feature[base + index + 1]
        self.zero[base + index] = self.zero[base + index + 1]
        self.one[base + index] = self.one[base + index + 1]
      }
    }

    func unwoundSum(base: Int, depth: Int, pathIndex: Int) -> Double {
      let one = self.one[base + pathIndex]
      let zero = self.zero[base + pathIndex]
      let size = Double(depth + 1)
      var next = self.weight[base + depth]
      var total = 0.0
      var index = depth - 1
      while index >= 0 {
        if one != 0 {
          let term = next * size / (Double(index + 1) * one)
          total += term
          next = self.weight[base + index] - term * zero * Double(depth - index) / size
        } else {
          total += (self.weight[base + index] / zero) / (Double(depth - index) / size)
        }
        index -= 1
      }
      return total
    }
  }

  /// Adds one tree's contributions (times `scale`) for `row` to `contributions`.
  static func accumulate(
    _ tree: FlatTree, output: Int, scale: Double, row: [Float], into contributions: inout [Double]
  ) {
    let depth = tree.depth + 2
    var path = Path(capacity: (depth + 1) * (depth + 2) / 2 + depth + 2)
    Self.recurse(
      tree, node: 0, parentBase: 0, depth: 0, parentZero: 1, parentOne: 1, parentFeature: -1,
      output: output, scale: scale, row: row, path: &path, contributions: &contributions)
  }

  private static func recurse(
    _ tree: FlatTree, node: Int, parentBase: Int, depth: Int, parentZero: Double, parentOne: Double,
    parentFeature: Int, output: Int, scale: Double, row: [Float], path: inout Path,
    contributions: inout [Double]
  ) {
    let base = parentBase + depth + 1
    path.copy(from: parentBase, to: base, count: depth + 1)
    path.extend(base: base, depth: depth, zero: parentZero, one: parentOne, feature: parentFeature)

    if tree.features[node] < 0 {
      let value = tree.values[node * tree.outputCount + output] * scale
      if depth >= 1 {
        for index in 1...depth {
          let weight = path.unwoundSum(base: base, depth: depth, pathIndex: index)
          contributions[path.feature[base + index]] +=
            weight * (path.one[base + index] - path.zero[base + index]) * value
        }
      }
      return
    }
    let feature = Int(tree.features[node])
    let hot = tree.child(of: node, value: row[feature])
    let left = Int(tree.leftChildren[node])
    let cold = hot == left ? Int(tree.rightChildren[node]) : left
    let cover = tree.covers[node]
    let hotZero = cover > 0 ? tree.covers[hot] / cover : 0
    let coldZero = cover > 0 ? tree.covers[cold] / cover : 0
    var incomingZero = 1.0
    var incomingOne = 1.0
    var uniqueDepth = depth
    if let pathIndex = (0...depth).first(where: { path.feature[base + $0] == feature }) {
      incomingZero = path.zero[base + pathIndex]
      incomingOne = path.one[base + pathIndex]
      path.unwind(base: base, depth: depth, pathIndex: pathIndex)
      uniqueDepth -= 1
    }
    Self.recurse(
      tree, node: hot, parentBase: base, depth: uniqueDepth + 1, parentZero: hotZero * incomingZero,
      parentOne: incomingOne, parentFeature: feature, output: output, scale: scale, row: row,
      path: &path, contributions: &contributions)
    Self.recurse(
      tree, node: cold, parentBase: base, depth: uniqueDepth + 1,
      parentZero: coldZero * incomingZero,
      parentOne: 0, parentFeature: feature, output: output, scale: scale, row: row, path: &path,
      contributions: &contributions)
  }
}
