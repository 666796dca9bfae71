// TreeSHAP entry points on each tree model. Local accuracy holds in each model's own output
// space: probability for forest classifiers, prediction for regressors, raw score (log-odds for
// the logistic loss) for boosted trees.

extension RandomForestClassifier {
  /// SHAP values of the probability of `classIndex` for one row.
  /// - Parameters:
  ///   - row: `featureCount` raw values, NaN for missing.
  ///   - classIndex: the class whose probability is explained.
  /// - Returns: base value and contributions summing to the forest's probability.
  /// - Throws: `featureCountMismatch`.
  package func shapValues(row: [Float], classIndex: Int = 1) throws(ModelMathError)
    -> SHAPExplanation
  {
    try self.ensemble.checkRow(row.count)
    precondition((0..<self.classCount).contains(classIndex), "class index out of range")
    let scale = 1 / Double(self.ensemble.treeCount)
    if self.classCount > 2 {
      return TreeSHAP.explain(
        ensemble: self.ensemble, output: classIndex, scale: scale, offset: 0, row: row)
    }
    let positive = TreeSHAP.explain(
      ensemble: self.ensemble, output: 0, scale: scale, offset: 0, row: row)
    if classIndex == 1 { return positive }
    return SHAPExplanation(
      baseValue: 1 - positive.baseValue, contributions: positive.contributions.map { -$0 })
  }

  /// Global importance: mean |SHAP| of the probability of `classIndex` per feature.
  /// - Throws: `featureCountMismatch`.
  package func meanAbsoluteSHAP(_ features: FeatureMatrix, classIndex: Int = 1)
    throws(ModelMathError)
    -> [Double]
  {
    try self.ensemble.checkRow(features.featureCount)
    return TreeSHAP.meanAbsolute(
      ensemble: self.ensemble, output: self.classCount > 2 ? classIndex : 0,
      scale: 1 / Double(self.ensemble.treeCount), features: features)
  }
}

extension RandomForestRegressor {
  /// SHAP values of the prediction for one row.
  /// - Throws: `featureCountMismatch`.
  package func shapValues(row: [Float]) throws(ModelMathError) -> SHAPExplanation {
    try self.ensemble.checkRow(row.count)
    return TreeSHAP.explain(
      ensemble: self.ensemble, output: 0, scale: 1 / Double(self.ensemble.treeCount), offset: 0,
      row: row)
  }

  /// Global importance: mean |SHAP| per feature.
  /// - Throws: `featureCountMismatch`.
  package func meanAbsoluteSHAP(_ features: FeatureMatrix) throws(ModelMathError) -> [Double] {
    try self.ensemble.checkRow(features.featureCount)
    return TreeSHAP.meanAbsolute(
      ensemble: self.ensemble, output: 0, scale: 1 / Double(self.ensemble.treeCount),
      features: features)
  }
}

extension GradientBoostedTrees {
  /// SHAP values of the raw score (log-odds for `.logistic`) of one row; the base value
  /// includes `initialScore`.
  /// - Throws: `featureCountMismatch`.
  package func shapValues(row: [Float]) throws(ModelMathError) -> SHAPExplanation {
    try self.ensemble.checkRow(row.count)
    return TreeSHAP.explain(
      ensemble: self.ensemble, output: 0, scale: 1, offset: self.initialScore, row: row)
  }

  /// Global importance: mean |SHAP| of the raw score per feature.
  /// - Throws: `featureCountMismatch`.
  package func meanAbsoluteSHAP(_ features: FeatureMatrix) throws(ModelMathError) -> [Double] {
    try self.ensemble.checkRow(features.featureCount)
    return TreeSHAP.meanAbsolute(ensemble: self.ensemble, output: 0, scale: 1, features: features)
  }
}
