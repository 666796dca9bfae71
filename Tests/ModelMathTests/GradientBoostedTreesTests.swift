import ModelMath
import Testing

@Suite("Gradient boosted trees")
struct GradientBoostedTreesTests {
  static func options(_ loss: GradientBoostingOptions.Loss, rounds: Int) -> GradientBoostingOptions
  {
    var options = GradientBoostingOptions(loss: loss)
    options.roundCount = rounds
    options.leafCount = 15
    return options
  }

  @Test("Logistic loss reaches LightGBM's accuracy and ROC-AUC on the fixture")
  func logistic() throws {
    let table = try LearnerFixtures.table("classification")
    let model = try GradientBoostedTrees.fit(
      table.train, options: Self.options(.logistic, rounds: 100))
    let probabilities = try model.predict(table.test.features)
    let accuracy = LearnerScores.accuracy(
      probabilities.map { $0 >= 0.5 ? 1 : 0 }, table.test.labels)
    let auc = LearnerScores.rocAUC(probabilities, table.test.labels)
    let referenceAccuracy = try LearnerFixtures.reference(
      "classification", "lgb_100_15leaves_accuracy")
    let referenceAUC = try LearnerFixtures.reference("classification", "lgb_100_15leaves_roc_auc")
    // Stated tolerance: within 0.02 accuracy and 0.01 ROC-AUC of LightGBM with the same options.
    #expect(accuracy >= referenceAccuracy - 0.02, "accuracy \(accuracy) vs \(referenceAccuracy)")
    #expect(auc >= referenceAUC - 0.01, "AUC \(auc) vs \(referenceAUC)")
    #expect(model.ensemble.trees.allSatisfy { $0.features.filter { $0 < 0 }.count <= 15 })
    let single = try model.predict(row: table.test.features.row(5))
    #expect(single.isNear(probabilities[5], within: 1e-12))
  }

  @Test("Squared error reaches LightGBM's R² on the fixture")
  func squaredError() throws {
    let table = try LearnerFixtures.table("regression")
    let model = try GradientBoostedTrees.fit(
      table.train, options: Self.options(.squaredError, rounds: 200))
    let r2 = LearnerScores.rSquared(try model.predict(table.test.features), table.test.labels)
    let reference = try LearnerFixtures.reference("regression", "lgb_l2_200_r2")
    // Stated tolerance: R² at most 0.02 below LightGBM's.
    #expect(r2 >= reference - 0.02, "R² \(r2) vs \(reference)")
  }

  @Test("Absolute and quantile losses match LightGBM's error and coverage")
  func robustLosses() throws {
    let table = try LearnerFixtures.table("regression")
    let labels = table.test.labels
    let median = try GradientBoostedTrees.fit(
      table.train, options: Self.options(.absoluteError, rounds: 200))
    let predicted = try median.predict(table.test.features)
    let mae = zip(predicted, labels).reduce(0) { $0 + abs($1.0 - $1.1) } / Double(labels.count)
    let referenceMAE = try LearnerFixtures.reference("regression", "lgb_l1_200_mae")
    // Stated tolerance: MAE at most 5 % above LightGBM's.
    #expect(mae <= referenceMAE * 1.05, "MAE \(mae) vs \(referenceMAE)")

    let upper = try GradientBoostedTrees.fit(
      table.train, options: Self.options(.quantile(alpha: 0.9), rounds: 200))
    let quantiles = try upper.predict(table.test.features)
    let pinball =
      zip(quantiles, labels).reduce(0) { sum, pair in
        let difference = pair.1 - pair.0
        return sum + max(0.9 * difference, -0.1 * difference)
      } / Double(labels.count)
    let coverage =
      Double(zip(quantiles, labels).filter { $0.1 <= $0.0 }.count) / Double(labels.count)
    let referencePinball = try LearnerFixtures.reference("regression", "lgb_q90_200_pinball")
    let referenceCoverage = try LearnerFixtures.reference("regression", "lgb_q90_200_coverage")
    // Stated tolerance: pinball loss at most 10 % above LightGBM's; coverage within 0.08.
    #expect(pinball <= referencePinball * 1.10, "pinball \(pinball) vs \(referencePinball)")
    #expect(
      coverage.isNear(referenceCoverage, within: 0.08),
      "coverage \(coverage) vs \(referenceCoverage)")
    #expect(coverage > 0.7)
  }

  @Test("Early stopping keeps the best round of the validation loss")
  func earlyStopping() throws {
    let table = try LearnerFixtures.table("classification")
    var options = Self.options(.logistic, rounds: 300)
    options.learningRate = 0.5
    options.earlyStoppingRounds = 10
    let model = try GradientBoostedTrees.fit(table.train, validation: table.test, options: options)
    let losses = model.validationLosses
    #expect(losses.count < 300)
    let best = try #require(losses.indices.min { losses[$0] < losses[$1] })
    #expect(model.roundCount == best + 1)
    #expect(losses.count == best + 1 + 10)
  }

  @Test("Cancellation between rounds throws cancelled")
  func cancellation() throws {
    let table = try LearnerFixtures.table("regression")
    let error = #expect(throws: ModelMathError.self) {
      try GradientBoostedTrees.fit(
        table.train, options: Self.options(.squaredError, rounds: 50), shouldStop: { $0 >= 3 })
    }
    #expect(error?.code == .cancelled)
  }

  @Test("Bagging and feature sampling are deterministic under a seed")
  func determinism() throws {
    let table = try LearnerFixtures.table("regression")
    var options = Self.options(.squaredError, rounds: 15)
    options.baggingFraction = 0.7
    options.featureFraction = 0.6
    options.seed = 12
    let first = try GradientBoostedTrees.fit(table.train, options: options)
    let second = try GradientBoostedTrees.fit(table.train, options: options)
    #expect(first.ensemble.trees == second.ensemble.trees)
    options.seed = 13
    let other = try GradientBoostedTrees.fit(table.train, options: options)
    #expect(first.ensemble.trees != other.ensemble.trees)
  }

  @Test("Missing values learn a default direction")
  func missingDirection() throws {
    // Label is 1 exactly when x is NaN or above 0.8: NaN must go with the high side.
    var random = SplitMix64(seed: 8)
    var x = [Float]()
    var labels = [Double]()
    for row in 0..<600 {
      let value = Float(random.nextUnitForTests())
      if row % 5 == 0 {
        x.append(.nan)
        labels.append(1)
      } else {
        x.append(value)
        labels.append(value > 0.8 ? 1 : 0)
      }
    }
    let data = try Dataset(features: FeatureMatrix(columns: [x]), labels: labels)
    var options = Self.options(.logistic, rounds: 20)
    options.maxDepth = 2
    let model = try GradientBoostedTrees.fit(data, options: options)
    #expect(try model.predict(row: [.nan]) > 0.9)
    #expect(try model.predict(row: [0.3]) < 0.1)
    #expect(try model.predict(row: [0.95]) > 0.9)
    #expect(model.ensemble.trees.allSatisfy { $0.depth <= 2 })
  }

  @Test("Bad labels and options are refused")
  func badInput() throws {
    let matrix = try FeatureMatrix(columns: [[1, 2, 3, 4]])
    let twoClasses = try Dataset(features: matrix, labels: [0, 2, 0, 1])
    let label = #expect(throws: ModelMathError.self) {
      try GradientBoostedTrees.fit(twoClasses, options: GradientBoostingOptions(loss: .logistic))
    }
    #expect(label?.code == .invalidLabel)
    let single = #expect(throws: ModelMathError.self) {
      try GradientBoostedTrees.fit(
        Dataset(features: matrix, labels: [1, 1, 1, 1]),
        options: GradientBoostingOptions(loss: .logistic))
    }
    #expect(single?.code == .singleClass)
    var options = GradientBoostingOptions(loss: .squaredError)
    options.earlyStoppingRounds = 5
    let stopping = #expect(throws: ModelMathError.self) {
      try GradientBoostedTrees.fit(twoClasses, options: options)
    }
    #expect(stopping?.code == .invalidHyperparameter)
    for bad in [GradientBoostingOptions.Loss.quantile(alpha: 1.5)] {
      #expect(throws: ModelMathError.self) {
        try GradientBoostedTrees.fit(twoClasses, options: GradientBoostingOptions(loss: bad))
      }
    }
    options = GradientBoostingOptions(loss: .squaredError)
    options.leafCount = 1
    #expect(throws: ModelMathError.self) {
      try GradientBoostedTrees.fit(twoClasses, options: options)
    }
  }
}
