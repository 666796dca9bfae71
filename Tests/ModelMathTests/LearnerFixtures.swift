import Foundation
import ModelMath

/// Loads the learner fixtures made by scripts/make-learner-fixtures.py.
enum LearnerFixtures {
  struct Table {
    var features: FeatureMatrix
    var labels: [Double]
    var train: Dataset
    var test: Dataset
  }

  static func url(_ name: String) throws -> URL {
    guard let base = Bundle.module.resourceURL else {
      throw FixtureError(message: "no resource bundle")
    }
    return base.appendingPathComponent("Fixtures/learners/\(name)")
  }

  /// Reads `name`.csv: header, feature columns, then `label`; first `trainRows` rows train.
  static func table(_ name: String, trainRows: Int = 2000) throws -> Table {
    let text = try String(contentsOf: url("\(name).csv"), encoding: .utf8)
    var lines = text.split(separator: "\n")
    lines.removeFirst()
    var rows: [Float] = []
    var labels: [Double] = []
    var width = 0
    for line in lines {
      let fields = line.split(separator: ",")
      width = fields.count - 1
      for field in fields.dropLast() {
        guard let value = Float(field) else { throw FixtureError(message: "bad field \(field)") }
        rows.append(value)
      }
      guard let label = Double(fields[fields.count - 1]) else {
        throw FixtureError(message: "bad label")
      }
      labels.append(label)
    }
    let features = try FeatureMatrix(rowMajor: rows, featureCount: width)
    let all = try Dataset(features: features, labels: labels)
    return Table(
      features: features, labels: labels, train: all.selecting(rows: Array(0..<trainRows)),
      test: all.selecting(rows: Array(trainRows..<labels.count)))
  }

  /// A number from reference.json by path, e.g. ["classification", "rf_100_accuracy"].
  static func reference(_ path: String...) throws -> Double {
    let data = try Data(contentsOf: url("reference.json"))
    var node: Any = try JSONSerialization.jsonObject(with: data)
    for key in path {
      guard let object = node as? [String: Any], let next = object[key] else {
        throw FixtureError(message: "no \(path) in reference.json")
      }
      node = next
    }
    guard let value = node as? Double else {
      throw FixtureError(message: "\(path) is not a number")
    }
    return value
  }

  struct FixtureError: Error {
    var message: String
  }
}

/// Small scoring helpers for learner tests (the Metrics module has the full set).
enum LearnerScores {
  static func accuracy(_ predicted: [Int], _ labels: [Double]) -> Double {
    Double(zip(predicted, labels).filter { Double($0) == $1 }.count) / Double(labels.count)
  }

  static func rSquared(_ predicted: [Double], _ labels: [Double]) -> Double {
    let mean = labels.reduce(0, +) / Double(labels.count)
    let residual = zip(predicted, labels).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
    let total = labels.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
    return 1 - residual / total
  }

  /// ROC-AUC by the Mann–Whitney statistic with ties counted half.
  static func rocAUC(_ scores: [Double], _ labels: [Double]) -> Double {
    let order = scores.indices.sorted { scores[$0] < scores[$1] }
    var ranks = [Double](repeating: 0, count: scores.count)
    var start = 0
    while start < order.count {
      var end = start
      while end + 1 < order.count && scores[order[end + 1]] == scores[order[start]] { end += 1 }
      for position in start...end { ranks[order[position]] = Double(start + end) / 2 + 1 }
      start = end + 1
    }
    let positives = labels.filter { $0 == 1 }.count
    let negatives = labels.count - positives
    let rankSum = zip(ranks, labels).filter { $0.1 == 1 }.reduce(0) { $0 + $1.0 }
    return (rankSum - Double(positives * (positives + 1)) / 2) / Double(positives * negatives)
  }
}

extension Double {
  /// Whether `self` is within `tolerance` (absolute) of `other`.
  func isNear(_ other: Double, within tolerance: Double) -> Bool {
    abs(self - other) <= tolerance
  }
}
