import Foundation
import RPC
import RPCCore
import WireProtos

/// The gateway's RPC methods: predictions from the catalog's models, with features from the
/// request or the online store, each logged to the monitor off the request path.
struct GatewayHandlers: Sendable {
  let catalog: ModelCatalog
  /// The feature service, for features the caller does not give; nil to require them.
  let features: RPCClient?
  let shipper: PredictionLogShipper?

  func register(into router: inout RPCRouter) {
    router.register(Inference.Method.Predict.self) { request, _ in
      try await PredictResponse(prediction: self.predict(request))
    }
    router.register(Inference.Method.ModelStatus.self) { request, _ in
      var response = ModelStatusResponse()
      response.models = self.catalog.all.filter { request.modelName.isEmpty || $0.name == request.modelName }.map { model in
        var loaded = LoadedModel()
        loaded.modelName = model.name
        loaded.version = model.version
        loaded.stage = .production
        loaded.role = .primary
        loaded.trafficFraction = 1
        loaded.state = .ready
        loaded.features = model.featureNames
        return loaded
      }
      response.spooledPredictions = UInt64(self.shipper?.spooledBatchCount ?? 0)
      return response
    }
  }

  func predict(_ request: PredictRequest) async throws -> Prediction {
    let start = DispatchTime.now().uptimeNanoseconds
    guard let reference = request.model, !reference.modelName.isEmpty else {
      throw RPCError(code: .invalidArgument, message: "model.model_name is required")
    }
    guard let model = self.catalog.model(named: reference.modelName) else {
      throw RPCError(code: .notFound, message: "no Production version of model \(reference.modelName) is loaded")
    }
    if case .version(let version) = reference.selector, version != model.version {
      throw RPCError(
        code: .notFound, message: "model \(reference.modelName) serves version \(model.version), not \(version)")
    }
    var features = request.features ?? FeatureVector()
    if features.names.isEmpty {
      guard !request.assetID.isEmpty else {
        throw RPCError(code: .invalidArgument, message: "give features, or an asset_id to read them for")
      }
      features = try await self.onlineFeatures(for: request.assetID, names: model.featureNames)
    }
    var prediction = try model.predict(assetID: request.assetID, features: features)
    prediction.role = .primary
    prediction.requestID = request.requestID.isEmpty ? UUID().uuidString : request.requestID
    prediction.timeUs = Int64(Date().timeIntervalSince1970 * 1_000_000)
    prediction.latencyUs = Int64((DispatchTime.now().uptimeNanoseconds - start) / 1_000)
    self.log(prediction, model: model, features: features)
    return prediction
  }

  private func onlineFeatures(for assetID: String, names: [String]) async throws -> FeatureVector {
    guard let client = self.features else {
      throw RPCError(code: .failedPrecondition, message: "this gateway reads no online store: give the features")
    }
    let response = try await client.call(
      Feature.Method.GetOnlineFeatures.self, GetOnlineFeaturesRequest(features: names, assetIDs: [assetID]),
      options: CallOptions(timeout: .seconds(2), isIdempotent: true))
    guard let matrix = response.features, matrix.values.count == matrix.featureNames.count else {
      throw RPCError(code: .notFound, message: "no online features for asset \(assetID)")
    }
    return FeatureVector(names: matrix.featureNames, values: matrix.values)
  }

  private func log(_ prediction: Prediction, model: ServingModel, features: FeatureVector) {
    guard let shipper = self.shipper else { return }
    var record = PredictionRecord()
    record.requestID = prediction.requestID
    record.timeUs = prediction.timeUs
    record.assetID = prediction.assetID
    record.value = prediction.value
    record.label = prediction.label
    record.confidence = prediction.confidence
    record.riskLevel = prediction.riskLevel
    record.latencyUs = prediction.latencyUs
    let byName = Dictionary(zip(features.names, features.values), uniquingKeysWith: { first, _ in first })
    record.featureValues = model.featureNames.map { byName[$0] ?? .nan }
    shipper.log(record, model: model.name, version: model.version, role: .primary, featureNames: model.featureNames)
  }
}
