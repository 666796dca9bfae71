internal import Foundation

/// Probability-based metrics of a multi-class classifier, equal to scikit-learn's
/// `roc_auc_score(multi_class="ovr")` and `log_loss`, with sample weights.
///
/// Probabilities are flat and row-major: `probabilities[i * classes.count + j]` is the
/// probability that sample i belongs to `classes[j]`; each row must sum to 1 (within 1e-8).
package enum MulticlassMetrics {
  /// One-vs-rest ROC-AUC: the ROC-AUC of each class against the others, averaged.
  /// - Parameters:
  ///   - trueClasses: The true class of each sample.
  ///   - probabilities: n × k class probabilities, row-major.
  ///   - classes: The classes of the k columns, ascending; nil means the sorted distinct
  ///     true classes (scikit-learn's default).
  ///   - averaging: `.macro` (plain mean) or `.weighted` (by weighted class support);
  ///     `.micro` is not defined for one-vs-rest ROC-AUC here and throws.
  ///   - sampleWeights: Optional non-negative weight per sample.
  /// - Returns: The averaged ROC-AUC in [0, 1]. O(k · n log n).
  /// - Throws: `StatisticsError`: `emptySample`, `mismatchedLengths`, `nonFiniteValue`,
  ///   `invalidArgument` (rows not summing to 1, a class missing from `classes`, fewer than
  ///   3 classes, `.micro`), `singleClass` (a class with no sample).
  package static func rocAUC(
    trueClasses: [Int], probabilities: [Double], classes: [Int]? = nil,
    averaging: MetricAveraging = .macro, sampleWeights: [Double]? = nil
  ) throws(StatisticsError) -> Double {
    guard averaging != .micro else {
      throw StatisticsError(
        code: .invalidArgument, message: "one-vs-rest ROC-AUC supports macro or weighted averaging")
    }
    let (labels, columnOf, weights) = try self.validated(
      trueClasses, probabilities, classes, sampleWeights)
    guard labels.count >= 3 else {
      throw StatisticsError(
        code: .invalidArgument,
        message: "multi-class ROC-AUC needs at least 3 classes; use RankingMetrics for two")
    }
    let k = labels.count
    var sum = 0.0
    var supportSum = 0.0
    for column in 0..<k {
      let binary = trueClasses.map { columnOf[$0] == column ? 1.0 : 0.0 }
      let scores = trueClasses.indices.map { probabilities[$0 * k + column] }
      let auc = try ThresholdCurve(labels: binary, scores: scores, sampleWeights: weights).rocAUC()
      var support = 0.0
      for index in binary.indices where binary[index] == 1 { support += weights[index] }
      switch averaging {
      case .weighted:
        sum += auc * support
        supportSum += support
      default:
        sum += auc
        supportSum += 1
      }
    }
    return sum / supportSum
  }

  /// Mean negative log-likelihood of the true classes, probabilities clipped to
  /// [ε, 1 − ε] with ε = `Double.ulpOfOne` (not renormalised), as scikit-learn computes it.
  /// - Parameters:
  ///   - trueClasses: The true class of each sample.
  ///   - probabilities: n × k class probabilities, row-major.
  ///   - classes: The classes of the k columns, ascending; nil means the sorted distinct
  ///     true classes.
  ///   - sampleWeights: Optional non-negative weight per sample.
  /// - Returns: The weighted mean log loss (natural log). O(n · k).
  /// - Throws: `StatisticsError` as for `rocAUC`, except that two classes are allowed.
  package static func logLoss(
    trueClasses: [Int], probabilities: [Double], classes: [Int]? = nil,
    sampleWeights: [Double]? = nil
  ) throws(StatisticsError) -> Double {
    let (labels, columnOf, weights) = try self.validated(
      trueClasses, probabilities, classes, sampleWeights)
    let k = labels.count
    var loss = 0.0
    var totalWeight = 0.0
    for (index, truth) in trueClasses.enumerated() {
      guard let column = columnOf[truth] else { continue }
      let p = min(max(probabilities[index * k + column], Double.ulpOfOne), 1 - Double.ulpOfOne)
      loss -= weights[index] * log(p)
      totalWeight += weights[index]
    }
    return loss / totalWeight
  }

  private static func validated(
    _ trueClasses: [Int], _ probabilities: [Double], _ classes: [Int]?, _ sampleWeights: [Double]?
  ) throws(StatisticsError) -> (classes: [Int], columnOf: [Int: Int], weights: [Double]) {
    try StatisticsValidation.requireNonEmpty(trueClasses.count, "trueClasses")
    let labels = classes ?? Array(Set(trueClasses)).sorted()
    guard labels.count >= 2, zip(labels, labels.dropFirst()).allSatisfy({ $0 < $1 }) else {
      throw StatisticsError(
        code: .invalidArgument, message: "classes must be at least two, ascending and distinct")
    }
    let k = labels.count
    try StatisticsValidation.requireSameLength(
      probabilities.count, "probabilities", trueClasses.count * k,
      "trueClasses.count × \(k) classes")
    try StatisticsValidation.requireFinite(probabilities, "probabilities")
    var columnOf = [Int: Int]()
    for (column, label) in labels.enumerated() { columnOf[label] = column }
    for (index, truth) in trueClasses.enumerated() where columnOf[truth] == nil {
      throw StatisticsError(
        code: .invalidArgument, message: "trueClasses[\(index)] = \(truth) is not in classes")
    }
    for row in 0..<trueClasses.count {
      var sum = 0.0
      for column in 0..<k {
        let p = probabilities[row * k + column]
        if p < 0 || p > 1 {
          throw StatisticsError(
            code: .invalidArgument, message: "probability \(p) in row \(row) is outside [0, 1]")
        }
        sum += p
      }
      if abs(sum - 1) > 1e-8 {
        throw StatisticsError(
          code: .invalidArgument, message: "probabilities in row \(row) sum to \(sum), not 1")
      }
    }
    return (
      labels, columnOf, try StatisticsValidation.weights(sampleWeights, count: trueClasses.count)
    )
  }
}
