internal import Dispatch
internal import Synchronization

/// A hyperparameter search with an ask/tell interface (Optuna's model): `ask()` hands out a
/// trial with sampled parameters, the caller evaluates it anywhere (other threads, other
/// machines), then `tell(_:value:)` records the result. Intermediate values go to
/// `report(_:step:value:)`, which answers whether the pruner wants the trial stopped.
///
/// Deterministic under a seed: each trial's draws come from a generator derived from
/// (seed, trial number), and a trial's parameters depend only on the trials known (finished,
/// or running for the constant liar) when it was asked. Asking and telling in the same order
/// therefore reproduces a study exactly;
/// `optimize(trialCount:parallelism:objective:)` runs trials in parallel batches (every trial
/// of a batch is asked before any is told) so that parallel runs are reproducible too.
///
/// Thread-safe: all state sits behind one mutex; sampling runs under it and costs
/// O(parameters × finished trials × candidates).
package final class Study: Sendable {
  /// Whether smaller or larger objective values are better.
  package enum Direction: Hashable, Sendable {
    /// Smaller is better (losses, errors).
    case minimize
    /// Larger is better (AUC, F1).
    case maximize
  }

  /// The searched space.
  package let space: SearchSpace
  /// The optimisation direction.
  package let direction: Direction
  /// The sampler.
  package let sampler: TuningSampler
  /// The pruner, if any.
  package let pruner: MedianPruner?
  /// The seed all draws derive from.
  package let seed: UInt64

  private let records: Mutex<[TrialRecord]>

  /// Creates a study.
  /// - Parameters:
  ///   - space: The hyperparameters to search; must not be empty.
  ///   - direction: Minimise (default) or maximise.
  ///   - sampler: TPE with Optuna's defaults unless told otherwise.
  ///   - pruner: A median pruner, or nil for none.
  ///   - seed: The seed; the same seed and the same results reproduce the same trials.
  /// - Throws: `StatisticsError.Code.invalidArgument` for an empty space.
  package init(
    space: SearchSpace, direction: Direction = .minimize,
    sampler: TuningSampler = .treeParzen(), pruner: MedianPruner? = nil, seed: UInt64
  ) throws(StatisticsError) {
    guard !space.parameters.isEmpty else {
      throw StatisticsError(code: .invalidArgument, message: "the search space has no parameters")
    }
    self.space = space
    self.direction = direction
    self.sampler = sampler
    self.pruner = pruner
    self.seed = seed
    self.records = Mutex([])
  }

  // MARK: - Ask and tell

  /// Starts a trial: samples its parameters from the trials finished so far.
  /// - Returns: The trial to evaluate.
  package func ask() -> Trial {
    self.records.withLock { records in
      let number = records.count
      let parameters = self.sampleParameters(number: number, history: records)
      records.append(
        TrialRecord(
          number: number, parameters: parameters, state: .running, value: nil,
          intermediateValues: [:]))
      return Trial(number: number, parameters: parameters)
    }
  }

  /// Finishes a trial with its objective value.
  /// - Parameters:
  ///   - trial: A trial from `ask()`, still running.
  ///   - value: The objective value; NaN marks the trial failed.
  /// - Throws: `StatisticsError.Code.invalidArgument` for an unknown or finished trial.
  package func tell(_ trial: Trial, value: Double) throws(StatisticsError) {
    try self.finish(
      trial, state: value.isNaN ? .failed : .completed, value: value.isNaN ? nil : value)
  }

  /// Finishes a trial as pruned (stopped early).
  /// - Parameter trial: A running trial.
  /// - Throws: `StatisticsError.Code.invalidArgument` for an unknown or finished trial.
  package func tellPruned(_ trial: Trial) throws(StatisticsError) {
    try self.finish(trial, state: .pruned, value: nil)
  }

  /// Finishes a trial as failed; samplers ignore it.
  /// - Parameter trial: A running trial.
  /// - Throws: `StatisticsError.Code.invalidArgument` for an unknown or finished trial.
  package func tellFailed(_ trial: Trial) throws(StatisticsError) {
    try self.finish(trial, state: .failed, value: nil)
  }

  /// Records an intermediate value (for example the validation loss after `step` boosting
  /// rounds) and asks the pruner whether to stop.
  /// - Parameters:
  ///   - trial: A running trial.
  ///   - step: The step, ≥ 0.
  ///   - value: The intermediate objective value.
  /// - Returns: `true` when the trial should stop (then call `tellPruned`, or throw
  ///   `TrialPruned` inside `optimize`); always `false` without a pruner.
  /// - Throws: `StatisticsError.Code.invalidArgument` for an unknown or finished trial or a
  ///   negative step.
  package func report(_ trial: Trial, step: Int, value: Double) throws(StatisticsError) -> Bool {
    guard step >= 0 else {
      throw StatisticsError(code: .invalidArgument, message: "step must not be negative")
    }
    let result: Result<Bool, StatisticsError> = self.records.withLock { records in
      guard trial.number < records.count, records[trial.number].state == .running else {
        return .failure(Self.notRunning(trial))
      }
      records[trial.number].intermediateValues[step] = value
      guard let pruner = self.pruner else { return .success(false) }
      let completed = records.filter { $0.state == .completed }
      return .success(
        pruner.shouldPrune(records[trial.number], completed: completed, direction: self.direction))
    }
    return try result.get()
  }

  /// Every trial so far, in number order.
  package var trials: [TrialRecord] {
    self.records.withLock { $0 }
  }

  /// The completed trial with the best value (the lowest number among equals).
  /// - Throws: `StatisticsError.Code.notFitted` when no trial has completed.
  package func bestTrial() throws(StatisticsError) -> TrialRecord {
    let completed = self.trials.filter { $0.state == .completed }
    var best: TrialRecord?
    for record in completed {
      guard let value = record.value else { continue }
      if let current = best, let currentValue = current.value,
        !(self.direction == .minimize ? value < currentValue : value > currentValue)
      {
        continue
      }
      best = record
    }
    guard let best else {
      throw StatisticsError(code: .notFitted, message: "no trial has completed yet")
    }
    return best
  }

  // MARK: - Running an objective

  /// Runs `trialCount` trials, `parallelism` at a time on Dispatch's thread pool. Each batch
  /// is asked in full before any of it is told, so results do not depend on thread timing.
  /// The objective may call `report` and throw `TrialPruned` to stop early; any other error
  /// marks the trial failed and is rethrown once its batch has finished.
  /// - Parameters:
  ///   - trialCount: Trials to run.
  ///   - parallelism: Trials evaluated at once, ≥ 1.
  ///   - objective: Evaluates one trial and returns its value.
  /// - Throws: `StatisticsError.Code.invalidArgument` for bad counts, or the objective's
  ///   first error.
  package func optimize(
    trialCount: Int, parallelism: Int = 1,
    objective: @escaping @Sendable (Trial, Study) throws -> Double
  ) throws {
    guard trialCount >= 0, parallelism >= 1 else {
      throw StatisticsError(
        code: .invalidArgument, message: "trialCount must be ≥ 0 and parallelism ≥ 1")
    }
    var remaining = trialCount
    while remaining > 0 {
      let batch = (0..<min(parallelism, remaining)).map { _ in self.ask() }
      let outcomes = Mutex([Result<Double, any Error>?](repeating: nil, count: batch.count))
      DispatchQueue.concurrentPerform(iterations: batch.count) { index in
        let outcome = Result { try objective(batch[index], self) }
        outcomes.withLock { $0[index] = outcome }
      }
      var firstError: (any Error)?
      for (index, outcome) in outcomes.withLock({ $0 }).enumerated() {
        switch outcome {
        case .success(let value)?:
          try self.tell(batch[index], value: value)
        case .failure(let error)? where error is TrialPruned:
          try self.tellPruned(batch[index])
        case .failure(let error)?:
          try self.tellFailed(batch[index])
          if firstError == nil { firstError = error }
        case nil:
          try self.tellFailed(batch[index])
        }
      }
      if let firstError { throw firstError }
      remaining -= batch.count
    }
  }

  // MARK: - Sampling

  private func sampleParameters(number: Int, history: [TrialRecord]) -> [String: ParameterValue] {
    let parameters = self.space.parameters
    let finished = history.filter { $0.state == .completed || $0.state == .pruned }
    guard case .treeParzen(let options) = self.sampler, finished.count >= options.startupTrials
    else {
      var values = [String: ParameterValue]()
      for (index, parameter) in parameters.enumerated() {
        var generator = SplitMix64(
          seed: self.seed, stream: UInt64(number), substream: UInt64(index))
        values[parameter.name] = Self.sampleUniformly(parameter.domain, using: &generator)
      }
      return values
    }
    // Running trials join the bad set ("constant liar"), so trials asked while others are
    // still running spread out instead of piling onto the same point.
    let running = options.constantLiar ? history.filter { $0.state == .running } : []
    let (good, bad) = self.split(
      finished, running: running, goodCount: TreeParzenOptions.goodCount(finished.count))
    var values = [String: ParameterValue]()
    if options.multivariate {
      var generator = SplitMix64(seed: self.seed, stream: UInt64(number), substream: .max)
      let point = Self.sampleTreeParzen(
        parameters, good: good, bad: bad, options: options, using: &generator)
      for (index, parameter) in parameters.enumerated() {
        values[parameter.name] = parameter.domain.value(fromInternal: point[index])
      }
    } else {
      for (index, parameter) in parameters.enumerated() {
        var generator = SplitMix64(
          seed: self.seed, stream: UInt64(number), substream: UInt64(index))
        let point = Self.sampleTreeParzen(
          [parameter], good: good, bad: bad, options: options, using: &generator)
        values[parameter.name] = parameter.domain.value(fromInternal: point[0])
      }
    }
    return values
  }

  private static func sampleUniformly(
    _ domain: SearchSpace.Domain, using generator: inout SplitMix64
  ) -> ParameterValue {
    switch domain {
    case .categorical(let choices):
      return .categorical(choices[Int(generator.nextUnit() * Double(choices.count))])
    case .integer, .float:
      guard let (low, high) = domain.internalBounds else { return domain.value(fromInternal: 0) }
      return domain.value(fromInternal: low + (high - low) * generator.nextUnit())
    }
  }

  /// Optuna's split: completed trials ranked by value, then pruned ones by how far they got
  /// (more steps first) and their last intermediate value; the first `goodCount` are good,
  /// the rest and the running trials bad. Both sets come back in trial-number order, so the
  /// age weights fall on the oldest trials.
  private func split(_ finished: [TrialRecord], running: [TrialRecord], goodCount: Int)
    -> (good: [TrialRecord], bad: [TrialRecord])
  {
    let sign = self.direction == .minimize ? 1.0 : -1.0
    let completed = finished.filter { $0.state == .completed }.sorted {
      (sign * ($0.value ?? .infinity), $0.number) < (sign * ($1.value ?? .infinity), $1.number)
    }
    func score(_ record: TrialRecord) -> (Int, Double) {
      guard let step = record.intermediateValues.keys.max(),
        let value = record.intermediateValues[step]
      else { return (1, 0) }
      return value.isNaN ? (-step, .infinity) : (-step, sign * value)
    }
    let pruned = finished.filter { $0.state == .pruned }.sorted {
      let (a, b) = (score($0), score($1))
      return (a.0, a.1, $0.number) < (b.0, b.1, $1.number)
    }
    let ranked = completed + pruned
    let good = ranked.prefix(goodCount).sorted { $0.number < $1.number }
    let bad = (ranked.dropFirst(goodCount) + running).sorted { $0.number < $1.number }
    return (good, bad)
  }

  /// Fits l(x) to the good trials and g(x) to the bad ones over `parameters`, draws the
  /// candidates from l and returns the one with the largest log l(x) − log g(x).
  private static func sampleTreeParzen(
    _ parameters: [SearchSpace.Parameter], good: [TrialRecord], bad: [TrialRecord],
    options: TreeParzenOptions, using generator: inout SplitMix64
  ) -> [Double] {
    let domains = parameters.map(\.domain)
    func points(_ records: [TrialRecord]) -> [[Double]] {
      records.compactMap { record in
        var point = [Double]()
        for parameter in parameters {
          guard let value = record.parameters[parameter.name],
            let coordinate = parameter.domain.internalValue(of: value)
          else { return nil }
          point.append(coordinate)
        }
        return point
      }
    }
    let goodPoints = points(good)
    let badPoints = points(bad)
    let goodEstimator = ParzenEstimator(
      domains: domains, observations: goodPoints,
      weights: TreeParzenOptions.observationWeights(goodPoints.count),
      priorWeight: options.priorWeight)
    let badEstimator = ParzenEstimator(
      domains: domains, observations: badPoints,
      weights: TreeParzenOptions.observationWeights(badPoints.count),
      priorWeight: options.priorWeight)
    var best = [Double]()
    var bestScore = -Double.infinity
    for _ in 0..<max(options.candidateCount, 1) {
      let candidate = goodEstimator.sample(using: &generator)
      let score = goodEstimator.logDensity(candidate) - badEstimator.logDensity(candidate)
      if best.isEmpty || score > bestScore {
        bestScore = score
        best = candidate
      }
    }
    return best
  }

  // MARK: - Helpers

  private func finish(_ trial: Trial, state: TrialRecord.State, value: Double?)
    throws(StatisticsError)
  {
    let error: StatisticsError? = self.records.withLock { records in
      guard trial.number < records.count, records[trial.number].state == .running else {
        return Self.notRunning(trial)
      }
      records[trial.number].state = state
      records[trial.number].value = value
      return nil
    }
    if let error { throw error }
  }

  private static func notRunning(_ trial: Trial) -> StatisticsError {
    StatisticsError(
      code: .invalidArgument, message: "trial \(trial.number) is not running in this study")
  }
}
