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
