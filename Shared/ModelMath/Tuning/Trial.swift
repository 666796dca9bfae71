/// One evaluation of the objective, handed out by `Study.ask()`: a number and the
/// hyperparameters to try. Pass it back with `Study.tell`.
package struct Trial: Hashable, Sendable {
  /// The trial's number in its study, from 0, in the order trials were asked.
  package let number: Int
  /// The sampled value of every parameter of the search space.
  package let parameters: [String: ParameterValue]

  /// The value of a real parameter.
  /// - Parameter name: The parameter's name.
  /// - Throws: `StatisticsError.Code.invalidArgument` when there is no float parameter by that name.
  package func float(_ name: String) throws(StatisticsError) -> Double {
    guard case .float(let value) = self.parameters[name] else { throw self.missing(name, "float") }
    return value
  }

  /// The value of an integer parameter.
  /// - Parameter name: The parameter's name.
  /// - Throws: `StatisticsError.Code.invalidArgument` when there is no integer parameter by that name.
  package func integer(_ name: String) throws(StatisticsError) -> Int {
    guard case .integer(let value) = self.parameters[name] else {
      throw self.missing(name, "integer")
    }
    return value
  }

  /// The choice of a categorical parameter.
  /// - Parameter name: The parameter's name.
  /// - Throws: `StatisticsError.Code.invalidArgument` when there is no categorical parameter by that name.
  package func categorical(_ name: String) throws(StatisticsError) -> String {
    guard case .categorical(let value) = self.parameters[name] else {
      throw self.missing(name, "categorical")
    }
    return value
  }

  private func missing(_ name: String, _ kind: String) -> StatisticsError {
    StatisticsError(code: .invalidArgument, message: "trial has no \(kind) parameter named \(name)")
  }
}
