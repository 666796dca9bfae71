/// Checks shared by the metrics, statistics and calibration entry points. Each returns the
/// validated form of its input or throws a `StatisticsError` that names the argument.
enum StatisticsValidation {
  /// Throws `emptySample` when `count` is zero.
  static func requireNonEmpty(_ count: Int, _ name: String) throws(StatisticsError) {
    if count == 0 {
      throw StatisticsError(code: .emptySample, message: "\(name) is empty")
    }
  }

  /// Throws `mismatchedLengths` when the two counts differ.
  static func requireSameLength(
    _ first: Int, _ firstName: String, _ second: Int, _ secondName: String
  ) throws(StatisticsError) {
    if first != second {
      throw StatisticsError(
        code: .mismatchedLengths,
        message: "\(firstName) has \(first) elements but \(secondName) has \(second)")
    }
  }

  /// Throws `nonFiniteValue` naming the first NaN or infinite element.
  static func requireFinite(_ values: [Double], _ name: String) throws(StatisticsError) {
    for (index, value) in values.enumerated() where !value.isFinite {
      throw StatisticsError(
        code: .nonFiniteValue, message: "\(name)[\(index)] is \(value); a finite number is required"
      )
    }
  }

  /// Validates 0/1 labels and returns them as Booleans (`true` = positive class).
  static func binaryLabels(_ labels: [Double], _ name: String) throws(StatisticsError) -> [Bool] {
    var result = [Bool]()
    result.reserveCapacity(labels.count)
    for (index, label) in labels.enumerated() {
      if label == 1 {
        result.append(true)
      } else if label == 0 {
        result.append(false)
      } else if label.isNaN || label.isInfinite {
        throw StatisticsError(
          code: .nonFiniteValue, message: "\(name)[\(index)] is \(label); labels must be 0 or 1")
      } else {
        throw StatisticsError(
          code: .invalidArgument, message: "\(name)[\(index)] is \(label); labels must be 0 or 1")
      }
    }
    return result
  }

  /// Returns the sample weights, or all ones when `weights` is nil. Weights must be finite
  /// and non-negative, with a positive total.
  static func weights(_ weights: [Double]?, count: Int) throws(StatisticsError) -> [Double] {
    guard let weights else { return [Double](repeating: 1, count: count) }
    try self.requireSameLength(weights.count, "sampleWeights", count, "the sample")
    var total = 0.0
    for (index, weight) in weights.enumerated() {
      if !weight.isFinite {
        throw StatisticsError(
          code: .nonFiniteValue, message: "sampleWeights[\(index)] is \(weight)")
      }
      if weight < 0 {
        throw StatisticsError(
          code: .invalidArgument, message: "sampleWeights[\(index)] is negative (\(weight))")
      }
      total += weight
    }
    if !(total > 0) {
      throw StatisticsError(code: .invalidArgument, message: "sampleWeights sum to zero")
    }
    return weights
  }
}
