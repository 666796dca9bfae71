/// The hyperparameters a study searches over, in declaration order: integers, floats
/// (optionally on a log scale) and categorical choices.
package struct SearchSpace: Hashable, Sendable {
  /// The range and scale of one hyperparameter.
  package enum Domain: Hashable, Sendable {
    /// Integers in `low...high`; with `logScale`, sampled uniformly in log(x) (low ≥ 1).
    case integer(low: Int, high: Int, logScale: Bool)
    /// Reals in `low...high`; with `logScale`, sampled uniformly in log(x) (low > 0).
    case float(low: Double, high: Double, logScale: Bool)
    /// One of the listed choices (at least one, no duplicates).
    case categorical([String])
  }

  /// One named hyperparameter.
  package struct Parameter: Hashable, Sendable {
    /// Its name, unique in the space.
    package var name: String
    /// Its range.
    package var domain: Domain
  }

  /// The parameters, in the order they were added.
  package private(set) var parameters: [Parameter] = []

  /// An empty space; add parameters with the `add…` methods.
  package init() {}

  /// Adds an integer parameter.
  /// - Parameters:
  ///   - name: A name not used yet.
  ///   - range: The inclusive range.
  ///   - logScale: Sample uniformly in log space (needs `range.lowerBound >= 1`).
  /// - Throws: `StatisticsError.Code.invalidArgument` for a duplicate name or a bad range.
  package mutating func addInteger(
    _ name: String, _ range: ClosedRange<Int>, logScale: Bool = false
  )
    throws(StatisticsError)
  {
    if logScale && range.lowerBound < 1 {
      throw StatisticsError(
        code: .invalidArgument,
        message: "log-scale integer \(name) needs a lower bound of at least 1")
    }
    try self.append(
      Parameter(
        name: name,
        domain: .integer(low: range.lowerBound, high: range.upperBound, logScale: logScale)))
  }

  /// Adds a real-valued parameter.
  /// - Parameters:
  ///   - name: A name not used yet.
  ///   - range: The inclusive range, finite.
  ///   - logScale: Sample uniformly in log space (needs `range.lowerBound > 0`).
  /// - Throws: `StatisticsError.Code.invalidArgument` for a duplicate name or a bad range.
  package mutating func addFloat(
    _ name: String, _ range: ClosedRange<Double>, logScale: Bool = false
  )
    throws(StatisticsError)
  {
    guard range.lowerBound.isFinite, range.upperBound.isFinite else {
      throw StatisticsError(code: .invalidArgument, message: "range of \(name) must be finite")
    }
    if logScale && !(range.lowerBound > 0) {
      throw StatisticsError(
        code: .invalidArgument, message: "log-scale float \(name) needs a positive lower bound")
    }
    try self.append(
      Parameter(
        name: name,
        domain: .float(low: range.lowerBound, high: range.upperBound, logScale: logScale)))
  }

  /// Adds a categorical parameter.
  /// - Parameters:
  ///   - name: A name not used yet.
  ///   - choices: The choices, at least one, no duplicates.
  /// - Throws: `StatisticsError.Code.invalidArgument` for a duplicate name or bad choices.
  package mutating func addCategorical(_ name: String, _ choices: [String]) throws(StatisticsError)
  {
    guard !choices.isEmpty, Set(choices).count == choices.count else {
      throw StatisticsError(
        code: .invalidArgument, message: "categorical \(name) needs distinct choices, at least one")
    }
    try self.append(Parameter(name: name, domain: .categorical(choices)))
  }

  private mutating func append(_ parameter: Parameter) throws(StatisticsError) {
    if self.parameters.contains(where: { $0.name == parameter.name }) {
      throw StatisticsError(
        code: .invalidArgument, message: "parameter \(parameter.name) is defined twice")
    }
    self.parameters.append(parameter)
  }
}

// MARK: - Internal representation

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
