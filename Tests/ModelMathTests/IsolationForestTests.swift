import Foundation
import ModelMath
import Testing

@Suite("Isolation forest")
struct IsolationForestTests {
  @Test(
    "Average path length c(n) known answers",
    arguments: [
      (1, 0.0), (2, 1.0), (3, 2 * (log(2.0) + 0.5772156649015329) - 4.0 / 3),
      (256, 10.244770920119917),
    ]
      as [(Int, Double)])
  func averagePathLength(count: Int, expected: Double) {
    #expect(IsolationForest.averagePathLength(count).isNear(expected, within: 1e-9))
  }

  @Test("Separates the fixture's outliers as well as scikit-learn")
  func fixture() throws {
    let table = try LearnerFixtures.table("anomalies", trainRows: 1000)
    let forest = try IsolationForest.fit(table.features)
    let scores = try forest.scores(table.features)
    #expect(scores.allSatisfy { $0 > 0 && $0 <= 1 })
    let auc = LearnerScores.rocAUC(scores, table.labels)
    let reference = try LearnerFixtures.reference("anomalies", "iforest_100_roc_auc")
    // Stated tolerance: ROC-AUC at most 0.01 below scikit-learn's.
    #expect(auc >= reference - 0.01, "AUC \(auc) vs \(reference)")
    #expect(forest.sampleSize == 256)
    #expect(forest.ensemble.trees.allSatisfy { $0.depth <= 8 })
    let outliers = table.labels.indices.filter { table.labels[$0] == 1 }
    let inliers = table.labels.indices.filter { table.labels[$0] == 0 }
    #expect(outliers.map { scores[$0] }.reduce(0, +) / 50 > 0.6)
    #expect(inliers.map { scores[$0] }.reduce(0, +) / 950 < 0.5)
    #expect(try forest.score(row: table.features.row(10)).isNear(scores[10], within: 1e-12))
  }

  @Test("Contamination sets the threshold so about that share is flagged")
  func contamination() throws {
    let table = try LearnerFixtures.table("anomalies", trainRows: 1000)
    var options = IsolationForest.Options()
    options.contamination = 0.05
    options.seed = 3
    let forest = try IsolationForest.fit(table.features, options: options)
    let flagged = try forest.isAnomaly(table.features)
    #expect(flagged.filter { $0 }.count == 50)
    let hits = flagged.indices.filter { flagged[$0] && table.labels[$0] == 1 }.count
    #expect(hits >= 45)
  }

  @Test("Deterministic under a seed; NaN rows score without crashing")
  func determinismAndMissing() throws {
    let table = try LearnerFixtures.table("anomalies", trainRows: 1000)
    var options = IsolationForest.Options()
    options.treeCount = 20
    options.seed = 9
    let first = try IsolationForest.fit(table.features, options: options)
    let second = try IsolationForest.fit(table.features, options: options)
    #expect(first.ensemble.trees == second.ensemble.trees)
    let score = try first.score(row: [.nan, 0, 0, .nan, 0, 0])
    #expect(score > 0 && score <= 1)
  }

  @Test("Bad options are refused")
  func badOptions() throws {
    let matrix = try FeatureMatrix(columns: [[1, 2, 3]])
    var options = IsolationForest.Options()
    options.contamination = 0.7
    let error = #expect(throws: ModelMathError.self) {
      try IsolationForest.fit(matrix, options: options)
    }
    #expect(error?.code == .invalidHyperparameter)
    options = IsolationForest.Options()
    options.sampleSize = 1
    #expect(throws: ModelMathError.self) { try IsolationForest.fit(matrix, options: options) }
  }
}
