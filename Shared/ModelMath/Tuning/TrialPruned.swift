/// Thrown by an objective passed to `Study.optimize` to stop a trial early (after
/// `Study.report` answered `true`); the trial is recorded as pruned, not failed.
package struct TrialPruned: Error, Hashable, Sendable {
  /// The error value.
  package init() {}
}
