import Foundation
import ModelMath

/// `dcmms-bench modelmath --data CSV [--models rf,gbm,iforest] [--repeats N]
///   [--reference "PYTHON SCRIPT"]`
///
/// Trains on the first 80 % of the inverter-fault CSV (sorted by time) with the hyperparameters of
/// /work/shared/bench/reference_train.py and prints fit time, test metrics at 0.5, batch rows/s
/// over the first 200k rows and single-row latency, one line per model, in the reference's format.
/// With `--reference`, runs that script on the same file right after (scikit-learn forest,
/// LightGBM, IsolationForest; one repeat each), so both sides share the machine's conditions.
enum ModelMathBench {
  static func run(_ arguments: [String]) throws {
    var dataPath = ""
    var models = ["rf", "gbm", "iforest"]
    var repeats = 1
    var reference = ""
    var index = 0
    while index < arguments.count {
      switch arguments[index] {
      case "--data": dataPath = arguments[index + 1]; index += 1
      case "--models":
        models = arguments[index + 1].split(separator: ",").map(String.init); index += 1
      case "--repeats": repeats = Int(arguments[index + 1]) ?? 1; index += 1
      case "--reference": reference = arguments[index + 1]; index += 1
      default: break
      }
      index += 1
    }
    let clock = ContinuousClock()
    let loadStart = clock.now
    let (features, labels) = try self.load(dataPath)
    let trainRows = labels.count * 8 / 10
    let all = try Dataset(features: features, labels: labels)
    let train = all.selecting(rows: Array(0..<trainRows))
    let test = all.selecting(rows: Array(trainRows..<labels.count))
    let batch = features.selecting(rows: Array(0..<min(200_000, labels.count)))
    let singleRows = stride(from: 0, to: min(test.rowCount, 100_000), by: 50).map {
      test.features.row($0)
    }
    print("loaded \(labels.count) rows × \(features.featureCount) in \(clock.now - loadStart)")

    for model in models {
      switch model {
      case "rf":
        var options = RandomForestOptions()
        options.treeCount = 200
        options.maxDepth = 15
        options.minSamplesSplit = 10
        options.classWeight = .balanced
        options.seed = 42
        var forest: RandomForestClassifier?
        let fit = try self.median(repeats) {
          forest = try RandomForestClassifier.fit(train, options: options)
        }
        guard let forest else { return }
        try self.report(
          "rf", fit: fit,
          probabilities: {
            try forest.probabilities($0).enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
          },
          single: { row in try forest.probability(ofClass: 1, row: row) }, test: test, batch: batch,
          singleRows: singleRows,
          extra: "nodes \(forest.ensemble.trees.reduce(0) { $0 + $1.nodeCount })")
      case "gbm":
        var options = GradientBoostingOptions(loss: .logistic)
        options.roundCount = 200
        options.leafCount = 63
        options.seed = 42
        var boosted: GradientBoostedTrees?
        let fit = try self.median(repeats) {
          boosted = try GradientBoostedTrees.fit(train, options: options)
        }
        guard let boosted else { return }
        try self.report(
          "gbm", fit: fit, probabilities: { try boosted.predict($0) },
          single: { row in try boosted.predict(row: row) }, test: test, batch: batch,
          singleRows: singleRows,
          extra:
            "depth mean \(boosted.ensemble.trees.reduce(0) { $0 + $1.depth } / boosted.roundCount) max \(boosted.ensemble.trees.map(\.depth).max() ?? 0)"
        )
      case "iforest":
        var forest: IsolationForest?
        var options = IsolationForest.Options()
        options.seed = 42
        let fit = try self.median(repeats) {
          forest = try IsolationForest.fit(batch, options: options)
        }
        guard let forest else { return }
        var scores: [Double] = []
        let score = try self.median(repeats) { scores = try forest.scores(batch) }
        blackHole(scores)
        print("[iforest] fit median \(self.seconds(fit))s score200k median \(self.seconds(score))s")
      default:
        print("unknown model \(model)")
      }
    }
    if !reference.isEmpty {
      let parts = reference.split(separator: " ").map(String.init)
      fflush(nil)  // our lines first: the child shares the output stream
      let process = Process()
      process.executableURL = URL(fileURLWithPath: parts[0])
      // scikit-learn 1.9 warns once per predict call from joblib workers (hundreds of MB).
      process.environment = ProcessInfo.processInfo.environment.merging(["PYTHONWARNINGS": "ignore"]
      ) { $1 }
      let referenceModels = models.map { $0 == "gbm" ? "lgb" : $0 }.joined(separator: ",")
      process.arguments =
        Array(parts.dropFirst()) + [
          "--data", dataPath, "--models", referenceModels, "--repeats", "\(repeats)",
          "--rf-repeats", "\(repeats)", "--single", "1000",
        ]
      try process.run()
      process.waitUntilExit()
    }
  }

  private static func report(
    _ name: String, fit: Duration, probabilities: (FeatureMatrix) throws -> [Double],
    single: ([Float]) throws -> Double, test: Dataset, batch: FeatureMatrix, singleRows: [[Float]],
    extra: String
  ) throws {
    let predicted = try probabilities(test.features)
    let (precision, recall, f1) = self.classification(predicted, test.labels)
    let auc = self.rocAUC(predicted, test.labels)
    var output: [Double] = []
    let batchTime = try self.median(3) { output = try probabilities(batch) }
    blackHole(output)
    let clock = ContinuousClock()
    for row in singleRows.prefix(20) { blackHole(try single(row)) }
    var latencies: [Duration] = []
    for row in singleRows {
      let start = clock.now
      let value = try single(row)
      latencies.append(clock.now - start)
      blackHole(value)
    }
    latencies.sort()
    let p50 = latencies[latencies.count / 2]
    let p99 = latencies[min(latencies.count - 1, latencies.count * 99 / 100)]
    print(
      "[\(name)] fit median \(self.seconds(fit))s | P=\(self.fixed(precision)) R=\(self.fixed(recall)) "
        + "F1=\(self.fixed(f1)) AUC=\(self.fixed(auc)) | batch \(Int(Double(batch.rowCount) / self.seconds(batchTime))) rows/s"
        + " | single p50 \(self.micros(p50))µs p99 \(self.micros(p99))µs \(extra)")
  }

  private static func load(_ path: String) throws -> (FeatureMatrix, [Double]) {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
    let header = lines.removeFirst().split(separator: ",")
    let featureColumns = header.indices.filter {
      !["asset_id", "event_timestamp", "fault_within_30d"].contains(String(header[$0]))
    }
    guard let labelColumn = header.firstIndex(of: "fault_within_30d") else {
      throw ModelMathError(code: .emptyDataset, message: "no fault_within_30d column")
    }
    var values = [Float]()
    values.reserveCapacity(lines.count * featureColumns.count)
    var labels = [Double]()
    for line in lines {
      let fields = line.split(separator: ",", omittingEmptySubsequences: false)
      for column in featureColumns { values.append(Float(fields[column]) ?? .nan) }
      labels.append(Double(fields[labelColumn]) ?? 0)
    }
    return (try FeatureMatrix(rowMajor: values, featureCount: featureColumns.count), labels)
  }

  private static func median(_ repeats: Int, _ body: () throws -> Void) throws -> Duration {
    let clock = ContinuousClock()
    var times: [Duration] = []
    for _ in 0..<max(1, repeats) {
      let start = clock.now
      try body()
      times.append(clock.now - start)
    }
    return times.sorted()[times.count / 2]
  }

  private static func classification(_ probabilities: [Double], _ labels: [Double]) -> (
    Double, Double, Double
  ) {
    var truePositive = 0.0
    var falsePositive = 0.0
    var falseNegative = 0.0
    for (probability, label) in zip(probabilities, labels) {
      let predicted = probability >= 0.5
      if predicted && label == 1 { truePositive += 1 }
      if predicted && label == 0 { falsePositive += 1 }
      if !predicted && label == 1 { falseNegative += 1 }
    }
    let precision = truePositive / max(1, truePositive + falsePositive)
    let recall = truePositive / max(1, truePositive + falseNegative)
    return (
      precision, recall, precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
    )
  }

  private static func rocAUC(_ scores: [Double], _ labels: [Double]) -> Double {
    let order = scores.indices.sorted { scores[$0] < scores[$1] }
    var rankSum = 0.0
    var start = 0
    while start < order.count {
      var end = start
      while end + 1 < order.count && scores[order[end + 1]] == scores[order[start]] { end += 1 }
      let rank = Double(start + end) / 2 + 1
      for position in start...end where labels[order[position]] == 1 { rankSum += rank }
      start = end + 1
    }
    let positives = Double(labels.filter { $0 == 1 }.count)
    let negatives = Double(labels.count) - positives
    return (rankSum - positives * (positives + 1) / 2) / (positives * negatives)
  }

  private static func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
  }

  private static func micros(_ duration: Duration) -> String {
    String(format: "%.2f", self.seconds(duration) * 1e6)
  }

  private static func fixed(_ value: Double) -> String {
    String(format: "%.4f", value)
  }
}

