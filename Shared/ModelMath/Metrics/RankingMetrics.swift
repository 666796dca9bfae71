/// Threshold-free metrics of a binary scorer, equal to scikit-learn's `roc_auc_score` and
/// `average_precision_score` (the PR-AUC without interpolation), with sample weights.
///
/// Both sort the scores once: O(n log n). Ties in scores are handled as one threshold.
package enum RankingMetrics {
  /// Area under the ROC curve.
  /// - Parameters:
  ///   - labels: True labels, 0 or 1.
  ///   - scores: Finite scores, larger meaning more likely positive.
  ///   - sampleWeights: Optional non-negative weight per sample.
  /// - Returns: ROC-AUC in [0, 1].
  /// - Throws: `StatisticsError`; `singleClass` when only one class is present.
  package static func rocAUC(labels: [Double], scores: [Double], sampleWeights: [Double]? = nil)
    throws(StatisticsError) -> Double
  {
    try ThresholdCurve(labels: labels, scores: scores, sampleWeights: sampleWeights).rocAUC()
  }

  /// Average precision (PR-AUC, scikit-learn's step-wise definition).
  /// - Parameters:
  ///   - labels: True labels, 0 or 1.
  ///   - scores: Finite scores, larger meaning more likely positive.
  ///   - sampleWeights: Optional non-negative weight per sample.
  /// - Returns: Average precision in [0, 1].
  /// - Throws: `StatisticsError`; `singleClass` when there is no positive label.
  package static func averagePrecision(
    labels: [Double], scores: [Double], sampleWeights: [Double]? = nil
  ) throws(StatisticsError) -> Double {
    try ThresholdCurve(labels: labels, scores: scores, sampleWeights: sampleWeights)
      .averagePrecision()
  }
}
