/// An error found while reading a service's configuration from flags and environment variables.
///
/// The message names the flag or variable and says what is wrong with it, so a service can print
/// it and exit with a non-zero status.
package struct ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
  /// What kind of configuration problem occurred.
  package struct Code: Hashable, Sendable, CustomStringConvertible {
    private enum Wrapped: Hashable, Sendable {
      case unknownFlag
      case missingValue
      case invalidValue
      case missingRequiredOption
      case unexpectedArgument
    }

    private let wrapped: Wrapped

    /// A command-line flag that no option declares.
    package static let unknownFlag = Self(wrapped: .unknownFlag)
    /// A flag that needs a value was the last argument.
    package static let missingValue = Self(wrapped: .missingValue)
    /// A value that does not parse as the option's type (a bad number, duration or address).
    package static let invalidValue = Self(wrapped: .invalidValue)
    /// A required option was given neither as a flag nor as an environment variable.
    package static let missingRequiredOption = Self(wrapped: .missingRequiredOption)
    /// A positional argument, which no service accepts.
    package static let unexpectedArgument = Self(wrapped: .unexpectedArgument)

    /// The code's name, for example `invalidValue`.
    package var description: String {
      switch self.wrapped {
      case .unknownFlag: "unknownFlag"
      case .missingValue: "missingValue"
      case .invalidValue: "invalidValue"
      case .missingRequiredOption: "missingRequiredOption"
      case .unexpectedArgument: "unexpectedArgument"
      }
    }
  }

  /// What kind of problem occurred.
  package var code: Code
  /// A sentence naming the flag or variable and what is wrong with it. Never contains the value
  /// of a secret option.
  package var message: String

  /// Creates an error.
  /// - Parameters:
  ///   - code: What kind of problem occurred.
  ///   - message: A sentence naming the flag or variable and what is wrong with it.
  package init(code: Code, message: String) {
    self.code = code
    self.message = message
  }

  /// The message, for printing to a terminal.
  package var description: String { self.message }
}
