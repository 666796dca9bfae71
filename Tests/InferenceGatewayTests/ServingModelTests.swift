@testable import InferenceGateway
import ModelCodec
import ModelMath
import RPCCore
import Testing
import TestSupport
import WireProtos

private func trainedForest() throws -> StoredModel {
  // Through the file format, as the gateway loads it.
  try ModelCodec.decode(try ModelFixtures.inverterModelFile(seed: 5))
}

@Suite("Serving a model")
struct ServingModelTests {
  @Test("features are matched by name; probability, risk level and confidence follow the model")
  func predicts() throws {
    let model = ServingModel(name: "inverter_fault", version: "1.0.0", useCase: .inverterFault, stored: try trainedForest())
    let hot = try model.predict(
      assetID: "INV-1", features: FeatureVector(names: ["imbalance", "temperature", "unrelated"], values: [0.9, 95, 1]))
    #expect(hot.value > 0.7)
    #expect(hot.riskLevel == .high)
    #expect(hot.label == "1")
    #expect(hot.confidence == hot.value)
    #expect(hot.classScores.map(\.probability).reduce(0, +) > 0.999)
    #expect(hot.featureIssues.isEmpty)
    let cool = try model.predict(assetID: "INV-2", features: FeatureVector(names: ["temperature", "imbalance"], values: [10, 0.1]))
    #expect(cool.value < 0.4)
    #expect(cool.riskLevel == .low)
    #expect(cool.modelName == "inverter_fault" && cool.modelVersion == "1.0.0")
  }

  @Test("a missing or NaN feature degrades the prediction and says so; infinity is refused")
  func missingFeatures() throws {
    let model = ServingModel(name: "m", version: "1.0.0", useCase: .inverterFault, stored: try trainedForest())
    let partial = try model.predict(assetID: "A", features: FeatureVector(names: ["temperature"], values: [95]))
    #expect(partial.featureIssues.map(\.feature) == ["imbalance"])
    #expect(partial.featureIssues.first?.status == .missing)
    #expect((0...1).contains(partial.value))
    let nan = try model.predict(assetID: "A", features: FeatureVector(names: ["temperature", "imbalance"], values: [.nan, 0.5]))
    #expect(nan.featureIssues.map(\.feature) == ["temperature"])
    let error = #expect(throws: RPCError.self) {
      try model.predict(assetID: "A", features: FeatureVector(names: ["temperature", "imbalance"], values: [.infinity, 0.5]))
    }
    #expect(error?.code == .invalidArgument)
    let mismatch = #expect(throws: RPCError.self) {
      try model.predict(assetID: "A", features: FeatureVector(names: ["temperature"], values: [1, 2]))
    }
    #expect(mismatch?.code == .invalidArgument)
  }
}
