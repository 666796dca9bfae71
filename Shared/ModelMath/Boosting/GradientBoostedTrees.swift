/// A LightGBM-style gradient boosted tree model: binned histograms, leaf-wise growth, learned
/// missing-value directions.
///
/// The raw score of a row is `initialScore` plus the sum of its leaf values over all trees; the
/// prediction is the sigmoid of it for `.logistic` and the score itself otherwise.
package struct GradientBoostedTrees: Sendable {
  /// The options the model was trained with (including the seed).
  package let options: GradientBoostingOptions
  /// The score before any tree (log-odds, mean, median or quantile of the labels).
  package let initialScore: Double
  /// The trees, flattened; each leaf holds its learning-rate-scaled value.
  package let ensemble: TreeEnsemble
  /// Validation loss after each round when a validation set was given (output space: log loss,
  /// MSE, MAE or pinball), including rounds after the best one.
  package let validationLosses: [Double]

  /// Trains a model.
  ///
  /// O(rounds × rows × features) histogram work (halved by subtraction, split over cores),
  /// plus O(rounds × rows × depth) to update scores. Checks cancellation before every round.
  /// - Parameters:
  ///   - data: training rows; labels must be 0/1 for `.logistic`.
  ///   - validation: rows for early stopping and `validationLosses`, same features.
  ///   - options: hyperparameters.
  ///   - shouldStop: asked before each round with the round number; `true` cancels.
  /// - Returns: the model, cut back to the best round when early stopping is on.
  /// - Throws: `invalidHyperparameter`, `invalidLabel`, `singleClass`, `featureCountMismatch`,
  ///   `cancelled` when the task is cancelled or `shouldStop` returns `true`.
  package static func fit(
    _ data: Dataset, validation: Dataset? = nil, options: GradientBoostingOptions,
    shouldStop: ((Int) -> Bool)? = nil
  ) throws(ModelMathError) -> GradientBoostedTrees {
    try options.validate()
    if case .logistic = options.loss {
      for (row, label) in data.labels.enumerated() where label != 0 && label != 1 {
        throw ModelMathError(
          code: .invalidLabel, message: "label of row \(row) is \(label), not 0 or 1")
      }
      guard data.labels.contains(0), data.labels.contains(1) else {
        throw ModelMathError(code: .singleClass, message: "logistic boosting needs labels 0 and 1")
      }
    }
    if let validation, validation.featureCount != data.featureCount {
      throw ModelMathError(
        code: .featureCountMismatch,
        message: "validation has \(validation.featureCount) features, training \(data.featureCount)"
      )
    }
    try ModelMathError.require(
      options.earlyStoppingRounds == nil || validation != nil,
      "early stopping needs a validation set")

    let loss = options.loss
    let rowCount = data.rowCount
    let featureCount = data.featureCount
    let binned = try BinnedMatrix(binning: data.features, maxBins: options.maxBins)
    let weights = data.weights ?? [Double](repeating: 1, count: rowCount)
    let initialScore = loss.initialScore(labels: data.labels, weights: weights)
    var scores = [Double](repeating: initialScore, count: rowCount)
    var validationScores = [Double](repeating: initialScore, count: validation?.rowCount ?? 0)
    let validationWeights = validation.map {
      $0.weights ?? [Double](repeating: 1, count: $0.rowCount)
    }
    let grower = LeafwiseTreeGrower(binned: binned, options: options)
    var random = SplitMix64(seed: options.seed)
    let allRows = (0..<rowCount).map { Int32($0) }
    let allFeatures = Array(0..<featureCount)
    let featuresPerTree = max(1, Int((options.featureFraction * Double(featureCount)).rounded()))
    var gradients = [Double](repeating: 0, count: 2 * rowCount)
    var trees = [FlatTree]()
    var losses = [Double]()
    var bestRound = 0
    var bestLoss = Double.infinity

    for round in 0..<options.roundCount {
      if Task.isCancelled || shouldStop?(round) == true {
        throw ModelMathError(code: .cancelled, message: "training cancelled before round \(round)")
      }
      for row in 0..<rowCount {
        let (gradient, hessian) = loss.derivatives(score: scores[row], label: data.labels[row])
        gradients[2 * row] = gradient * weights[row]
        gradients[2 * row + 1] = hessian * weights[row]
      }
      var rows = allRows
      if options.baggingFraction < 1 {
        rows = allRows.filter { _ in random.nextUnit() < options.baggingFraction }
        if rows.isEmpty { rows = allRows }
      }
      var features = allFeatures
      if featuresPerTree < featureCount {
        features.shuffle(using: &random)
        features = Array(features[..<featuresPerTree]).sorted()
      }

      var (recorder, leaves) = grower.grow(gradients: gradients, rows: rows, features: features)
      for leaf in leaves {
        var value: Double
        if loss.renewsLeaves {
          let leafRows = grower.indices[leaf.start..<leaf.end].map { Int($0) }
          value =
            leafRows.isEmpty
            ? 0
            : GradientBoostingOptions.Loss.weightedQuantile(
              leafRows.map { data.labels[$0] - scores[$0] }, leafRows.map { weights[$0] },
              alpha: loss.renewalAlpha)
        } else {
          let denominator = leaf.hessian + options.l2Regularization
          value = denominator > 0 ? -leaf.gradient / denominator : 0
        }
        recorder.setValue(leaf.node, value * options.learningRate)
      }
      let tree = recorder.makeTree()
      if rows.count == rowCount {
        for leaf in leaves {
          let value = tree.values[leaf.node]
          for position in leaf.start..<leaf.end { scores[Int(grower.indices[position])] += value }
        }
      } else {
        for row in 0..<rowCount {
          scores[row] += tree.values[Self.leaf(of: tree, binned: binned, row: row)]
        }
      }
      trees.append(tree)

      if let validation, let validationWeights {
        for row in 0..<validation.rowCount {
          validationScores[row] += tree.values[tree.leaf { validation.features[row, $0] }]
        }
        let roundLoss = loss.meanLoss(
          outputs: validationScores.map { loss.output(score: $0) }, labels: validation.labels,
          weights: validationWeights)
        losses.append(roundLoss)
        if roundLoss < bestLoss {
          bestLoss = roundLoss
          bestRound = round
        } else if let patience = options.earlyStoppingRounds, round - bestRound >= patience {
          break
        }
      }
    }
    if options.earlyStoppingRounds != nil {
      trees.removeSubrange((bestRound + 1)...)
    }
    return try GradientBoostedTrees(
      options: options, initialScore: initialScore,
      ensemble: try TreeEnsemble(trees: trees, featureCount: featureCount), validationLosses: losses
    )
  }

  private static func leaf(of tree: FlatTree, binned: BinnedMatrix, row: Int) -> Int {
    var node = 0
    while tree.features[node] >= 0 {
      let bin = binned[row, Int(tree.features[node])]
      let goesLeft =
        bin == FeatureBins.missingBin ? tree.defaultLeft[node] : bin <= tree.thresholdBins[node]
      node = Int(goesLeft ? tree.leftChildren[node] : tree.rightChildren[node])
    }
    return node
  }

  /// Rebuilds a model from its parts (for deserialization).
  /// - Throws: `invalidModel` when the trees have more than one output or the score is not finite.
  package init(
    options: GradientBoostingOptions, initialScore: Double, ensemble: TreeEnsemble,
    validationLosses: [Double] = []
  ) throws(ModelMathError) {
    guard ensemble.outputCount == 1, initialScore.isFinite else {
      throw ModelMathError(
        code: .invalidModel, message: "boosted trees need one output and a finite base")
    }
    self.options = options
    self.initialScore = initialScore
    self.ensemble = ensemble
    self.validationLosses = validationLosses
  }

  /// Number of trees kept (after early stopping).
  package var roundCount: Int { self.ensemble.treeCount }

  /// Raw score (log-odds for `.logistic`) of one row. No allocation; O(trees × depth).
  /// - Throws: `featureCountMismatch`.
  package func rawScore(row: UnsafeBufferPointer<Float>) throws(ModelMathError) -> Double {
    try self.ensemble.checkRow(row.count)
    guard let base = row.baseAddress else { return self.initialScore }
    return self.initialScore + self.ensemble.sum(row: base)
  }

  /// Prediction for one row: probability for `.logistic`, value otherwise. No allocation.
  /// - Throws: `featureCountMismatch`.
  package func predict(row: [Float]) throws(ModelMathError) -> Double {
    try row.withUnsafeBufferPointer { buffer throws(ModelMathError) in
      self.options.loss.output(score: try self.rawScore(row: buffer))
    }
  }

  /// Raw scores of every row, on all cores.
  /// - Throws: `featureCountMismatch`.
  package func rawScores(_ features: FeatureMatrix) throws(ModelMathError) -> [Double] {
    try self.ensemble.sums(features).map { $0 + self.initialScore }
  }

  /// Predictions for every row (probabilities for `.logistic`), on all cores.
  /// - Throws: `featureCountMismatch`.
  package func predict(_ features: FeatureMatrix) throws(ModelMathError) -> [Double] {
    try self.rawScores(features).map { self.options.loss.output(score: $0) }
  }
}
