internal import Foundation

/// Distribution-shift measures between a reference and a current sample: population
/// stability index, Wasserstein-1 (earth mover's) distance and Jensen–Shannon distance.
/// `ReferenceSketch` computes the same measures from a stored summary instead of raw data.
package enum DriftStatistics {
  /// Population stability index Σ (aᵢ − eᵢ)·ln(aᵢ / eᵢ) over bins, where eᵢ and aᵢ are
  /// the reference and current shares of bin i, each floored at `floor` so empty bins stay
  /// finite. Rules of thumb: < 0.1 stable, 0.1–0.25 moderate shift, > 0.25 large shift.
  /// O(bins).
  /// - Parameters:
  ///   - referenceCounts: Count (or weight) per bin in the reference.
  ///   - currentCounts: Count per bin now, same bins.
  ///   - floor: Smallest share used for a bin, default 1e-4.
  /// - Returns: PSI ≥ 0.
  /// - Throws: `StatisticsError`: `emptySample`, `mismatchedLengths`, `invalidArgument` for
  ///   negative counts, zero totals or a floor outside (0, 1).
  package static func populationStabilityIndex(
    referenceCounts: [Double], currentCounts: [Double], floor: Double = 1e-4
  ) throws(StatisticsError) -> Double {
    try StatisticsValidation.requireNonEmpty(referenceCounts.count, "referenceCounts")
    try StatisticsValidation.requireSameLength(
      referenceCounts.count, "referenceCounts", currentCounts.count, "currentCounts")
    guard floor > 0, floor < 1 else {
      throw StatisticsError(code: .invalidArgument, message: "floor must lie in (0, 1)")
    }
    let expected = try self.shares(referenceCounts, "referenceCounts")
    let actual = try self.shares(currentCounts, "currentCounts")
    var psi = 0.0
    for index in expected.indices {
      let e = max(expected[index], floor)
      let a = max(actual[index], floor)
      psi += (a - e) * log(a / e)
    }
    return psi
  }

  /// Counts the values falling in each bin delimited by ascending inner edges: bin 0 is
  /// (−∞, edges[0]), bin i is [edges[i−1], edges[i]), the last is [edges.last, ∞) — NumPy's
  /// `histogram` convention. O(n log bins).
  /// - Parameters:
  ///   - values: The sample; NaN values are not counted.
  ///   - innerEdges: Ascending bin boundaries (bins = edges + 1).
  /// - Returns: One count per bin.
  package static func binCounts(_ values: [Double], innerEdges: [Double]) -> [Double] {
    var counts = [Double](repeating: 0, count: innerEdges.count + 1)
    for value in values where !value.isNaN {
      var low = 0
      var high = innerEdges.count
      while low < high {
        let middle = (low + high) / 2
        if innerEdges[middle] <= value { low = middle + 1 } else { high = middle }
      }
      counts[low] += 1
    }
    return counts
  }

  /// Wasserstein-1 distance ∫ |F_u(x) − F_v(x)| dx between two (weighted) empirical
  /// distributions, as `scipy.stats.wasserstein_distance`. O(n log n).
  /// - Parameters:
  ///   - first: The first sample.
  ///   - second: The second sample.
  ///   - firstWeights: Optional non-negative weights of the first sample.
  ///   - secondWeights: Optional non-negative weights of the second sample.
  /// - Returns: The distance, in the unit of the values.
  /// - Throws: `StatisticsError`: `emptySample`, `nonFiniteValue`, `mismatchedLengths`,
  ///   `invalidArgument` for bad weights.
  package static func wassersteinDistance(
    _ first: [Double], _ second: [Double], firstWeights: [Double]? = nil,
    secondWeights: [Double]? = nil
  ) throws(StatisticsError) -> Double {
    try StatisticsValidation.requireNonEmpty(first.count, "first sample")
    try StatisticsValidation.requireNonEmpty(second.count, "second sample")
    try StatisticsValidation.requireFinite(first, "first sample")
    try StatisticsValidation.requireFinite(second, "second sample")
    let u = self.sortedWithCumulativeWeights(
      first, try StatisticsValidation.weights(firstWeights, count: first.count))
    let v = self.sortedWithCumulativeWeights(
      second, try StatisticsValidation.weights(secondWeights, count: second.count))
    let uTotal = u.cumulative[u.values.count - 1]
    let vTotal = v.cumulative[v.values.count - 1]
    var i = 0
    var j = 0
    var distance = 0.0
    var previous = min(u.values[0], v.values[0])
    while i < u.values.count || j < v.values.count {
      let next: Double
      if j == v.values.count || (i < u.values.count && u.values[i] <= v.values[j]) {
        next = u.values[i]
      } else {
        next = v.values[j]
      }
      let uCDF = i == 0 ? 0 : u.cumulative[i - 1] / uTotal
      let vCDF = j == 0 ? 0 : v.cumulative[j - 1] / vTotal
      distance += abs(uCDF - vCDF) * (next - previous)
      previous = next
      while i < u.values.count && u.values[i] == next { i += 1 }
      while j < v.values.count && v.values[j] == next { j += 1 }
    }
    return distance
  }

  /// Jensen–Shannon distance √(½ KL(p‖m) + ½ KL(q‖m)), m = (p + q)/2, between two
  /// histograms over the same bins (normalised first), as
  /// `scipy.spatial.distance.jensenshannon`. In [0, √ln 2] for the natural log, [0, 1] for
  /// base 2. O(bins).
  /// - Parameters:
  ///   - p: Counts or probabilities of the first distribution.
  ///   - q: Counts or probabilities of the second, same bins.
  ///   - base: Logarithm base; nil means e.
  /// - Returns: The distance.
  /// - Throws: `StatisticsError`: `emptySample`, `mismatchedLengths`, `invalidArgument` for
  ///   negative or all-zero histograms or a base ≤ 1.
  package static func jensenShannonDistance(_ p: [Double], _ q: [Double], base: Double? = nil)
    throws(StatisticsError) -> Double
  {
    try StatisticsValidation.requireNonEmpty(p.count, "p")
    try StatisticsValidation.requireSameLength(p.count, "p", q.count, "q")
    if let base, !(base > 1) {
      throw StatisticsError(code: .invalidArgument, message: "base must be greater than 1")
    }
    let pShares = try self.shares(p, "p")
    let qShares = try self.shares(q, "q")
    var left = 0.0
    var right = 0.0
    for index in pShares.indices {
      let m = (pShares[index] + qShares[index]) / 2
      if pShares[index] > 0 { left += pShares[index] * log(pShares[index] / m) }
      if qShares[index] > 0 { right += qShares[index] * log(qShares[index] / m) }
    }
    var divergence = left + right
    if let base { divergence /= log(base) }
    return sqrt(max(divergence / 2, 0))
  }

  // MARK: - Helpers

  static func shares(_ counts: [Double], _ name: String) throws(StatisticsError) -> [Double] {
    try StatisticsValidation.requireFinite(counts, name)
    var total = 0.0
    for (index, count) in counts.enumerated() {
      if count < 0 {
        throw StatisticsError(code: .invalidArgument, message: "\(name)[\(index)] is negative")
      }
      total += count
    }
    guard total > 0 else {
      throw StatisticsError(code: .invalidArgument, message: "\(name) sums to zero")
    }
    return counts.map { $0 / total }
  }

  private static func sortedWithCumulativeWeights(_ values: [Double], _ weights: [Double])
    -> (values: [Double], cumulative: [Double])
  {
    let order = values.indices.sorted { values[$0] < values[$1] }
    var cumulative = [Double]()
    cumulative.reserveCapacity(values.count)
    var running = 0.0
    for index in order {
      running += weights[index]
      cumulative.append(running)
    }
    return (order.map { values[$0] }, cumulative)
  }
}
