import Foundation

/// How a forest or CART tree measures node impurity.
package enum SplitCriterion: Sendable, Hashable {
  /// Gini impurity `1 - Σ p²` (classification).
  case gini
  /// Shannon entropy in bits `-Σ p log2 p` (classification).
  case entropy
  /// Variance of the labels, i.e. mean squared error around the node mean (regression).
  case squaredError

  /// Whether the criterion is for class labels.
  package var isClassification: Bool { self != .squaredError }

  /// Gini impurity of class counts or weights; 0 for an empty histogram.
  /// - Parameter classCounts: non-negative counts or weights per class.
  package static func giniImpurity(classCounts: [Double]) -> Double {
    let total = classCounts.reduce(0, +)
    guard total > 0 else { return 0 }
    return 1 - classCounts.reduce(0) { $0 + ($1 / total) * ($1 / total) }
  }

  /// Entropy in bits of class counts or weights; 0 for an empty histogram.
  /// - Parameter classCounts: non-negative counts or weights per class.
  package static func entropy(classCounts: [Double]) -> Double {
    let total = classCounts.reduce(0, +)
    guard total > 0 else { return 0 }
    return classCounts.reduce(0) { sum, count in
      count > 0 ? sum - (count / total) * log2(count / total) : sum
    }
  }

  /// Weight × impurity of a statistics vector laid out as the tree grower's histograms are:
  /// `k` class weights then a count (classification), or `w, Σwy, Σwy², count` (regression).
  /// O(classes), no allocation.
  @inline(__always)
  func weightedImpurity(_ stats: UnsafePointer<Double>, classCount: Int) -> Double {
    switch self {
    case .gini:
      var total = 0.0
      var squares = 0.0
      for index in 0..<classCount {
        total += stats[index]
        squares += stats[index] * stats[index]
      }
      return total > 0 ? total - squares / total : 0
    case .entropy:
      var total = 0.0
      for index in 0..<classCount { total += stats[index] }
      guard total > 0 else { return 0 }
      var sum = 0.0
      for index in 0..<classCount where stats[index] > 0 {
        sum -= stats[index] * log2(stats[index] / total)
      }
      return sum
    case .squaredError:
      let weight = stats[0]
      guard weight > 0 else { return 0 }
      return max(0, stats[2] - stats[1] * stats[1] / weight)
    }
  }
}
