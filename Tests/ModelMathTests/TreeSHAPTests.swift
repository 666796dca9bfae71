import Foundation
import ModelMath
import Testing

@Suite("TreeSHAP")
struct TreeSHAPTests {
  /// E[f(x) | x_S] with features outside S integrated out by cover, as path-dependent TreeSHAP
  /// defines it; written independently of the library's walk.
  static func conditionalExpectation(_ tree: FlatTree, node: Int, row: [Float], known: Set<Int>)
    -> Double
  {
    let feature = Int(tree.features[node])
    if feature < 0 { return tree.values[node] }
    let left = Int(tree.leftChildren[node])
    let right = Int(tree.rightChildren[node])
    if known.contains(feature) {
      let value = row[feature]
      let goesLeft = value.isNaN ? tree.defaultLeft[node] : value <= tree.thresholds[node]
      return Self.conditionalExpectation(
        tree, node: goesLeft ? left : right, row: row, known: known)
    }
    return
      (tree.covers[left] * Self.conditionalExpectation(tree, node: left, row: row, known: known)
      + tree.covers[right] * Self.conditionalExpectation(tree, node: right, row: row, known: known))
      / tree.covers[node]
  }

  /// Shapley values by enumerating all subsets: φ_i = Σ |S|!(M-|S|-1)!/M! (v(S ∪ i) - v(S)).
  static func bruteForce(_ trees: [FlatTree], scale: Double, row: [Float]) -> [Double] {
    let count = row.count
    func factorial(_ n: Int) -> Double { n <= 1 ? 1 : Double(n) * factorial(n - 1) }
    func value(_ known: Set<Int>) -> Double {
      trees.reduce(0) {
        $0 + scale * Self.conditionalExpectation($1, node: 0, row: row, known: known)
      }
    }
    var result = [Double](repeating: 0, count: count)
    for feature in 0..<count {
      let others = (0..<count).filter { $0 != feature }
      for mask in 0..<(1 << others.count) {
        let subset = Set(others.enumerated().filter { mask & (1 << $0.offset) != 0 }.map(\.element))
        let weight =
          factorial(subset.count) * factorial(count - subset.count - 1) / factorial(count)
        result[feature] += weight * (value(subset.union([feature])) - value(subset))
      }
    }
    return result
  }

  /// Five features, two of them interacting, NaN in feature 2.
  static func smallData() throws -> Dataset {
    var random = SplitMix64(seed: 21)
    var rows = [Float]()
    var labels = [Double]()
    for _ in 0..<300 {
      let x = (0..<5).map { _ in Float(random.nextUnitForTests()) }
      let third: Float = random.nextUnitForTests() < 0.15 ? .nan : x[2]
      rows += [x[0], x[1], third, x[3], x[4]]
      let signal =
        (x[0] > 0.5 ? 2.0 : 0.0) + (x[1] > 0.3 && x[0] < 0.7 ? 1.0 : 0.0) + Double(x[2]) * 0.5
      labels.append(signal + random.nextUnitForTests() * 0.2)
    }
    return try Dataset(features: FeatureMatrix(rowMajor: rows, featureCount: 5), labels: labels)
  }

  @Test("Equals brute-force Shapley values on a small forest, and is locally accurate")
  func bruteForceForest() throws {
    let data = try Self.smallData()
    var options = RandomForestOptions()
    options.treeCount = 3
    options.maxDepth = 4
    options.seed = 5
    let forest = try RandomForestRegressor.fit(data, options: options)
    for row in [0, 7, 42, 99] {
      let values = data.features.row(row)
      let explanation = try forest.shapValues(row: values)
      let expected = Self.bruteForce(forest.ensemble.trees, scale: 1.0 / 3, row: values)
      for feature in 0..<5 {
        #expect(explanation.contributions[feature].isNear(expected[feature], within: 1e-9))
      }
      let total = explanation.baseValue + explanation.contributions.reduce(0, +)
      #expect(total.isNear(try forest.predict(row: values), within: 1e-9))
    }
    // A row with NaN follows the learned default side in both computations.
    let missing: [Float] = [0.8, 0.2, .nan, 0.5, 0.5]
    let explanation = try forest.shapValues(row: missing)
    let expected = Self.bruteForce(forest.ensemble.trees, scale: 1.0 / 3, row: missing)
    #expect(zip(explanation.contributions, expected).allSatisfy { $0.isNear($1, within: 1e-9) })
  }

  @Test("Equals brute force on boosted trees and sums to the raw score")
  func bruteForceBoosting() throws {
    let data = try Self.smallData()
    var options = GradientBoostingOptions(loss: .squaredError)
    options.roundCount = 4
    options.leafCount = 8
    options.minDataInLeaf = 5
    let model = try GradientBoostedTrees.fit(data, options: options)
    for row in [3, 11, 200] {
      let values = data.features.row(row)
      let explanation = try model.shapValues(row: values)
      let expected = Self.bruteForce(model.ensemble.trees, scale: 1, row: values)
      #expect(zip(explanation.contributions, expected).allSatisfy { $0.isNear($1, within: 1e-9) })
      let raw = try values.withUnsafeBufferPointer { buffer throws(ModelMathError) in
        try model.rawScore(row: buffer)
      }
      #expect(
        (explanation.baseValue + explanation.contributions.reduce(0, +)).isNear(raw, within: 1e-9))
    }
  }

  @Test("Local accuracy on fixture-sized classifiers, both classes")
  func localAccuracyClassifier() throws {
    let table = try LearnerFixtures.table("classification")
    var options = RandomForestOptions()
    options.treeCount = 10
    options.maxDepth = 8
    let forest = try RandomForestClassifier.fit(table.train, options: options)
    var boosting = GradientBoostingOptions(loss: .logistic)
    boosting.roundCount = 20
    let model = try GradientBoostedTrees.fit(table.train, options: boosting)
    for row in stride(from: 0, to: 500, by: 50) {
      let values = table.test.features.row(row)
      for classIndex in 0..<2 {
        let explanation = try forest.shapValues(row: values, classIndex: classIndex)
        let total = explanation.baseValue + explanation.contributions.reduce(0, +)
        #expect(
          total.isNear(try forest.probability(ofClass: classIndex, row: values), within: 1e-9))
      }
      let explanation = try model.shapValues(row: values)
      let probability = try model.predict(row: values)
      let total = explanation.baseValue + explanation.contributions.reduce(0, +)
      #expect((1 / (1 + exp(-total))).isNear(probability, within: 1e-9))
    }
  }

  @Test("Mean |SHAP| ranks the signal features above noise")
  func globalImportance() throws {
    let data = try Self.smallData()
    var options = RandomForestOptions()
    options.treeCount = 20
    let forest = try RandomForestRegressor.fit(data, options: options)
    let importance = try forest.meanAbsoluteSHAP(data.features)
    #expect(importance.count == 5)
    #expect(importance[0] > importance[3] * 5 && importance[0] > importance[4] * 5)
    #expect(importance[1] > importance[3] && importance[2] > importance[4])
  }
}
