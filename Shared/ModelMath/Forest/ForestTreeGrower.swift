/// Grows one histogram-based CART tree of a random forest (or a lone CART tree).
///
/// Read-only and shared by all trees of a forest; each call to `grow` derives its own random
/// stream from the tree index, so a forest is the same whichever thread grows which tree.
/// Nodes are split depth-first; per node, candidate features are drawn without replacement
/// until `maxFeatures` non-constant ones have been examined (scikit-learn's rule), each scanned
/// over its bins with NaN tried on both sides.
struct ForestTreeGrower: Sendable {
  let binned: BinnedMatrix
  /// Class of each row (classification), else empty.
  let classes: [Int32]
  /// Label of each row (regression), else empty.
  let targets: [Double]
  /// Sample weight × class weight of each row.
  let baseWeights: [Double]
  /// Number of classes, 0 for regression.
  let classCount: Int
  let criterion: SplitCriterion
  let maxDepth: Int
  let minSamplesSplit: Int
  let minSamplesLeaf: Int
  let maxFeatures: Int
  let bootstrap: Bool

  /// Leaf outputs: 1 for regression and binary classification (P(class 1)), else one per class.
  var outputCount: Int { self.classCount == 0 || self.classCount == 2 ? 1 : self.classCount }
  /// Doubles per histogram cell: class weights + count, or w, Σwy, Σwy², count.
  private var statWidth: Int { self.classCount > 0 ? self.classCount + 1 : 4 }

  /// How many times each row is drawn into tree `treeIndex`'s bootstrap sample (all ones
  /// without bootstrap). Reproducible from the seed alone, which out-of-bag scoring relies on.
  func sampleCounts(random: inout SplitMix64) -> [Int32] {
    let rowCount = self.binned.rowCount
    guard self.bootstrap else { return [Int32](repeating: 1, count: rowCount) }
    var counts = [Int32](repeating: 0, count: rowCount)
    for _ in 0..<rowCount { counts[random.nextIndex(below: rowCount)] += 1 }
    return counts
  }

  /// Grows tree `treeIndex`.
  /// - Returns: the tree and its per-feature weighted impurity decrease (unnormalised).
  func grow(seed: UInt64, treeIndex: Int) -> (tree: FlatTree, importance: [Double]) {
    var random = SplitMix64.stream(seed: seed, index: treeIndex)
    let counts = self.sampleCounts(random: &random)
    let rowCount = self.binned.rowCount
    let featureCount = self.binned.featureCount
    let width = self.statWidth
    let classCount = self.classCount

    // In-bag rows with their weight and label, moved together by partitioning so histogram
    // passes read them sequentially (only the bins are gathered).
    var indices = [RowEntry]()
    indices.reserveCapacity(rowCount)
    for row in 0..<rowCount where counts[row] > 0 && self.baseWeights[row] > 0 {
      indices.append(
        RowEntry(
          row: Int32(row), weight: Double(counts[row]) * self.baseWeights[row],
          label: classCount > 0 ? Double(self.classes[row]) : self.targets[row]))
    }

    let histogram = UnsafeMutablePointer<Double>.allocate(capacity: featureCount * 256 * width)
    histogram.initialize(repeating: 0, count: featureCount * 256 * width)
    // scratch: node totals, then evaluate's cumulative/left/right, then the best left stats.
    let scratch = UnsafeMutablePointer<Double>.allocate(capacity: 5 * width)
    scratch.initialize(repeating: 0, count: 5 * width)
    let bestLeft = scratch + 4 * width
    defer {
      histogram.deallocate()
      scratch.deallocate()
    }
    var lowBins = [Int](repeating: 0, count: featureCount)
    var highBins = [Int](repeating: 0, count: featureCount)
    var featureOrder = Array(0..<featureCount)
    var batch = [Int]()
    var importance = [Double](repeating: 0, count: featureCount)
    var rightRows = [RowEntry](
      repeating: RowEntry(row: 0, weight: 0, label: 0), count: indices.count)
    var recorder = TreeRecorder(outputCount: self.outputCount)

    // Per pending node: its statistics vector, kept in one pool.
    var statsPool = [Double](repeating: 0, count: width)
    for entry in indices { self.add(entry, to: &statsPool, at: 0) }
    _ = recorder.addLeaf(
      cover: self.weight(statsPool, at: 0), values: self.leafValues(statsPool, at: 0))
    var stack: [(node: Int, start: Int, end: Int, depth: Int, stats: Int)] = [
      (0, 0, indices.count, 0, 0)
    ]

    self.binned.bins.withUnsafeBufferPointer { bins in
      while let item = stack.popLast() {
        let count = statsPool[item.stats + width - 1]
        let nodeWeight = self.weight(statsPool, at: item.stats)
        let parentImpurity = statsPool.withUnsafeBufferPointer {
          self.criterion.weightedImpurity($0.baseAddress! + item.stats, classCount: classCount)
        }
        if item.depth >= self.maxDepth || count < Double(self.minSamplesSplit)
          || count < Double(2 * self.minSamplesLeaf) || parentImpurity <= 1e-12 * nodeWeight
        {
          continue
        }
        for index in 0..<width { scratch[index] = statsPool[item.stats + index] }  // node totals

        var best = SplitCandidate()
        var drawn = 0
        var nonConstant = 0
        while nonConstant < self.maxFeatures && drawn < featureCount {
          batch.removeAll(keepingCapacity: true)
          for _ in 0..<min(self.maxFeatures - nonConstant, featureCount - drawn) {
            let pick = drawn + random.nextIndex(below: featureCount - drawn)
            featureOrder.swapAt(drawn, pick)
            batch.append(featureOrder[drawn])
            drawn += 1
          }
          indices.withUnsafeBufferPointer { indices in
            self.buildHistograms(
              batch: batch, rows: UnsafeBufferPointer(rebasing: indices[item.start..<item.end]),
              bins: bins.baseAddress!, histogram: histogram, lowBins: &lowBins, highBins: &highBins)
          }
          for (slot, feature) in batch.enumerated() {
            if self.evaluate(
              feature: feature, histogram: histogram + slot * 256 * width, low: lowBins[slot],
              high: highBins[slot], totals: scratch, parentImpurity: parentImpurity,
              scratch: scratch + width, best: &best, bestLeft: bestLeft)
            {
              nonConstant += 1
            }
            // Leave the histogram zeroed for the next node.
            let cells = histogram + slot * 256 * width
            if lowBins[slot] <= highBins[slot] {
              (cells + lowBins[slot] * width).update(
                repeating: 0, count: (highBins[slot] - lowBins[slot] + 1) * width)
            }
            (cells + 255 * width).update(repeating: 0, count: width)
          }
        }
        guard best.feature >= 0 else { continue }

        // Stable partition: left rows first, both sides stay ascending so later histogram
        // passes read bins front to back.
        var low = item.start
        var rightCount = 0
        for position in item.start..<item.end {
          let row = indices[position]
          let bin = bins[Int(row.row) * featureCount + best.feature]
          let goesLeft = bin == FeatureBins.missingBin ? best.defaultLeft : Int(bin) <= best.bin
          if goesLeft {
            indices[low] = row
            low += 1
          } else {
            rightRows[rightCount] = row
            rightCount += 1
          }
        }
        for offset in 0..<rightCount { indices[low + offset] = rightRows[offset] }
        importance[best.feature] += best.decrease
        let leftStats = statsPool.count
        statsPool.append(contentsOf: UnsafeBufferPointer(start: bestLeft, count: width))
        let rightStats = statsPool.count
        for index in 0..<width { statsPool.append(scratch[index] - bestLeft[index]) }
        let left = recorder.addLeaf(
          cover: self.weight(statsPool, at: leftStats),
          values: self.leafValues(statsPool, at: leftStats))
        let right = recorder.addLeaf(
          cover: self.weight(statsPool, at: rightStats),
          values: self.leafValues(statsPool, at: rightStats))
        recorder.split(
          item.node, feature: best.feature, bin: UInt8(best.bin),
          threshold: self.binned.featureBins.threshold(feature: best.feature, bin: best.bin),
          defaultLeft: best.defaultLeft, left: left, right: right)
        stack.append((right, low, item.end, item.depth + 1, rightStats))
        stack.append((left, item.start, low, item.depth + 1, leftStats))
      }
    }
    return (recorder.makeTree(), importance)
  }

  /// An in-bag row of the tree being grown: index, bootstrap-and-class weight, label.
  struct RowEntry {
    var row: Int32
    var weight: Double
    var label: Double
  }

  private struct SplitCandidate {
    var decrease = 0.0
    var feature = -1
    var bin = 0
    var defaultLeft = false
  }

  private func add(_ entry: RowEntry, to stats: inout [Double], at offset: Int) {
    let weight = entry.weight
    if self.classCount > 0 {
      stats[offset + Int(entry.label)] += weight
      stats[offset + self.classCount] += 1
    } else {
      let label = entry.label
      stats[offset] += weight
      stats[offset + 1] += weight * label
      stats[offset + 2] += weight * label * label
      stats[offset + 3] += 1
    }
  }

  private func weight(_ stats: [Double], at offset: Int) -> Double {
    if self.classCount == 0 { return stats[offset] }
    var total = 0.0
    for index in 0..<self.classCount { total += stats[offset + index] }
    return total
  }

  private func leafValues(_ stats: [Double], at offset: Int) -> [Double] {
    let total = self.weight(stats, at: offset)
    guard total > 0 else { return [Double](repeating: 0, count: self.outputCount) }
    switch self.classCount {
    case 0: return [stats[offset + 1] / total]
    case 2: return [stats[offset + 1] / total]
    default: return (0..<self.classCount).map { stats[offset + $0] / total }
    }
  }

  /// Fills one histogram per batch feature from the node's rows in one pass over the rows
  /// (row-major bins: a row's features share a cache line, and rows are visited in ascending
  /// order).
  private func buildHistograms(
    batch: [Int], rows: UnsafeBufferPointer<RowEntry>, bins: UnsafePointer<UInt8>,
    histogram: UnsafeMutablePointer<Double>, lowBins: inout [Int], highBins: inout [Int]
  ) {
    let width = self.statWidth
    let featureCount = self.binned.featureCount
    let classCount = self.classCount
    let batchCount = batch.count
    withUnsafeTemporaryAllocation(of: Int.self, capacity: 3 * batchCount) { scratch in
      let features = scratch.baseAddress!
      let low = features + batchCount
      let high = low + batchCount
      for slot in 0..<batchCount {
        features[slot] = batch[slot]
        low[slot] = 255
        high[slot] = -1
      }
      for entry in rows {
        let rowBins = bins + Int(entry.row) &* featureCount
        let weight = entry.weight
        if classCount > 0 {
          let classIndex = Int(entry.label)
          for slot in 0..<batchCount {
            let bin = Int(rowBins[features[slot]])
            let cell = histogram + (slot &* 256 &+ bin) &* width
            cell[classIndex] += weight
            cell[classCount] += 1
            if bin != 255 {
              low[slot] = min(low[slot], bin)
              high[slot] = max(high[slot], bin)
            }
          }
        } else {
          let label = entry.label
          for slot in 0..<batchCount {
            let bin = Int(rowBins[features[slot]])
            let cell = histogram + (slot &* 256 &+ bin) &* 4
            cell[0] += weight
            cell[1] += weight * label
            cell[2] += weight * label * label
            cell[3] += 1
            if bin != 255 {
              low[slot] = min(low[slot], bin)
              high[slot] = max(high[slot], bin)
            }
          }
        }
      }
      for slot in 0..<batchCount {
        lowBins[slot] = low[slot]
        highBins[slot] = high[slot]
      }
    }
  }

  /// Scans one feature's bins; updates `best`. Returns whether the feature is non-constant in the
  /// node (two distinct bins, counting NaN as one).
  private func evaluate(
    feature: Int, histogram: UnsafeMutablePointer<Double>, low: Int, high: Int,
    totals: UnsafeMutablePointer<Double>, parentImpurity: Double,
    scratch: UnsafeMutablePointer<Double>, best: inout SplitCandidate,
    bestLeft: UnsafeMutablePointer<Double>
  ) -> Bool {
    let width = self.statWidth
    let missing = histogram + 255 * width
    let missingCount = missing[width - 1]
    if high < low || (low == high && missingCount == 0) { return false }
    let cumulative = scratch
    let left = scratch + width
    let right = scratch + 2 * width
    cumulative.update(repeating: 0, count: width)
    let minLeaf = Double(self.minSamplesLeaf)
    let totalCount = totals[width - 1]
    let classCount = self.classCount

    for bin in low...high {
      let cell = histogram + bin * width
      // An empty bin splits the rows exactly as the previous bin did.
      if cell[width - 1] == 0 { continue }
      for index in 0..<width { cumulative[index] += cell[index] }
      // Two placements of NaN: right (always when there is none) and left.
      for pass in 0..<2 {
        let missingLeft = pass == 1
        if missingLeft && missingCount == 0 { continue }
        for index in 0..<width {
          left[index] = cumulative[index] + (missingLeft ? missing[index] : 0)
          right[index] = max(0, totals[index] - left[index])
        }
        let leftCount = left[width - 1]
        let rightCount = totalCount - leftCount
        if leftCount < minLeaf || rightCount < minLeaf || leftCount == 0 || rightCount == 0 {
          continue
        }
        let decrease =
          parentImpurity - self.criterion.weightedImpurity(left, classCount: classCount)
          - self.criterion.weightedImpurity(right, classCount: classCount)
        if decrease > best.decrease + 1e-12 * max(1, parentImpurity) {
          best.decrease = decrease
          best.feature = feature
          best.bin = bin
          if missingCount == 0 {
            best.defaultLeft = self.weightOf(left) >= self.weightOf(right)
          } else {
            best.defaultLeft = missingLeft
          }
          bestLeft.update(from: left, count: width)
        }
      }
    }
    return true
  }

  private func weightOf(_ stats: UnsafeMutablePointer<Double>) -> Double {
    if self.classCount == 0 { return stats[0] }
    var total = 0.0
    for index in 0..<self.classCount { total += stats[index] }
    return total
  }
}
