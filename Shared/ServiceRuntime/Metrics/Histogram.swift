internal import Synchronization

#if canImport(Glibc)
internal import Glibc
#endif

/// A distribution of observed values (latencies in seconds, batch sizes) counted into buckets.
///
/// `observe(_:)` finds the bucket by binary search and does two relaxed atomic operations (the
/// bucket's count and the sum). No lock; safe from any thread. Exposition writes cumulative
/// `_bucket{le="…"}` lines, `_sum` and `_count`; `_count` is computed from the buckets, so it
/// always equals the `+Inf` bucket even while observations race with a scrape.
package final class Histogram: PrometheusMetric, @unchecked Sendable {
  // @unchecked: `counts` is allocated in init, freed in deinit, never reassigned, and every
  // access to its elements goes through their atomics.

  /// `histogram`.
  package static var typeName: String { "histogram" }

  /// Bucket bounds for latencies in seconds, from 100 µs to 10 s. Finer at the low end than
  /// Prometheus's defaults (which start at 5 ms) because RPCs on one host take tens of µs.
  package static let defaultLatencyBuckets: [Double] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
    10,
  ]

  /// Bounds `start`, `start·factor`, … (`count` of them), for sizes and other wide ranges.
  /// - Parameters:
  ///   - start: The first bound; greater than 0.
  ///   - factor: The ratio between neighbours; greater than 1.
  ///   - count: How many bounds; at least 1.
  /// - Returns: The bounds, ascending.
  package static func exponentialBuckets(start: Double, factor: Double, count: Int) -> [Double] {
    precondition(start > 0 && factor > 1 && count >= 1, "invalid exponential bucket parameters")
    return (0..<count).map { start * pow(factor, Double($0)) }
  }

  /// The finite upper bounds (inclusive), ascending; the `+Inf` bucket is implicit.
  package let upperBounds: [Double]
  /// One count per finite bound plus one for `+Inf`; not cumulative.
  private let counts: UnsafeMutablePointer<Atomic<UInt64>>
  private let sumBits = Atomic<UInt64>(0.0.bitPattern)

  init(upperBounds: [Double]) {
    precondition(!upperBounds.isEmpty, "a histogram needs at least one bucket")
    precondition(upperBounds.allSatisfy(\.isFinite), "bucket bounds must be finite")
    precondition(
      zip(upperBounds, upperBounds.dropFirst()).allSatisfy { $0 < $1 },
      "bucket bounds must be strictly increasing")
    self.upperBounds = upperBounds
    self.counts = .allocate(capacity: upperBounds.count + 1)
    for index in 0...upperBounds.count {
      (self.counts + index).initialize(to: Atomic(0))
    }
  }

  deinit {
    self.counts.deinitialize(count: self.upperBounds.count + 1)
    self.counts.deallocate()
  }

  /// Records one value. NaN is ignored, because it would poison `_sum` forever.
  /// - Parameter value: The observed value, in the metric's unit.
  package func observe(_ value: Double) {
    guard !value.isNaN else { return }
    // The first bound >= value; le is inclusive.
    var low = 0
    var high = self.upperBounds.count
    while low < high {
      let middle = (low + high) / 2
      if self.upperBounds[middle] < value { low = middle + 1 } else { high = middle }
    }
    self.counts[low].wrappingAdd(1, ordering: .relaxed)
    var current = self.sumBits.load(ordering: .relaxed)
    while true {
      let next = (Double(bitPattern: current) + value).bitPattern
      let (exchanged, original) = self.sumBits.weakCompareExchange(
        expected: current, desired: next, ordering: .relaxed)
      if exchanged { return }
      current = original
    }
  }

  /// Records a duration in seconds.
  /// - Parameter duration: The observed duration.
  package func observe(_ duration: Duration) {
    let (seconds, attoseconds) = duration.components
    self.observe(Double(seconds) + Double(attoseconds) * 1e-18)
  }

  /// The number of observations so far.
  package var count: UInt64 {
    (0...self.upperBounds.count).reduce(0) { $0 + self.counts[$1].load(ordering: .relaxed) }
  }

  /// The sum of all observations so far.
  package var sum: Double { Double(bitPattern: self.sumBits.load(ordering: .relaxed)) }

  /// Appends the cumulative `_bucket` lines, `_sum` and `_count`.
  package func appendSamples(name: String, labels: String, to output: inout String) {
    let prefix = labels.isEmpty ? "" : labels + ","
    let suffix = labels.isEmpty ? "" : "{\(labels)}"
    var cumulative: UInt64 = 0
    for index in 0...self.upperBounds.count {
      cumulative += self.counts[index].load(ordering: .relaxed)
      let bound =
        index < self.upperBounds.count ? PrometheusText.value(self.upperBounds[index]) : "+Inf"
      output += "\(name)_bucket{\(prefix)le=\"\(bound)\"} \(cumulative)\n"
    }
    output += "\(name)_sum\(suffix) \(PrometheusText.value(self.sum))\n"
    output += "\(name)_count\(suffix) \(cumulative)\n"
  }
}
