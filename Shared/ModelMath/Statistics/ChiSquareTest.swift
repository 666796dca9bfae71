/// Pearson's chi-square test, for categorical drift: homogeneity of a contingency table
/// (`scipy.stats.chi2_contingency`, with Yates' continuity correction when there is one
/// degree of freedom) or goodness of fit to expected counts (`scipy.stats.chisquare`).
package struct ChiSquareTest: Hashable, Sendable {
  /// Σ (observed − expected)² / expected.
  package var statistic: Double
  /// P(χ²(dof) ≥ statistic).
  package var pValue: Double
  /// Degrees of freedom: (rows − 1)(columns − 1) for a table, categories − 1 for a fit.
  package var degreesOfFreedom: Int

  /// Tests whether the rows of a contingency table come from one distribution over the
  /// columns (for drift: row 0 = reference counts, row 1 = current counts per category).
  /// O(rows · columns).
  /// - Parameters:
  ///   - table: Non-negative counts, `table[row][column]`, all rows the same length.
  ///   - correction: Apply Yates' correction when the table has one degree of freedom.
  /// - Throws: `StatisticsError`: `emptySample` for an empty table, `mismatchedLengths` for
  ///   ragged rows, `nonFiniteValue`/`invalidArgument` for bad counts or a zero expected
  ///   count (a row or column that sums to zero).
  package init(contingencyTable table: [[Double]], correction: Bool = true) throws(StatisticsError)
  {
    try StatisticsValidation.requireNonEmpty(table.count, "table")
    let columns = table[0].count
    try StatisticsValidation.requireNonEmpty(columns, "table row 0")
    for (index, row) in table.enumerated() {
      try StatisticsValidation.requireSameLength(
        row.count, "table row \(index)", columns, "table row 0")
      try Self.requireCounts(row, "table row \(index)")
    }
    let rowSums = table.map { $0.reduce(0, +) }
    let columnSums = (0..<columns).map { column in table.reduce(0) { $0 + $1[column] } }
    let total = rowSums.reduce(0, +)
    let dof = table.count * columns - table.count - columns + 1
    var statistic = 0.0
    if dof > 0 {
      for row in table.indices {
        for column in 0..<columns {
          let expected = rowSums[row] * columnSums[column] / total
          guard expected > 0 else {
            throw StatisticsError(
              code: .invalidArgument,
              message:
                "expected count of cell (\(row), \(column)) is zero; drop empty rows and columns")
          }
          var observed = table[row][column]
          if correction && dof == 1 {
            let difference = expected - observed
            let magnitude = min(0.5, abs(difference))
            observed += difference > 0 ? magnitude : (difference < 0 ? -magnitude : 0)
          }
          statistic += (observed - expected) * (observed - expected) / expected
        }
      }
    }
    self.statistic = statistic
    self.degreesOfFreedom = dof
    self.pValue =
      dof > 0 ? ChiSquareDistribution.survival(statistic, degreesOfFreedom: Double(dof)) : 1
  }

  /// Tests reference against current category counts (a 2 × k table); categories empty in
  /// both are dropped first.
  /// - Parameters:
  ///   - referenceCounts: Count per category in the reference.
  ///   - currentCounts: Count per category now, same category order.
  ///   - correction: Yates' correction when only two categories remain.
  /// - Throws: `StatisticsError` as for a table, and `mismatchedLengths`.
  package init(referenceCounts: [Double], currentCounts: [Double], correction: Bool = true)
    throws(StatisticsError)
  {
    try StatisticsValidation.requireSameLength(
      referenceCounts.count, "referenceCounts", currentCounts.count, "currentCounts")
    let kept = referenceCounts.indices.filter { referenceCounts[$0] + currentCounts[$0] != 0 }
    try self.init(
      contingencyTable: [kept.map { referenceCounts[$0] }, kept.map { currentCounts[$0] }],
      correction: correction)
  }

  /// Goodness of fit of observed counts to expected counts with the same total (SciPy
  /// checks the totals agree to 1e-8 relative; so does this).
  /// - Parameters:
  ///   - observed: Observed count per category.
  ///   - expected: Expected count per category, all positive.
  /// - Throws: `StatisticsError`: `emptySample`, `mismatchedLengths`, `invalidArgument` for a
  ///   non-positive expected count or totals that differ.
  package init(observed: [Double], expected: [Double]) throws(StatisticsError) {
    try StatisticsValidation.requireNonEmpty(observed.count, "observed")
    try StatisticsValidation.requireSameLength(
      observed.count, "observed", expected.count, "expected")
    try Self.requireCounts(observed, "observed")
    try StatisticsValidation.requireFinite(expected, "expected")
    for (index, value) in expected.enumerated() where value <= 0 {
      throw StatisticsError(code: .invalidArgument, message: "expected[\(index)] is not positive")
    }
    let observedTotal = observed.reduce(0, +)
    let expectedTotal = expected.reduce(0, +)
    if abs(observedTotal - expectedTotal) > 1e-8 * max(observedTotal, expectedTotal) {
      throw StatisticsError(
        code: .invalidArgument,
        message: "observed counts sum to \(observedTotal) but expected counts to \(expectedTotal)")
    }
    var statistic = 0.0
    for index in observed.indices {
      let difference = observed[index] - expected[index]
      statistic += difference * difference / expected[index]
    }
    self.statistic = statistic
    self.degreesOfFreedom = observed.count - 1
    self.pValue =
      self.degreesOfFreedom > 0
      ? ChiSquareDistribution.survival(statistic, degreesOfFreedom: Double(self.degreesOfFreedom))
      : 1
  }

  private static func requireCounts(_ counts: [Double], _ name: String) throws(StatisticsError) {
    try StatisticsValidation.requireFinite(counts, name)
    for (index, count) in counts.enumerated() where count < 0 {
      throw StatisticsError(code: .invalidArgument, message: "\(name)[\(index)] is negative")
    }
  }
}
