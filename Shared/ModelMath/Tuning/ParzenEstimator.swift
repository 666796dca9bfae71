/// The Parzen estimator of Optuna's TPE (as in Optuna 5): a weighted mixture of product
/// kernels over the searched parameters, one component per observation plus a prior
/// component. Along a numeric parameter a kernel is a Gaussian truncated to the parameter's
/// (internal, possibly log-scaled) range — for integers, the mass of the unit interval around
/// the value; along a categorical parameter it is a smoothed one-hot distribution.
///
/// Bandwidths follow Optuna: the larger distance to a sorted neighbour (the range's ends
/// count as neighbours, except that the outermost observations use their inner neighbour),
/// clipped to [range / min(100, kernels + 1), range]; the prior kernel is centred with the
/// whole range as bandwidth. With one dimension this is the independent TPE's estimator.
struct ParzenEstimator {
  private enum Kernels {
    case numeric(means: [Double], sigmas: [Double], low: Double, high: Double, isInteger: Bool)
    case categorical(probabilities: [[Double]])
  }

  private let componentWeights: [Double]
  private let dimensions: [Kernels]
  private let domains: [SearchSpace.Domain]

  /// Builds the estimator.
  /// - Parameters:
  ///   - domains: The parameters' domains, one per dimension.
  ///   - observations: One internal-space point per observed trial, oldest first.
  ///   - weights: One weight per observation (Optuna's age ramp).
  ///   - priorWeight: Weight of the prior component.
  init(
    domains: [SearchSpace.Domain], observations: [[Double]], weights: [Double],
    priorWeight: Double
  ) {
    let n = observations.count
    let kernelCount = n + 1
    var mixture = n == 0 ? [1.0] : weights + [priorWeight]
    let total = mixture.reduce(0, +)
    mixture = mixture.map { total > 0 ? $0 / total : 1 / Double(mixture.count) }
    self.componentWeights = mixture
    self.domains = domains
    var dimensions = [Kernels]()
    for (d, domain) in domains.enumerated() {
      let column = observations.map { $0[d] }
      switch domain {
      case .categorical(let choices):
        let c = choices.count
        if n == 0 {
          dimensions.append(
            .categorical(probabilities: [[Double](repeating: 1 / Double(c), count: c)]))
          continue
        }
        var rows = [[Double]]()
        for choice in column.map({ Int($0) }) + [-1] {
          var row = [Double](repeating: priorWeight / Double(kernelCount), count: c)
          if choice >= 0 && choice < c { row[choice] += 1 }
          let sum = row.reduce(0, +)
          rows.append(row.map { sum > 0 ? $0 / sum : 0 })
        }
        dimensions.append(.categorical(probabilities: rows))
      case .integer, .float:
        guard let (low, high) = domain.internalBounds else { continue }
        let width = high - low
        var sigmas = [Double](repeating: width, count: n)
        if n > 0 {
          let order = column.indices.sorted { column[$0] < column[$1] }
          let sorted = order.map { column[$0] }
          let padded = [low] + sorted + [high]
          for rank in sorted.indices {
            sigmas[order[rank]] = max(
              padded[rank + 1] - padded[rank], padded[rank + 2] - padded[rank + 1])
          }
          if n >= 2 {
            sigmas[order[0]] = sorted[1] - sorted[0]
            sigmas[order[n - 1]] = sorted[n - 1] - sorted[n - 2]
          }
          let minimum = width / min(100, 1 + Double(kernelCount))
          sigmas = sigmas.map { min(max($0, minimum), width) }
        }
        let isInteger: Bool
        if case .integer = domain { isInteger = true } else { isInteger = false }
        dimensions.append(
          .numeric(
            means: column + [(low + high) / 2], sigmas: sigmas + [width], low: low, high: high,
            isInteger: isInteger))
      }
    }
    self.dimensions = dimensions
  }

  /// Draws one point (internal space; categoricals as choice indices).
  func sample(using generator: inout SplitMix64) -> [Double] {
    let k = Self.pick(self.componentWeights, generator.nextUnit())
    return self.dimensions.map { kernels in
      switch kernels {
      case .categorical(let probabilities):
        return Double(
          Self.pick(probabilities[min(k, probabilities.count - 1)], generator.nextUnit()))
      case .numeric(let means, let sigmas, let low, let high, _):
        for _ in 0..<100 {
          let x = means[k] + sigmas[k] * generator.nextGaussian()
          if x >= low && x <= high { return x }
        }
        return min(max(means[k], low), high)
      }
    }
  }

  /// log of the mixture density at an internal-space point (integers: the probability of
  /// their unit interval).
  func logDensity(_ point: [Double]) -> Double {
    var terms = [Double]()
    terms.reserveCapacity(self.componentWeights.count)
    for k in self.componentWeights.indices {
      var term = TuningMath.log(self.componentWeights[k])
      for (d, kernels) in self.dimensions.enumerated() {
        switch kernels {
        case .categorical(let probabilities):
          let row = probabilities[min(k, probabilities.count - 1)]
          term += TuningMath.log(max(row[min(max(Int(point[d]), 0), row.count - 1)], 1e-300))
        case .numeric(let means, let sigmas, let low, let high, let isInteger):
          let normalizer = TuningMath.logNormalMass(
            low: low, high: high, mean: means[k], sigma: sigmas[k])
          if isInteger, let (a, b) = Self.integerInterval(self.domains[d], point[d]) {
            term +=
              TuningMath.logNormalMass(
                low: max(a, low), high: min(b, high), mean: means[k], sigma: sigmas[k])
              - normalizer
          } else {
            term +=
              TuningMath.logNormalDensity(point[d], mean: means[k], sigma: sigmas[k]) - normalizer
          }
        }
      }
      terms.append(term)
    }
    return TuningMath.logSumExp(terms)
  }

  /// For integers, the internal interval that rounds to the same integer as `x`.
  private static func integerInterval(_ domain: SearchSpace.Domain, _ x: Double) -> (
    Double, Double
  )? {
    guard case .integer(_, _, let logScale) = domain,
      case .integer(let v) = domain.value(fromInternal: x)
    else { return nil }
    let low = Double(v) - 0.5
    let high = Double(v) + 0.5
    return logScale
      ? (SearchSpace.Domain.logarithm(low), SearchSpace.Domain.logarithm(high)) : (low, high)
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
