/// What a study knows about one trial: its parameters, its state, its final value and the
/// intermediate values it reported.
package struct TrialRecord: Hashable, Sendable {
  /// Where a trial is in its life.
  package enum State: Hashable, Sendable {
    /// Asked, not yet told.
    case running
    /// Finished with a value.
    case completed
    /// Stopped early by the pruner (or by the objective throwing `TrialPruned`).
    case pruned
    /// The objective failed; the trial is ignored by the samplers.
    case failed
  }

  /// The trial's number.
  package let number: Int
  /// Its parameters.
  package let parameters: [String: ParameterValue]
  /// Its state.
  package internal(set) var state: State
  /// Its final value, when completed.
  package internal(set) var value: Double?
  /// Intermediate values by step, as reported.
  package internal(set) var intermediateValues: [Int: Double]

  /// The trial as handed to the objective.
  package var trial: Trial { Trial(number: self.number, parameters: self.parameters) }
}
