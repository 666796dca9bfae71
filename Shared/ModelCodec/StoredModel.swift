package import ModelMath

/// A trained model as stored in a model file, with what the file says about its inputs.
package struct StoredModel: Sendable {
  /// The model itself.
  package enum Model: Sendable {
    case randomForestClassifier(RandomForestClassifier)
    case randomForestRegressor(RandomForestRegressor)
    case gradientBoosting(GradientBoostedTrees)
    case isolationForest(IsolationForest)
  }

  /// The model.
  package var model: Model
  /// Names of the input features, in input order (may be empty).
  package var featureNames: [String]
  /// The seed the model was trained with.
  package var seed: UInt64

  /// Wraps a model with its feature names and seed.
  package init(_ model: Model, featureNames: [String] = [], seed: UInt64 = 0) {
    self.model = model
    self.featureNames = featureNames
    self.seed = seed
  }

  /// The trees of the model.
  package var ensemble: TreeEnsemble {
    switch self.model {
    case .randomForestClassifier(let forest): forest.ensemble
    case .randomForestRegressor(let forest): forest.ensemble
    case .gradientBoosting(let boosted): boosted.ensemble
    case .isolationForest(let forest): forest.ensemble
    }
  }
}
