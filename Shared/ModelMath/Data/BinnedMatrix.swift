/// Features mapped to `UInt8` bins, row-major, ready for histogram-based tree learning.
///
/// Row-major (`bins[row * featureCount + feature]`) because learners gather the rows of one tree
/// node and touch several features of each row. Shared by forests, boosting and anything else
/// that grows trees on histograms.
package struct BinnedMatrix: Sendable {
  /// The boundaries used.
  package let featureBins: FeatureBins
  /// Number of rows.
  package let rowCount: Int
  /// Number of features.
  package let featureCount: Int
  /// Row-major bins: `bins[row * featureCount + feature]`.
  package let bins: [UInt8]

  /// Bins `matrix` with `featureBins` (usually learned from the same matrix). O(rows × features ×
  /// log bins), parallel over features.
  /// - Parameters:
  ///   - matrix: the features.
  ///   - featureBins: boundaries with the same feature count.
  /// - Throws: `featureCountMismatch` when the feature counts differ.
  package init(_ matrix: FeatureMatrix, featureBins: FeatureBins) throws(ModelMathError) {
    guard matrix.featureCount == featureBins.featureCount else {
      throw ModelMathError(
        code: .featureCountMismatch,
        message:
          "bins are for \(featureBins.featureCount) features, matrix has \(matrix.featureCount)")
    }
    let rowCount = matrix.rowCount
    let featureCount = matrix.featureCount
    var bins = [UInt8](repeating: 0, count: rowCount * featureCount)
    bins.withUnsafeMutableBufferPointer { buffer in
      let output = SharedOutput(base: buffer.baseAddress!)
      parallelFor(featureCount) { feature in
        let base = feature * rowCount
        for row in 0..<rowCount {
          output.base[row * featureCount + feature] = featureBins.bin(
            matrix.values[base + row], feature: feature)
        }
      }
    }
    self.featureBins = featureBins
    self.rowCount = rowCount
    self.featureCount = featureCount
    self.bins = bins
  }

  /// Learns bins from `matrix` and bins it.
  /// - Parameters:
  ///   - matrix: the features.
  ///   - maxBins: bins per feature including the missing bin, 3...255.
  /// - Throws: `invalidHyperparameter` for `maxBins` out of range.
  package init(binning matrix: FeatureMatrix, maxBins: Int = 255) throws(ModelMathError) {
    try self.init(matrix, featureBins: try FeatureBins(fitting: matrix, maxBins: maxBins))
  }

  /// The bin of `row`, `feature`.
  package subscript(row: Int, feature: Int) -> UInt8 {
    self.bins[row * self.featureCount + feature]
  }
}
