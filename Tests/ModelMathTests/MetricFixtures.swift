import Foundation
import Testing

/// Loads the JSON fixtures written by scripts/make-metric-fixtures.py (scikit-learn / SciPy
/// known answers) from Fixtures/metrics/.
enum MetricFixtures {
  static func load<T: Decodable>(_ name: String, as type: T.Type) throws -> T {
    let url = try #require(
      Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures/metrics"),
      "missing fixture Fixtures/metrics/\(name).json")
    return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
  }

  struct BinaryFile: Decodable { var cases: [BinaryCase] }
  struct ThresholdPoint: Decodable {
    var threshold: Double
    var precision: Double
    var recall: Double
    var f1: Double?
    var recallFloor: Double?
  }
  struct BinaryCase: Decodable, CustomTestStringConvertible {
    var name: String
    var labels: [Double]
    var scores: [Double]
    var predictions: [Double]
    var sampleWeights: [Double]?
    var accuracy: Double
    var precision: Double
    var recall: Double
    var f1: Double
    var rocAUC: Double
    var averagePrecision: Double
    var logLoss: Double
    var brier: Double
    var confusionMatrix: [[Double]]
    var maxF1: ThresholdPoint
    var bestPrecisionAtRecall: [ThresholdPoint]
    var testDescription: String { self.name }
  }

  struct MulticlassFile: Decodable { var cases: [MulticlassCase] }
  struct MulticlassCase: Decodable, CustomTestStringConvertible {
    var name: String
    var trueClasses: [Int]
    var predictedClasses: [Int]
    var sampleWeights: [Double]?
    var classes: [Int]
    var confusionMatrix: [[Double]]
    var accuracy: Double
    var precision_macro: Double
    var recall_macro: Double
    var f1_macro: Double
    var precision_weighted: Double
    var recall_weighted: Double
    var f1_weighted: Double
    var precision_micro: Double
    var recall_micro: Double
    var f1_micro: Double
    var probabilities: [[Double]]
    var rocAUC_ovr_macro: Double
    var rocAUC_ovr_weighted: Double
    var logLoss: Double
    var precisionPerClass: [Double]
    var recallPerClass: [Double]
    var f1PerClass: [Double]
    var testDescription: String { self.name }
  }

  struct RegressionFile: Decodable { var cases: [RegressionCase] }
  struct PinballPoint: Decodable {
    var quantile: Double
    var loss: Double
  }
  struct RegressionCase: Decodable, CustomTestStringConvertible {
    var name: String
    var truth: [Double]
    var predicted: [Double]
    var sampleWeights: [Double]?
    var rmse: Double
    var mae: Double
    var mape: Double
    var r2: Double
    var pinball: [PinballPoint]
    var testDescription: String { self.name }
  }

  static func binaryCases() throws -> [BinaryCase] {
    try self.load("binary", as: BinaryFile.self).cases
  }

  static func multiclassCases() throws -> [MulticlassCase] {
    try self.load("multiclass", as: MulticlassFile.self).cases
  }

  static func regressionCases() throws -> [RegressionCase] {
    try self.load("regression", as: RegressionFile.self).cases
  }
}

extension Double {
  /// |self − expected| ≤ max(relative·|expected|, absolute).
  func isClose(to expected: Double, relative: Double, absolute: Double = 0) -> Bool {
    if self == expected { return true }
    return abs(self - expected) <= max(relative * abs(expected), absolute)
  }
}
