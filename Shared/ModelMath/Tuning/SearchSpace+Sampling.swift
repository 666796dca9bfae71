extension SearchSpace.Domain {
  /// The interval the samplers work in: log-transformed for log scales, widened by half a
  /// unit for integers so each integer gets an equal share. Nil for categoricals.
  var internalBounds: (low: Double, high: Double)? {
    switch self {
    case .integer(let low, let high, let logScale):
      let lower = Double(low) - 0.5
      let upper = Double(high) + 0.5
      return logScale ? (Self.logarithm(lower), Self.logarithm(upper)) : (lower, upper)
    case .float(let low, let high, let logScale):
      return logScale ? (Self.logarithm(low), Self.logarithm(high)) : (low, high)
    case .categorical:
      return nil
    }
  }

  /// Maps a point of the internal interval to a parameter value (rounding and clamping).
  func value(fromInternal x: Double) -> ParameterValue {
    switch self {
    case .integer(let low, let high, let logScale):
      let raw = logScale ? Self.exponential(x) : x
      return .integer(min(max(Int(raw.rounded()), low), high))
    case .float(let low, let high, let logScale):
      let raw = logScale ? Self.exponential(x) : x
      return .float(min(max(raw, low), high))
    case .categorical(let choices):
      return .categorical(choices[min(max(Int(x), 0), choices.count - 1)])
    }
  }

  /// Maps a parameter value to the internal interval (categoricals: the choice index).
  func internalValue(of value: ParameterValue) -> Double? {
    switch (self, value) {
    case (.integer(_, _, let logScale), .integer(let v)):
      return logScale ? Self.logarithm(Double(v)) : Double(v)
    case (.float(_, _, let logScale), .float(let v)):
      return logScale ? Self.logarithm(v) : v
    case (.categorical(let choices), .categorical(let v)):
      return choices.firstIndex(of: v).map(Double.init)
    default:
      return nil
    }
  }

  static func logarithm(_ x: Double) -> Double { TuningMath.log(x) }
  static func exponential(_ x: Double) -> Double { TuningMath.exp(x) }
}
