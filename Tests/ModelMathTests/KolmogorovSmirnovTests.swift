import Testing

@testable import ModelMath

@Suite("Two-sample Kolmogorov–Smirnov test against scipy.stats.ks_2samp")
struct KolmogorovSmirnovTests {
  static let pValueTolerance = 1e-9

  static func pairs() throws -> [StatisticsFixtures.KSPair] { try StatisticsFixtures.ks().pairs }

  @Test("Statistic and p-values equal SciPy's (auto, exact, asymptotic)", arguments: try pairs())
  func matchesSciPy(pair: StatisticsFixtures.KSPair) throws {
    let (a, b) = pair.samples
    let cases: [(KolmogorovSmirnovTest.Method, StatisticsFixtures.KSResult?)] = [
      (.automatic, pair.auto), (.exact, pair.exact), (.asymptotic, pair.asymp),
    ]
    for (method, expected) in cases {
      guard let expected else { continue }
      let test = try KolmogorovSmirnovTest(a, b, method: method)
      #expect(
        test.statistic.isClose(to: expected.statistic, relative: 1e-14),
        "\(pair.name) \(method): D \(test.statistic) vs \(expected.statistic)")
      #expect(
        test.pValue.isClose(to: expected.pvalue, relative: Self.pValueTolerance, absolute: 1e-300),
        "\(pair.name) \(method): p \(test.pValue) vs \(expected.pvalue)")
    }
  }

  @Test(
    "One-sided statistics and p-values equal SciPy's (auto, exact, asymptotic)",
    arguments: try pairs())
  func oneSidedMatchesSciPy(pair: StatisticsFixtures.KSPair) throws {
    let (a, b) = pair.samples
    let cases:
      [(
        KolmogorovSmirnovTest.Alternative, KolmogorovSmirnovTest.Method, StatisticsFixtures.KSResult
      )] = [
        (.less, .automatic, pair.less_auto), (.less, .exact, pair.less_exact),
        (.less, .asymptotic, pair.less_asymp), (.greater, .automatic, pair.greater_auto),
        (.greater, .exact, pair.greater_exact), (.greater, .asymptotic, pair.greater_asymp),
      ]
    for (alternative, method, expected) in cases {
      let test = try KolmogorovSmirnovTest(a, b, alternative: alternative, method: method)
      #expect(
        test.statistic.isClose(to: expected.statistic, relative: 1e-14),
        "\(pair.name) \(alternative) \(method): D \(test.statistic) vs \(expected.statistic)")
      #expect(
        test.pValue.isClose(to: expected.pvalue, relative: Self.pValueTolerance, absolute: 1e-300),
        "\(pair.name) \(alternative) \(method): p \(test.pValue) vs \(expected.pvalue)")
    }
  }

  @Test("Binomial coefficients: exact small values, symmetric, overflow to infinity")
  func binomial() {
    #expect(KolmogorovSmirnovTest.binomial(10, 3) == 120)
    #expect(KolmogorovSmirnovTest.binomial(52, 5) == 2_598_960)
    #expect(
      KolmogorovSmirnovTest.binomial(60, 30).isClose(to: 118_264_581_564_861_424, relative: 1e-13))
    #expect(KolmogorovSmirnovTest.binomial(100, 70) == KolmogorovSmirnovTest.binomial(100, 30))
    #expect(KolmogorovSmirnovTest.binomial(2_000, 1_000) == .infinity)
  }

  @Test("Swapping the samples changes neither D nor p", arguments: try pairs())
  func symmetric(pair: StatisticsFixtures.KSPair) throws {
    let (a, b) = pair.samples
    let forward = try KolmogorovSmirnovTest(a, b)
    let backward = try KolmogorovSmirnovTest(b, a)
    #expect(forward.statistic == backward.statistic)
    #expect(forward.pValue.isClose(to: backward.pValue, relative: 1e-12))
  }

  @Test(
    "Kolmogorov distribution survival equals scipy.stats.kstwo.sf in every region",
    arguments: try StatisticsFixtures.ks().kolmogorovSF)
  func kolmogorovSurvival(point: StatisticsFixtures.KolmogorovPoint) {
    let sf = KolmogorovDistribution.twoSidedSurvival(n: point.n, d: point.d)
    #expect(
      sf.isClose(to: point.sf, relative: Self.pValueTolerance, absolute: 1e-300),
      "\(point): \(sf) vs \(point.sf)")
  }

  @Test("Pre-sorted input gives the same result and unsorted input is refused")
  func sortedEntryPoint() throws {
    let a = [0.3, 1.2, 2.5, 2.5, 4.0]
    let b = [0.1, 0.2, 2.5, 3.3]
    let sorted = try KolmogorovSmirnovTest(sortedFirst: a, sortedSecond: b)
    let raw = try KolmogorovSmirnovTest(a.reversed(), b.reversed())
    #expect(sorted == raw)
    let error = #expect(throws: StatisticsError.self) {
      try KolmogorovSmirnovTest(sortedFirst: [2, 1], sortedSecond: [1, 2])
    }
    #expect(error?.code == .invalidArgument)
  }

  @Test("Empty samples and NaN values are refused")
  func badInput() {
    let empty = #expect(throws: StatisticsError.self) { try KolmogorovSmirnovTest([], [1, 2]) }
    #expect(empty?.code == .emptySample)
    let nan = #expect(throws: StatisticsError.self) {
      try KolmogorovSmirnovTest([1, .nan], [1, 2])
    }
    #expect(nan?.code == .nonFiniteValue)
    let statistic = #expect(throws: StatisticsError.self) {
      try KolmogorovSmirnovTest(statistic: 1.5, firstCount: 10, secondCount: 10)
    }
    #expect(statistic?.code == .invalidArgument)
  }
}
