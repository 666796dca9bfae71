internal import Foundation
internal import Synchronization

/// The two-sample two-sided Kolmogorov–Smirnov test with the semantics of
/// `scipy.stats.ks_2samp(a, b, method=...)`: the statistic D = supₓ |F_a(x) − F_b(x)| over
/// the right-continuous empirical CDFs (ties handled exactly), and its p-value from the exact
/// null distribution (lattice-path counting) or the asymptotic one (the one-sample
/// Kolmogorov distribution at n = round(m·n/(m+n)), as SciPy does).
///
/// Cost: sorting dominates, O(n log n) (the two samples are sorted in parallel); the
/// statistic is one O(m + n) merge. An exact p-value costs O(m·n·D) at most.
package struct KolmogorovSmirnovTest: Hashable, Sendable {
  /// How the p-value is computed.
  package enum Method: Hashable, Sendable {
    /// SciPy's `'auto'`: exact when both samples have at most 10 000 values, else asymptotic.
    case automatic
    /// Exact; falls back to asymptotic when the lattice is too large (m/g · n ≥ 2³¹ − 1) or
    /// the computation is not accurate, as SciPy does.
    case exact
    /// Asymptotic.
    case asymptotic
  }

  /// D: the largest distance between the two empirical CDFs, in [0, 1]. With the exact
  /// method it is rounded to the lattice, h / lcm(m, n), as SciPy reports it.
  package var statistic: Double
  /// The two-sided p-value.
  package var pValue: Double
  /// The method that produced `pValue`: `.exact` or `.asymptotic`, never `.automatic`.
  package var method: Method
  /// Sizes of the two samples.
  package var sampleSizes: (first: Int, second: Int) {
    (self.firstCount, self.secondCount)
  }

  private var firstCount: Int
  private var secondCount: Int

  /// Runs the test on two raw samples.
  /// - Parameters:
  ///   - first: The first sample (any order).
  ///   - second: The second sample (any order).
  ///   - method: How to compute the p-value.
  /// - Throws: `StatisticsError`: `emptySample` when a sample is empty, `nonFiniteValue` when
  ///   a value is NaN (±∞ are ordered normally).
  package init(_ first: [Double], _ second: [Double], method: Method = .automatic)
    throws(StatisticsError)
  {
    try Self.validate(first, "first sample")
    try Self.validate(second, "second sample")
    let (sortedFirst, sortedSecond) = Self.sortedInParallel(first, second)
    self.init(validatedSortedFirst: sortedFirst, sortedSecond, method: method)
  }

  /// Runs the test on two samples that are already sorted ascending (skips the sort).
  /// - Parameters:
  ///   - sortedFirst: The first sample, ascending.
  ///   - sortedSecond: The second sample, ascending.
  ///   - method: How to compute the p-value.
  /// - Throws: `StatisticsError`: `emptySample`, `nonFiniteValue` (NaN), `invalidArgument`
  ///   when a sample is not sorted.
  package init(sortedFirst: [Double], sortedSecond: [Double], method: Method = .automatic)
    throws(StatisticsError)
  {
    try Self.validate(sortedFirst, "first sample")
    try Self.validate(sortedSecond, "second sample")
    for (name, sample) in [("first sample", sortedFirst), ("second sample", sortedSecond)] {
      for index in 1..<sample.count where sample[index] < sample[index - 1] {
        throw StatisticsError(
          code: .invalidArgument, message: "\(name) is not sorted at index \(index)")
      }
    }
    self.init(validatedSortedFirst: sortedFirst, sortedSecond, method: method)
  }

  /// Computes the p-value for a statistic already known, for samples of the given sizes
  /// (used when one side is a `ReferenceSketch`).
  /// - Parameters:
  ///   - statistic: D in [0, 1].
  ///   - firstCount: Size of the first sample, ≥ 1.
  ///   - secondCount: Size of the second sample, ≥ 1.
  ///   - method: How to compute the p-value.
  /// - Throws: `StatisticsError.Code.invalidArgument` for sizes below 1 or D outside [0, 1].
  package init(statistic: Double, firstCount: Int, secondCount: Int, method: Method = .automatic)
    throws(StatisticsError)
  {
    guard firstCount >= 1, secondCount >= 1 else {
      throw StatisticsError(
        code: .invalidArgument, message: "sample sizes must be at least 1")
    }
    guard statistic >= 0, statistic <= 1 else {
      throw StatisticsError(
        code: .invalidArgument, message: "statistic is \(statistic), outside [0, 1]")
    }
    self.init(
      validatedStatistic: statistic, firstCount: firstCount, secondCount: secondCount,
      method: method)
  }

  // MARK: - Core

  private init(validatedSortedFirst first: [Double], _ second: [Double], method: Method) {
    let statistic = Self.statistic(sortedFirst: first, sortedSecond: second)
    self.init(
      validatedStatistic: statistic, firstCount: first.count, secondCount: second.count,
      method: method)
  }

  private init(
    validatedStatistic d: Double, firstCount n1: Int, secondCount n2: Int, method: Method
  ) {
    self.firstCount = n1
    self.secondCount = n2
    var method = method
    let g = Self.greatestCommonDivisor(n1, n2)
    switch method {
    case .automatic:
      method = max(n1, n2) <= 10_000 ? .exact : .asymptotic
    case .exact:
      if Double(n1 / g) >= Double(Int32.max) / Double(n2 / g) { method = .asymptotic }
    case .asymptotic:
      break
    }
    if method == .exact, let (latticeD, p) = Self.exactPValue(n1, n2, g, d) {
      self.statistic = latticeD
      self.pValue = p
      self.method = .exact
      return
    }
    let larger = Double(max(n1, n2))
    let smaller = Double(min(n1, n2))
    let effective = (larger * smaller / (larger + smaller)).rounded(.toNearestOrEven)
    self.statistic = d
    self.pValue = min(
      max(KolmogorovDistribution.twoSidedSurvival(n: Int(effective), d: d), 0), 1)
    self.method = .asymptotic
  }

  /// D by one merge over the sorted samples. At each distinct value both empirical CDFs
  /// step past all copies of it, so ties count as in `searchsorted(side='right')`.
  static func statistic(sortedFirst a: [Double], sortedSecond b: [Double]) -> Double {
    let n1 = Double(a.count)
    let n2 = Double(b.count)
    var i = 0
    var j = 0
    var largest = 0.0
    var smallest = 0.0
    a.withUnsafeBufferPointer { a in
      b.withUnsafeBufferPointer { b in
        while i < a.count || j < b.count {
          let value: Double
          if j == b.count || (i < a.count && a[i] <= b[j]) {
            value = a[i]
          } else {
            value = b[j]
          }
          while i < a.count && a[i] == value { i += 1 }
          while j < b.count && b[j] == value { j += 1 }
          let difference = Double(i) / n1 - Double(j) / n2
          if difference > largest { largest = difference }
          if difference < smallest { smallest = difference }
        }
      }
    }
    let minusSmallest = min(max(-smallest, 0), 1)
    return minusSmallest > largest ? minusSmallest : largest
  }

  /// The exact two-sided p-value, or nil when it cannot be computed accurately.
  private static func exactPValue(_ n1: Int, _ n2: Int, _ g: Int, _ d: Double)
    -> (statistic: Double, pValue: Double)?
  {
    let lcm = (n1 / g) * n2
    let h = Int((d * Double(lcm)).rounded(.toNearestOrEven))
    let latticeD = Double(h) / Double(lcm)
    if h == 0 { return (latticeD, 1) }
    let p: Double
    if n1 == n2 {
      p = self.probabilityOutsideSquare(n1, h)
    } else {
      p = self.probabilityOutsideBand(n1, n2, g, h)
    }
    guard p >= 0, p <= 1 else { return nil }
    return (latticeD, p)
  }

  /// P(D ≥ h/n) for two samples of size n: 2·Σₖ (−1)^(k+1) C(2n, n−kh)/C(2n, n), evaluated
  /// by a Horner-like scheme that avoids the cancellation.
  private static func probabilityOutsideSquare(_ n: Int, _ h: Int) -> Double {
    var p = 0.0
    var k = n / h
    while k >= 0 {
      var term = 1.0
      for j in 0..<h {
        term = Double(n - k * h - j) * term / Double(n + k * h + j + 1)
      }
      p = term * (1 - p)
      k -= 1
    }
    return 2 * p
  }

  /// The share of lattice paths from (0, 0) to (m, n) that leave the band
  /// |x/m − y/n| < h/lcm, computed directly as a probability (Hodges' inside method with
  /// Viehmann's recursion for 1 − p), one column at a time over a sliding window.
  private static func probabilityOutsideBand(_ first: Int, _ second: Int, _ g: Int, _ h: Int)
    -> Double
  {
    let m = max(first, second)
    let n = min(first, second)
    let mg = m / g
    let ng = n / g
    var minJ = 0
    var maxJ = min(Self.ceilingDivision(h, mg), n + 1)
    var currentLength = maxJ - minJ
    let length = min(2 * maxJ + 2, n + 1)
    var column = [Double](repeating: 1, count: length)
    for index in minJ..<maxJ { column[index] = 0 }
    for i in 1...m {
      let lastMinJ = minJ
      let lastLength = currentLength
      minJ = min(max(Self.floorDivision(ng * i - h, mg) + 1, 0), n)
      maxJ = min(Self.ceilingDivision(ng * i + h, mg), n + 1)
      if maxJ <= minJ { return 1 }
      var value = minJ == 0 ? 0.0 : 1.0
      let iDouble = Double(i)
      for jj in 0..<(maxJ - minJ) {
        let j = Double(jj + minJ)
        value = (column[jj + minJ - lastMinJ] * iDouble + value * j) / (iDouble + j)
        column[jj] = value
      }
      currentLength = maxJ - minJ
      if lastLength > currentLength {
        for index in currentLength..<min(lastLength, column.count) { column[index] = 1 }
      }
    }
    return column[maxJ - minJ - 1]
  }

  // MARK: - Helpers

  private static func validate(_ sample: [Double], _ name: String) throws(StatisticsError) {
    try StatisticsValidation.requireNonEmpty(sample.count, name)
    for (index, value) in sample.enumerated() where value.isNaN {
      throw StatisticsError(code: .nonFiniteValue, message: "\(name)[\(index)] is NaN")
    }
  }

  /// Sorts both samples (radix sort; no NaN), the larger ones on two threads.
  static func sortedInParallel(_ first: [Double], _ second: [Double]) -> ([Double], [Double]) {
    var sortedFirst = first
    var sortedSecond = second
    if first.count + second.count < 50_000 {
      DoubleRadixSort.sort(&sortedFirst)
      DoubleRadixSort.sort(&sortedSecond)
      return (sortedFirst, sortedSecond)
    }
    let results = SortSlots()
    DispatchQueue.concurrentPerform(iterations: 2) { index in
      var sample = index == 0 ? first : second
      DoubleRadixSort.sort(&sample)
      results.store(sample, at: index)
    }
    return (results.take(0), results.take(1))
  }

  private static func greatestCommonDivisor(_ a: Int, _ b: Int) -> Int {
    var (a, b) = (a, b)
    while b != 0 { (a, b) = (b, a % b) }
    return a
  }

  private static func floorDivision(_ a: Int, _ b: Int) -> Int {
    let quotient = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
  }

  private static func ceilingDivision(_ a: Int, _ b: Int) -> Int {
    -self.floorDivision(-a, b)
  }
}

/// Holds the two sorted samples produced on Dispatch's threads.
private final class SortSlots: Sendable {
  private let slots = Mutex<[[Double]]>([[], []])

  func store(_ sample: [Double], at index: Int) {
    self.slots.withLock { $0[index] = sample }
  }

  func take(_ index: Int) -> [Double] {
    self.slots.withLock { $0[index] }
  }
}
