/// A decision threshold picked from a `ThresholdCurve`, with the precision, recall and F1
/// obtained by predicting positive for `score >= threshold`.
package struct ThresholdChoice: Hashable, Sendable {
  /// Predict positive when the score is at least this.
  package var threshold: Double
  /// Precision at the threshold.
  package var precision: Double
  /// Recall at the threshold.
  package var recall: Double
  /// F1 at the threshold.
  package var f1: Double

  /// The threshold with the highest F1 over all distinct scores; among equal F1 values the
  /// highest threshold wins. O(n log n).
  /// - Parameters:
  ///   - labels: True labels, 0 or 1.
  ///   - scores: Finite scores, larger meaning more likely positive.
  ///   - sampleWeights: Optional non-negative weight per sample.
  /// - Returns: The chosen threshold and its metrics.
  /// - Throws: `StatisticsError`; `singleClass` when there is no positive label.
  package static func maximizingF1(
    labels: [Double], scores: [Double], sampleWeights: [Double]? = nil
  ) throws(StatisticsError) -> ThresholdChoice {
    let curve = try ThresholdCurve(labels: labels, scores: scores, sampleWeights: sampleWeights)
    guard curve.totalPositives > 0 else {
      throw StatisticsError(code: .singleClass, message: "F1 needs at least one positive label")
    }
    var best: ThresholdChoice?
    for k in curve.thresholds.indices {
      let candidate = Self(curve: curve, at: k)
      if let current = best, candidate.f1 <= current.f1 { continue }
      best = candidate
    }
    // The curve has at least one point because the input is not empty.
    return best ?? Self(curve: curve, at: 0)
  }

  /// The threshold with the best precision among those whose recall is at least
  /// `minimumRecall`; among equal precision the highest threshold wins. O(n log n).
  /// - Parameters:
  ///   - minimumRecall: The recall floor, in [0, 1].
  ///   - labels: True labels, 0 or 1.
  ///   - scores: Finite scores, larger meaning more likely positive.
  ///   - sampleWeights: Optional non-negative weight per sample.
  /// - Returns: The chosen threshold and its metrics. The lowest threshold always reaches
  ///   recall 1, so a choice exists whenever there is a positive label.
  /// - Throws: `StatisticsError`; `invalidArgument` for a floor outside [0, 1], `singleClass`
  ///   when there is no positive label.
  package static func maximizingPrecision(
    atRecallAtLeast minimumRecall: Double, labels: [Double], scores: [Double],
    sampleWeights: [Double]? = nil
  ) throws(StatisticsError) -> ThresholdChoice {
    guard minimumRecall >= 0, minimumRecall <= 1 else {
      throw StatisticsError(
        code: .invalidArgument, message: "minimumRecall is \(minimumRecall), outside [0, 1]")
    }
    let curve = try ThresholdCurve(labels: labels, scores: scores, sampleWeights: sampleWeights)
    guard curve.totalPositives > 0 else {
      throw StatisticsError(
        code: .singleClass, message: "a recall floor needs at least one positive label")
    }
    var best: ThresholdChoice?
    for k in curve.thresholds.indices where curve.recall(at: k) >= minimumRecall {
      let candidate = Self(curve: curve, at: k)
      if let current = best, candidate.precision <= current.precision { continue }
      best = candidate
    }
    return best ?? Self(curve: curve, at: curve.thresholds.count - 1)
  }

  private init(curve: ThresholdCurve, at k: Int) {
    let precision = curve.precision(at: k)
    let recall = curve.recall(at: k)
    self.threshold = curve.thresholds[k]
    self.precision = precision
    self.recall = recall
    self.f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
  }
}
