internal import Foundation
internal import Synchronization

/// The two-sample Kolmogorov–Smirnov test with the semantics of
/// `scipy.stats.ks_2samp(a, b, alternative=..., method=...)`: the statistic
/// D = supₓ |F_a(x) − F_b(x)| (or its one-sided forms) over the right-continuous empirical
/// CDFs (ties handled exactly), and its p-value from the exact null distribution
/// (lattice-path counting) or the asymptotic one — for the two-sided test the one-sample
/// Kolmogorov distribution at n = round(m·n/(m+n)), for one-sided tests Hodges' formula, as
/// SciPy does. When an exact computation fails (overflow, or a probability outside [0, 1])
/// the asymptotic p-value is used with the lattice-rounded statistic, again as SciPy does.
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

  /// The alternative hypothesis (SciPy's `alternative=`).
  package enum Alternative: Hashable, Sendable {
    /// The distributions differ: D = supₓ |F_a(x) − F_b(x)|.
    case twoSided
    /// F_a(x) < F_b(x) somewhere (a tends to be larger): D = supₓ (F_b(x) − F_a(x)).
    case less
    /// F_a(x) > F_b(x) somewhere (a tends to be smaller): D = supₓ (F_a(x) − F_b(x)).
    case greater
  }

  /// D: the largest distance between the two empirical CDFs (signed for one-sided
  /// alternatives, never below 0), in [0, 1]. When the exact method was attempted it is
  /// rounded to the lattice, h / lcm(m, n), as SciPy reports it.
  package var statistic: Double
  /// The p-value under the chosen alternative.
  package var pValue: Double
  /// The alternative hypothesis tested.
  package var alternative: Alternative
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
  ///   - alternative: Two-sided (default) or one-sided.
  ///   - method: How to compute the p-value.
  /// - Throws: `StatisticsError`: `emptySample` when a sample is empty, `nonFiniteValue` when
  ///   a value is NaN (±∞ are ordered normally).
  package init(
    _ first: [Double], _ second: [Double], alternative: Alternative = .twoSided,
    method: Method = .automatic
  ) throws(StatisticsError) {
    try Self.validate(first, "first sample")
    try Self.validate(second, "second sample")
    let (sortedFirst, sortedSecond) = Self.sortedInParallel(first, second)
    self.init(
      validatedSortedFirst: sortedFirst, sortedSecond, alternative: alternative, method: method)
  }

  /// Runs the test on two samples that are already sorted ascending (skips the sort).
  /// - Parameters:
  ///   - sortedFirst: The first sample, ascending.
  ///   - sortedSecond: The second sample, ascending.
  ///   - alternative: Two-sided (default) or one-sided.
  ///   - method: How to compute the p-value.
  /// - Throws: `StatisticsError`: `emptySample`, `nonFiniteValue` (NaN), `invalidArgument`
  ///   when a sample is not sorted.
  package init(
    sortedFirst: [Double], sortedSecond: [Double], alternative: Alternative = .twoSided,
    method: Method = .automatic
  ) throws(StatisticsError) {
    try Self.validate(sortedFirst, "first sample")
    try Self.validate(sortedSecond, "second sample")
    for (name, sample) in [("first sample", sortedFirst), ("second sample", sortedSecond)] {
      for index in 1..<sample.count where sample[index] < sample[index - 1] {
        throw StatisticsError(
          code: .invalidArgument, message: "\(name) is not sorted at index \(index)")
      }
    }
    self.init(
      validatedSortedFirst: sortedFirst, sortedSecond, alternative: alternative, method: method)
  }

  /// Computes the p-value for a statistic already known, for samples of the given sizes
  /// (used when one side is a `ReferenceSketch`).
  /// - Parameters:
  ///   - statistic: D in [0, 1].
  ///   - firstCount: Size of the first sample, ≥ 1.
  ///   - secondCount: Size of the second sample, ≥ 1.
  ///   - alternative: The alternative the statistic was computed for.
  ///   - method: How to compute the p-value.
  /// - Throws: `StatisticsError.Code.invalidArgument` for sizes below 1 or D outside [0, 1].
  package init(
    statistic: Double, firstCount: Int, secondCount: Int, alternative: Alternative = .twoSided,
    method: Method = .automatic
  ) throws(StatisticsError) {
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
      alternative: alternative, method: method)
  }

  // MARK: - Core

  private init(
    validatedSortedFirst first: [Double], _ second: [Double], alternative: Alternative,
    method: Method
  ) {
    let (greater, less) = Self.differences(sortedFirst: first, sortedSecond: second)
    let statistic: Double
    switch alternative {
    case .twoSided: statistic = less > greater ? less : greater
    case .less: statistic = less
    case .greater: statistic = greater
    }
    self.init(
      validatedStatistic: statistic, firstCount: first.count, secondCount: second.count,
      alternative: alternative, method: method)
  }

  private init(
    validatedStatistic d: Double, firstCount n1: Int, secondCount n2: Int,
    alternative: Alternative, method: Method
  ) {
    self.firstCount = n1
    self.secondCount = n2
    self.alternative = alternative
    var method = method
    var d = d
    let g = Self.greatestCommonDivisor(n1, n2)
    switch method {
    case .automatic:
      method = max(n1, n2) <= 10_000 ? .exact : .asymptotic
    case .exact:
      if Double(n1 / g) >= Double(Int32.max) / Double(n2 / g) { method = .asymptotic }
    case .asymptotic:
      break
    }
    if method == .exact {
      let lcm = (n1 / g) * n2
      let h = Int((d * Double(lcm)).rounded(.toNearestOrEven))
      // SciPy reports the statistic on the lattice, also when it then falls back.
      d = Double(h) / Double(lcm)
      if let p = Self.exactPValue(n1, n2, g, h, alternative) {
        self.statistic = d
        self.pValue = p
        self.method = .exact
        return
      }
    }
    let larger = Double(max(n1, n2))
    let smaller = Double(min(n1, n2))
    let effective = larger * smaller / (larger + smaller)
    let p: Double
    switch alternative {
    case .twoSided:
      p = KolmogorovDistribution.twoSidedSurvival(
        n: Int(effective.rounded(.toNearestOrEven)), d: d)
    case .less, .greater:
      // Hodges' approximation (his eq. 5.3), with m the larger sample.
      let z = effective.squareRoot() * d
      let exponent =
        -2 * z * z - 2 * z * (larger + 2 * smaller)
        / (larger * smaller * (larger + smaller)).squareRoot() / 3
      p = exp(exponent)
    }
    self.statistic = d
    self.pValue = min(max(p, 0), 1)
    self.method = .asymptotic
  }

  /// The two one-sided statistics, supₓ (F_a − F_b) and supₓ (F_b − F_a) (each at least 0),
  /// by one merge over the sorted samples. At each distinct value both empirical CDFs step
  /// past all copies of it, so ties count as in `searchsorted(side='right')`.
  static func differences(sortedFirst a: [Double], sortedSecond b: [Double])
    -> (greater: Double, less: Double)
  {
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
    return (largest, min(max(-smallest, 0), 1))
  }

  /// D for the two-sided test.
  static func statistic(sortedFirst a: [Double], sortedSecond b: [Double]) -> Double {
    let (greater, less) = self.differences(sortedFirst: a, sortedSecond: b)
    return less > greater ? less : greater
  }

  /// The exact p-value for D = h / lcm(n1, n2), or nil when it cannot be computed
  /// accurately (SciPy then falls back to the asymptotic one).
  private static func exactPValue(
    _ n1: Int, _ n2: Int, _ g: Int, _ h: Int, _ alternative: Alternative
  ) -> Double? {
    if h == 0 { return 1 }
    let p: Double
    switch alternative {
    case .twoSided:
      p =
        n1 == n2 ? self.probabilityOutsideSquare(n1, h) : self.probabilityOutsideBand(n1, n2, g, h)
    case .less, .greater:
      if n1 == n2 {
        // C(2n, n−h) / C(2n, n) as a product, which avoids the binomials' rounding.
        var product = 1.0
        for j in 0..<h { product *= Double(n1 - j) / (Double(n1) + Double(j) + 1) }
        p = product
      } else {
        // When C(n1 + n2, n1) overflows the count cannot succeed (SciPy gives up too, after
        // an O(n²) loop that this skips).
        let total = self.binomial(n1 + n2, n1)
        guard total.isFinite else { return nil }
        let paths = self.pathsCrossingDiagonal(n1, n2, g, h)
        guard paths.isFinite, paths <= total else { return nil }
        p = paths / total
      }
    }
    guard p >= 0, p <= 1 else { return nil }
    return p
  }

  /// The number of lattice paths from (0, 0) to (m, n) that reach the line
  /// m·y = n·x − h·g (Hodges' treatment of Drion, Gnedenko and Korolyuk), in floating point;
  /// may overflow to ∞ for large samples, which the caller treats as a failure.
  private static func pathsCrossingDiagonal(_ first: Int, _ second: Int, _ g: Int, _ h: Int)
    -> Double
  {
    let m = max(first, second)
    let n = min(first, second)
    let mg = m / g
    let ng = n / g
    let count = n + Self.floorDivision(mg - h, mg)
    if count <= 0 { return self.binomial(m + n, n) }
    let xj = (0..<count).map { j in Self.floorDivision(h + mg * j + ng - 1, ng) }
    var b = [Double](repeating: 0, count: count)
    b[0] = 1
    for j in 1..<count {
      var value = self.binomial(xj[j] + j, j)
      for i in 0..<j {
        value -= self.binomial(xj[j] - xj[i] + j - i, j - i) * b[i]
      }
      b[j] = value
    }
    var paths = 0.0
    for j in 0..<count {
      paths += b[j] * self.binomial((m - xj[j]) + (n - j), n - j)
    }
    return paths
  }

  /// C(n, k) in floating point the way `scipy.special.binom` computes integer arguments: a
  /// product for k < 20 (after k ← n − k when that is smaller), else 1/((n+1)·B(n−k+1, k+1)).
  static func binomial(_ n: Int, _ k: Int) -> Double {
    if k < 0 || k > n { return 0 }
    let k = min(k, n - k)
    if k < 20 {
      var numerator = 1.0
      var denominator = 1.0
      for i in stride(from: 1, through: k, by: 1) {
        numerator *= Double(i + n - k)
        denominator *= Double(i)
        if abs(numerator) > 1e50 {
          numerator /= denominator
          denominator = 1
        }
      }
      return numerator / denominator
    }
    let a = Double(n - k + 1)
    let b = Double(k + 1)
    if a + b < 171 {
      return 1 / Double(n + 1) / (tgamma(a) * tgamma(b) / tgamma(a + b))
    }
    return exp(lgamma(Double(n + 1)) - lgamma(b) - lgamma(a))
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
