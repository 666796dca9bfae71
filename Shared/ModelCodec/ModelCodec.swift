import ModelMath
import WireProtos
import ZstdCodec

/// Writes and reads model files: `DCMMSMDL`, the format version (big-endian u32), then one zstd
/// frame holding a `dcmms.v1.ModelFile` (proto/dcmms/v1/model.proto).
///
/// Reading checks everything before use: the header (a file from a newer format is refused
/// before decompressing), the decompressed size against a limit, the protobuf, and every tree's
/// structure (children point forward, features within the row width), so a damaged or hostile
/// file gives an error, never a crash. A model read back predicts bit-identically.
package enum ModelCodec {
  /// The format this code writes and the newest it reads.
  package static let formatVersion: UInt32 = 1
  /// The first bytes of every model file.
  package static let magic: [UInt8] = Array("DCMMSMDL".utf8)

  /// Encodes `stored` as a model file.
  /// - Parameter level: zstd level (3 by default; higher is smaller and slower).
  package static func encode(_ stored: StoredModel, level: Int32 = 3) -> [UInt8] {
    var file = ModelFile()
    file.formatVersion = Self.formatVersion
    file.featureCount = UInt32(stored.ensemble.featureCount)
    file.featureNames = stored.featureNames
    file.seed = stored.seed
    switch stored.model {
    case .randomForestClassifier(let forest):
      var message = RandomForestModel()
      message.task = .classification
      message.classCount = UInt32(forest.classCount)
      message.trees = forest.ensemble.trees.map(Self.arrays)
      message.featureImportances = forest.featureImportances
      file.model = .randomForest(message)
    case .randomForestRegressor(let forest):
      var message = RandomForestModel()
      message.task = .regression
      message.trees = forest.ensemble.trees.map(Self.arrays)
      message.featureImportances = forest.featureImportances
      file.model = .randomForest(message)
    case .gradientBoosting(let boosted):
      var message = GradientBoostingModel()
      switch boosted.options.loss {
      case .logistic: message.loss = .logistic
      case .squaredError: message.loss = .squaredError
      case .absoluteError: message.loss = .absoluteError
      case .quantile(let alpha):
        message.loss = .quantile
        message.quantileAlpha = alpha
      }
      message.initialScore = boosted.initialScore
      message.learningRate = boosted.options.learningRate
      message.trees = boosted.ensemble.trees.map(Self.arrays)
      file.model = .gradientBoosting(message)
    case .isolationForest(let forest):
      var message = IsolationForestModel()
      message.sampleSize = UInt32(forest.sampleSize)
      message.threshold = forest.threshold
      message.trees = forest.ensemble.trees.map(Self.arrays)
      file.model = .isolationForest(message)
    }
    var bytes = Self.magic
    for shift in [24, 16, 8, 0] { bytes.append(UInt8(truncatingIfNeeded: Self.formatVersion >> UInt32(shift))) }
    bytes += Zstd.compress(file.serializedBytes(), level: level)
    return bytes
  }

  /// Reads a model file.
  /// - Parameters:
  ///   - bytes: the whole file.
  ///   - maxDecompressedBytes: the largest model accepted once decompressed (512 MiB by default).
  /// - Throws: `ModelCodecError` saying what is wrong.
  package static func decode(
    _ bytes: [UInt8], maxDecompressedBytes: Int = 512 << 20
  ) throws(ModelCodecError) -> StoredModel {
    guard bytes.count >= 12, Array(bytes[0..<8]) == Self.magic else {
      throw ModelCodecError(code: .notAModelFile, message: "not a dCMMS model file (no DCMMSMDL header)")
    }
    let version = bytes[8..<12].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    guard version >= 1, version <= Self.formatVersion else {
      throw ModelCodecError(
        code: .unsupportedVersion,
        message: "model file format \(version) is newer than this build reads (up to \(Self.formatVersion)); upgrade the platform")
    }
    let file: ModelFile
    do {
      let payload = try Zstd.decompress(Array(bytes[12...]), maxOutputBytes: maxDecompressedBytes)
      file = try ModelFile(serializedBytes: payload)
    } catch let error as ZstdError {
      throw ModelCodecError(code: .corrupt, message: "model file: \(error.message)")
    } catch {
      throw ModelCodecError(code: .corrupt, message: "model file: \(error)")
    }
    guard file.formatVersion == version else {
      throw ModelCodecError(code: .corrupt, message: "model file header and body disagree on the format version")
    }
    do {
      return StoredModel(try Self.model(from: file), featureNames: file.featureNames, seed: file.seed)
    } catch {
      throw ModelCodecError(code: .corrupt, message: "model file holds an invalid model: \(error.message)", cause: error)
    }
  }

  private static func model(from file: ModelFile) throws(ModelMathError) -> StoredModel.Model {
    let featureCount = Int(file.featureCount)
    if !file.featureNames.isEmpty && file.featureNames.count != featureCount {
      throw ModelMathError(code: .invalidModel, message: "\(file.featureNames.count) feature names for \(featureCount) features")
    }
    func ensemble(_ trees: [TreeArrays]) throws(ModelMathError) -> TreeEnsemble {
      var flat: [FlatTree] = []
      flat.reserveCapacity(trees.count)
      for tree in trees { flat.append(try Self.tree(from: tree)) }
      return try TreeEnsemble(trees: flat, featureCount: featureCount)
    }
    switch file.model {
    case .randomForest(let message):
      var options = RandomForestOptions()
      options.treeCount = message.trees.count
      options.seed = file.seed
      if message.task == .classification {
        return .randomForestClassifier(
          try RandomForestClassifier(
            options: options, classCount: Int(message.classCount), ensemble: try ensemble(message.trees),
            featureImportances: message.featureImportances, outOfBagScore: nil))
      }
      return .randomForestRegressor(
        try RandomForestRegressor(
          options: options, ensemble: try ensemble(message.trees), featureImportances: message.featureImportances,
          outOfBagScore: nil))
    case .gradientBoosting(let message):
      let loss: GradientBoostingOptions.Loss
      switch message.loss {
      case .logistic: loss = .logistic
      case .squaredError: loss = .squaredError
      case .absoluteError: loss = .absoluteError
      case .quantile:
        guard message.quantileAlpha > 0, message.quantileAlpha < 1 else {
          throw ModelMathError(code: .invalidModel, message: "quantile alpha \(message.quantileAlpha) is outside (0, 1)")
        }
        loss = .quantile(alpha: message.quantileAlpha)
      default:
        throw ModelMathError(code: .invalidModel, message: "unknown boosting loss \(message.loss.rawValue)")
      }
      var options = GradientBoostingOptions(loss: loss)
      options.roundCount = message.trees.count
      options.learningRate = message.learningRate
      options.seed = file.seed
      return .gradientBoosting(
        try GradientBoostedTrees(options: options, initialScore: message.initialScore, ensemble: try ensemble(message.trees)))
    case .isolationForest(let message):
      var options = IsolationForest.Options()
      options.treeCount = message.trees.count
      options.sampleSize = Int(message.sampleSize)
      options.seed = file.seed
      return .isolationForest(
        try IsolationForest(
          options: options, sampleSize: Int(message.sampleSize), threshold: message.threshold,
          ensemble: try ensemble(message.trees)))
    case nil:
      throw ModelMathError(code: .invalidModel, message: "the file holds no model")
    }
  }

  private static func arrays(_ tree: FlatTree) -> TreeArrays {
    var arrays = TreeArrays()
    arrays.features = tree.features
    arrays.thresholds = tree.thresholds
    arrays.thresholdBins = tree.thresholdBins
    arrays.leftChildren = tree.leftChildren
    arrays.rightChildren = tree.rightChildren
    arrays.defaultLeft = tree.defaultLeft.map { $0 ? 1 : 0 }
    arrays.values = tree.values
    arrays.covers = tree.covers
    arrays.outputCount = UInt32(tree.outputCount)
    return arrays
  }

  private static func tree(from arrays: TreeArrays) throws(ModelMathError) -> FlatTree {
    try FlatTree(
      features: arrays.features, thresholds: arrays.thresholds, thresholdBins: arrays.thresholdBins,
      leftChildren: arrays.leftChildren, rightChildren: arrays.rightChildren,
      defaultLeft: arrays.defaultLeft.map { $0 != 0 }, values: arrays.values, covers: arrays.covers,
      outputCount: Int(arrays.outputCount))
  }
}

/// Why a model file could not be read.
package struct ModelCodecError: Error, Sendable, CustomStringConvertible {
  /// What was wrong.
  package struct Code: Hashable, Sendable {
    private enum Wrapped { case notAModelFile, unsupportedVersion, corrupt }
    private let wrapped: Wrapped
    /// The bytes do not start with the model file header.
    package static let notAModelFile = Self(wrapped: .notAModelFile)
    /// The file was written by a newer format than this build reads.
    package static let unsupportedVersion = Self(wrapped: .unsupportedVersion)
    /// The file is damaged or holds an inconsistent model.
    package static let corrupt = Self(wrapped: .corrupt)
  }
  /// What was wrong.
  package var code: Code
  /// A message for the operator.
  package var message: String
  /// The underlying error, for logs.
  package var cause: (any Error)?

  package init(code: Code, message: String, cause: (any Error)? = nil) {
    self.code = code
    self.message = message
    self.cause = cause
  }

  package var description: String { self.message }
}
