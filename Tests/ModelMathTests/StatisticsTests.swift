import Foundation
import Testing

@testable import ModelMath

@Suite("Drift statistics against SciPy, and the reference sketch")
struct StatisticsTests {
  static let tolerance = 1e-12

  @Test("Chi-square survival equals scipy.stats.chi2.sf")
  func chiSquareSurvival() throws {
    for point in try StatisticsFixtures.drift().chi2SF {
      let sf = ChiSquareDistribution.survival(point.x, degreesOfFreedom: Double(point.dof))
      #expect(
        sf.isClose(to: point.sf, relative: 1e-11, absolute: 1e-300),
        "x=\(point.x) dof=\(point.dof): \(sf) vs \(point.sf)")
    }
  }

  @Test("Chi-square contingency and goodness-of-fit tests equal SciPy's")
  func chiSquareTests() throws {
    let fixture = try StatisticsFixtures.drift()
    for expected in fixture.chiSquare {
      let test = try ChiSquareTest(
        contingencyTable: expected.observed, correction: expected.correction)
      #expect(test.degreesOfFreedom == expected.dof)
      #expect(test.statistic.isClose(to: expected.statistic, relative: Self.tolerance))
      #expect(test.pValue.isClose(to: expected.pvalue, relative: 1e-11))
    }
    let gof = try ChiSquareTest(
      observed: fixture.goodnessOfFit.observed, expected: fixture.goodnessOfFit.expected)
    #expect(gof.statistic.isClose(to: fixture.goodnessOfFit.statistic, relative: Self.tolerance))
    #expect(gof.pValue.isClose(to: fixture.goodnessOfFit.pvalue, relative: 1e-11))
    // The reference/current convenience drops categories empty on both sides.
    let table = fixture.chiSquare[0].observed
    let convenience = try ChiSquareTest(
      referenceCounts: table[0] + [0], currentCounts: table[1] + [0])
    #expect(
      convenience.statistic.isClose(to: fixture.chiSquare[0].statistic, relative: Self.tolerance))
  }

  @Test("PSI, Wasserstein-1 and Jensen–Shannon equal the reference values")
  func driftMeasures() throws {
    let fixture = try StatisticsFixtures.drift()
    #expect(
      DriftStatistics.binCounts(fixture.reference, innerEdges: fixture.decileEdges)
        == fixture.referenceCounts)
    #expect(
      DriftStatistics.binCounts(fixture.current, innerEdges: fixture.decileEdges)
        == fixture.currentCounts)
    let psi = try DriftStatistics.populationStabilityIndex(
      referenceCounts: fixture.referenceCounts, currentCounts: fixture.currentCounts,
      floor: fixture.psiFloor)
    #expect(psi.isClose(to: fixture.psi, relative: Self.tolerance))
    let wasserstein = try DriftStatistics.wassersteinDistance(fixture.reference, fixture.current)
    #expect(wasserstein.isClose(to: fixture.wasserstein, relative: Self.tolerance))
    let weighted = try DriftStatistics.wassersteinDistance(
      fixture.reference, fixture.current, firstWeights: fixture.referenceWeights,
      secondWeights: fixture.currentWeights)
    #expect(weighted.isClose(to: fixture.wassersteinWeighted, relative: Self.tolerance))
    let js = try DriftStatistics.jensenShannonDistance(fixture.jsP, fixture.jsQ)
    #expect(js.isClose(to: fixture.jensenShannonDistance, relative: Self.tolerance))
    let js2 = try DriftStatistics.jensenShannonDistance(fixture.jsP, fixture.jsQ, base: 2)
    #expect(js2.isClose(to: fixture.jensenShannonDistanceBase2, relative: Self.tolerance))
  }

  @Test("Known answers: identical distributions have zero PSI, JS and Wasserstein")
  func identicalDistributions() throws {
    #expect(
      try DriftStatistics.populationStabilityIndex(
        referenceCounts: [1, 2, 3], currentCounts: [2, 4, 6]) == 0)
    #expect(try DriftStatistics.jensenShannonDistance([1, 2, 3], [2, 4, 6]) == 0)
    #expect(try DriftStatistics.wassersteinDistance([1, 2, 3], [3, 2, 1]) == 0)
    // Disjoint histograms reach the maximum, 1 in base 2.
    #expect(
      try DriftStatistics.jensenShannonDistance([1, 0], [0, 1], base: 2).isClose(
        to: 1, relative: 1e-15))
    // Shifting every value by 2 moves the distribution by exactly 2.
    #expect(
      try DriftStatistics.wassersteinDistance([0, 1, 5], [2, 3, 7]).isClose(to: 2, relative: 1e-15))
  }

  // MARK: - Reference sketch

  static func weylSample(count: Int, multiplier: Int, shift: Double) -> [Double] {
    StatisticsFixtures.Recipe(
      count: count, multiplier: multiplier, offset: 3, shift: shift, scale: 1, decimals: 3
    ).sample
  }

  @Test(
    "KS and Wasserstein from a sketch stay within their documented bounds",
    arguments: [20, 200, 1_000])
  func sketchBounds(binCount: Int) throws {
    let fixture = try StatisticsFixtures.drift()
    let samples: [([Double], [Double])] = [
      (fixture.reference, fixture.current),
      (
        Self.weylSample(count: 20_000, multiplier: 2_654_435_761, shift: 0),
        Self.weylSample(count: 5_000, multiplier: 3_266_489_917, shift: 0.03)
      ),
    ]
    for (reference, current) in samples {
      let sketch = try ReferenceSketch(sample: reference, binCount: binCount)
      #expect(sketch.binCounts.reduce(0, +) == reference.count)
      #expect(sketch.ecdfErrorBound <= 2.5 / Double(min(binCount, reference.count)) + 1e-12)
      let raw = try KolmogorovSmirnovTest(reference, current)
      let approximate = try sketch.kolmogorovSmirnov(against: current)
      #expect(abs(approximate.statistic - raw.statistic) <= sketch.ecdfErrorBound + 1e-12)
      let rawW = try DriftStatistics.wassersteinDistance(reference, current)
      let sketchW = try sketch.wassersteinDistance(to: current)
      #expect(abs(sketchW - rawW) <= sketch.wassersteinErrorBound + 1e-12)
    }
  }

  @Test("Sketch PSI bins hold the exact reference counts; the reference against itself scores zero")
  func sketchPSI() throws {
    let fixture = try StatisticsFixtures.drift()
    let sketch = try ReferenceSketch(sample: fixture.reference, binCount: 100)
    let (edges, counts) = sketch.coarseBins(10)
    #expect(counts.count == 10)
    var raw = [Double](repeating: 0, count: counts.count)
    for value in fixture.reference {
      raw[edges.firstIndex { value <= $0 } ?? edges.count] += 1
    }
    #expect(raw == counts)
    #expect(try sketch.populationStabilityIndex(of: fixture.reference) == 0)
    #expect(try sketch.jensenShannonDistance(to: fixture.reference) == 0)
    #expect(try sketch.populationStabilityIndex(of: fixture.current) > 0.1)
    #expect(
      sketch.mean.isClose(
        to: fixture.reference.reduce(0, +) / Double(fixture.reference.count), relative: 1e-12))
  }

  @Test("Heavy ties and constant samples give a valid sketch")
  func sketchTies() throws {
    let zeros = [Double](repeating: 0, count: 700) + (1...300).map { Double($0) }
    let sketch = try ReferenceSketch(sample: zeros, binCount: 10)
    #expect(sketch.binCounts.reduce(0, +) == 1_000)
    #expect(sketch.cumulativeShare(at: 0).isClose(to: 0.7, relative: 1e-12))
    let same = try sketch.kolmogorovSmirnov(against: zeros)
    #expect(same.statistic <= sketch.ecdfErrorBound)
    let constant = try ReferenceSketch(sample: [4, 4, 4], binCount: 10)
    #expect(constant.edges == [4])
    #expect(try constant.kolmogorovSmirnov(against: [4, 4]).statistic == 0)
    #expect(try constant.kolmogorovSmirnov(against: [5, 5]).statistic == 1)
  }

  @Test("A sketch survives a JSON round trip and a corrupted one is refused")
  func sketchCodable() throws {
    let sketch = try ReferenceSketch(sample: (0..<500).map { Double($0 % 37) }, binCount: 16)
    let data = try JSONEncoder().encode(sketch)
    let decoded = try JSONDecoder().decode(ReferenceSketch.self, from: data)
    #expect(decoded == sketch)
    var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    object["count"] = 499
    let corrupted = try JSONSerialization.data(withJSONObject: object)
    #expect(throws: DecodingError.self) {
      try JSONDecoder().decode(ReferenceSketch.self, from: corrupted)
    }
  }

  @Test(
    "Radix sort orders doubles like the standard library, signs, infinities and subnormals included",
    arguments: [10, 300, 5_000, 60_000])
  func radixSort(count: Int) {
    var state: UInt64 = 0x1234_5678
    var values = [Double]()
    for index in 0..<count {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      let bits = state >> 11
      switch index % 7 {
      case 0: values.append(Double(bits % 1000) - 500)  // duplicates, both signs
      case 1: values.append(Double(bitPattern: state))  // any finite or infinite pattern
      case 2: values.append(index % 2 == 0 ? -0.0 : 0.0)
      case 3: values.append(index % 3 == 0 ? .infinity : -.infinity)
      case 4:
        values.append(Double.leastNonzeroMagnitude * Double(bits % 50) * (index % 2 == 0 ? 1 : -1))
      default: values.append((Double(bits) * 0x1p-53 - 0.5) * 1e6)
      }
    }
    values = values.filter { !$0.isNaN }
    var radix = values
    DoubleRadixSort.sort(&radix)
    #expect(radix == values.sorted())
    #expect(zip(radix, radix.dropFirst()).allSatisfy { $0 <= $1 })
  }

  // MARK: - Bad input

  @Test("Empty, NaN and mismatched inputs are refused with a code")
  func badInput() {
    let empty = #expect(throws: StatisticsError.self) { try ReferenceSketch(sample: []) }
    #expect(empty?.code == .emptySample)
    let nan = #expect(throws: StatisticsError.self) { try ReferenceSketch(sample: [1, .nan]) }
    #expect(nan?.code == .nonFiniteValue)
    let psi = #expect(throws: StatisticsError.self) {
      try DriftStatistics.populationStabilityIndex(referenceCounts: [1, 2], currentCounts: [1])
    }
    #expect(psi?.code == .mismatchedLengths)
    let zero = #expect(throws: StatisticsError.self) {
      try DriftStatistics.jensenShannonDistance([0, 0], [1, 1])
    }
    #expect(zero?.code == .invalidArgument)
    let wasserstein = #expect(throws: StatisticsError.self) {
      try DriftStatistics.wassersteinDistance([1, .nan], [1])
    }
    #expect(wasserstein?.code == .nonFiniteValue)
    let chi = #expect(throws: StatisticsError.self) {
      try ChiSquareTest(contingencyTable: [[1, 0], [2, 0]])
    }
    #expect(chi?.code == .invalidArgument)
    let ragged = #expect(throws: StatisticsError.self) {
      try ChiSquareTest(contingencyTable: [[1, 2], [2]])
    }
    #expect(ragged?.code == .mismatchedLengths)
  }
}
