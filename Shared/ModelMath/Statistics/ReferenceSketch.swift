internal import Foundation

/// A compact, storable summary of a reference sample (the training data of one feature), so
/// drift can be measured later without keeping the raw values: quantile bins with counts,
/// plus count, min, max, mean and variance.
///
/// Bins: `edges[0]` is the minimum and `edges.last` the maximum; bin i holds the values in
/// (edges[i], edges[i+1]] (bin 0 also holds the minimum). Edges sit at sample quantiles, so
/// bins hold about `count / binCount` values each; a value repeated many times becomes an
/// edge of its own and its bin holds all its copies.
///
/// Inside a bin the reference CDF is taken as linear. That is the only approximation, and it
/// is bounded: the true CDF differs from the interpolated one by at most the mass of the bin,
/// so the KS statistic from the sketch is within `ecdfErrorBound` (the largest bin share,
/// ≈ 1/binCount) of the one from the raw data, and the Wasserstein-1 distance within
/// `wassersteinErrorBound` (Σ share × width). PSI and Jensen–Shannon are computed on bins
/// built from the sketch's edges, so they are exact for those bins.
package struct ReferenceSketch: Hashable, Sendable, Codable {
  /// Number of (non-NaN) values summarised.
  package let count: Int
  /// Bin boundaries, ascending; `edges.count == binCounts.count + 1` unless the sample is
  /// constant (one edge, one bin). Edges are distinct except that `edges[0] == edges[1]` when
  /// the minimum alone fills bin 0 (a zero-width bin holding its copies).
  package let edges: [Double]
  /// Number of values in each bin.
  package let binCounts: [Int]
  /// Smallest value.
  package var minimum: Double { self.edges[0] }
  /// Largest value.
  package var maximum: Double { self.edges[self.edges.count - 1] }
  /// Mean of the values.
  package let mean: Double
  /// Population variance of the values (divided by n).
  package let variance: Double
  /// Values at or below `edges[i]`, for i ≥ 1 (index 0 is 0); derived from `binCounts`.
  private let cumulativeCounts: [Int]

  /// Builds a sketch. O(n log n) for the sort.
  /// - Parameters:
  ///   - sample: The reference values; NaN values are rejected (drop or impute them first).
  ///   - binCount: Number of quantile bins wanted, 2…100 000; 1 000 gives a KS bound near
  ///     0.001 in about 16 KB.
  /// - Throws: `StatisticsError`: `emptySample`, `nonFiniteValue`, `invalidArgument` for a
  ///   bin count out of range.
  package init(sample: [Double], binCount: Int = 1_000) throws(StatisticsError) {
    try StatisticsValidation.requireNonEmpty(sample.count, "sample")
    try StatisticsValidation.requireFinite(sample, "sample")
    guard binCount >= 2, binCount <= 100_000 else {
      throw StatisticsError(
        code: .invalidArgument, message: "binCount is \(binCount); it must be in 2...100000")
    }
    let sorted = sample.sorted()
    let n = sorted.count
    var mean = 0.0
    for value in sorted { mean += value }
    mean /= Double(n)
    var variance = 0.0
    for value in sorted { variance += (value - mean) * (value - mean) }
    variance /= Double(n)

    var edges = [sorted[0]]
    var counts = [Int]()
    var consumed = 0
    for bin in 1...binCount {
      let target = Int((Double(bin) * Double(n) / Double(binCount)).rounded(.up))
      guard target > consumed else { continue }
      // Close the bin at the value of the target rank, and keep all its copies in it.
      let edge = sorted[min(target, n) - 1]
      var end = max(target, consumed + 1)
      while end < n && sorted[end] == edge { end += 1 }
      if edge == edges[edges.count - 1] {
        // Copies of the minimum: they belong to bin 0, which starts at the minimum.
        if counts.isEmpty {
          counts.append(end - consumed)
          edges.append(edge)
        } else {
          counts[counts.count - 1] += end - consumed
        }
      } else {
        edges.append(edge)
        counts.append(end - consumed)
      }
      consumed = end
      if consumed >= n { break }
    }
    if edges.count == 2 && edges[0] == edges[1] {
      edges.removeLast()
    }
    self.count = n
    self.edges = edges
    self.binCounts = counts
    self.cumulativeCounts = Self.cumulative(counts)
    self.mean = mean
    self.variance = variance
  }

  /// The largest share of the sample in one bin: the bound on |F_sketch(x) − F(x)|, hence on
  /// the error of the KS statistic computed from the sketch.
  package var ecdfErrorBound: Double {
    Double(self.binCounts.max() ?? 0) / Double(self.count)
  }

  /// Σ share × width over the bins: the bound on the error of the Wasserstein-1 distance
  /// computed from the sketch.
  package var wassersteinErrorBound: Double {
    var bound = 0.0
    for bin in self.binCounts.indices where bin + 1 < self.edges.count {
      bound +=
        Double(self.binCounts[bin]) / Double(self.count) * (self.edges[bin + 1] - self.edges[bin])
    }
    return bound
  }

  /// The reference CDF at `x`, linear inside each bin.
  package func cumulativeShare(at x: Double) -> Double {
    if x < self.minimum { return 0 }
    if x >= self.maximum { return 1 }
    // Find the bin with edges[bin] <= x < edges[bin + 1].
    var low = 0
    var high = self.edges.count - 1
    while high - low > 1 {
      let middle = (low + high) / 2
      if self.edges[middle] <= x { low = middle } else { high = middle }
    }
    let below = self.cumulativeCounts[low]
    let width = self.edges[low + 1] - self.edges[low]
    let fraction = width > 0 ? (x - self.edges[low]) / width : 1
    return (Double(below) + fraction * Double(self.binCounts[low])) / Double(self.count)
  }

  private static func cumulative(_ counts: [Int]) -> [Int] {
    var result = [0]
    result.reserveCapacity(counts.count + 1)
    for count in counts { result.append(result[result.count - 1] + count) }
    return result
  }

  // MARK: - Codable

  private enum CodingKeys: String, CodingKey {
    case count, edges, binCounts, mean, variance
  }

  /// Decodes a stored sketch and checks it is consistent (edges ascending, one more edge
  /// than bins, counts summing to `count`).
  /// - Throws: `DecodingError.dataCorrupted` for an inconsistent sketch.
  package init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let count = try container.decode(Int.self, forKey: .count)
    let edges = try container.decode([Double].self, forKey: .edges)
    let binCounts = try container.decode([Int].self, forKey: .binCounts)
    let consistent =
      count > 0 && !edges.isEmpty && edges.allSatisfy(\.isFinite)
      && zip(edges, edges.dropFirst()).allSatisfy { $0 <= $1 }
      && (binCounts.count == edges.count - 1 || (edges.count == 1 && binCounts.count == 1))
      && binCounts.allSatisfy { $0 >= 0 } && binCounts.reduce(0, +) == count
    guard consistent else {
      throw DecodingError.dataCorrupted(
        .init(codingPath: decoder.codingPath, debugDescription: "inconsistent reference sketch"))
    }
    self.count = count
    self.edges = edges
    self.binCounts = binCounts
    self.cumulativeCounts = Self.cumulative(binCounts)
    self.mean = try container.decode(Double.self, forKey: .mean)
    self.variance = try container.decode(Double.self, forKey: .variance)
  }

  /// Encodes the sketch (count, edges, bin counts, mean, variance).
  package func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(self.count, forKey: .count)
    try container.encode(self.edges, forKey: .edges)
    try container.encode(self.binCounts, forKey: .binCounts)
    try container.encode(self.mean, forKey: .mean)
    try container.encode(self.variance, forKey: .variance)
  }

  // MARK: - Drift against a current sample

  /// The two-sample KS test of the reference (through the sketch) against a current sample.
  /// The statistic is within `ecdfErrorBound` of the raw-data one; the p-value is computed
  /// from it with the reference's and the sample's sizes. O(m log m + bins).
  /// - Parameters:
  ///   - sample: Current values.
  ///   - method: How to compute the p-value.
  /// - Throws: `StatisticsError`: `emptySample`, `nonFiniteValue` (NaN).
  package func kolmogorovSmirnov(
    against sample: [Double], method: KolmogorovSmirnovTest.Method = .automatic
  ) throws(StatisticsError) -> KolmogorovSmirnovTest {
    try StatisticsValidation.requireNonEmpty(sample.count, "sample")
    for (index, value) in sample.enumerated() where value.isNaN {
      throw StatisticsError(code: .nonFiniteValue, message: "sample[\(index)] is NaN")
    }
    let sorted = sample.sorted()
    let m = Double(sorted.count)
    var distance = 0.0
    // Between consecutive sample points the sample CDF is flat and the sketch CDF is
    // monotone, so the supremum is reached at a sample point (from either side) or at an
    // edge; check both.
    var index = 0
    while index < sorted.count {
      let value = sorted[index]
      let before = Double(index) / m
      while index < sorted.count && sorted[index] == value { index += 1 }
      let after = Double(index) / m
      // The sketch CDF jumps at the minimum (and at a constant sample's value), so compare
      // the sample's left limit with the sketch's left limit.
      let referenceBelow = self.cumulativeShare(at: value.nextDown)
      let reference = self.cumulativeShare(at: value)
      distance = max(distance, abs(referenceBelow - before), abs(reference - after))
    }
    for edge in self.edges {
      let reference = self.cumulativeShare(at: edge)
      let atOrBelow = Double(Self.upperBound(sorted, edge)) / m
      distance = max(distance, abs(reference - atOrBelow))
    }
    return try KolmogorovSmirnovTest(
      statistic: min(distance, 1), firstCount: self.count, secondCount: sorted.count,
      method: method)
  }

  /// Wasserstein-1 distance between the sketch's distribution (uniform inside bins) and a
  /// current sample; within `wassersteinErrorBound` of the raw-data distance. O(m log m).
  /// - Parameter sample: Current values (finite).
  /// - Throws: `StatisticsError`: `emptySample`, `nonFiniteValue`.
  package func wassersteinDistance(to sample: [Double]) throws(StatisticsError) -> Double {
    try StatisticsValidation.requireNonEmpty(sample.count, "sample")
    try StatisticsValidation.requireFinite(sample, "sample")
    let sorted = sample.sorted()
    let m = Double(sorted.count)
    // Event points: edges and sample values. Between two consecutive ones the sample CDF is
    // constant and the sketch CDF linear, so each piece integrates in closed form.
    var points = self.edges + sorted
    points.sort()
    var total = 0.0
    var sampleIndex = 0
    for k in 0..<(points.count - 1) {
      let left = points[k]
      let right = points[k + 1]
      if right <= left { continue }
      while sampleIndex < sorted.count && sorted[sampleIndex] <= left { sampleIndex += 1 }
      let g = Double(sampleIndex) / m
      let f0 = self.cumulativeShare(at: left) - g
      // Left limit at `right`: the sketch CDF is continuous inside (min, max).
      let f1 = self.cumulativeShare(at: right.nextDown) - g
      let width = right - left
      if f0 * f1 >= 0 {
        total += (abs(f0) + abs(f1)) / 2 * width
      } else {
        total += (f0 * f0 + f1 * f1) / (2 * abs(f1 - f0)) * width
      }
    }
    return total
  }

  /// Merges the sketch's bins into about `binCount` groups of equal reference mass and
  /// returns their inner edges and reference counts, for PSI and Jensen–Shannon.
  /// - Parameter binCount: Number of groups wanted (≥ 2).
  /// - Returns: Inner edges (values ≤ edge fall left of it) and the reference count per group.
  package func coarseBins(_ binCount: Int) -> (innerEdges: [Double], referenceCounts: [Double]) {
    var innerEdges = [Double]()
    var counts = [Double]()
    var running = 0
    var groupStart = 0
    for bin in self.binCounts.indices {
      running += self.binCounts[bin]
      let target = Double(counts.count + 1) * Double(self.count) / Double(max(binCount, 1))
      if Double(running) >= target && bin + 1 < self.binCounts.count {
        innerEdges.append(self.edges[bin + 1])
        counts.append(Double(running - groupStart))
        groupStart = running
      }
    }
    counts.append(Double(self.count - groupStart))
    return (innerEdges, counts)
  }

  /// Population stability index of a current sample against the reference, on `binCount`
  /// groups of the sketch's quantile bins (deciles by default).
  /// - Parameters:
  ///   - sample: Current values (finite).
  ///   - binCount: Number of groups, default 10.
  ///   - floor: Smallest share per bin, default 1e-4.
  /// - Returns: PSI ≥ 0.
  /// - Throws: `StatisticsError`: `emptySample`, `nonFiniteValue`, `invalidArgument`.
  package func populationStabilityIndex(
    of sample: [Double], binCount: Int = 10, floor: Double = 1e-4
  ) throws(StatisticsError) -> Double {
    let (reference, current) = try self.histograms(sample, binCount)
    return try DriftStatistics.populationStabilityIndex(
      referenceCounts: reference, currentCounts: current, floor: floor)
  }

  /// Jensen–Shannon distance between the reference and a current sample on `binCount`
  /// groups of the sketch's quantile bins.
  /// - Parameters:
  ///   - sample: Current values (finite).
  ///   - binCount: Number of groups, default 10.
  ///   - base: Logarithm base; nil means e.
  /// - Throws: `StatisticsError`: `emptySample`, `nonFiniteValue`, `invalidArgument`.
  package func jensenShannonDistance(to sample: [Double], binCount: Int = 10, base: Double? = nil)
    throws(StatisticsError) -> Double
  {
    let (reference, current) = try self.histograms(sample, binCount)
    return try DriftStatistics.jensenShannonDistance(reference, current, base: base)
  }

  private func histograms(_ sample: [Double], _ binCount: Int) throws(StatisticsError)
    -> ([Double], [Double])
  {
    try StatisticsValidation.requireNonEmpty(sample.count, "sample")
    try StatisticsValidation.requireFinite(sample, "sample")
    guard binCount >= 2 else {
      throw StatisticsError(code: .invalidArgument, message: "binCount must be at least 2")
    }
    let (innerEdges, reference) = self.coarseBins(binCount)
    var current = [Double](repeating: 0, count: reference.count)
    for value in sample {
      // Values equal to an edge belong to the bin the edge closes, as in the sketch.
      var low = 0
      var high = innerEdges.count
      while low < high {
        let middle = (low + high) / 2
        if innerEdges[middle] < value { low = middle + 1 } else { high = middle }
      }
      current[low] += 1
    }
    return (reference, current)
  }

  private static func upperBound(_ sorted: [Double], _ value: Double) -> Int {
    var low = 0
    var high = sorted.count
    while low < high {
      let middle = (low + high) / 2
      if sorted[middle] <= value { low = middle + 1 } else { high = middle }
    }
    return low
  }
}
