package import ModelCodec
package import ModelMath

/// Small trained models for tests of the services that store, load and serve them.
package enum ModelFixtures {
  /// A forest that learned "fault when temperature > 60 and imbalance > 0.3" from `rows`
  /// seeded rows of two features (temperature 0–99, imbalance 0–0.99).
  package static func inverterForest(seed: UInt64, rows: Int = 400, trees: Int = 15) throws -> RandomForestClassifier {
    var generator = SplitMix64(seed: seed)
    var columns: [[Float]] = [[], []]
    var labels: [Double] = []
    for _ in 0..<rows {
      let temperature = Float(generator.next() % 100)
      let imbalance = Float(generator.next() % 100) / 100
      columns[0].append(temperature)
      columns[1].append(imbalance)
      labels.append(temperature > 60 && imbalance > 0.3 ? 1 : 0)
    }
    var options = RandomForestOptions()
    options.treeCount = trees
    options.seed = seed
    return try RandomForestClassifier.fit(
      try Dataset(features: try FeatureMatrix(columns: columns), labels: labels), options: options)
  }

  /// `inverterForest` written as a model file whose two inputs are named `featureNames`.
  package static func inverterModelFile(
    seed: UInt64, featureNames: [String] = ["temperature", "imbalance"]
  ) throws -> [UInt8] {
    ModelCodec.encode(StoredModel(.randomForestClassifier(try Self.inverterForest(seed: seed)), featureNames: featureNames, seed: seed))
  }
}
