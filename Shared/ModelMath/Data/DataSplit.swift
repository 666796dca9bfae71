/// One train/test partition of row indices, as produced by the split functions below.
package struct DataSplit: Sendable, Hashable {
  /// Rows to train on, ascending (temporal and time-series splits: in time order).
  package var train: [Int]
  /// Rows to evaluate on, same ordering rule as `train`.
  package var test: [Int]

  /// Creates a split from explicit row lists.
  package init(train: [Int], test: [Int]) {
    self.train = train
    self.test = test
  }

  /// Rows ordered by `times` (stable, so equal times keep row order).
  private static func timeOrder(_ times: [Double]) throws(ModelMathError) -> [Int] {
    guard !times.isEmpty else {
      throw ModelMathError(code: .emptyDataset, message: "no rows to split")
    }
    if let index = times.firstIndex(where: { $0.isNaN }) {
      throw ModelMathError(code: .invalidFeatureValue, message: "time of row \(index) is NaN")
    }
    return times.indices.sorted { times[$0] < times[$1] || (times[$0] == times[$1] && $0 < $1) }
  }

  /// A holdout split in time: the earliest rows train, the latest `testFraction` test.
  ///
  /// Test rows whose time is less than `gap` after the last training time are dropped, so
  /// label windows that look ahead cannot leak across the boundary. O(n log n).
  /// - Parameters:
  ///   - times: one timestamp per row (any unit, e.g. seconds).
  ///   - testFraction: share of rows (before the gap is removed) that test, in (0, 1).
  ///   - gap: minimum time between the last training row and the first test row, ≥ 0.
  /// - Returns: train and test rows in time order.
  /// - Throws: `emptyDataset`, `invalidFeatureValue` for a NaN time, `invalidHyperparameter`
  ///   when a side would be empty.
  package static func temporal(times: [Double], testFraction: Double, gap: Double = 0)
    throws(ModelMathError) -> DataSplit
  {
    try ModelMathError.require(
      testFraction > 0 && testFraction < 1, "testFraction must be in (0, 1), got \(testFraction)")
    try ModelMathError.require(gap >= 0 && gap.isFinite, "gap must be finite and >= 0, got \(gap)")
    let order = try Self.timeOrder(times)
    let trainCount = Int((Double(order.count) * (1 - testFraction)).rounded(.down))
    try ModelMathError.require(
      trainCount > 0 && trainCount < order.count,
      "\(order.count) rows cannot be split with testFraction \(testFraction)")
    let train = Array(order[..<trainCount])
    let lastTrainTime = times[order[trainCount - 1]]
    let test = order[trainCount...].filter { gap == 0 || times[$0] >= lastTrainTime + gap }
    try ModelMathError.require(!test.isEmpty, "the gap \(gap) leaves no test rows")
    return DataSplit(train: train, test: test)
  }

  /// K-fold cross-validation: fold `i` tests on the `i`-th block of (optionally shuffled) rows.
  ///
  /// Fold sizes differ by at most one, the first `n % k` folds being larger (scikit-learn's rule).
  /// - Parameters:
  ///   - rowCount: number of rows.
  ///   - folds: number of folds, 2...rowCount.
  ///   - shuffle: shuffle rows before cutting folds.
  ///   - generator: randomness for the shuffle.
  /// - Returns: `folds` splits; every row tests exactly once.
  /// - Throws: `emptyDataset`, `invalidHyperparameter` for a bad fold count.
  package static func kFold(
    rowCount: Int, folds: Int, shuffle: Bool = true,
    using generator: inout some RandomNumberGenerator
  ) throws(ModelMathError) -> [DataSplit] {
    guard rowCount > 0 else {
      throw ModelMathError(code: .emptyDataset, message: "no rows to split")
    }
    try ModelMathError.require(
      folds >= 2 && folds <= rowCount, "folds must be in 2...\(rowCount), got \(folds)")
    var order = Array(0..<rowCount)
    if shuffle { order.shuffle(using: &generator) }
    var assignment = [Int](repeating: 0, count: rowCount)
    var start = 0
    for fold in 0..<folds {
      let size = rowCount / folds + (fold < rowCount % folds ? 1 : 0)
      for position in start..<(start + size) { assignment[order[position]] = fold }
      start += size
    }
    return Self.splits(assignment: assignment, folds: folds)
  }

  /// Stratified k-fold: every fold gets about the same share of each class.
  ///
  /// Rows of each class are (optionally) shuffled and dealt round-robin to folds, continuing the
  /// deal across classes so fold sizes differ by at most one.
  /// - Parameters:
  ///   - labels: class labels (any values; equal values are one class).
  ///   - folds: number of folds, 2...rows; each class should have at least `folds` rows.
  ///   - shuffle: shuffle rows within each class first.
  ///   - generator: randomness for the shuffle.
  /// - Returns: `folds` splits; every row tests exactly once.
  /// - Throws: `emptyDataset`, `invalidLabel` for NaN, `invalidHyperparameter` for a bad fold count
  ///   or a class with fewer rows than folds.
  package static func stratifiedKFold(
    labels: [Double], folds: Int, shuffle: Bool = true,
    using generator: inout some RandomNumberGenerator
  ) throws(ModelMathError) -> [DataSplit] {
    guard !labels.isEmpty else {
      throw ModelMathError(code: .emptyDataset, message: "no rows to split")
    }
    if let index = labels.firstIndex(where: { $0.isNaN }) {
      throw ModelMathError(code: .invalidLabel, message: "label of row \(index) is NaN")
    }
    try ModelMathError.require(
      folds >= 2 && folds <= labels.count, "folds must be in 2...\(labels.count), got \(folds)")
    var rowsByClass: [Double: [Int]] = [:]
    for (row, label) in labels.enumerated() { rowsByClass[label, default: []].append(row) }
    var assignment = [Int](repeating: 0, count: labels.count)
    var next = 0
    for label in rowsByClass.keys.sorted() {
      var rows = rowsByClass[label] ?? []
      try ModelMathError.require(
        rows.count >= folds, "class \(label) has \(rows.count) rows, fewer than \(folds) folds")
      if shuffle { rows.shuffle(using: &generator) }
      for row in rows {
        assignment[row] = next
        next = (next + 1) % folds
      }
    }
    return Self.splits(assignment: assignment, folds: folds)
  }

  /// Expanding-window splits over time (scikit-learn's `TimeSeriesSplit`).
  ///
  /// Rows are put in time order and cut into `folds + 1` blocks; split `i` trains on blocks
  /// `0...i` (less the last `gap` rows) and tests on block `i + 1`.
  /// - Parameters:
  ///   - times: one timestamp per row.
  ///   - folds: number of splits, ≥ 2.
  ///   - gap: rows dropped between the end of training and the start of testing, ≥ 0.
  /// - Returns: `folds` splits in time order.
  /// - Throws: `emptyDataset`, `invalidFeatureValue` for a NaN time, `invalidHyperparameter`
  ///   when there are too few rows for the folds and gap.
  package static func expandingWindow(times: [Double], folds: Int, gap: Int = 0)
    throws(ModelMathError) -> [DataSplit]
  {
    let order = try Self.timeOrder(times)
    try ModelMathError.require(folds >= 2, "folds must be >= 2, got \(folds)")
    try ModelMathError.require(gap >= 0, "gap must be >= 0, got \(gap)")
    let testSize = order.count / (folds + 1)
    let firstTrainEnd = order.count - folds * testSize
    try ModelMathError.require(
      testSize > 0 && firstTrainEnd - gap > 0,
      "\(order.count) rows are too few for \(folds) folds with a gap of \(gap)")
    return (0..<folds).map { fold in
      let testStart = firstTrainEnd + fold * testSize
      return DataSplit(
        train: Array(order[..<(testStart - gap)]),
        test: Array(order[testStart..<(testStart + testSize)]))
    }
  }

  private static func splits(assignment: [Int], folds: Int) -> [DataSplit] {
    var result = Array(repeating: DataSplit(train: [], test: []), count: folds)
    for (row, fold) in assignment.enumerated() {
      for other in 0..<folds {
        if other == fold { result[other].test.append(row) } else { result[other].train.append(row) }
      }
    }
    return result
  }
}
