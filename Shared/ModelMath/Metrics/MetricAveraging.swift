/// How per-class precision, recall and F1 are combined into one number (scikit-learn's
/// `average=` argument).
package enum MetricAveraging: Hashable, Sendable, CaseIterable {
  /// The unweighted mean over classes.
  case macro
  /// The mean over classes weighted by each class's support (its weighted count in the truth).
  case weighted
  /// Computed from the summed true positives, predicted and actual counts of all classes; for
  /// single-label problems precision, recall and F1 all equal accuracy.
  case micro
}
