/// Optuna's `MedianPruner`: stops a trial whose best intermediate value so far is worse than
/// the median of the completed trials' intermediate values at the same step.
///
/// No pruning before `startupTrials` trials have completed, before step `warmupSteps`, or when
/// fewer than `minimumTrials` completed trials reported that step.
package struct MedianPruner: Hashable, Sendable {
  /// Completed trials needed before anything is pruned (Optuna's `n_startup_trials`, 5).
  package var startupTrials: Int
  /// Steps below this are never pruned (`n_warmup_steps`, 0).
  package var warmupSteps: Int
  /// Completed trials that must have reported the step (`n_min_trials`, 1).
  package var minimumTrials: Int

  /// A pruner with Optuna's defaults unless overridden.
  /// - Parameters:
  ///   - startupTrials: Completed trials needed before pruning starts.
  ///   - warmupSteps: Steps that are never pruned.
  ///   - minimumTrials: Completed trials that must have reported a step to judge it.
  package init(startupTrials: Int = 5, warmupSteps: Int = 0, minimumTrials: Int = 1) {
    self.startupTrials = startupTrials
    self.warmupSteps = warmupSteps
    self.minimumTrials = minimumTrials
  }

  /// Whether `trial` should stop after reporting at `step`.
  /// - Parameters:
  ///   - trial: The running trial, with its intermediate values.
  ///   - step: The step just reported.
  ///   - completed: The study's completed trials.
  ///   - direction: Whether smaller or larger values are better.
  /// - Returns: `true` to prune.
  func shouldPrune(
    _ trial: TrialRecord, step: Int, completed: [TrialRecord], direction: Study.Direction
  ) -> Bool {
    guard completed.count >= self.startupTrials, step >= self.warmupSteps else { return false }
    let reported = trial.intermediateValues.values.filter { !$0.isNaN }
    guard !reported.isEmpty else { return false }
    let best = direction == .minimize ? reported.min() ?? .nan : reported.max() ?? .nan
    let others = completed.compactMap { $0.intermediateValues[step] }.filter { !$0.isNaN }.sorted()
    guard others.count >= max(self.minimumTrials, 1) else { return false }
    let middle = others.count / 2
    let median = others.count % 2 == 1 ? others[middle] : (others[middle - 1] + others[middle]) / 2
    return direction == .minimize ? best > median : best < median
  }
}
