import Testing

@testable import ModelMath

@Suite("Classification and regression metrics against scikit-learn")
struct MetricsTests {
  static let tolerance = 1e-12

  @Test("Binary metrics equal scikit-learn's", arguments: try MetricFixtures.binaryCases())
  func binaryMetrics(fixture: MetricFixtures.BinaryCase) throws {
    let (labels, predictions, weights) = (
      fixture.labels, fixture.predictions, fixture.sampleWeights
    )
    let scores = fixture.scores
    let accuracy = try BinaryClassificationMetrics.accuracy(
      labels: labels, predictions: predictions, sampleWeights: weights)
    #expect(accuracy.isClose(to: fixture.accuracy, relative: Self.tolerance))
    let precision = try BinaryClassificationMetrics.precision(
      labels: labels, predictions: predictions, sampleWeights: weights)
    #expect(precision.isClose(to: fixture.precision, relative: Self.tolerance))
    let recall = try BinaryClassificationMetrics.recall(
      labels: labels, predictions: predictions, sampleWeights: weights)
    #expect(recall.isClose(to: fixture.recall, relative: Self.tolerance))
    let f1 = try BinaryClassificationMetrics.f1(
      labels: labels, predictions: predictions, sampleWeights: weights)
    #expect(f1.isClose(to: fixture.f1, relative: Self.tolerance))
    let auc = try RankingMetrics.rocAUC(labels: labels, scores: scores, sampleWeights: weights)
    #expect(auc.isClose(to: fixture.rocAUC, relative: Self.tolerance))
    let ap = try RankingMetrics.averagePrecision(
      labels: labels, scores: scores, sampleWeights: weights)
    #expect(ap.isClose(to: fixture.averagePrecision, relative: Self.tolerance))
    let logLoss = try BinaryClassificationMetrics.logLoss(
      labels: labels, probabilities: scores, sampleWeights: weights)
    #expect(logLoss.isClose(to: fixture.logLoss, relative: Self.tolerance))
    let brier = try BinaryClassificationMetrics.brierScore(
      labels: labels, probabilities: scores, sampleWeights: weights)
    #expect(brier.isClose(to: fixture.brier, relative: Self.tolerance))
    let matrix = try ConfusionMatrix(
      labels: labels, predictions: predictions, sampleWeights: weights)
    #expect(matrix.classes == [0, 1])
    for row in 0..<2 {
      for column in 0..<2 {
        #expect(
          matrix.counts[row][column].isClose(
            to: fixture.confusionMatrix[row][column], relative: Self.tolerance))
      }
    }
  }

  @Test(
    "Threshold choice: max F1 and best precision at a recall floor",
    arguments: try MetricFixtures.binaryCases())
  func thresholdChoice(fixture: MetricFixtures.BinaryCase) throws {
    let best = try ThresholdChoice.maximizingF1(
      labels: fixture.labels, scores: fixture.scores, sampleWeights: fixture.sampleWeights)
    #expect(best.threshold == fixture.maxF1.threshold)
    #expect(best.f1.isClose(to: try #require(fixture.maxF1.f1), relative: Self.tolerance))
    #expect(best.precision.isClose(to: fixture.maxF1.precision, relative: Self.tolerance))
    #expect(best.recall.isClose(to: fixture.maxF1.recall, relative: Self.tolerance))
    for expected in fixture.bestPrecisionAtRecall {
      let floor = try #require(expected.recallFloor)
      let choice = try ThresholdChoice.maximizingPrecision(
        atRecallAtLeast: floor, labels: fixture.labels, scores: fixture.scores,
        sampleWeights: fixture.sampleWeights)
      #expect(choice.threshold == expected.threshold, "recall floor \(floor)")
      #expect(choice.precision.isClose(to: expected.precision, relative: Self.tolerance))
      #expect(choice.recall >= floor)
    }
  }

  @Test(
    "Multi-class confusion matrix and averages equal scikit-learn's",
    arguments: try MetricFixtures.multiclassCases())
  func multiclass(fixture: MetricFixtures.MulticlassCase) throws {
    let matrix = try ConfusionMatrix(
      trueClasses: fixture.trueClasses, predictedClasses: fixture.predictedClasses,
      sampleWeights: fixture.sampleWeights)
    #expect(matrix.classes == fixture.classes)
    for row in fixture.classes.indices {
      for column in fixture.classes.indices {
        #expect(
          matrix.counts[row][column].isClose(
            to: fixture.confusionMatrix[row][column], relative: Self.tolerance))
      }
    }
    #expect(matrix.accuracy.isClose(to: fixture.accuracy, relative: Self.tolerance))
    let expected: [(MetricAveraging, Double, Double, Double)] = [
      (.macro, fixture.precision_macro, fixture.recall_macro, fixture.f1_macro),
      (.weighted, fixture.precision_weighted, fixture.recall_weighted, fixture.f1_weighted),
      (.micro, fixture.precision_micro, fixture.recall_micro, fixture.f1_micro),
    ]
    for (averaging, precision, recall, f1) in expected {
      #expect(
        matrix.precision(averaging).isClose(to: precision, relative: Self.tolerance), "\(averaging)"
      )
      #expect(
        matrix.recall(averaging).isClose(to: recall, relative: Self.tolerance), "\(averaging)")
      #expect(matrix.f1(averaging).isClose(to: f1, relative: Self.tolerance), "\(averaging)")
    }
    for index in fixture.classes.indices {
      #expect(
        matrix.precisionPerClass[index].isClose(
          to: fixture.precisionPerClass[index], relative: Self.tolerance))
      #expect(
        matrix.recallPerClass[index].isClose(
          to: fixture.recallPerClass[index], relative: Self.tolerance))
      #expect(
        matrix.f1PerClass[index].isClose(to: fixture.f1PerClass[index], relative: Self.tolerance))
    }
  }

  @Test(
    "Multi-class one-vs-rest ROC-AUC and log loss equal scikit-learn's",
    arguments: try MetricFixtures.multiclassCases())
  func multiclassProbabilities(fixture: MetricFixtures.MulticlassCase) throws {
    let flat = fixture.probabilities.flatMap { $0 }
    let (truth, weights) = (fixture.trueClasses, fixture.sampleWeights)
    let macro = try MulticlassMetrics.rocAUC(
      trueClasses: truth, probabilities: flat, averaging: .macro, sampleWeights: weights)
    #expect(macro.isClose(to: fixture.rocAUC_ovr_macro, relative: Self.tolerance))
    let weighted = try MulticlassMetrics.rocAUC(
      trueClasses: truth, probabilities: flat, averaging: .weighted, sampleWeights: weights)
    #expect(weighted.isClose(to: fixture.rocAUC_ovr_weighted, relative: Self.tolerance))
    let logLoss = try MulticlassMetrics.logLoss(
      trueClasses: truth, probabilities: flat, sampleWeights: weights)
    #expect(logLoss.isClose(to: fixture.logLoss, relative: Self.tolerance))
  }

  @Test("Multi-class probabilities that do not sum to 1 or do not fit the classes are refused")
  func multiclassBadInput() {
    let sum = #expect(throws: StatisticsError.self) {
      try MulticlassMetrics.logLoss(
        trueClasses: [0, 1, 2], probabilities: [0.5, 0.4, 0, 0, 1, 0, 0, 0, 1])
    }
    #expect(sum?.code == .invalidArgument)
    let shape = #expect(throws: StatisticsError.self) {
      try MulticlassMetrics.rocAUC(trueClasses: [0, 1, 2], probabilities: [1, 0, 0, 0, 1, 0])
    }
    #expect(shape?.code == .mismatchedLengths)
    let nan = #expect(throws: StatisticsError.self) {
      try MulticlassMetrics.logLoss(trueClasses: [0, 1], probabilities: [.nan, 1, 0, 1])
    }
    #expect(nan?.code == .nonFiniteValue)
  }

  @Test("Regression metrics equal scikit-learn's", arguments: try MetricFixtures.regressionCases())
  func regression(fixture: MetricFixtures.RegressionCase) throws {
    let (truth, predicted, weights) = (fixture.truth, fixture.predicted, fixture.sampleWeights)
    #expect(
      try RegressionMetrics.rootMeanSquaredError(
        truth: truth, predicted: predicted, sampleWeights: weights
      )
      .isClose(to: fixture.rmse, relative: Self.tolerance))
    #expect(
      try RegressionMetrics.meanAbsoluteError(
        truth: truth, predicted: predicted, sampleWeights: weights
      )
      .isClose(to: fixture.mae, relative: Self.tolerance))
    #expect(
      try RegressionMetrics.meanAbsolutePercentageError(
        truth: truth, predicted: predicted, sampleWeights: weights
      )
      .isClose(to: fixture.mape, relative: 1e-10))
    #expect(
      try RegressionMetrics.r2(truth: truth, predicted: predicted, sampleWeights: weights)
        .isClose(to: fixture.r2, relative: Self.tolerance))
    for point in fixture.pinball {
      let loss = try RegressionMetrics.pinballLoss(
        quantile: point.quantile, truth: truth, predicted: predicted, sampleWeights: weights)
      #expect(loss.isClose(to: point.loss, relative: Self.tolerance), "quantile \(point.quantile)")
    }
  }

  @Test("Known answers: a perfect ranking has ROC-AUC 1 and AP 1, a reversed one ROC-AUC 0")
  func knownRankings() throws {
    let labels: [Double] = [0, 0, 1, 1]
    #expect(try RankingMetrics.rocAUC(labels: labels, scores: [0.1, 0.2, 0.8, 0.9]) == 1)
    #expect(try RankingMetrics.averagePrecision(labels: labels, scores: [0.1, 0.2, 0.8, 0.9]) == 1)
    #expect(try RankingMetrics.rocAUC(labels: labels, scores: [0.9, 0.8, 0.2, 0.1]) == 0)
    // All scores tied: one threshold, the diagonal.
    #expect(try RankingMetrics.rocAUC(labels: labels, scores: [0.5, 0.5, 0.5, 0.5]) == 0.5)
  }

  @Test("R² of a constant truth is 1 for a perfect fit and 0 otherwise")
  func constantTruthR2() throws {
    #expect(try RegressionMetrics.r2(truth: [3, 3, 3], predicted: [3, 3, 3]) == 1)
    #expect(try RegressionMetrics.r2(truth: [3, 3, 3], predicted: [3, 3, 4]) == 0)
  }

  // MARK: - Bad input

  @Test("Empty input throws emptySample")
  func emptyInput() {
    let error = #expect(throws: StatisticsError.self) {
      try BinaryClassificationMetrics.accuracy(labels: [], predictions: [])
    }
    #expect(error?.code == .emptySample)
    let regression = #expect(throws: StatisticsError.self) {
      try RegressionMetrics.meanAbsoluteError(truth: [], predicted: [])
    }
    #expect(regression?.code == .emptySample)
    let ranking = #expect(throws: StatisticsError.self) {
      try RankingMetrics.rocAUC(labels: [], scores: [])
    }
    #expect(ranking?.code == .emptySample)
  }

  @Test("Mismatched lengths throw mismatchedLengths")
  func mismatchedLengths() {
    let error = #expect(throws: StatisticsError.self) {
      try RankingMetrics.rocAUC(labels: [0, 1, 1], scores: [0.2, 0.4])
    }
    #expect(error?.code == .mismatchedLengths)
    let weights = #expect(throws: StatisticsError.self) {
      try RegressionMetrics.r2(truth: [1, 2], predicted: [1, 2], sampleWeights: [1])
    }
    #expect(weights?.code == .mismatchedLengths)
    let classes = #expect(throws: StatisticsError.self) {
      try ConfusionMatrix(trueClasses: [0, 1], predictedClasses: [0])
    }
    #expect(classes?.code == .mismatchedLengths)
  }

  @Test("NaN labels, scores and targets throw nonFiniteValue with the index")
  func nanInput() {
    let label = #expect(throws: StatisticsError.self) {
      try RankingMetrics.averagePrecision(labels: [0, .nan, 1], scores: [0.1, 0.2, 0.3])
    }
    #expect(label?.code == .nonFiniteValue)
    #expect(label?.message.contains("labels[1]") == true)
    let score = #expect(throws: StatisticsError.self) {
      try RankingMetrics.rocAUC(labels: [0, 1, 1], scores: [0.1, .nan, 0.3])
    }
    #expect(score?.code == .nonFiniteValue)
    let target = #expect(throws: StatisticsError.self) {
      try RegressionMetrics.rootMeanSquaredError(truth: [1, .infinity], predicted: [1, 2])
    }
    #expect(target?.code == .nonFiniteValue)
  }

  @Test("Labels other than 0/1, probabilities outside [0, 1] and bad weights are rejected")
  func invalidValues() {
    let label = #expect(throws: StatisticsError.self) {
      try BinaryClassificationMetrics.f1(labels: [0, 2], predictions: [0, 1])
    }
    #expect(label?.code == .invalidArgument)
    let probability = #expect(throws: StatisticsError.self) {
      try BinaryClassificationMetrics.logLoss(labels: [0, 1], probabilities: [0.2, 1.2])
    }
    #expect(probability?.code == .invalidArgument)
    let weight = #expect(throws: StatisticsError.self) {
      try BinaryClassificationMetrics.brierScore(
        labels: [0, 1], probabilities: [0.2, 0.7], sampleWeights: [1, -1])
    }
    #expect(weight?.code == .invalidArgument)
    let quantile = #expect(throws: StatisticsError.self) {
      try RegressionMetrics.pinballLoss(quantile: 1.5, truth: [1], predicted: [1])
    }
    #expect(quantile?.code == .invalidArgument)
  }

  @Test("ROC-AUC and average precision with one class throw singleClass")
  func singleClass() {
    let auc = #expect(throws: StatisticsError.self) {
      try RankingMetrics.rocAUC(labels: [1, 1, 1], scores: [0.1, 0.2, 0.3])
    }
    #expect(auc?.code == .singleClass)
    let ap = #expect(throws: StatisticsError.self) {
      try RankingMetrics.averagePrecision(labels: [0, 0], scores: [0.1, 0.2])
    }
    #expect(ap?.code == .singleClass)
  }
}
