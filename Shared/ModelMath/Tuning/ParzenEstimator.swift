/// A one-dimensional Parzen estimator as in Optuna's TPE: a weighted mixture of Gaussian
/// kernels truncated to [low, high] (one per observation plus a prior kernel centred on the
/// range), or, for categoricals, a mixture of smoothed one-hot kernels plus a uniform prior.
struct ParzenEstimator {
  private enum Kernels {
    case numeric(means: [Double], sigmas: [Double], low: Double, high: Double)
    case categorical(probabilities: [Double])
  }

  private let weights: [Double]
  private let kernels: Kernels

  /// A numeric estimator over [low, high] (internal, possibly log-transformed space).
  init(
    numeric observations: [Double], weights: [Double], low: Double, high: Double,
    priorWeight: Double
  ) {
    let width = high - low
    var sigmas = [Double](repeating: width, count: observations.count)
    if !observations.isEmpty {
      let order = observations.indices.sorted { observations[$0] < observations[$1] }
      let sorted = order.map { observations[$0] }
      let padded = [low] + sorted + [high]
      for rank in sorted.indices {
        let left = padded[rank + 1] - padded[rank]
        let right = padded[rank + 2] - padded[rank + 1]
        sigmas[order[rank]] = max(left, right)
      }
      // Optuna's consider_endpoints=False: the outermost kernels use their inner neighbour.
      if sorted.count >= 2 {
        sigmas[order[0]] = sorted[1] - sorted[0]
        sigmas[order[sorted.count - 1]] = sorted[sorted.count - 1] - sorted[sorted.count - 2]
      }
    }
    var means = observations
    means.append((low + high) / 2)
    sigmas.append(width)
    // Magic clip: bandwidths between width / min(100, 1 + kernels) and width.
    let minimum = width / min(100, 1 + Double(observations.count))
    sigmas = sigmas.map { min(max($0, minimum), width) }
    var mixture = weights
    mixture.append(priorWeight)
    let total = mixture.reduce(0, +)
    self.weights = mixture.map { $0 / total }
    self.kernels = .numeric(means: means, sigmas: sigmas, low: low, high: high)
  }

  /// A categorical estimator over `choiceCount` choices from observed choice indices.
  init(categorical observations: [Int], weights: [Double], choiceCount: Int, priorWeight: Double) {
    var probabilities = [Double](repeating: 0, count: choiceCount)
    var mixture = weights
    mixture.append(priorWeight)
    let total = mixture.reduce(0, +)
    let base = priorWeight / Double(choiceCount)
    for (index, choice) in observations.enumerated() {
      let weight = weights[index] / total
      for c in 0..<choiceCount {
        probabilities[c] += weight * (base + (c == choice ? 1 : 0)) / (1 + priorWeight)
      }
    }
    for c in 0..<choiceCount { probabilities[c] += priorWeight / total / Double(choiceCount) }
    self.weights = mixture.map { $0 / total }
    self.kernels = .categorical(probabilities: probabilities)
  }

  /// Draws one point (numeric: in [low, high]; categorical: a choice index as a Double).
  func sample(using generator: inout TuningRandom) -> Double {
    switch self.kernels {
    case .categorical(let probabilities):
      return Double(Self.pick(probabilities, generator.nextUnit()))
    case .numeric(let means, let sigmas, let low, let high):
      let k = Self.pick(self.weights, generator.nextUnit())
      for _ in 0..<100 {
        let x = means[k] + sigmas[k] * generator.nextGaussian()
        if x >= low && x <= high { return x }
      }
      return min(max(means[k], low), high)
    }
  }

  /// log density at x; with `interval`, log probability of that sub-interval instead (for
  /// integers, whose internal values stand for a whole unit).
  func logDensity(_ x: Double, interval: (Double, Double)? = nil) -> Double {
    switch self.kernels {
    case .categorical(let probabilities):
      return TuningMath.log(
        max(probabilities[min(max(Int(x), 0), probabilities.count - 1)], 1e-300))
    case .numeric(let means, let sigmas, let low, let high):
      var terms = [Double]()
      terms.reserveCapacity(means.count)
      for k in means.indices {
        let normalizer = TuningMath.logNormalMass(
          low: low, high: high, mean: means[k], sigma: sigmas[k])
        let value: Double
        if let (a, b) = interval {
          value = TuningMath.logNormalMass(
            low: max(a, low), high: min(b, high), mean: means[k], sigma: sigmas[k])
        } else {
          value = TuningMath.logNormalDensity(x, mean: means[k], sigma: sigmas[k])
        }
        terms.append(TuningMath.log(self.weights[k]) + value - normalizer)
      }
      return TuningMath.logSumExp(terms)
    }
  }

  private static func pick(_ probabilities: [Double], _ u: Double) -> Int {
    let total = probabilities.reduce(0, +)
    var running = 0.0
    for (index, p) in probabilities.enumerated() {
      running += p / total
      if u < running { return index }
    }
    return probabilities.count - 1
  }
}
