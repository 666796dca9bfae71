package import NetworkIO
/// The parsed settings of a service, read with typed accessors by option name.
///
/// Asking for an option the schema does not declare, or with the wrong type, is a programmer
/// error and stops the process; every declared option has a value, because parsing fails when a
/// required one is missing.
package struct Configuration: Sendable {
  /// Where a value came from.
  package enum Source: String, Hashable, Sendable {
    /// A command-line flag.
    case flag
    /// A `DCMMS_*` environment variable.
    case environment
    /// The option's declared default.
    case `default`
  }

  struct Entry: Sendable {
    var option: ConfigurationOption
    var value: ConfigurationValue
    var source: Source
  }

  private let entries: [String: Entry]
  private let order: [String]
  /// Set `DCMMS_*` variables that no option declares, sorted; worth a warning at start-up,
  /// because they are usually misspellings.
  package let unrecognizedEnvironmentVariables: [String]

  init(entries: [String: Entry], order: [String], unrecognizedEnvironmentVariables: [String]) {
    self.entries = entries
    self.order = order
    self.unrecognizedEnvironmentVariables = unrecognizedEnvironmentVariables
  }

  private func entry(_ name: String, _ kind: ConfigurationOption.Kind) -> Entry {
    guard let entry = self.entries[name] else {
      preconditionFailure("no option named '\(name)' is declared")
    }
    precondition(
      entry.option.kind == kind, "option '\(name)' is \(entry.option.kind), not \(kind)")
    return entry
  }

  /// The value of a text or choice option.
  /// - Parameter name: The option's name.
  /// - Returns: The value; for a choice option, in its declared spelling.
  package func string(_ name: String) -> String {
    guard let entry = self.entries[name] else {
      preconditionFailure("no option named '\(name)' is declared")
    }
    guard case .string(let value) = entry.value else {
      preconditionFailure("option '\(name)' is \(entry.option.kind), not text")
    }
    return value
  }

  /// The value of an integer option.
  /// - Parameter name: The option's name.
  /// - Returns: The value.
  package func integer(_ name: String) -> Int {
    guard case .integer(let value) = self.entry(name, .integer).value else { preconditionFailure() }
    return value
  }

  /// The value of a floating-point option.
  /// - Parameter name: The option's name.
  /// - Returns: The value, always finite.
  package func double(_ name: String) -> Double {
    guard case .double(let value) = self.entry(name, .double).value else { preconditionFailure() }
    return value
  }

  /// The value of a Boolean option.
  /// - Parameter name: The option's name.
  /// - Returns: The value.
  package func boolean(_ name: String) -> Bool {
    guard case .boolean(let value) = self.entry(name, .boolean).value else { preconditionFailure() }
    return value
  }

  /// The value of a duration option (given in milliseconds).
  /// - Parameter name: The option's name.
  /// - Returns: The value.
  package func duration(_ name: String) -> Duration {
    guard case .duration(let value) = self.entry(name, .duration).value else {
      preconditionFailure()
    }
    return value
  }

  /// The value of an address option.
  /// - Parameter name: The option's name.
  /// - Returns: The value.
  package func hostPort(_ name: String) -> HostAndPort {
    guard case .hostPort(let value) = self.entry(name, .hostPort).value else {
      preconditionFailure()
    }
    return value
  }

  /// Where an option's value came from.
  /// - Parameter name: The option's name.
  /// - Returns: Flag, environment or default.
  package func source(of name: String) -> Source {
    guard let entry = self.entries[name] else {
      preconditionFailure("no option named '\(name)' is declared")
    }
    return entry.source
  }

  /// Every setting as `(name, value, source)` in declaration order, with secret values shown as
  /// `<redacted>`; for the start-up log line.
  package var redactedSummary: [(name: String, value: String, source: Source)] {
    self.order.compactMap { name in
      guard let entry = self.entries[name] else { return nil }
      let text: String
      if entry.option.isSecret {
        text = "<redacted>"
      } else {
        switch entry.value {
        case .string(let value): text = value
        case .integer(let value): text = String(value)
        case .double(let value): text = String(value)
        case .boolean(let value): text = String(value)
        case .duration(let value): text = "\(ConfigurationOption.wholeMilliseconds(of: value))ms"
        case .hostPort(let value): text = value.description
        }
      }
      return (name, text, entry.source)
    }
  }
}
