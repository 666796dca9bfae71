/// Cumulative true- and false-positive weights at every distinct score threshold of a binary
/// classifier, highest threshold first (scikit-learn's `_binary_clf_curve`): predicting
/// "positive" for `score >= thresholds[k]` yields `truePositives[k]` and `falsePositives[k]`.
///
/// ROC-AUC, average precision and threshold choice are all read off this curve. Building it
/// sorts the scores: O(n log n) time, O(n) memory.
package struct ThresholdCurve: Hashable, Sendable {
  /// Distinct scores, descending.
  package let thresholds: [Double]
  /// Weight of positives with `score >= thresholds[k]`.
  package let truePositives: [Double]
  /// Weight of negatives with `score >= thresholds[k]`.
  package let falsePositives: [Double]

  /// Builds the curve.
  /// - Parameters:
  ///   - labels: True labels, 0 or 1.
  ///   - scores: Any finite score where larger means "more likely positive".
  ///   - sampleWeights: Optional non-negative weight per sample.
  /// - Throws: `StatisticsError`: `emptySample`, `mismatchedLengths`, `nonFiniteValue` (NaN
  ///   label or score), `invalidArgument` (label not 0/1, bad weight).
  package init(labels: [Double], scores: [Double], sampleWeights: [Double]? = nil)
    throws(StatisticsError)
  {
    try StatisticsValidation.requireNonEmpty(labels.count, "labels")
    try StatisticsValidation.requireSameLength(labels.count, "labels", scores.count, "scores")
    let truth = try StatisticsValidation.binaryLabels(labels, "labels")
    try StatisticsValidation.requireFinite(scores, "scores")
    let weights = try StatisticsValidation.weights(sampleWeights, count: labels.count)
    let order = scores.indices.sorted { scores[$0] > scores[$1] }
    var thresholds = [Double]()
    var truePositives = [Double]()
    var falsePositives = [Double]()
    var positiveSum = 0.0
    var negativeSum = 0.0
    for (rank, sample) in order.enumerated() {
      if truth[sample] {
        positiveSum += weights[sample]
      } else {
        negativeSum += weights[sample]
      }
      // Emit a point after the last sample of each run of equal scores.
      let isLastOfRun = rank == order.count - 1 || scores[order[rank + 1]] != scores[sample]
      if isLastOfRun {
        thresholds.append(scores[sample])
        truePositives.append(positiveSum)
        falsePositives.append(negativeSum)
      }
    }
    self.thresholds = thresholds
    self.truePositives = truePositives
    self.falsePositives = falsePositives
  }

  /// Total weight of positive samples.
  package var totalPositives: Double { self.truePositives.last ?? 0 }

  /// Total weight of negative samples.
  package var totalNegatives: Double { self.falsePositives.last ?? 0 }

  /// Precision at point `k`: TP / (TP + FP), 0 when both are 0.
  package func precision(at k: Int) -> Double {
    let predicted = self.truePositives[k] + self.falsePositives[k]
    return predicted > 0 ? self.truePositives[k] / predicted : 0
  }

  /// Recall at point `k`: TP / all positives, 0 when there are no positives.
  package func recall(at k: Int) -> Double {
    let positives = self.totalPositives
    return positives > 0 ? self.truePositives[k] / positives : 0
  }

  /// Area under the ROC curve by the trapezoidal rule, starting from (0, 0).
  /// - Throws: `StatisticsError.Code.singleClass` when either class has zero weight (the
  ///   ROC curve is undefined, and scikit-learn raises too).
  package func rocAUC() throws(StatisticsError) -> Double {
    let positives = self.totalPositives
    let negatives = self.totalNegatives
    guard positives > 0, negatives > 0 else {
      throw StatisticsError(
        code: .singleClass, message: "ROC-AUC needs both classes; the labels contain only one")
    }
    var area = 0.0
    var previousFPR = 0.0
    var previousTPR = 0.0
    for k in self.thresholds.indices {
      let fpr = self.falsePositives[k] / negatives
      let tpr = self.truePositives[k] / positives
      area += (fpr - previousFPR) * (tpr + previousTPR) / 2
      previousFPR = fpr
      previousTPR = tpr
    }
    return area
  }

  /// Average precision: Σₖ (Rₖ − Rₖ₋₁)·Pₖ over the thresholds, R₀ = 0, the step-wise area
  /// under the precision–recall curve without interpolation (scikit-learn's
  /// `average_precision_score`).
  /// - Throws: `StatisticsError.Code.singleClass` when there are no positive samples.
  package func averagePrecision() throws(StatisticsError) -> Double {
    guard self.totalPositives > 0 else {
      throw StatisticsError(
        code: .singleClass, message: "average precision needs at least one positive label")
    }
    var sum = 0.0
    var previousRecall = 0.0
    for k in self.thresholds.indices {
      let recall = self.recall(at: k)
      sum += (recall - previousRecall) * self.precision(at: k)
      previousRecall = recall
    }
    return sum
  }
}
