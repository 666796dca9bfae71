internal import Foundation

/// Metrics of a binary classifier, equal to scikit-learn's for the positive class 1
/// (`pos_label=1`, `zero_division=0`).
///
/// Labels and hard predictions are 0 or 1; probabilities are the predicted probability of
/// class 1. Every function takes optional non-negative sample weights and runs in O(n).
/// Empty input, mismatched lengths, NaN labels or probabilities outside [0, 1] throw a
/// `StatisticsError`; nothing traps.
package enum BinaryClassificationMetrics {
  /// The weighted share of correct predictions.
  /// - Parameters:
  ///   - labels: True labels, 0 or 1.
  ///   - predictions: Predicted labels, 0 or 1.
  ///   - sampleWeights: Optional weight per sample.
  /// - Returns: Accuracy in [0, 1].
  /// - Throws: `StatisticsError` for empty, mismatched or non-binary input.
  package static func accuracy(
    labels: [Double], predictions: [Double], sampleWeights: [Double]? = nil
  ) throws(StatisticsError) -> Double {
    try ConfusionMatrix(labels: labels, predictions: predictions, sampleWeights: sampleWeights)
      .accuracy
  }

  /// TP / (TP + FP) for class 1; 0 when nothing is predicted positive.
  /// - Parameters:
  ///   - labels: True labels, 0 or 1.
  ///   - predictions: Predicted labels, 0 or 1.
  ///   - sampleWeights: Optional weight per sample.
  /// - Returns: Precision in [0, 1].
  /// - Throws: `StatisticsError` for empty, mismatched or non-binary input.
  package static func precision(
    labels: [Double], predictions: [Double], sampleWeights: [Double]? = nil
  ) throws(StatisticsError) -> Double {
    try ConfusionMatrix(labels: labels, predictions: predictions, sampleWeights: sampleWeights)
      .precisionPerClass[1]
  }

  /// TP / (TP + FN) for class 1; 0 when there are no positives.
  /// - Parameters:
  ///   - labels: True labels, 0 or 1.
  ///   - predictions: Predicted labels, 0 or 1.
  ///   - sampleWeights: Optional weight per sample.
  /// - Returns: Recall in [0, 1].
  /// - Throws: `StatisticsError` for empty, mismatched or non-binary input.
  package static func recall(
    labels: [Double], predictions: [Double], sampleWeights: [Double]? = nil
  ) throws(StatisticsError) -> Double {
    try ConfusionMatrix(labels: labels, predictions: predictions, sampleWeights: sampleWeights)
      .recallPerClass[1]
  }

  /// 2·TP / (2·TP + FP + FN) for class 1; 0 when that denominator is 0.
  /// - Parameters:
  ///   - labels: True labels, 0 or 1.
  ///   - predictions: Predicted labels, 0 or 1.
  ///   - sampleWeights: Optional weight per sample.
  /// - Returns: F1 in [0, 1].
  /// - Throws: `StatisticsError` for empty, mismatched or non-binary input.
  package static func f1(
    labels: [Double], predictions: [Double], sampleWeights: [Double]? = nil
  ) throws(StatisticsError) -> Double {
    try ConfusionMatrix(labels: labels, predictions: predictions, sampleWeights: sampleWeights)
      .f1PerClass[1]
  }

  /// Mean negative log-likelihood (cross-entropy). Probabilities are clipped to
  /// [ε, 1 − ε] with ε = `Double.ulpOfOne`, as scikit-learn does for float64.
  /// - Parameters:
  ///   - labels: True labels, 0 or 1.
  ///   - probabilities: Predicted probability of class 1, each in [0, 1].
  ///   - sampleWeights: Optional weight per sample.
  /// - Returns: The weighted mean log loss (natural log).
  /// - Throws: `StatisticsError`; `invalidArgument` for a probability outside [0, 1].
  package static func logLoss(
    labels: [Double], probabilities: [Double], sampleWeights: [Double]? = nil
  ) throws(StatisticsError) -> Double {
    let (truth, weights) = try self.validated(labels, probabilities, sampleWeights)
    let epsilon = Double.ulpOfOne
    var loss = 0.0
    var totalWeight = 0.0
    for index in truth.indices {
      let positive = min(max(probabilities[index], epsilon), 1 - epsilon)
      let negative = min(max(1 - probabilities[index], epsilon), 1 - epsilon)
      loss -= weights[index] * (truth[index] ? log(positive) : log(negative))
      totalWeight += weights[index]
    }
    return loss / totalWeight
  }

  /// Brier score: the weighted mean of (label − probability)².
  /// - Parameters:
  ///   - labels: True labels, 0 or 1.
  ///   - probabilities: Predicted probability of class 1, each in [0, 1].
  ///   - sampleWeights: Optional weight per sample.
  /// - Returns: The Brier score in [0, 1].
  /// - Throws: `StatisticsError`; `invalidArgument` for a probability outside [0, 1].
  package static func brierScore(
    labels: [Double], probabilities: [Double], sampleWeights: [Double]? = nil
  ) throws(StatisticsError) -> Double {
    let (truth, weights) = try self.validated(labels, probabilities, sampleWeights)
    var sum = 0.0
    var totalWeight = 0.0
    for index in truth.indices {
      let error = (truth[index] ? 1.0 : 0.0) - probabilities[index]
      sum += weights[index] * error * error
      totalWeight += weights[index]
    }
    return sum / totalWeight
  }

  private static func validated(
    _ labels: [Double], _ probabilities: [Double], _ sampleWeights: [Double]?
  ) throws(StatisticsError) -> (truth: [Bool], weights: [Double]) {
    try StatisticsValidation.requireNonEmpty(labels.count, "labels")
    try StatisticsValidation.requireSameLength(
      labels.count, "labels", probabilities.count, "probabilities")
    let truth = try StatisticsValidation.binaryLabels(labels, "labels")
    try StatisticsValidation.requireFinite(probabilities, "probabilities")
    for (index, probability) in probabilities.enumerated() where probability < 0 || probability > 1
    {
      throw StatisticsError(
        code: .invalidArgument, message: "probabilities[\(index)] is \(probability), outside [0, 1]"
      )
    }
    return (truth, try StatisticsValidation.weights(sampleWeights, count: labels.count))
  }
}
