import ModelCodec
import ModelMath
import Testing

/// A small seeded classification set: label 1 when x0 + x1 > 1, with some NaN features.
private func data(rows: Int = 600, seed: UInt64 = 7) throws -> (Dataset, FeatureMatrix) {
  var generator = SplitMix64(seed: seed)
  var columns: [[Float]] = [[], [], []]
  var labels: [Double] = []
  for row in 0..<rows {
    let a = Float(Double(generator.next() % 10_000) / 10_000)
    let b = Float(Double(generator.next() % 10_000) / 10_000)
    let c = row % 17 == 0 ? Float.nan : Float(Double(generator.next() % 10_000) / 10_000)
    columns[0].append(a)
    columns[1].append(b)
    columns[2].append(c)
    labels.append(a + b > 1 ? 1 : 0)
  }
  let features = try FeatureMatrix(columns: columns)
  return (try Dataset(features: features, labels: labels), features)
}

@Suite("Model files")
struct ModelCodecTests {
  @Test("a random forest classifier reads back with bit-identical predictions")
  func forestRoundTrip() throws {
    let (dataset, features) = try data()
    var options = RandomForestOptions()
    options.treeCount = 20
    options.maxDepth = 6
    options.seed = 3
    let forest = try RandomForestClassifier.fit(dataset, options: options)
    let file = ModelCodec.encode(StoredModel(.randomForestClassifier(forest), featureNames: ["a", "b", "c"], seed: 3))
    let stored = try ModelCodec.decode(file)
    guard case .randomForestClassifier(let decoded) = stored.model else {
      Issue.record("wrong model kind")
      return
    }
    #expect(stored.featureNames == ["a", "b", "c"])
    #expect(stored.seed == 3)
    let before = try forest.probabilities(features)
    let after = try decoded.probabilities(features)
    #expect(before.map(\.bitPattern) == after.map(\.bitPattern))
    #expect(decoded.ensemble.trees == forest.ensemble.trees)
  }

  @Test("boosted trees, a regressor and an isolation forest read back bit-identically")
  func otherModels() throws {
    let (dataset, features) = try data()
    var boostingOptions = GradientBoostingOptions(loss: .quantile(alpha: 0.9))
    boostingOptions.roundCount = 15
    let boosted = try GradientBoostedTrees.fit(dataset, options: boostingOptions)
    var forestOptions = RandomForestOptions()
    forestOptions.treeCount = 10
    let regressor = try RandomForestRegressor.fit(dataset, options: forestOptions)
    var isolationOptions = IsolationForest.Options()
    isolationOptions.treeCount = 25
    isolationOptions.contamination = 0.05
    let isolation = try IsolationForest.fit(features, options: isolationOptions)

    guard case .gradientBoosting(let boostedBack) = try ModelCodec.decode(ModelCodec.encode(StoredModel(.gradientBoosting(boosted)))).model,
      case .randomForestRegressor(let regressorBack) = try ModelCodec.decode(ModelCodec.encode(StoredModel(.randomForestRegressor(regressor)))).model,
      case .isolationForest(let isolationBack) = try ModelCodec.decode(ModelCodec.encode(StoredModel(.isolationForest(isolation)))).model
    else {
      Issue.record("wrong model kind")
      return
    }
    #expect(try boosted.predict(features).map(\.bitPattern) == boostedBack.predict(features).map(\.bitPattern))
    #expect(try regressor.predict(features).map(\.bitPattern) == regressorBack.predict(features).map(\.bitPattern))
    #expect(try isolation.scores(features).map(\.bitPattern) == isolationBack.scores(features).map(\.bitPattern))
    #expect(isolationBack.threshold == isolation.threshold)
  }

  @Test("a file from a newer format is refused before it is decompressed")
  func futureVersion() throws {
    let (dataset, _) = try data(rows: 100)
    var options = RandomForestOptions()
    options.treeCount = 2
    var file = ModelCodec.encode(StoredModel(.randomForestClassifier(try RandomForestClassifier.fit(dataset, options: options))))
    file[11] = 2
    // Garbage after the header shows that nothing past it is read.
    file.replaceSubrange(12..., with: [1, 2, 3])
    let error = #expect(throws: ModelCodecError.self) { try ModelCodec.decode(file) }
    #expect(error?.code == .unsupportedVersion)
    #expect(error?.message.contains("newer") == true)
  }

  @Test("garbage, truncated and tampered files give errors, never crashes")
  func badFiles() throws {
    let (dataset, _) = try data(rows: 200)
    var options = RandomForestOptions()
    options.treeCount = 3
    let file = ModelCodec.encode(StoredModel(.randomForestClassifier(try RandomForestClassifier.fit(dataset, options: options))))
    #expect(throws: ModelCodecError.self) { try ModelCodec.decode([]) }
    #expect(throws: ModelCodecError.self) { try ModelCodec.decode(Array("not a model at all".utf8)) }
    for cut in [12, 13, file.count / 2, file.count - 1] {
      let error = #expect(throws: ModelCodecError.self) { try ModelCodec.decode(Array(file[..<cut])) }
      #expect(error?.code == .corrupt)
    }
    // Every single-byte change of the body is caught or decodes to a valid model.
    var generator = SplitMix64(seed: 11)
    for _ in 0..<200 {
      var damaged = file
      let index = 12 + Int(generator.next() % UInt64(file.count - 12))
      damaged[index] ^= UInt8(1 + generator.next() % 255)
      _ = try? ModelCodec.decode(damaged)
    }
  }

  @Test("decompression is bounded")
  func bounded() throws {
    let (dataset, _) = try data(rows: 300)
    var options = RandomForestOptions()
    options.treeCount = 10
    let file = ModelCodec.encode(StoredModel(.randomForestClassifier(try RandomForestClassifier.fit(dataset, options: options))))
    let error = #expect(throws: ModelCodecError.self) { try ModelCodec.decode(file, maxDecompressedBytes: 100) }
    #expect(error?.code == .corrupt)
    #expect(error?.message.contains("exceeds the limit") == true)
  }
}
