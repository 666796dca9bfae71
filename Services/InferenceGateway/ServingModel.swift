import Foundation
import ModelCodec
import ModelMath
import RPCCore
import WireProtos

/// A model version loaded in the gateway: turns a feature vector into a `Prediction`.
///
/// Features are matched by name to the model's inputs; a missing feature becomes NaN (the trees
/// route it to its learned side) and is reported in `feature_issues`, so the caller sees the
/// prediction is degraded. An infinite value is refused. Thread-safe and allocation-light: one
/// small row buffer per call.
struct ServingModel: Sendable {
  /// Risk level cut-offs on a probability or anomaly score (the spec's defaults).
  struct RiskThresholds: Sendable {
    var high = 0.7
    var medium = 0.4
  }

  let name: String
  let version: String
  let useCase: UseCase
  let stored: StoredModel
  let thresholds: RiskThresholds
  private let inputIndex: [String: Int]

  init(name: String, version: String, useCase: UseCase, stored: StoredModel, thresholds: RiskThresholds = RiskThresholds()) {
    self.name = name
    self.version = version
    self.useCase = useCase
    self.stored = stored
    self.thresholds = thresholds
    self.inputIndex = Dictionary(stored.featureNames.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
  }

  /// The model's input names, in order.
  var featureNames: [String] { self.stored.featureNames }

  /// Predicts for one asset.
  /// - Throws: `RPCError` (INVALID_ARGUMENT) for mismatched names/values or an infinite value.
  func predict(assetID: String, features: FeatureVector) throws(RPCError) -> Prediction {
    guard features.names.count == features.values.count else {
      throw RPCError(
        code: .invalidArgument,
        message: "\(features.names.count) feature names for \(features.values.count) values")
    }
    let width = self.stored.ensemble.featureCount
    var row = [Float](repeating: .nan, count: width)
    var present = [Bool](repeating: false, count: width)
    for (name, value) in zip(features.names, features.values) {
      guard let index = self.inputIndex[name] else { continue }
      guard !value.isInfinite else {
        throw RPCError(code: .invalidArgument, message: "feature \(name) is infinite")
      }
      row[index] = Float(value)
      present[index] = !value.isNaN
    }
    var prediction = Prediction()
    prediction.assetID = assetID
    prediction.modelName = self.name
    prediction.modelVersion = self.version
    prediction.useCase = self.useCase
    prediction.featureIssues = self.featureNames.enumerated().compactMap { index, name in
      present[index] ? nil : FeatureIssue(feature: name, status: .missing, ageUs: 0)
    }
    do {
      switch self.stored.model {
      case .randomForestClassifier(let forest):
        let scores = try (0..<forest.classCount).map { try forest.probability(ofClass: $0, row: row) }
        prediction.classScores = scores.enumerated().map { ClassScore(label: String($0), probability: $1) }
        let best = scores.indices.max { scores[$0] < scores[$1] } ?? 0
        prediction.label = String(best)
        prediction.confidence = scores[best]
        prediction.value = forest.classCount == 2 ? scores[1] : scores[best]
        prediction.riskLevel = forest.classCount == 2 ? self.risk(scores[1]) : .unspecified
      case .randomForestRegressor(let forest):
        prediction.value = try forest.predict(row: row)
      case .gradientBoosting(let boosted):
        prediction.value = try boosted.predict(row: row)
        if case .logistic = boosted.options.loss {
          prediction.confidence = max(prediction.value, 1 - prediction.value)
          prediction.label = prediction.value >= 0.5 ? "1" : "0"
          prediction.riskLevel = self.risk(prediction.value)
          prediction.classScores = [
            ClassScore(label: "0", probability: 1 - prediction.value), ClassScore(label: "1", probability: prediction.value),
          ]
        }
      case .isolationForest(let forest):
        prediction.value = try forest.score(row: row)
        prediction.label = prediction.value >= forest.threshold ? "anomaly" : "normal"
        prediction.riskLevel = self.risk(prediction.value)
      }
    } catch {
      throw RPCError(code: .internalError, message: "model \(self.name) \(self.version) failed: \(error)", cause: error)
    }
    return prediction
  }

  private func risk(_ probability: Double) -> RiskLevel {
    probability > self.thresholds.high ? .high : (probability > self.thresholds.medium ? .medium : .low)
  }
}
