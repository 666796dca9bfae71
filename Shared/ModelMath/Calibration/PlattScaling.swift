internal import Foundation

/// Platt scaling: maps a classifier's score f to a probability 1 / (1 + exp(a·f + b)),
/// fitted as scikit-learn's `CalibratedClassifierCV(method="sigmoid")` does — including
/// Platt's target smoothing (positives get (N₊ + 1)/(N₊ + 2), negatives 1/(N₋ + 2)) and the
/// rescaling of scores whose magnitude reaches 30.
///
/// Fitting minimises the weighted cross-entropy with Newton's method and a backtracking line
/// search (the problem is convex): O(n) per iteration, typically under 10 iterations.
package struct PlattScaling: Hashable, Sendable, Codable {
  /// Slope on the score (negative when larger scores mean "more positive").
  package var a: Double
  /// Intercept.
  package var b: Double

  /// A calibrator with known coefficients.
  /// - Parameters:
  ///   - a: Slope.
  ///   - b: Intercept.
  package init(a: Double, b: Double) {
    self.a = a
    self.b = b
  }

  /// Fits the calibrator.
  /// - Parameters:
  ///   - scores: Uncalibrated scores or probabilities (finite).
  ///   - labels: True labels, 0 or 1.
  ///   - sampleWeights: Optional non-negative weight per sample.
  /// - Returns: The fitted calibrator.
  /// - Throws: `StatisticsError`: `emptySample`, `mismatchedLengths`, `nonFiniteValue`,
  ///   `invalidArgument` (labels not 0/1, bad weights).
  package static func fit(scores: [Double], labels: [Double], sampleWeights: [Double]? = nil)
    throws(StatisticsError) -> PlattScaling
  {
    try StatisticsValidation.requireNonEmpty(scores.count, "scores")
    try StatisticsValidation.requireSameLength(scores.count, "scores", labels.count, "labels")
    try StatisticsValidation.requireFinite(scores, "scores")
    let truth = try StatisticsValidation.binaryLabels(labels, "labels")
    let weights = try StatisticsValidation.weights(sampleWeights, count: scores.count)

    // Scaling the score leaves the optimum unchanged up to a's scale; it keeps exp() tame.
    let largest = scores.reduce(0) { max($0, abs($1)) }
    let scale = largest >= 30 ? largest : 1
    let f = scores.map { $0 / scale }
    var negatives = 0.0
    var positives = 0.0
    for index in truth.indices {
      if truth[index] { positives += weights[index] } else { negatives += weights[index] }
    }
    let positiveTarget = (positives + 1) / (positives + 2)
    let negativeTarget = 1 / (negatives + 2)
    // t is the smoothed target for "positive"; the loss uses 1 − t, the target of e^z/(1+e^z).
    let complement = truth.map { 1 - ($0 ? positiveTarget : negativeTarget) }

    func loss(_ a: Double, _ b: Double) -> Double {
      var total = 0.0
      for index in f.indices {
        let z = a * f[index] + b
        // log(1 + e^z) without overflow.
        let softplus = z > 0 ? z + log1p(exp(-z)) : log1p(exp(z))
        total += weights[index] * (softplus - complement[index] * z)
      }
      return total
    }

    var a = 0.0
    var b = log((negatives + 1) / (positives + 1))
    var current = loss(a, b)
    for _ in 0..<200 {
      var gradientA = 0.0
      var gradientB = 0.0
      var hAA = 0.0
      var hAB = 0.0
      var hBB = 0.0
      for index in f.indices {
        let z = a * f[index] + b
        let sigma = z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z))
        let residual = weights[index] * (sigma - complement[index])
        let curvature = weights[index] * sigma * (1 - sigma)
        gradientA += residual * f[index]
        gradientB += residual
        hAA += curvature * f[index] * f[index]
        hAB += curvature * f[index]
        hBB += curvature
      }
      if max(abs(gradientA), abs(gradientB)) < 1e-12 * max(1, abs(current)) { break }
      // Newton step on the 2 × 2 system, with a tiny ridge in case the Hessian is singular.
      hAA += 1e-12
      hBB += 1e-12
      let determinant = hAA * hBB - hAB * hAB
      var stepA = -(hBB * gradientA - hAB * gradientB) / determinant
      var stepB = -(-hAB * gradientA + hAA * gradientB) / determinant
      var improved = false
      for _ in 0..<60 {
        let candidate = loss(a + stepA, b + stepB)
        if candidate <= current {
          a += stepA
          b += stepB
          improved = candidate < current
          current = candidate
          break
        }
        stepA /= 2
        stepB /= 2
      }
      if !improved { break }
    }
    return PlattScaling(a: a / scale, b: b)
  }

  /// The calibrated probability of the positive class for a score.
  /// - Parameter score: An uncalibrated score.
  /// - Returns: 1 / (1 + exp(a·score + b)), in [0, 1].
  package func probability(_ score: Double) -> Double {
    let z = self.a * score + self.b
    return z >= 0 ? exp(-z) / (1 + exp(-z)) : 1 / (1 + exp(z))
  }

  /// Calibrated probabilities for many scores.
  /// - Parameter scores: Uncalibrated scores.
  /// - Returns: One probability per score.
  package func probabilities(_ scores: [Double]) -> [Double] {
    scores.map(self.probability)
  }
}
