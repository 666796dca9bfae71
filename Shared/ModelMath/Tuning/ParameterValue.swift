/// The value of one hyperparameter in a trial.
package enum ParameterValue: Hashable, Sendable, CustomStringConvertible {
  /// An integer parameter's value.
  case integer(Int)
  /// A real parameter's value.
  case float(Double)
  /// A categorical parameter's choice.
  case categorical(String)

  /// The value as written in logs.
  package var description: String {
    switch self {
    case .integer(let value): return String(value)
    case .float(let value): return String(value)
    case .categorical(let value): return value
    }
  }
}
