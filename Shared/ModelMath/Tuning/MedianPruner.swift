/// Optuna's `MedianPruner`: stops a trial whose best intermediate value so far is worse than
/// the median of the completed trials' intermediate values at the trial's latest step.
///
/// No pruning before `startupTrials` trials have completed, before step `warmupSteps`, between
/// the steps of every `intervalSteps`, or when fewer than `minimumTrials` completed trials
/// reported that step. A trial whose intermediate values are all NaN is pruned.
package struct MedianPruner: Hashable, Sendable {
  /// Completed trials needed before anything is pruned (Optuna's `n_startup_trials`, 5).
  package var startupTrials: Int
  /// Steps below this are never pruned (`n_warmup_steps`, 0).
  package var warmupSteps: Int
  /// Completed trials that must have reported the step (`n_min_trials`, 1).
  package var minimumTrials: Int
  /// Pruning is considered once per this many steps after the warm-up (`interval_steps`, 1).
  package var intervalSteps: Int

  /// A pruner with Optuna's defaults unless overridden.
  /// - Parameters:
  ///   - startupTrials: Completed trials needed before pruning starts.
  ///   - warmupSteps: Steps that are never pruned.
  ///   - minimumTrials: Completed trials that must have reported a step to judge it.
  ///   - intervalSteps: Consider pruning once per this many steps (at least 1).
  package init(
    startupTrials: Int = 5, warmupSteps: Int = 0, minimumTrials: Int = 1, intervalSteps: Int = 1
  ) {
    self.startupTrials = startupTrials
    self.warmupSteps = warmupSteps
    self.minimumTrials = minimumTrials
    self.intervalSteps = max(intervalSteps, 1)
  }

  /// Whether `trial` should stop, judged at its latest reported step.
  /// - Parameters:
  ///   - trial: The running trial, with its intermediate values.
  ///   - completed: The study's completed trials.
  ///   - direction: Whether smaller or larger values are better.
  /// - Returns: `true` to prune.
  func shouldPrune(_ trial: TrialRecord, completed: [TrialRecord], direction: Study.Direction)
    -> Bool
  {
    guard !completed.isEmpty, completed.count >= self.startupTrials,
      let step = trial.intermediateValues.keys.max(), step >= self.warmupSteps
    else { return false }
    // Only the first report at or after each pruning step (every intervalSteps) counts.
    let pruningStep =
      (step - self.warmupSteps) / self.intervalSteps * self.intervalSteps + self.warmupSteps
    let previousStep = trial.intermediateValues.keys.filter { $0 != step }.max() ?? -1
    guard previousStep < pruningStep else { return false }
    let reported = trial.intermediateValues.values.filter { !$0.isNaN }
    guard !reported.isEmpty else { return true }
    let best = direction == .minimize ? reported.min() ?? .nan : reported.max() ?? .nan
    let atStep = completed.compactMap { $0.intermediateValues[step] }
    let others = atStep.filter { !$0.isNaN }.sorted()
    guard atStep.count >= self.minimumTrials, !others.isEmpty else { return false }
    let middle = others.count / 2
    let median = others.count % 2 == 1 ? others[middle] : (others[middle - 1] + others[middle]) / 2
    return direction == .minimize ? best > median : best < median
  }
}
