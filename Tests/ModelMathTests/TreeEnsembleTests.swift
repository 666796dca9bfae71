import ModelMath
import Testing

@Suite("Flattened trees and the packed ensemble")
struct TreeEnsembleTests {
  /// x0 <= 0.5 → (x1 <= 2 → 1 else 2), else 3; NaN in x0 goes right, NaN in x1 goes left.
  static func smallTree() throws -> FlatTree {
    try FlatTree(
      features: [0, 1, -1, -1, -1], thresholds: [0.5, 2, 0, 0, 0], thresholdBins: [0, 0, 0, 0, 0],
      leftChildren: [1, 3, -1, -1, -1], rightChildren: [2, 4, -1, -1, -1],
      defaultLeft: [false, true, false, false, false], values: [0, 0, 3, 1, 2],
      covers: [10, 6, 4, 3, 3], outputCount: 1)
  }

  @Test("A hand-built tree predicts by raw thresholds and learned NaN sides")
  func handBuilt() throws {
    let ensemble = try TreeEnsemble(trees: [Self.smallTree(), Self.smallTree()], featureCount: 2)
    let rows: [[Float]] = [[0.2, 1], [0.2, 5], [0.9, 1], [.nan, 1], [0.5, .nan], [0.5, 2]]
    let expected: [Double] = [1, 2, 3, 3, 1, 1].map { $0 * 2 }
    #expect(try ensemble.sums(rowMajor: rows.flatMap { $0 }) == expected)
    let columns = try FeatureMatrix(rowMajor: rows.flatMap { $0 }, featureCount: 2)
    #expect(try ensemble.sums(columns) == expected)
    #expect(try Self.smallTree().depth == 2)
  }

  @Test("Inconsistent tree arrays are refused")
  func invalidTrees() throws {
    let backwards = #expect(throws: ModelMathError.self) {
      try FlatTree(
        features: [0, -1, -1], thresholds: [0, 0, 0], thresholdBins: [0, 0, 0],
        leftChildren: [0, -1, -1], rightChildren: [2, -1, -1], defaultLeft: [false, false, false],
        values: [0, 1, 2], covers: [2, 1, 1], outputCount: 1)
    }
    #expect(backwards?.code == .invalidModel)
    let shared = #expect(throws: ModelMathError.self) {
      try FlatTree(
        features: [0, 0, -1], thresholds: [0, 0, 0], thresholdBins: [0, 0, 0],
        leftChildren: [1, 2, -1], rightChildren: [2, 2, -1], defaultLeft: [false, false, false],
        values: [0, 1, 2], covers: [2, 1, 1], outputCount: 1)
    }
    #expect(shared?.code == .invalidModel)
    let lengths = #expect(throws: ModelMathError.self) {
      try FlatTree(
        features: [-1], thresholds: [0], thresholdBins: [0], leftChildren: [-1],
        rightChildren: [-1],
        defaultLeft: [false], values: [0, 1], covers: [1], outputCount: 1)
    }
    #expect(lengths?.code == .invalidModel)
    let wide = #expect(throws: ModelMathError.self) {
      try TreeEnsemble(trees: [Self.smallTree()], featureCount: 1)
    }
    #expect(wide?.code == .invalidModel)
  }

  @Test("A forest rebuilt from its flattened arrays predicts bit-identically")
  func rebuild() throws {
    let table = try LearnerFixtures.table("classification")
    var options = RandomForestOptions()
    options.treeCount = 10
    let forest = try RandomForestClassifier.fit(table.train, options: options)
    let copies = try forest.ensemble.trees.map { tree in
      try FlatTree(
        features: tree.features, thresholds: tree.thresholds, thresholdBins: tree.thresholdBins,
        leftChildren: tree.leftChildren, rightChildren: tree.rightChildren,
        defaultLeft: tree.defaultLeft, values: tree.values, covers: tree.covers,
        outputCount: tree.outputCount)
    }
    let rebuilt = try RandomForestClassifier(
      options: forest.options, classCount: forest.classCount,
      ensemble: TreeEnsemble(trees: copies, featureCount: forest.ensemble.featureCount),
      featureImportances: forest.featureImportances, outOfBagScore: forest.outOfBagScore)
    #expect(
      try rebuilt.probabilities(table.test.features) == forest.probabilities(table.test.features))
  }
}
