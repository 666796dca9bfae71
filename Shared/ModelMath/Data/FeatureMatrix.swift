/// A columnar matrix of Float32 features; NaN marks a missing value.
///
/// Stored column-major (`values[feature * rowCount + row]`), so binning and per-feature scans read
/// contiguous memory. Infinite values are refused at construction; NaN is legal everywhere.
package struct FeatureMatrix: Sendable, Hashable {
  /// Number of rows (samples).
  package let rowCount: Int
  /// Number of features (columns).
  package let featureCount: Int
  /// Column-major values: `values[feature * rowCount + row]`.
  package let values: [Float]

  /// Creates a matrix from one array per feature.
  /// - Parameter columns: `columns[feature][row]`; all columns must have the same length.
  /// - Throws: `emptyDataset` for no columns or no rows, `mismatchedLengths` for ragged columns,
  ///   `invalidFeatureValue` for an infinite value.
  package init(columns: [[Float]]) throws(ModelMathError) {
    guard let first = columns.first, !first.isEmpty else {
      throw ModelMathError(
        code: .emptyDataset, message: "the feature matrix has no rows or no columns")
    }
    for (index, column) in columns.enumerated() where column.count != first.count {
      throw ModelMathError(
        code: .mismatchedLengths,
        message: "feature \(index) has \(column.count) rows, feature 0 has \(first.count)")
    }
    let values = Array(columns.joined())
    try Self.checkFinite(values, rowCount: first.count)
    self.rowCount = first.count
    self.featureCount = columns.count
    self.values = values
  }

  /// Creates a matrix from row-major values (`rowMajor[row * featureCount + feature]`).
  /// - Parameters:
  ///   - rowMajor: the values, one row after another.
  ///   - featureCount: values per row.
  /// - Throws: `emptyDataset`, `mismatchedLengths` when the count is not a multiple of
  ///   `featureCount`, `invalidFeatureValue` for an infinite value.
  package init(rowMajor: [Float], featureCount: Int) throws(ModelMathError) {
    guard featureCount > 0, !rowMajor.isEmpty else {
      throw ModelMathError(
        code: .emptyDataset, message: "the feature matrix has no rows or no columns")
    }
    guard rowMajor.count % featureCount == 0 else {
      throw ModelMathError(
        code: .mismatchedLengths,
        message: "\(rowMajor.count) values do not make whole rows of \(featureCount) features")
    }
    let rowCount = rowMajor.count / featureCount
    var values = [Float](repeating: 0, count: rowMajor.count)
    for row in 0..<rowCount {
      for feature in 0..<featureCount {
        values[feature * rowCount + row] = rowMajor[row * featureCount + feature]
      }
    }
    try Self.checkFinite(values, rowCount: rowCount)
    self.rowCount = rowCount
    self.featureCount = featureCount
    self.values = values
  }

  /// Internal: wraps already validated column-major values.
  init(validatedValues: [Float], rowCount: Int, featureCount: Int) {
    precondition(validatedValues.count == rowCount * featureCount)
    self.values = validatedValues
    self.rowCount = rowCount
    self.featureCount = featureCount
  }

  private static func checkFinite(_ values: [Float], rowCount: Int) throws(ModelMathError) {
    if let index = values.firstIndex(where: { $0.isInfinite }) {
      throw ModelMathError(
        code: .invalidFeatureValue,
        message:
          "feature \(index / rowCount), row \(index % rowCount) is infinite (use NaN for missing)")
    }
  }

  /// The value at `row`, `feature`. O(1).
  package subscript(row: Int, feature: Int) -> Float {
    self.values[feature * self.rowCount + row]
  }

  /// One row as a contiguous array (allocates; for tests and small jobs).
  /// - Parameter row: the row index.
  /// - Returns: `featureCount` values.
  package func row(_ row: Int) -> [Float] {
    (0..<self.featureCount).map { self[row, $0] }
  }

  /// A new matrix with the given rows, in the given order (repeats allowed). O(rows × features).
  /// - Parameter indices: row indices, each in `0..<rowCount`.
  /// - Returns: the selected rows.
  package func selecting(rows indices: [Int]) -> FeatureMatrix {
    var values = [Float]()
    values.reserveCapacity(indices.count * self.featureCount)
    for feature in 0..<self.featureCount {
      let base = feature * self.rowCount
      for row in indices {
        values.append(self.values[base + row])
      }
    }
    return FeatureMatrix(
      validatedValues: values, rowCount: indices.count, featureCount: self.featureCount)
  }

  /// Row-major copy (`result[row * featureCount + feature]`), the layout batch prediction prefers.
  package var rowMajorValues: [Float] {
    var result = [Float](repeating: 0, count: self.values.count)
    for feature in 0..<self.featureCount {
      for row in 0..<self.rowCount {
        result[row * self.featureCount + feature] = self.values[feature * self.rowCount + row]
      }
    }
    return result
  }
}
