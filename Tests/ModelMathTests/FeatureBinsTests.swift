import ModelMath
import Testing

@Suite("Quantile binning")
struct FeatureBinsTests {
  @Test("Few distinct values get one bin each, boundaries at midpoints")
  func distinctValues() throws {
    let matrix = try FeatureMatrix(columns: [[3, 1, 2, 1, 3, .nan]])
    let bins = try FeatureBins(fitting: matrix)
    #expect(bins.upperBounds[0] == [1.5, 2.5])
    #expect(bins.bin(1, feature: 0) == 0)
    #expect(bins.bin(2, feature: 0) == 1)
    #expect(bins.bin(3, feature: 0) == 2)
    #expect(bins.bin(100, feature: 0) == 2)
    #expect(bins.bin(.nan, feature: 0) == FeatureBins.missingBin)
  }

  @Test("Many distinct values fill at most maxBins - 1 bins of about equal size")
  func quantiles() throws {
    let values = (0..<10_000).map { Float($0) }
    let matrix = try FeatureMatrix(columns: [values])
    let bins = try FeatureBins(fitting: matrix, maxBins: 11)
    #expect(bins.valueBinCount(feature: 0) == 10)
    let binned = try BinnedMatrix(matrix, featureBins: bins)
    var sizes = [Int](repeating: 0, count: 10)
    for row in 0..<matrix.rowCount { sizes[Int(binned[row, 0])] += 1 }
    #expect(sizes.allSatisfy { $0 >= 900 && $0 <= 1100 })
  }

  @Test("The default uses at most 254 value bins plus the missing bin")
  func defaultLimit() throws {
    let matrix = try FeatureMatrix(columns: [(0..<5_000).map { Float($0) / 7 }])
    let bins = try FeatureBins(fitting: matrix)
    #expect(bins.valueBinCount(feature: 0) <= 254)
    #expect(bins.valueBinCount(feature: 0) >= 250)
  }

  @Test("bin <= b exactly when value <= threshold(b)")
  func thresholdEquivalence() throws {
    var random = SplitMix64(seed: 5)
    let values = (0..<3_000).map { _ in Float(random.nextUnitForTests() * 10).rounded() / 3 }
    let matrix = try FeatureMatrix(columns: [values])
    let bins = try FeatureBins(fitting: matrix, maxBins: 16)
    for b in 0..<bins.valueBinCount(feature: 0) {
      let threshold = bins.threshold(feature: 0, bin: b)
      for value in values {
        #expect((Int(bins.bin(value, feature: 0)) <= b) == (value <= threshold))
      }
    }
  }

  @Test("All-NaN and constant features get a single value bin")
  func degenerate() throws {
    let matrix = try FeatureMatrix(columns: [[.nan, .nan], [4, 4]])
    let bins = try FeatureBins(fitting: matrix)
    #expect(bins.valueBinCount(feature: 0) == 1)
    #expect(bins.valueBinCount(feature: 1) == 1)
  }

  @Test("maxBins outside 3...255 is refused", arguments: [2, 256])
  func badMaxBins(maxBins: Int) throws {
    let matrix = try FeatureMatrix(columns: [[1, 2]])
    let error = #expect(throws: ModelMathError.self) {
      try FeatureBins(fitting: matrix, maxBins: maxBins)
    }
    #expect(error?.code == .invalidHyperparameter)
  }
}

extension SplitMix64 {
  mutating func nextUnitForTests() -> Double {
    Double(self.next() >> 11) * 0x1.0p-53
  }
}
