/// Trees flattened into one contiguous node array for fast prediction, plus the per-tree arrays.
///
/// Every model in ModelMath predicts through this type: it sums the leaf outputs of all trees
/// (forests divide by the tree count, boosting adds a base score). Each node is 16 bytes; a
/// leaf with a single output keeps the value's bits in the child slots, so a walk reads one cache
/// line per level and nothing else. Thread-safe (immutable).
package struct TreeEnsemble: Sendable {
  /// The trees, in the form serialization encodes.
  package let trees: [FlatTree]
  /// Features each row must have.
  package let featureCount: Int
  /// Outputs per leaf (the same for every tree).
  package let outputCount: Int

  private let nodes: [PackedNode]
  private let roots: [Int32]
  /// Leaf outputs when `outputCount > 1`, indexed from the leaf's packed slot.
  private let leafValues: [Double]

  /// Packs `trees` for prediction. O(total nodes).
  /// - Parameters:
  ///   - trees: at least one tree, all with the same `outputCount`.
  ///   - featureCount: the row width; every split feature must be below it.
  /// - Throws: `invalidModel` when the trees disagree with each other or with `featureCount`.
  package init(trees: [FlatTree], featureCount: Int) throws(ModelMathError) {
    guard let outputCount = trees.first?.outputCount,
      trees.allSatisfy({ $0.outputCount == outputCount })
    else {
      throw ModelMathError(code: .invalidModel, message: "an ensemble needs trees with one output width")
    }
    guard featureCount > 0, featureCount < Int(PackedNode.featureMask),
      trees.allSatisfy({ $0.features.allSatisfy { $0 < featureCount } })
    else {
      throw ModelMathError(code: .invalidModel, message: "a split uses a feature beyond \(featureCount)")
    }
    var nodes = [PackedNode]()
    nodes.reserveCapacity(trees.reduce(0) { $0 + $1.nodeCount })
    var roots = [Int32]()
    var leafValues = [Double]()
    for tree in trees {
      let offset = Int32(nodes.count)
      roots.append(offset)
      for node in 0..<tree.nodeCount {
        if tree.features[node] < 0 {
          if outputCount == 1 {
            nodes.append(PackedNode(leafValue: tree.values[node]))
          } else {
            nodes.append(PackedNode(leafSlot: Int32(leafValues.count)))
            leafValues.append(contentsOf: tree.values[(node * outputCount)..<((node + 1) * outputCount)])
          }
        } else {
          nodes.append(
            PackedNode(
              feature: UInt32(tree.features[node]), threshold: tree.thresholds[node],
              defaultLeft: tree.defaultLeft[node], left: offset + tree.leftChildren[node],
              right: offset + tree.rightChildren[node]))
        }
      }
    }
    self.trees = trees
    self.featureCount = featureCount
    self.outputCount = outputCount
    self.nodes = nodes
    self.roots = roots
    self.leafValues = leafValues
  }

  /// Number of trees.
  package var treeCount: Int { self.roots.count }

  // MARK: - Single row

  /// Sum over trees of the single leaf output reached by a row. No allocation; O(trees × depth).
  ///
  /// `values[offset + feature * stride]` is the row's value of `feature`, so one walk serves
  /// row-major (stride 1) and column-major (stride rowCount) storage.
  /// - Precondition: `outputCount == 1`.
  @inline(__always)
  func sum(values: UnsafePointer<Float>, offset: Int, stride: Int) -> Double {
    precondition(self.outputCount == 1)
    return self.nodes.withUnsafeBufferPointer { nodes in
      self.roots.withUnsafeBufferPointer { roots in
        var total = 0.0
        for root in roots {
          total += nodes[Self.leaf(nodes: nodes, root: root, values: values, offset: offset, stride: stride)]
            .leafValue
        }
        return total
      }
    }
  }

  /// Adds each tree's leaf outputs to `output[0..<outputCount]`. No allocation.
  @inline(__always)
  func accumulate(
    values: UnsafePointer<Float>, offset: Int, stride: Int, into output: UnsafeMutablePointer<Double>
  ) {
    self.nodes.withUnsafeBufferPointer { nodes in
      self.roots.withUnsafeBufferPointer { roots in
        self.leafValues.withUnsafeBufferPointer { leafValues in
          for root in roots {
            let leaf = nodes[Self.leaf(nodes: nodes, root: root, values: values, offset: offset, stride: stride)]
            if self.outputCount == 1 {
              output[0] += leaf.leafValue
            } else {
              let slot = Int(leaf.leafSlot)
              for output_ in 0..<self.outputCount { output[output_] += leafValues[slot + output_] }
            }
          }
        }
      }
    }
  }

  @inline(__always)
  private static func leaf(
    nodes: UnsafeBufferPointer<PackedNode>, root: Int32, values: UnsafePointer<Float>, offset: Int,
    stride: Int
  ) -> Int {
    var index = Int(root)
    while true {
      let node = nodes[index]
      if node.isLeaf { return index }
      let value = values[offset + node.feature * stride]
      let goesLeft = value <= node.threshold || (value.isNaN && node.defaultLeft)
      index = Int(goesLeft ? node.left : node.right)
    }
  }

  /// Checks a single row's width.
  func checkRow(_ count: Int) throws(ModelMathError) {
    guard count == self.featureCount else {
      throw ModelMathError(
        code: .featureCountMismatch,
        message: "row has \(count) features, the model expects \(self.featureCount)")
    }
  }

  // MARK: - Batch

  /// Summed leaf outputs for every row of `matrix`, `outputCount` per row, on all cores.
  ///
  /// Rows are processed in blocks, tree by tree inside a block, so a tree's upper nodes stay in
  /// cache. O(rows × trees × depth / cores).
  /// - Throws: `featureCountMismatch` when the matrix is not `featureCount` wide.
  package func sums(_ matrix: FeatureMatrix) throws(ModelMathError) -> [Double] {
    try self.checkRow(matrix.featureCount)
    return self.sums(rowCount: matrix.rowCount, values: matrix.values, stride: matrix.rowCount, rowStep: 1)
  }

  /// Like `sums(_:)` for row-major values (`rowMajor[row * featureCount + feature]`).
  /// - Throws: `featureCountMismatch` when the count is not a whole number of rows.
  package func sums(rowMajor: [Float]) throws(ModelMathError) -> [Double] {
    guard rowMajor.count % self.featureCount == 0 else {
      throw ModelMathError(
        code: .featureCountMismatch,
        message: "\(rowMajor.count) values are not whole rows of \(self.featureCount) features")
    }
    return self.sums(
      rowCount: rowMajor.count / self.featureCount, values: rowMajor, stride: 1, rowStep: self.featureCount)
  }

  private func sums(rowCount: Int, values: [Float], stride: Int, rowStep: Int) -> [Double] {
    var output = [Double](repeating: 0, count: rowCount * self.outputCount)
    if rowCount == 0 { return output }
    let blockSize = 256
    let blockCount = (rowCount + blockSize - 1) / blockSize
    let outputCount = self.outputCount
    output.withUnsafeMutableBufferPointer { outputBuffer in
      values.withUnsafeBufferPointer { valuesBuffer in
        let out = SharedOutput(base: outputBuffer.baseAddress!)
        let input = SharedInput(base: valuesBuffer.baseAddress!)
        parallelFor(blockCount) { block in
          let start = block * blockSize
          let end = min(rowCount, start + blockSize)
          self.nodes.withUnsafeBufferPointer { nodes in
            self.roots.withUnsafeBufferPointer { roots in
              self.leafValues.withUnsafeBufferPointer { leafValues in
                for root in roots {
                  for row in start..<end {
                    let leaf = nodes[
                      Self.leaf(
                        nodes: nodes, root: root, values: input.base, offset: row * rowStep, stride: stride)]
                    if outputCount == 1 {
                      out.base[row] += leaf.leafValue
                    } else {
                      let slot = Int(leaf.leafSlot)
                      for index in 0..<outputCount {
                        out.base[row * outputCount + index] += leafValues[slot + index]
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    return output
  }
}

/// A read-only pointer handed to parallel iterations; the owner keeps the array alive.
struct SharedInput<Element>: @unchecked Sendable {
  let base: UnsafePointer<Element>
}

/// 16-byte node. Internal: feature and flags, threshold, children. Leaf: the output's bits (or a
/// slot in the ensemble's leaf value array) in the child fields.
struct PackedNode {
  static let leafFlag: UInt32 = 1 << 31
  static let defaultLeftFlag: UInt32 = 1 << 30
  static let featureMask: UInt32 = (1 << 24) - 1

  var threshold: Float
  var word: UInt32
  var left: Int32
  var right: Int32

  init(feature: UInt32, threshold: Float, defaultLeft: Bool, left: Int32, right: Int32) {
    self.threshold = threshold
    self.word = feature | (defaultLeft ? Self.defaultLeftFlag : 0)
    self.left = left
    self.right = right
  }

  init(leafValue: Double) {
    let bits = leafValue.bitPattern
    self.threshold = 0
    self.word = Self.leafFlag
    self.left = Int32(bitPattern: UInt32(truncatingIfNeeded: bits))
    self.right = Int32(bitPattern: UInt32(truncatingIfNeeded: bits >> 32))
  }

  init(leafSlot: Int32) {
    self.threshold = 0
    self.word = Self.leafFlag
    self.left = leafSlot
    self.right = 0
  }

  var isLeaf: Bool { self.word & Self.leafFlag != 0 }
  var defaultLeft: Bool { self.word & Self.defaultLeftFlag != 0 }
  var feature: Int { Int(self.word & Self.featureMask) }
  var leafSlot: Int32 { self.left }
  var leafValue: Double {
    Double(bitPattern: UInt64(UInt32(bitPattern: self.left)) | UInt64(UInt32(bitPattern: self.right)) << 32)
  }
}
