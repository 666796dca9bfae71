/// How a study picks the parameters of each new trial.
package enum TuningSampler: Hashable, Sendable {
  /// Independent uniform draws (uniform in log space for log-scale parameters).
  case random
  /// The tree-structured Parzen estimator with Optuna's semantics (see `TreeParzenOptions`).
  case treeParzen(TreeParzenOptions = TreeParzenOptions())
}
