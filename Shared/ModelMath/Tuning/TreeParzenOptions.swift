/// Settings of the TPE sampler; the defaults are Optuna's (5.x, single objective).
///
/// After `startupTrials` finished trials (completed or pruned; random draws until then), the
/// finished trials are ranked (completed by value, then pruned ones by progress), the best
/// γ(n) = min(⌈0.1·n⌉, 25) form the "good" set and the rest — with running trials when
/// `constantLiar` is on — the "bad" set. A Parzen estimator (`ParzenEstimator`: truncated
/// Gaussian or smoothed categorical kernels, a prior kernel over the whole range, bandwidths
/// from neighbour distances clipped by Optuna's magic clip, older trials down-weighted once
/// there are more than 25) is fitted to each set, over all parameters jointly
/// (`multivariate`) or one parameter at a time; `candidateCount` draws from the good
/// estimator l(x) are scored by log l(x) − log g(x) and the best is kept.
package struct TreeParzenOptions: Hashable, Sendable {
  /// Finished trials sampled at random before TPE starts (`n_startup_trials`, 10).
  package var startupTrials: Int
  /// Candidates drawn from l(x) per parameter (`n_ei_candidates`, 24).
  package var candidateCount: Int
  /// Weight of the prior kernel (`prior_weight`, 1).
  package var priorWeight: Double
  /// Model all parameters jointly (Optuna's default for one objective since 4.x) or each
  /// on its own (the original independent TPE).
  package var multivariate: Bool
  /// Count running trials as bad ones when sampling (`constant_liar`, on by default), which
  /// keeps trials asked in parallel apart.
  package var constantLiar: Bool

  /// Options with Optuna's defaults unless overridden.
  /// - Parameters:
  ///   - startupTrials: Random trials before TPE starts.
  ///   - candidateCount: Candidates scored per parameter.
  ///   - priorWeight: Weight of the prior kernel.
  ///   - multivariate: Model the parameters jointly (default) or independently.
  ///   - constantLiar: Treat running trials as bad ones (default).
  package init(
    startupTrials: Int = 10, candidateCount: Int = 24, priorWeight: Double = 1,
    multivariate: Bool = true, constantLiar: Bool = true
  ) {
    self.startupTrials = startupTrials
    self.candidateCount = candidateCount
    self.priorWeight = priorWeight
    self.multivariate = multivariate
    self.constantLiar = constantLiar
  }

  /// γ(n) = min(⌈0.1·n⌉, 25): how many of n finished trials count as good.
  static func goodCount(_ n: Int) -> Int {
    min((n + 9) / 10, 25)
  }

  /// Optuna's default weights for n observations ordered from oldest to newest: all 1 up to
  /// 25, then a ramp from 1/n to 1 for the oldest n − 25 followed by 25 ones.
  static func observationWeights(_ n: Int) -> [Double] {
    if n < 25 { return [Double](repeating: 1, count: n) }
    let rampCount = n - 25
    var weights = [Double]()
    weights.reserveCapacity(n)
    for index in 0..<rampCount {
      let start = 1.0 / Double(n)
      weights.append(
        rampCount == 1 ? start : start + (1 - start) * Double(index) / Double(rampCount - 1))
    }
    weights.append(contentsOf: [Double](repeating: 1, count: 25))
    return weights
  }
}
