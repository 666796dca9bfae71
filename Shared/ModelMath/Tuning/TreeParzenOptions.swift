/// Settings of the TPE sampler; the defaults are Optuna's.
///
/// After `startupTrials` finished trials (completed or pruned; random draws until then), each
/// parameter is sampled independently: the finished trials are ranked (completed by value,
/// then pruned ones), the best γ(n) = min(⌈0.1·n⌉, 25) form the "good" set and the rest the
/// "bad" set. A Parzen estimator (truncated Gaussian kernels with a prior kernel over the whole
/// range, bandwidths from neighbour distances clipped by Optuna's magic clip, older trials
/// down-weighted once there are more than 25) is fitted to each set; `candidateCount` draws
/// from the good estimator l(x) are scored by log l(x) − log g(x) and the best is kept.
package struct TreeParzenOptions: Hashable, Sendable {
  /// Finished trials sampled at random before TPE starts (`n_startup_trials`, 10).
  package var startupTrials: Int
  /// Candidates drawn from l(x) per parameter (`n_ei_candidates`, 24).
  package var candidateCount: Int
  /// Weight of the prior kernel (`prior_weight`, 1).
  package var priorWeight: Double

  /// Options with Optuna's defaults unless overridden.
  /// - Parameters:
  ///   - startupTrials: Random trials before TPE starts.
  ///   - candidateCount: Candidates scored per parameter.
  ///   - priorWeight: Weight of the prior kernel.
  package init(startupTrials: Int = 10, candidateCount: Int = 24, priorWeight: Double = 1) {
    self.startupTrials = startupTrials
    self.candidateCount = candidateCount
    self.priorWeight = priorWeight
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
