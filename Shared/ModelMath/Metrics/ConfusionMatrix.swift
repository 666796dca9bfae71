/// A (weighted) confusion matrix over integer class labels, with the per-class and averaged
/// precision, recall and F1 derived from it (scikit-learn's semantics with
/// `zero_division=0`: a ratio whose denominator is zero is 0).
///
/// `counts[i][j]` is the total weight of samples whose true class is `classes[i]` and whose
/// predicted class is `classes[j]`. Building one is O(n + k²) for n samples and k classes.
package struct ConfusionMatrix: Hashable, Sendable {
  /// The class labels, sorted ascending; row and column `i` belong to `classes[i]`.
  package let classes: [Int]
  /// Weighted counts, indexed `[trueClassIndex][predictedClassIndex]`.
  package let counts: [[Double]]

  /// Builds the matrix from true and predicted classes.
  /// - Parameters:
  ///   - trueClasses: The true class of each sample.
  ///   - predictedClasses: The predicted class of each sample.
  ///   - sampleWeights: Optional non-negative weight per sample (default 1).
  ///   - classes: The classes to report, in the order wanted. When nil: the sorted union of
  ///     both arrays. Samples whose classes are not listed are left out, as in scikit-learn.
  /// - Throws: `StatisticsError` with `emptySample`, `mismatchedLengths` or `invalidArgument`
  ///   (bad weights, an empty or duplicated class list).
  package init(
    trueClasses: [Int], predictedClasses: [Int], sampleWeights: [Double]? = nil,
    classes: [Int]? = nil
  ) throws(StatisticsError) {
    try StatisticsValidation.requireNonEmpty(trueClasses.count, "trueClasses")
    try StatisticsValidation.requireSameLength(
      trueClasses.count, "trueClasses", predictedClasses.count, "predictedClasses")
    let weights = try StatisticsValidation.weights(sampleWeights, count: trueClasses.count)
    let labels = classes ?? Array(Set(trueClasses).union(predictedClasses)).sorted()
    if labels.isEmpty {
      throw StatisticsError(code: .invalidArgument, message: "classes is empty")
    }
    var indexOf = [Int: Int]()
    for (index, label) in labels.enumerated() {
      if indexOf.updateValue(index, forKey: label) != nil {
        throw StatisticsError(code: .invalidArgument, message: "class \(label) is listed twice")
      }
    }
    var counts = [[Double]](
      repeating: [Double](repeating: 0, count: labels.count), count: labels.count)
    for sample in trueClasses.indices {
      guard let row = indexOf[trueClasses[sample]], let column = indexOf[predictedClasses[sample]]
      else { continue }
      counts[row][column] += weights[sample]
    }
    self.classes = labels
    self.counts = counts
  }

  /// Builds a binary matrix from 0/1 labels and 0/1 predictions; classes are `[0, 1]`.
  /// - Parameters:
  ///   - labels: True labels, each 0 or 1.
  ///   - predictions: Predicted labels, each 0 or 1.
  ///   - sampleWeights: Optional non-negative weight per sample.
  /// - Throws: `StatisticsError`: `nonFiniteValue` for NaN labels, `invalidArgument` for
  ///   values other than 0 and 1, `emptySample`, `mismatchedLengths`.
  package init(labels: [Double], predictions: [Double], sampleWeights: [Double]? = nil)
    throws(StatisticsError)
  {
    let truth = try StatisticsValidation.binaryLabels(labels, "labels")
    let predicted = try StatisticsValidation.binaryLabels(predictions, "predictions")
    try self.init(
      trueClasses: truth.map { $0 ? 1 : 0 }, predictedClasses: predicted.map { $0 ? 1 : 0 },
      sampleWeights: sampleWeights, classes: [0, 1])
  }

  /// The total weight of all counted samples.
  package var total: Double {
    self.counts.reduce(0) { $0 + $1.reduce(0, +) }
  }

  /// The weight on the diagonal divided by the total weight (0 when the total is 0).
  package var accuracy: Double {
    let total = self.total
    guard total > 0 else { return 0 }
    var correct = 0.0
    for index in self.classes.indices { correct += self.counts[index][index] }
    return correct / total
  }

  /// The weight of samples whose true class is each class (row sums).
  package var support: [Double] {
    self.counts.map { $0.reduce(0, +) }
  }

  /// The weight of samples predicted as each class (column sums).
  package var predictedTotals: [Double] {
    self.classes.indices.map { column in self.counts.reduce(0) { $0 + $1[column] } }
  }

  /// Precision of each class: true positives over predicted positives (0 when none).
  package var precisionPerClass: [Double] {
    let predicted = self.predictedTotals
    return self.classes.indices.map { Self.ratio(self.counts[$0][$0], predicted[$0]) }
  }

  /// Recall of each class: true positives over actual positives (0 when none).
  package var recallPerClass: [Double] {
    let actual = self.support
    return self.classes.indices.map { Self.ratio(self.counts[$0][$0], actual[$0]) }
  }

  /// F1 of each class: 2·TP / (actual + predicted), 0 when both are 0.
  package var f1PerClass: [Double] {
    let actual = self.support
    let predicted = self.predictedTotals
    return self.classes.indices.map {
      Self.ratio(2 * self.counts[$0][$0], actual[$0] + predicted[$0])
    }
  }

  /// Precision combined over classes.
  /// - Parameter averaging: Macro, support-weighted or micro averaging.
  /// - Returns: The averaged precision in [0, 1].
  package func precision(_ averaging: MetricAveraging) -> Double {
    self.averaged(self.precisionPerClass, averaging) { truePositives, _, predicted in
      Self.ratio(truePositives, predicted)
    }
  }

  /// Recall combined over classes.
  /// - Parameter averaging: Macro, support-weighted or micro averaging.
  /// - Returns: The averaged recall in [0, 1].
  package func recall(_ averaging: MetricAveraging) -> Double {
    self.averaged(self.recallPerClass, averaging) { truePositives, actual, _ in
      Self.ratio(truePositives, actual)
    }
  }

  /// F1 combined over classes (macro and weighted average the per-class F1 values, as
  /// scikit-learn does; they are not the F1 of averaged precision and recall).
  /// - Parameter averaging: Macro, support-weighted or micro averaging.
  /// - Returns: The averaged F1 in [0, 1].
  package func f1(_ averaging: MetricAveraging) -> Double {
    self.averaged(self.f1PerClass, averaging) { truePositives, actual, predicted in
      Self.ratio(2 * truePositives, actual + predicted)
    }
  }

  // MARK: - Helpers

  private func averaged(
    _ perClass: [Double], _ averaging: MetricAveraging,
    micro: (_ truePositives: Double, _ actual: Double, _ predicted: Double) -> Double
  ) -> Double {
    switch averaging {
    case .macro:
      return perClass.reduce(0, +) / Double(perClass.count)
    case .weighted:
      let support = self.support
      let totalSupport = support.reduce(0, +)
      guard totalSupport > 0 else { return 0 }
      var sum = 0.0
      for index in perClass.indices { sum += perClass[index] * support[index] }
      return sum / totalSupport
    case .micro:
      var truePositives = 0.0
      for index in self.classes.indices { truePositives += self.counts[index][index] }
      return micro(truePositives, self.support.reduce(0, +), self.predictedTotals.reduce(0, +))
    }
  }

  private static func ratio(_ numerator: Double, _ denominator: Double) -> Double {
    denominator > 0 ? numerator / denominator : 0
  }
}
