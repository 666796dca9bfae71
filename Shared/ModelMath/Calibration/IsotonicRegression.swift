/// Isotonic regression: the monotone step function closest (weighted least squares) to the
/// data, fitted by pool-adjacent-violators, then evaluated by linear interpolation between
/// its knots and clipped outside them — scikit-learn's `IsotonicRegression(
/// out_of_bounds="clip")`. Used to calibrate probabilities.
///
/// Fitting is O(n log n) (a sort, then one linear PAV pass); prediction is O(log k) for k
/// knots.
package struct IsotonicRegression: Hashable, Sendable, Codable {
  /// Knot positions, ascending and distinct.
  package let thresholds: [Double]
  /// Fitted values at the knots, monotone.
  package let values: [Double]

  /// Fits the regression.
  /// - Parameters:
  ///   - x: Inputs (for calibration: uncalibrated scores); ties are averaged first.
  ///   - y: Targets (for calibration: 0/1 labels).
  ///   - sampleWeights: Optional non-negative weight per sample.
  ///   - increasing: Fit a non-decreasing (default) or non-increasing function.
  /// - Returns: The fitted model.
  /// - Throws: `StatisticsError`: `emptySample`, `mismatchedLengths`, `nonFiniteValue`,
  ///   `invalidArgument` (bad weights).
  package static func fit(
    x: [Double], y: [Double], sampleWeights: [Double]? = nil, increasing: Bool = true
  ) throws(StatisticsError) -> IsotonicRegression {
    try StatisticsValidation.requireNonEmpty(x.count, "x")
    try StatisticsValidation.requireSameLength(x.count, "x", y.count, "y")
    try StatisticsValidation.requireFinite(x, "x")
    try StatisticsValidation.requireFinite(y, "y")
    let weights = try StatisticsValidation.weights(sampleWeights, count: x.count)

    // Sort by x, then y (scikit-learn's lexsort), and merge ties into weighted means.
    let order = x.indices.sorted { x[$0] != x[$1] ? x[$0] < x[$1] : y[$0] < y[$1] }
    var knots = [Double]()
    var means = [Double]()
    var pooledWeights = [Double]()
    var index = 0
    while index < order.count {
      let value = x[order[index]]
      var weightedSum = 0.0
      var weightSum = 0.0
      while index < order.count && x[order[index]] == value {
        weightedSum += weights[order[index]] * y[order[index]]
        weightSum += weights[order[index]]
        index += 1
      }
      // Zero total weight at a point: it carries no information, skip it.
      guard weightSum > 0 else { continue }
      knots.append(value)
      means.append(weightedSum / weightSum)
      pooledWeights.append(weightSum)
    }
    var fitted = increasing ? means : means.map { -$0 }
    Self.poolAdjacentViolators(&fitted, weights: pooledWeights)
    if !increasing { fitted = fitted.map { -$0 } }

    // Keep the ends and the points where the value changes on either side; interpolation
    // between the kept points gives the same function.
    var keptThresholds = [Double]()
    var keptValues = [Double]()
    for k in fitted.indices {
      let isEnd = k == 0 || k == fitted.count - 1
      if isEnd || fitted[k - 1] != fitted[k] || fitted[k] != fitted[k + 1] {
        keptThresholds.append(knots[k])
        keptValues.append(fitted[k])
      }
    }
    return IsotonicRegression(thresholds: keptThresholds, values: keptValues)
  }

  private init(thresholds: [Double], values: [Double]) {
    self.thresholds = thresholds
    self.values = values
  }

  /// The fitted function at `x`: linear between knots, constant beyond the outer knots.
  /// NaN in, NaN out.
  /// - Parameter x: The input.
  /// - Returns: The fitted value.
  package func predict(_ x: Double) -> Double {
    if x.isNaN { return x }
    let last = self.thresholds.count - 1
    if x <= self.thresholds[0] { return self.values[0] }
    if x >= self.thresholds[last] { return self.values[last] }
    var low = 0
    var high = last
    while high - low > 1 {
      let middle = (low + high) / 2
      if self.thresholds[middle] <= x { low = middle } else { high = middle }
    }
    let slope =
      (self.values[high] - self.values[low]) / (self.thresholds[high] - self.thresholds[low])
    return slope * (x - self.thresholds[low]) + self.values[low]
  }

  /// The fitted function at many inputs.
  /// - Parameter xs: Inputs.
  /// - Returns: One fitted value per input.
  package func predict(_ xs: [Double]) -> [Double] {
    xs.map { self.predict($0) }
  }

  /// Pool-adjacent-violators in place, one pass with backtracking: O(n). `target[i]` links
  /// the first and last index of each pooled block.
  private static func poolAdjacentViolators(_ y: inout [Double], weights: [Double]) {
    let n = y.count
    var w = weights
    var target = Array(0..<n)
    var i = 0
    while i < n {
      var k = target[i] + 1
      if k == n { break }
      if y[i] < y[k] {
        i = k
        continue
      }
      var weightedSum = w[i] * y[i]
      var weightSum = w[i]
      while true {
        let previous = y[k]
        weightedSum += w[k] * y[k]
        weightSum += w[k]
        k = target[k] + 1
        if k == n || previous < y[k] {
          y[i] = weightedSum / weightSum
          w[i] = weightSum
          target[i] = k - 1
          target[k - 1] = i
          if i > 0 { i = target[i - 1] }
          break
        }
      }
    }
    i = 0
    while i < n {
      let k = target[i] + 1
      for j in (i + 1)..<max(k, i + 1) { y[j] = y[i] }
      i = k
    }
  }
}
