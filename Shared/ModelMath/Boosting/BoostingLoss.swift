import Foundation

/// Gradients, starting score, leaf renewal and evaluation for each boosting loss.
extension GradientBoostingOptions.Loss {
  /// The score before any tree: log-odds of the mean, the mean, the median or the quantile.
  func initialScore(labels: [Double], weights: [Double]) -> Double {
    switch self {
    case .logistic:
      let total = weights.reduce(0, +)
      let positive = zip(labels, weights).reduce(0) { $0 + $1.0 * $1.1 } / total
      let clipped = min(max(positive, 1e-15), 1 - 1e-15)
      return log(clipped / (1 - clipped))
    case .squaredError:
      return zip(labels, weights).reduce(0) { $0 + $1.0 * $1.1 } / weights.reduce(0, +)
    case .absoluteError:
      return Self.weightedQuantile(labels, weights, alpha: 0.5)
    case .quantile(let alpha):
      return Self.weightedQuantile(labels, weights, alpha: alpha)
    }
  }

  /// First and second derivative of the loss at `score` for `label`, unweighted.
  @inline(__always)
  func derivatives(score: Double, label: Double) -> (gradient: Double, hessian: Double) {
    switch self {
    case .logistic:
      let probability = 1 / (1 + exp(-score))
      return (probability - label, max(probability * (1 - probability), 1e-16))
    case .squaredError:
      return (score - label, 1)
    case .absoluteError:
      return (score > label ? 1 : (score < label ? -1 : 0), 1)
    case .quantile(let alpha):
      return (label >= score ? -alpha : 1 - alpha, 1)
    }
  }

  /// Whether leaf values are replaced by a residual quantile after the tree is grown.
  var renewsLeaves: Bool {
    switch self {
    case .absoluteError, .quantile: return true
    case .logistic, .squaredError: return false
    }
  }

  /// The quantile of residuals a renewed leaf takes.
  var renewalAlpha: Double {
    if case .quantile(let alpha) = self { return alpha }
    return 0.5
  }

  /// Mean loss of predictions in output space (probabilities for `.logistic`).
  func meanLoss(outputs: [Double], labels: [Double], weights: [Double]) -> Double {
    var total = 0.0
    var weightSum = 0.0
    for index in labels.indices {
      let output = outputs[index]
      let label = labels[index]
      let loss: Double
      switch self {
      case .logistic:
        let clipped = min(max(output, 1e-15), 1 - 1e-15)
        loss = -(label * log(clipped) + (1 - label) * log(1 - clipped))
      case .squaredError:
        loss = (output - label) * (output - label)
      case .absoluteError:
        loss = abs(output - label)
      case .quantile(let alpha):
        let difference = label - output
        loss = max(alpha * difference, (alpha - 1) * difference)
      }
      total += weights[index] * loss
      weightSum += weights[index]
    }
    return total / weightSum
  }

  /// Maps a raw score to the output: the sigmoid for `.logistic`, identity otherwise.
  @inline(__always)
  func output(score: Double) -> Double {
    if case .logistic = self { return 1 / (1 + exp(-score)) }
    return score
  }

  /// Smallest value whose cumulative weight reaches `alpha` of the total.
  static func weightedQuantile(_ values: [Double], _ weights: [Double], alpha: Double) -> Double {
    let order = values.indices.sorted { values[$0] < values[$1] }
    let total = weights.reduce(0, +)
    var cumulative = 0.0
    for index in order {
      cumulative += weights[index]
      if cumulative >= alpha * total { return values[index] }
    }
    return order.last.map { values[$0] } ?? 0
  }
}
