internal import Foundation

/// Regression metrics equal to scikit-learn's (`root_mean_squared_error`,
/// `mean_absolute_error`, `mean_absolute_percentage_error`, `r2_score`,
/// `mean_pinball_loss`), each with optional sample weights. All are O(n).
///
/// Empty input, mismatched lengths and NaN or infinite values throw a `StatisticsError`.
package enum RegressionMetrics {
  /// Root of the weighted mean squared error.
  /// - Parameters:
  ///   - truth: Observed values.
  ///   - predicted: Predicted values.
  ///   - sampleWeights: Optional non-negative weight per sample.
  /// - Returns: RMSE, in the unit of the target.
  /// - Throws: `StatisticsError` for empty, mismatched or non-finite input.
  package static func rootMeanSquaredError(
    truth: [Double], predicted: [Double], sampleWeights: [Double]? = nil
  ) throws(StatisticsError) -> Double {
    sqrt(try self.weightedMean(truth, predicted, sampleWeights) { ($0 - $1) * ($0 - $1) })
  }

  /// Weighted mean absolute error.
  /// - Parameters:
  ///   - truth: Observed values.
  ///   - predicted: Predicted values.
  ///   - sampleWeights: Optional non-negative weight per sample.
  /// - Returns: MAE, in the unit of the target.
  /// - Throws: `StatisticsError` for empty, mismatched or non-finite input.
  package static func meanAbsoluteError(
    truth: [Double], predicted: [Double], sampleWeights: [Double]? = nil
  ) throws(StatisticsError) -> Double {
    try self.weightedMean(truth, predicted, sampleWeights) { abs($0 - $1) }
  }

  /// Weighted mean of |y − ŷ| / max(|y|, ε) with ε = `Double.ulpOfOne`, as scikit-learn
  /// computes it: a relative error (0.1 means 10 %), huge where the truth is 0.
  /// - Parameters:
  ///   - truth: Observed values.
  ///   - predicted: Predicted values.
  ///   - sampleWeights: Optional non-negative weight per sample.
  /// - Returns: MAPE as a fraction.
  /// - Throws: `StatisticsError` for empty, mismatched or non-finite input.
  package static func meanAbsolutePercentageError(
    truth: [Double], predicted: [Double], sampleWeights: [Double]? = nil
  ) throws(StatisticsError) -> Double {
    try self.weightedMean(truth, predicted, sampleWeights) {
      abs($0 - $1) / max(abs($0), Double.ulpOfOne)
    }
  }

  /// Coefficient of determination 1 − SS_res / SS_tot around the weighted mean of the
  /// truth. When the truth is constant (SS_tot = 0) it is 1 for a perfect prediction and 0
  /// otherwise (scikit-learn's `force_finite=True`).
  /// - Parameters:
  ///   - truth: Observed values.
  ///   - predicted: Predicted values.
  ///   - sampleWeights: Optional non-negative weight per sample.
  /// - Returns: R², at most 1 and unbounded below.
  /// - Throws: `StatisticsError` for empty, mismatched or non-finite input.
  package static func r2(truth: [Double], predicted: [Double], sampleWeights: [Double]? = nil)
    throws(StatisticsError) -> Double
  {
    let weights = try self.validated(truth, predicted, sampleWeights)
    var weightSum = 0.0
    var weightedTruth = 0.0
    for index in truth.indices {
      weightSum += weights[index]
      weightedTruth += weights[index] * truth[index]
    }
    let mean = weightedTruth / weightSum
    var residual = 0.0
    var total = 0.0
    for index in truth.indices {
      residual +=
        weights[index] * (truth[index] - predicted[index]) * (truth[index] - predicted[index])
      total += weights[index] * (truth[index] - mean) * (truth[index] - mean)
    }
    if total == 0 {
      return residual == 0 ? 1 : 0
    }
    return 1 - residual / total
  }

  /// Weighted mean pinball (quantile) loss: τ·(y − ŷ) when y ≥ ŷ, else (1 − τ)·(ŷ − y).
  /// - Parameters:
  ///   - quantile: τ in (0, 1); 0.5 gives half the MAE.
  ///   - truth: Observed values.
  ///   - predicted: Predicted quantiles.
  ///   - sampleWeights: Optional non-negative weight per sample.
  /// - Returns: The mean pinball loss.
  /// - Throws: `StatisticsError`; `invalidArgument` for τ outside (0, 1).
  package static func pinballLoss(
    quantile: Double, truth: [Double], predicted: [Double], sampleWeights: [Double]? = nil
  ) throws(StatisticsError) -> Double {
    guard quantile > 0, quantile < 1 else {
      throw StatisticsError(
        code: .invalidArgument, message: "quantile is \(quantile); it must lie in (0, 1)")
    }
    return try self.weightedMean(truth, predicted, sampleWeights) { observed, estimate in
      let difference = observed - estimate
      return difference >= 0 ? quantile * difference : (quantile - 1) * difference
    }
  }

  // MARK: - Helpers

  private static func validated(
    _ truth: [Double], _ predicted: [Double], _ sampleWeights: [Double]?
  ) throws(StatisticsError) -> [Double] {
    try StatisticsValidation.requireNonEmpty(truth.count, "truth")
    try StatisticsValidation.requireSameLength(truth.count, "truth", predicted.count, "predicted")
    try StatisticsValidation.requireFinite(truth, "truth")
    try StatisticsValidation.requireFinite(predicted, "predicted")
    return try StatisticsValidation.weights(sampleWeights, count: truth.count)
  }

  private static func weightedMean(
    _ truth: [Double], _ predicted: [Double], _ sampleWeights: [Double]?,
    _ loss: (Double, Double) -> Double
  ) throws(StatisticsError) -> Double {
    let weights = try self.validated(truth, predicted, sampleWeights)
    var sum = 0.0
    var weightSum = 0.0
    for index in truth.indices {
      sum += weights[index] * loss(truth[index], predicted[index])
      weightSum += weights[index]
    }
    return sum / weightSum
  }
}
