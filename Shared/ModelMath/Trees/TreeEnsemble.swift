/// Trees flattened into one contiguous node array for fast prediction, plus the per-tree arrays.
///
/// Every model in ModelMath predicts through this type: it sums the leaf outputs of all trees
/// (forests divide by the tree count, boosting adds a base score). The packed layout is built for
/// speed rather than for reading:
/// - each node is 12 bytes and its two children sit next to each other (breadth-first renumbering),
///   so the next node is `left + (goesLeft ? 0 : 1)`, computed without a branch;
/// - the NaN rule folds into the comparison (`!(v > t)` sends NaN left, `v <= t` sends it right);
/// - a leaf points to itself with an infinite threshold, so a walk can run a tree's depth in
///   steps without checking for leaves;
/// - several walks (eight trees of one row, or one tree of eight rows) advance in lock step, so
///   their memory loads overlap instead of queueing behind each other.
/// Thread-safe (immutable).
package struct TreeEnsemble: Sendable {
  /// The trees, in the form serialization encodes.
  package let trees: [FlatTree]
  /// Features each row must have.
  package let featureCount: Int
  /// Outputs per leaf (the same for every tree).
  package let outputCount: Int

  private let nodes: [PackedNode]
  /// Packed index of each tree's root.
  private let roots: [Int]
  /// Depth (edges on the longest path) of each tree: the steps a walk takes.
  private let depths: [Int]
  /// Deepest tree of each group of `treeLanes` consecutive trees (single-row walk steps).
  private let groupSteps: [Int]
  /// `outputCount` values per packed node (meaningful for leaves).
  private let nodeValues: [Double]

  /// Rows of a batch walked through one tree together.
  private static let lanes = 32
  /// Trees one row is walked through together on the single-row path.
  private static let treeLanes = 16

  /// Packs `trees` for prediction. O(total nodes).
  /// - Parameters:
  ///   - trees: at least one tree, all with the same `outputCount`.
  ///   - featureCount: the row width; every split feature must be below it.
  /// - Throws: `invalidModel` when the trees disagree with each other or with `featureCount`.
  package init(trees: [FlatTree], featureCount: Int) throws(ModelMathError) {
    guard let outputCount = trees.first?.outputCount,
      trees.allSatisfy({ $0.outputCount == outputCount })
    else {
      throw ModelMathError(
        code: .invalidModel, message: "an ensemble needs trees with one output width")
    }
    guard featureCount > 0, featureCount <= Int(PackedNode.featureMask),
      trees.allSatisfy({ $0.features.allSatisfy { $0 < featureCount } })
    else {
      throw ModelMathError(
        code: .invalidModel, message: "a split uses a feature beyond \(featureCount)")
    }
    var nodes = [PackedNode]()
    nodes.reserveCapacity(trees.reduce(0) { $0 + $1.nodeCount })
    var nodeValues = [Double]()
    nodeValues.reserveCapacity(nodes.capacity * outputCount)
    var roots = [Int]()
    for tree in trees {
      let offset = nodes.count
      roots.append(offset)
      let (order, packedIndex) = Self.layout(tree)
      for node in order {
        let packed = offset + packedIndex[node]
        if tree.features[node] < 0 {
          nodes.append(PackedNode(leafAt: Int32(packed)))
        } else {
          nodes.append(
            PackedNode(
              feature: UInt32(tree.features[node]), threshold: tree.thresholds[node],
              defaultLeft: tree.defaultLeft[node],
              left: Int32(offset + packedIndex[Int(tree.leftChildren[node])])))
        }
        nodeValues.append(
          contentsOf: tree.values[(node * outputCount)..<((node + 1) * outputCount)])
      }
    }
    self.trees = trees
    self.featureCount = featureCount
    self.outputCount = outputCount
    self.nodes = nodes
    self.roots = roots
    self.depths = trees.map(\.depth)
    self.groupSteps = stride(from: 0, to: trees.count, by: Self.treeLanes).map { first in
      trees[first..<min(trees.count, first + Self.treeLanes)].map(\.depth).max() ?? 0
    }
    self.nodeValues = nodeValues
  }

  /// Number of trees.
  package var treeCount: Int { self.roots.count }

  /// Levels of a tree laid out together: a sibling pair and its descendants this many levels
  /// down share a few cache lines, so a walk touches about one line per two levels.
  private static let chunkLevels = 3

  /// The packed order of a tree's nodes: the root, then chunks, each a sibling pair and its
  /// descendants for `chunkLevels` levels in breadth-first order; pairs below a chunk start new
  /// chunks, depth first. Siblings always get consecutive numbers.
  /// - Returns: nodes in packed order, and each node's packed position.
  private static func layout(_ tree: FlatTree) -> (order: [Int], packedIndex: [Int]) {
    var order = [0]
    var packedIndex = [Int](repeating: 0, count: tree.nodeCount)
    var chunks: [(Int, Int)] = []
    if tree.features[0] >= 0 {
      chunks.append((Int(tree.leftChildren[0]), Int(tree.rightChildren[0])))
    }
    var level: [Int] = []
    var nextLevel: [Int] = []
    while let (left, right) = chunks.popLast() {
      level = [left, right]
      for depth in 0..<Self.chunkLevels {
        nextLevel.removeAll(keepingCapacity: true)
        for node in level {
          packedIndex[node] = order.count
          order.append(node)
          if tree.features[node] >= 0 {
            nextLevel.append(Int(tree.leftChildren[node]))
            nextLevel.append(Int(tree.rightChildren[node]))
          }
        }
        if depth == Self.chunkLevels - 1 {
          for pair in stride(from: nextLevel.count - 2, through: 0, by: -2) {
            chunks.append((nextLevel[pair], nextLevel[pair + 1]))
          }
        }
        swap(&level, &nextLevel)
      }
    }
    return (order, packedIndex)
  }

  /// Advances `width` walks by up to `steps` levels, stopping early once all are at leaves. `cursor[lane]` starts at a root and ends at a leaf;
  /// walk `lane` reads its row (row-major) at `values + offsets[lane]`.
  @inline(__always)
  private static func walk(
    nodes: UnsafePointer<PackedNode>, steps: Int, width: Int, cursor: UnsafeMutablePointer<Int>,
    offsets: UnsafePointer<Int>, values: UnsafePointer<Float>
  ) {
    for _ in 0..<steps {
      var moved = 0
      for lane in 0..<width {
        let current = cursor[lane]
        let node = nodes[current]
        let value = values[offsets[lane] &+ node.feature]
        let goesLeft = node.defaultLeft ? !(value > node.threshold) : value <= node.threshold
        let next = Int(node.left) &+ (goesLeft ? 0 : 1)
        moved |= current ^ next
        cursor[lane] = next
      }
      // Every walk sits on a leaf (leaves loop to themselves): the rest of the steps are no-ops.
      if moved == 0 { break }
    }
  }

  // MARK: - Single row

  /// Sum over trees of the single leaf output reached by a row. No allocation, no thread hop;
  /// O(trees × depth).
  ///
  /// `row[feature]` is the row's value of `feature`.
  /// - Precondition: `outputCount == 1`.
  func sum(row: UnsafePointer<Float>) -> Double {
    precondition(self.outputCount == 1)
    var total = 0.0
    self.forEachLeaf(row: row) { node in
      total += self.nodeValues.withUnsafeBufferPointer { $0[node] }
    }
    return total
  }

  /// Adds each tree's leaf outputs to `output[0..<outputCount]`. No allocation.
  func accumulate(
    row: UnsafePointer<Float>, into output: UnsafeMutablePointer<Double>
  ) {
    let outputCount = self.outputCount
    self.nodeValues.withUnsafeBufferPointer { nodeValues in
      self.forEachLeaf(row: row) { node in
        for index in 0..<outputCount { output[index] += nodeValues[node * outputCount + index] }
      }
    }
  }

  /// Calls `body` with the packed leaf index each tree sends one row to, trees in order.
  @inline(__always)
  private func forEachLeaf(
    row: UnsafePointer<Float>, _ body: (Int) -> Void
  ) {
    self.nodes.withUnsafeBufferPointer { nodes in
      self.roots.withUnsafeBufferPointer { roots in
        self.groupSteps.withUnsafeBufferPointer { groupSteps in
          withUnsafeTemporaryAllocation(of: Int.self, capacity: Self.treeLanes) { scratch in
            let cursor = scratch.baseAddress!
            var first = 0
            var group = 0
            while first < roots.count {
              let width = min(Self.treeLanes, roots.count - first)
              for lane in 0..<width { cursor[lane] = roots[first + lane] }
              Self.walk(
                nodes: nodes.baseAddress!, steps: groupSteps[group], width: width, cursor: cursor,
                row: row)
              for lane in 0..<width { body(cursor[lane]) }
              first += width
              group += 1
            }
          }
        }
      }
    }
  }

  /// `walk` for walks that all read the same row (one row through `width` trees).
  @inline(__always)
  private static func walk(
    nodes: UnsafePointer<PackedNode>, steps: Int, width: Int, cursor: UnsafeMutablePointer<Int>,
    row: UnsafePointer<Float>
  ) {
    for _ in 0..<steps {
      var moved = 0
      for lane in 0..<width {
        let current = cursor[lane]
        let node = nodes[current]
        let value = row[node.feature]
        let goesLeft = node.defaultLeft ? !(value > node.threshold) : value <= node.threshold
        let next = Int(node.left) &+ (goesLeft ? 0 : 1)
        moved |= current ^ next
        cursor[lane] = next
      }
      if moved == 0 { break }
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
  /// Rows are processed in blocks of up to 4,096, tree by tree inside a block, so a tree's nodes
  /// stay in cache while the block's rows walk it. O(rows × trees × depth / cores).
  /// - Throws: `featureCountMismatch` when the matrix is not `featureCount` wide.
  package func sums(_ matrix: FeatureMatrix) throws(ModelMathError) -> [Double] {
    try self.checkRow(matrix.featureCount)
    return self.sums(rowCount: matrix.rowCount, values: matrix.values, isRowMajor: false)
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
      rowCount: rowMajor.count / self.featureCount, values: rowMajor, isRowMajor: true)
  }

  private func sums(rowCount: Int, values: [Float], isRowMajor: Bool) -> [Double] {
    var output = [Double](repeating: 0, count: rowCount * self.outputCount)
    if rowCount == 0 { return output }
    // Big blocks let each tree's nodes be reused by many rows while cached; enough blocks remain
    // to keep every core busy.
    let blockSize = max(256, min(4096, rowCount / (availableCoreCount * 8)))
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
            self.nodeValues.withUnsafeBufferPointer { nodeValues in
              // Walks read rows contiguously: a column-major block is transposed first (cheap
              // next to walking every tree).
              let featureCount = self.featureCount
              func walkBlock(_ blockValues: UnsafePointer<Float>) {
                withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * Self.lanes) { scratch in
                  let cursor = scratch.baseAddress!
                  let offsets = cursor + Self.lanes
                  for (tree, root) in self.roots.enumerated() {
                    var first = start
                    while first < end {
                      let width = min(end - first, Self.lanes)
                      for lane in 0..<width {
                        cursor[lane] = root
                        offsets[lane] = (first - start + lane) * featureCount
                      }
                      Self.walk(
                        nodes: nodes.baseAddress!, steps: self.depths[tree], width: width,
                        cursor: cursor,
                        offsets: offsets, values: blockValues)
                      for lane in 0..<width {
                        let row = first + lane
                        for index in 0..<outputCount {
                          out.base[row * outputCount + index] +=
                            nodeValues[cursor[lane] * outputCount + index]
                        }
                      }
                      first += width
                    }
                  }
                }
              }
              if isRowMajor {
                walkBlock(input.base + start * featureCount)
              } else {
                var transposed = [Float](repeating: 0, count: (end - start) * featureCount)
                for feature in 0..<featureCount {
                  let column = input.base + feature * rowCount
                  for row in start..<end {
                    transposed[(row - start) * featureCount + feature] = column[row]
                  }
                }
                transposed.withUnsafeBufferPointer { walkBlock($0.baseAddress!) }
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

/// 12-byte node: threshold, feature and NaN flag, and the left child (the right child is the next
/// node). A leaf points to itself, always "goes left" and so stays put.
struct PackedNode {
  static let defaultLeftFlag: UInt32 = 1 << 31
  static let featureMask: UInt32 = (1 << 24) - 1

  var threshold: Float
  var word: UInt32
  var left: Int32

  init(feature: UInt32, threshold: Float, defaultLeft: Bool, left: Int32) {
    self.threshold = threshold
    self.word = feature | (defaultLeft ? Self.defaultLeftFlag : 0)
    self.left = left
  }

  init(leafAt index: Int32) {
    self.threshold = .infinity
    self.word = Self.defaultLeftFlag
    self.left = index
  }

  var defaultLeft: Bool { self.word & Self.defaultLeftFlag != 0 }
  var feature: Int { Int(self.word & Self.featureMask) }
}
