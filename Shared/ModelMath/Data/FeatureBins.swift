/// Quantile bin boundaries for every feature: how raw Float32 values map to `UInt8` bins.
///
/// Each feature gets at most `maxBins - 1` value bins (bin `i` holds values `v` with
/// `upperBounds[i-1] < v <= upperBounds[i]`) plus the reserved ``missingBin`` for NaN. A split
/// "bin <= b goes left" is the same as "raw value <= upperBounds[b] goes left", which is why trees
/// can store raw thresholds and predict without binning.
package struct FeatureBins: Sendable, Hashable {
  /// The bin every NaN falls in, whatever the feature.
  package static let missingBin: UInt8 = 255
  /// Largest allowed `maxBins` (value bins plus the missing bin).
  package static let maximumBinCount = 255

  /// Per feature, the ascending upper bounds of all value bins but the last (which is unbounded).
  package let upperBounds: [[Float]]

  /// Learns bin boundaries from quantiles of each feature's non-missing values.
  ///
  /// When a feature has fewer distinct values than value bins, every distinct value gets its own
  /// bin (boundaries at midpoints). Above `sampleLimit` rows an evenly strided sample is used.
  /// O(features × s log s) for s sampled rows. A feature that is all NaN gets one value bin.
  /// - Parameters:
  ///   - matrix: the training features.
  ///   - maxBins: bins per feature including the missing bin, 3...255.
  ///   - sampleLimit: most rows to read per feature.
  /// - Throws: `invalidHyperparameter` for `maxBins` out of range.
  package init(fitting matrix: FeatureMatrix, maxBins: Int = 255, sampleLimit: Int = 200_000)
    throws(ModelMathError)
  {
    try ModelMathError.require(
      (3...Self.maximumBinCount).contains(maxBins), "maxBins must be in 3...255, got \(maxBins)")
    try ModelMathError.require(sampleLimit > 0, "sampleLimit must be positive")
    let valueBins = maxBins - 1
    let stride = max(1, (matrix.rowCount + sampleLimit - 1) / sampleLimit)
    let slots = ResultSlots<[Float]>(count: matrix.featureCount)
    parallelFor(matrix.featureCount) { feature in
      var sample = [Float]()
      sample.reserveCapacity(matrix.rowCount / stride + 1)
      let base = feature * matrix.rowCount
      var row = 0
      while row < matrix.rowCount {
        let value = matrix.values[base + row]
        if !value.isNaN { sample.append(value) }
        row += stride
      }
      slots.set(feature, Self.boundaries(sortedValues: sample.sorted(), valueBins: valueBins))
    }
    self.upperBounds = slots.collect()
  }

  /// Internal and for decoding: wraps boundaries known to be valid.
  init(upperBounds: [[Float]]) {
    self.upperBounds = upperBounds
  }

  private static func boundaries(sortedValues: [Float], valueBins: Int) -> [Float] {
    var distinct = [Float]()
    var counts = [Int]()
    for value in sortedValues {
      if let last = distinct.last, last == value {
        counts[counts.count - 1] += 1
      } else {
        distinct.append(value)
        counts.append(1)
      }
    }
    if distinct.count <= 1 { return [] }
    var bounds = [Float]()
    if distinct.count <= valueBins {
      for index in 0..<(distinct.count - 1) {
        bounds.append(Self.midpoint(distinct[index], distinct[index + 1]))
      }
      return bounds
    }
    // Greedy equal-frequency cuts over distinct values: a cut after value i when the running
    // count passes the next quantile target. Heavy values end up alone in their bin.
    let total = Double(sortedValues.count)
    var cumulative = 0
    for index in 0..<(distinct.count - 1) {
      cumulative += counts[index]
      let target = total * Double(bounds.count + 1) / Double(valueBins)
      if Double(cumulative) >= target {
        bounds.append(Self.midpoint(distinct[index], distinct[index + 1]))
        if bounds.count == valueBins - 1 { break }
      }
    }
    return bounds
  }

  /// A boundary strictly between `low` and `high` when one exists, else `low` (keeps `v <= b`
  /// true for `low` and false for `high`).
  private static func midpoint(_ low: Float, _ high: Float) -> Float {
    let middle = Float((Double(low) + Double(high)) / 2)
    return middle < high && middle >= low ? middle : low
  }

  /// Number of features.
  package var featureCount: Int { self.upperBounds.count }

  /// Number of value bins of `feature` (the missing bin not counted).
  package func valueBinCount(feature: Int) -> Int {
    self.upperBounds[feature].count + 1
  }

  /// The bin of a raw value: NaN → ``missingBin``, otherwise the first bin whose upper bound is
  /// at least `value`. O(log bins).
  package func bin(_ value: Float, feature: Int) -> UInt8 {
    if value.isNaN { return Self.missingBin }
    let bounds = self.upperBounds[feature]
    var low = 0
    var high = bounds.count
    while low < high {
      let middle = (low + high) / 2
      if value <= bounds[middle] { high = middle } else { low = middle + 1 }
    }
    return UInt8(low)
  }

  /// The raw threshold equivalent to "bin <= bin goes left"; `+infinity` for the last value bin.
  package func threshold(feature: Int, bin: Int) -> Float {
    let bounds = self.upperBounds[feature]
    return bin < bounds.count ? bounds[bin] : .infinity
  }
}
