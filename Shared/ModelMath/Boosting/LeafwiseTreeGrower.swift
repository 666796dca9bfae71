/// Grows one boosting tree best-first on gradient histograms (LightGBM's leaf-wise growth).
///
/// One grower serves a whole training run and reuses its buffers: one histogram slot per leaf
/// (features × 256 bins × (Σg, Σh)) plus per-core scratch for parallel building. After a split
/// only the smaller child's histogram is built; the larger one is the parent's minus it. As in
/// LightGBM, histograms hold no counts: a bin's row count is estimated from its hessian share,
/// which is exact for unweighted squared and absolute error. Rows stay in ascending order inside
/// each leaf (stable partition), so histogram building reads bins and gradients front to back.
/// Not thread-safe; it parallelises internally.
final class LeafwiseTreeGrower {
  struct Leaf {
    var node: Int
    var start: Int
    var end: Int
    var depth: Int
    var slot: Int
    var gradient: Double
    var hessian: Double
    var best: Split?
  }

  struct Split {
    var gain: Double
    var feature: Int
    var bin: Int
    var defaultLeft: Bool
    var leftGradient: Double
    var leftHessian: Double
    var leftCount: Int
  }

  private let binned: BinnedMatrix
  private let options: GradientBoostingOptions
  private let featureCount: Int
  private let slotSize: Int
  private let histograms: UnsafeMutablePointer<Double>
  private let partials: UnsafeMutablePointer<Double>
  private let workerCount: Int
  /// Rows of the current tree, grouped so each leaf owns `indices[start..<end]`.
  private(set) var indices: [Int32] = []
  /// Right-hand rows during a stable partition.
  private var scratchRows: [Int32] = []
  /// Rows below which a histogram is built on one thread (fork/join costs more than it saves).
  private let parallelThreshold = 16_384

  init(binned: BinnedMatrix, options: GradientBoostingOptions) {
    self.binned = binned
    self.options = options
    self.featureCount = binned.featureCount
    self.slotSize = binned.featureCount * 256 * 2
    // Fixed, so the summation order (and so the model) is the same on every machine.
    self.workerCount = deterministicSliceCount
    self.histograms = .allocate(capacity: self.slotSize * options.leafCount)
    self.partials = .allocate(capacity: self.slotSize * self.workerCount)
  }

  deinit {
    self.histograms.deallocate()
    self.partials.deallocate()
  }

  /// Grows a tree on `rows` with interleaved weighted gradients (`gradients[2r]`, hessian at
  /// `[2r + 1]`), using only `features`.
  /// - Returns: the tree's structure (leaf values still to be set) and its leaves.
  func grow(gradients: [Double], rows: [Int32], features: [Int]) -> (
    recorder: TreeRecorder, leaves: [Leaf]
  ) {
    self.indices = rows
    var recorder = TreeRecorder(outputCount: 1)
    var gradientSum = 0.0
    var hessianSum = 0.0
    for row in rows {
      gradientSum += gradients[2 * Int(row)]
      hessianSum += gradients[2 * Int(row) + 1]
    }
    let root = recorder.addLeaf(cover: Double(rows.count), values: [0])
    self.build(slot: 0, start: 0, end: rows.count, gradients: gradients, features: features)
    var rootLeaf = Leaf(
      node: root, start: 0, end: rows.count, depth: 0, slot: 0, gradient: gradientSum,
      hessian: hessianSum, best: nil)
    rootLeaf.best = self.bestSplit(rootLeaf, features: features)
    var leaves = [rootLeaf]
    var nextSlot = 1

    while leaves.count < self.options.leafCount {
      var chosen = -1
      for (index, leaf) in leaves.enumerated() {
        guard let split = leaf.best else { continue }
        if chosen < 0 || split.gain > (leaves[chosen].best?.gain ?? 0) { chosen = index }
      }
      guard chosen >= 0, let split = leaves[chosen].best else { break }
      let parent = leaves[chosen]
      let middle = self.partition(parent, split)

      let leftNode = recorder.addLeaf(cover: Double(middle - parent.start), values: [0])
      let rightNode = recorder.addLeaf(cover: Double(parent.end - middle), values: [0])
      recorder.split(
        parent.node, feature: split.feature, bin: UInt8(split.bin),
        threshold: self.binned.featureBins.threshold(feature: split.feature, bin: split.bin),
        defaultLeft: split.defaultLeft, left: leftNode, right: rightNode)

      var left = Leaf(
        node: leftNode, start: parent.start, end: middle, depth: parent.depth + 1,
        slot: parent.slot,
        gradient: split.leftGradient, hessian: split.leftHessian, best: nil)
      var right = Leaf(
        node: rightNode, start: middle, end: parent.end, depth: parent.depth + 1, slot: parent.slot,
        gradient: parent.gradient - split.leftGradient, hessian: parent.hessian - split.leftHessian,
        best: nil)
      // Build the smaller child; the larger inherits the parent's slot minus the smaller.
      let leftIsSmaller = left.end - left.start <= right.end - right.start
      let newSlot = nextSlot
      nextSlot += 1
      if leftIsSmaller { left.slot = newSlot } else { right.slot = newSlot }
      let small = leftIsSmaller ? left : right
      self.build(
        slot: newSlot, start: small.start, end: small.end, gradients: gradients, features: features)
      self.subtract(slot: newSlot, from: parent.slot, features: features)

      let canGrow = { (leaf: Leaf) -> Bool in
        leaf.depth < (self.options.maxDepth ?? Int.max)
          && leaf.end - leaf.start >= 2 * self.options.minDataInLeaf
      }
      if canGrow(left) { left.best = self.bestSplit(left, features: features) }
      if canGrow(right) { right.best = self.bestSplit(right, features: features) }
      leaves[chosen] = left
      leaves.append(right)
    }
    return (recorder, leaves)
  }

  /// Puts the rows of `leaf` that go left first, keeping each side in ascending order; returns
  /// the first right row's position.
  private func partition(_ leaf: Leaf, _ split: Split) -> Int {
    let featureCount = self.featureCount
    if self.scratchRows.count < leaf.end - leaf.start {
      self.scratchRows = [Int32](repeating: 0, count: self.indices.count)
    }
    return self.binned.bins.withUnsafeBufferPointer { bins in
      self.scratchRows.withUnsafeMutableBufferPointer { scratch in
        self.indices.withUnsafeMutableBufferPointer { indices in
          var write = leaf.start
          var rightCount = 0
          for position in leaf.start..<leaf.end {
            let row = indices[position]
            let bin = bins[Int(row) * featureCount + split.feature]
            let goesLeft = bin == FeatureBins.missingBin ? split.defaultLeft : Int(bin) <= split.bin
            if goesLeft {
              indices[write] = row
              write += 1
            } else {
              scratch[rightCount] = row
              rightCount += 1
            }
          }
          for offset in 0..<rightCount { indices[write + offset] = scratch[offset] }
          return write
        }
      }
    }
  }

  /// Fills histogram `slot` from `indices[start..<end]`, on all cores for large leaves.
  private func build(slot: Int, start: Int, end: Int, gradients: [Double], features: [Int]) {
    let target = self.histograms + slot * self.slotSize
    target.update(repeating: 0, count: self.slotSize)
    let count = end - start
    let featureCount = self.featureCount
    let slotSize = self.slotSize
    self.binned.bins.withUnsafeBufferPointer { bins in
      gradients.withUnsafeBufferPointer { gradients in
        self.indices.withUnsafeBufferPointer { indices in
          features.withUnsafeBufferPointer { features in
            let bins = SharedInput(base: bins.baseAddress!)
            let gradients = SharedInput(base: gradients.baseAddress!)
            let rows = SharedInput(base: indices.baseAddress! + start)
            let featureList = SharedInput(base: features.baseAddress!)
            let featureTotal = features.count
            if count < self.parallelThreshold || self.workerCount == 1 {
              Self.accumulate(
                rows: rows.base, count: count, bins: bins.base, gradients: gradients.base,
                features: featureList.base, featureTotal: featureTotal, featureCount: featureCount,
                into: target)
              return
            }
            let workers = self.workerCount
            let partials = SharedOutput(base: self.partials)
            parallelFor(workers) { worker in
              let chunkStart = count * worker / workers
              let chunkEnd = count * (worker + 1) / workers
              let partial = partials.base + worker * slotSize
              partial.update(repeating: 0, count: slotSize)
              Self.accumulate(
                rows: rows.base + chunkStart, count: chunkEnd - chunkStart, bins: bins.base,
                gradients: gradients.base, features: featureList.base, featureTotal: featureTotal,
                featureCount: featureCount, into: partial)
            }
            for worker in 0..<workers {
              let partial = self.partials + worker * slotSize
              for index in 0..<slotSize { target[index] += partial[index] }
            }
          }
        }
      }
    }
  }

  @inline(__always)
  private static func accumulate(
    rows: UnsafePointer<Int32>, count: Int, bins: UnsafePointer<UInt8>,
    gradients: UnsafePointer<Double>, features: UnsafePointer<Int>, featureTotal: Int,
    featureCount: Int, into histogram: UnsafeMutablePointer<Double>
  ) {
    for position in 0..<count {
      let row = Int(rows[position])
      let gradient = gradients[2 * row]
      let hessian = gradients[2 * row + 1]
      let rowBins = bins + row * featureCount
      if featureTotal == featureCount {
        for feature in 0..<featureCount {
          let cell = histogram + (feature &* 256 &+ Int(rowBins[feature])) &* 2
          cell[0] += gradient
          cell[1] += hessian
        }
      } else {
        for slot in 0..<featureTotal {
          let feature = features[slot]
          let cell = histogram + (feature &* 256 &+ Int(rowBins[feature])) &* 2
          cell[0] += gradient
          cell[1] += hessian
        }
      }
    }
  }

  /// `histograms[parent] -= histograms[child]` for the active features.
  private func subtract(slot child: Int, from parent: Int, features: [Int]) {
    let childBase = self.histograms + child * self.slotSize
    let parentBase = self.histograms + parent * self.slotSize
    for feature in features {
      let offset = feature * 256 * 2
      for index in offset..<(offset + 256 * 2) { parentBase[index] -= childBase[index] }
    }
  }

  /// The best split of `leaf` over `features`, or `nil` when none gains more than the minimum.
  private func bestSplit(_ leaf: Leaf, features: [Int]) -> Split? {
    let lambda = self.options.l2Regularization
    let minData = Double(self.options.minDataInLeaf)
    let minHessian = self.options.minHessianInLeaf
    let totalCount = Double(leaf.end - leaf.start)
    // LightGBM's count estimate: rows in proportion to hessian.
    let countFactor = leaf.hessian > 0 ? totalCount / leaf.hessian : 0
    let parentScore = leaf.gradient * leaf.gradient / (leaf.hessian + lambda)
    var best: Split?
    let base = self.histograms + leaf.slot * self.slotSize
    for feature in features {
      let histogram = base + feature * 256 * 2
      let missing = histogram + 255 * 2
      let hasMissing = missing[1] > 0
      let valueBins = self.binned.featureBins.valueBinCount(feature: feature)
      var leftGradient = 0.0
      var leftHessian = 0.0
      for bin in 0..<valueBins {
        let cell = histogram + bin * 2
        leftGradient += cell[0]
        leftHessian += cell[1]
        if cell[1] == 0 && bin + 1 < valueBins { continue }
        for pass in 0..<2 {
          let missingLeft = pass == 1
          if missingLeft && !hasMissing { break }
          let gradient = leftGradient + (missingLeft ? missing[0] : 0)
          let hessian = leftHessian + (missingLeft ? missing[1] : 0)
          let rightGradient = leaf.gradient - gradient
          let rightHessian = leaf.hessian - hessian
          let count = (hessian * countFactor).rounded()
          let rightCount = totalCount - count
          if count < minData || rightCount < minData || hessian < minHessian
            || rightHessian < minHessian
          {
            continue
          }
          let gain =
            gradient * gradient / (hessian + lambda) + rightGradient * rightGradient
            / (rightHessian + lambda) - parentScore
          if gain > self.options.minGainToSplit + 1e-12 && gain > (best?.gain ?? 0) {
            best = Split(
              gain: gain, feature: feature, bin: bin,
              defaultLeft: hasMissing ? missingLeft : hessian >= rightHessian,
              leftGradient: gradient, leftHessian: hessian, leftCount: Int(count))
          }
        }
      }
    }
    return best
  }
}
