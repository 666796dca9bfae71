/// One decision tree as parallel arrays: the layout inference walks and serialization encodes.
///
/// Node 0 is the root. An internal node sends a row left when its value is `<= thresholds[i]`
/// (a raw feature value; the training bin is kept in `thresholdBins[i]`) and NaN to the left when
/// `defaultLeft[i]`. A leaf has `features[i] == -1` and its output in
/// `values[i * outputCount ..< (i + 1) * outputCount]` (internal nodes store the output they would
/// have as leaves). `covers[i]` is the training weight that reached the node (TreeSHAP needs it).
package struct FlatTree: Sendable, Hashable {
  /// Split feature per node, `-1` for a leaf.
  package var features: [Int32]
  /// Raw threshold per node: `value <= threshold` goes left.
  package var thresholds: [Float]
  /// The training-time bin of each threshold (`bin <= thresholdBin` goes left).
  package var thresholdBins: [UInt8]
  /// Left child per node (`-1` for a leaf).
  package var leftChildren: [Int32]
  /// Right child per node (`-1` for a leaf).
  package var rightChildren: [Int32]
  /// Whether NaN goes left, per node.
  package var defaultLeft: [Bool]
  /// `outputCount` values per node; meaningful for leaves.
  package var values: [Double]
  /// Training weight (sample count for unweighted data) that reached each node.
  package var covers: [Double]
  /// Outputs per leaf: 1 for regression, boosting and binary probability; k for k classes.
  package var outputCount: Int

  /// Number of nodes.
  package var nodeCount: Int { self.features.count }

  /// Creates a tree from decoded arrays and checks that they form a tree.
  ///
  /// Used by deserialization: every child index must point forward to a node no other parent
  /// claims, so walks terminate. O(nodes).
  /// - Throws: `invalidModel` describing the first inconsistency.
  package init(
    features: [Int32], thresholds: [Float], thresholdBins: [UInt8], leftChildren: [Int32],
    rightChildren: [Int32], defaultLeft: [Bool], values: [Double], covers: [Double],
    outputCount: Int
  ) throws(ModelMathError) {
    let count = features.count
    guard count > 0, outputCount > 0,
      [
        thresholds.count, thresholdBins.count, leftChildren.count, rightChildren.count,
        defaultLeft.count, covers.count,
      ].allSatisfy({ $0 == count }),
      values.count == count * outputCount
    else {
      throw ModelMathError(code: .invalidModel, message: "tree arrays have inconsistent lengths")
    }
    var hasParent = [Bool](repeating: false, count: count)
    for node in 0..<count where features[node] >= 0 {
      for child in [leftChildren[node], rightChildren[node]] {
        guard child > node, child < count, !hasParent[Int(child)] else {
          throw ModelMathError(
            code: .invalidModel, message: "node \(node) has an invalid child index \(child)")
        }
        hasParent[Int(child)] = true
      }
    }
    self.init(
      unchecked: features, thresholds: thresholds, thresholdBins: thresholdBins,
      leftChildren: leftChildren, rightChildren: rightChildren, defaultLeft: defaultLeft,
      values: values, covers: covers, outputCount: outputCount)
  }

  init(
    unchecked features: [Int32], thresholds: [Float], thresholdBins: [UInt8],
    leftChildren: [Int32], rightChildren: [Int32], defaultLeft: [Bool], values: [Double],
    covers: [Double], outputCount: Int
  ) {
    self.features = features
    self.thresholds = thresholds
    self.thresholdBins = thresholdBins
    self.leftChildren = leftChildren
    self.rightChildren = rightChildren
    self.defaultLeft = defaultLeft
    self.values = values
    self.covers = covers
    self.outputCount = outputCount
  }

  /// Whether `node` is a leaf.
  package func isLeaf(_ node: Int) -> Bool {
    self.features[node] < 0
  }

  /// The leaf a row reaches. O(depth); for tests and explanations (the ensemble's packed walk is
  /// the fast path).
  /// - Parameter value: the row's value of a feature.
  package func leaf(_ value: (Int) -> Float) -> Int {
    var node = 0
    while self.features[node] >= 0 {
      node = self.child(of: node, value: value(Int(self.features[node])))
    }
    return node
  }

  /// The child of internal `node` that a row with `value` of its feature goes to.
  func child(of node: Int, value: Float) -> Int {
    let goesLeft = value <= self.thresholds[node] || (value.isNaN && self.defaultLeft[node])
    return Int(goesLeft ? self.leftChildren[node] : self.rightChildren[node])
  }

  /// Length of the longest root-to-leaf path in edges.
  package var depth: Int {
    var depths = [Int](repeating: 0, count: self.nodeCount)
    var deepest = 0
    for node in 0..<self.nodeCount where self.features[node] >= 0 {
      for child in [self.leftChildren[node], self.rightChildren[node]] {
        depths[Int(child)] = depths[node] + 1
        deepest = max(deepest, depths[Int(child)])
      }
    }
    return deepest
  }
}

/// Appends nodes while a learner grows a tree, then hands over a ``FlatTree``.
struct TreeRecorder {
  private(set) var features: [Int32] = []
  private(set) var thresholds: [Float] = []
  private(set) var thresholdBins: [UInt8] = []
  private(set) var leftChildren: [Int32] = []
  private(set) var rightChildren: [Int32] = []
  private(set) var defaultLeft: [Bool] = []
  private(set) var values: [Double] = []
  private(set) var covers: [Double] = []
  let outputCount: Int

  init(outputCount: Int) {
    self.outputCount = outputCount
  }

  /// Adds a leaf and returns its index.
  mutating func addLeaf(cover: Double, values: some Collection<Double>) -> Int {
    precondition(values.count == self.outputCount)
    self.features.append(-1)
    self.thresholds.append(0)
    self.thresholdBins.append(0)
    self.leftChildren.append(-1)
    self.rightChildren.append(-1)
    self.defaultLeft.append(false)
    self.values.append(contentsOf: values)
    self.covers.append(cover)
    return self.features.count - 1
  }

  /// Turns leaf `node` into a split whose children are `left` and `right`.
  mutating func split(
    _ node: Int, feature: Int, bin: UInt8, threshold: Float, defaultLeft: Bool, left: Int,
    right: Int
  ) {
    self.features[node] = Int32(feature)
    self.thresholdBins[node] = bin
    self.thresholds[node] = threshold
    self.defaultLeft[node] = defaultLeft
    self.leftChildren[node] = Int32(left)
    self.rightChildren[node] = Int32(right)
  }

  /// Overwrites the first output of `node` (boosting renews leaf values after growth).
  mutating func setValue(_ node: Int, _ value: Double) {
    self.values[node * self.outputCount] = value
  }

  func makeTree() -> FlatTree {
    FlatTree(
      unchecked: self.features, thresholds: self.thresholds, thresholdBins: self.thresholdBins,
      leftChildren: self.leftChildren, rightChildren: self.rightChildren,
      defaultLeft: self.defaultLeft, values: self.values, covers: self.covers,
      outputCount: self.outputCount)
  }
}
