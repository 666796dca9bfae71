import NetworkIO
internal import Foundation

/// The declared options of one service, which parses its command line and environment.
///
/// Each value is taken from its flag if given, else from its `DCMMS_*` variable if set and
/// non-empty, else from its default (precedence flag > environment > default). Every value is
/// parsed at start-up, so a bad number fails the start rather than the first request.
///
/// ```swift
/// let schema = ConfigurationSchema(service: "registry-service", summary: "Model registry.", options: [
///   .hostPort("rpc-listen", default: HostAndPort(host: "0.0.0.0", port: 7003), help: "RPC address."),
///   .string("postgres-url", default: nil, help: "libpq connection string.", secret: true),
/// ])
/// switch try schema.parse(arguments: Array(CommandLine.arguments.dropFirst()),
///                         environment: ProcessInfo.processInfo.environment) {
/// case .helpRequested(let text): print(text)
/// case .configuration(let configuration): …
/// }
/// ```
package struct ConfigurationSchema: Sendable {
  /// What a command line asked for.
  package enum ParseResult: Sendable {
    /// `--help` or `-h` was given; the text lists every option. Print it and exit 0.
    case helpRequested(String)
    /// The parsed settings.
    case configuration(Configuration)
  }

  /// The executable's name, shown in the usage line (`registry-service`).
  package let service: String
  /// One sentence saying what the executable does.
  package let summary: String
  /// The options, in the order help text and tables list them.
  package let options: [ConfigurationOption]

  /// Creates a schema.
  /// - Parameters:
  ///   - service: The executable's name.
  ///   - summary: One sentence saying what it does.
  ///   - options: The options; names and variables must be unique, and `help` is reserved.
  package init(service: String, summary: String, options: [ConfigurationOption]) {
    var names = Set<String>()
    var variables = Set<String>()
    for option in options {
      precondition(option.name != "help", "'help' is reserved for --help")
      precondition(names.insert(option.name).inserted, "option '\(option.name)' declared twice")
      precondition(
        variables.insert(option.environmentVariable).inserted,
        "variable \(option.environmentVariable) declared twice")
    }
    self.service = service
    self.summary = summary
    self.options = options
  }

  /// Parses a command line and an environment.
  ///
  /// Flags are `--name value`, `--name=value`, or for Boolean options a bare `--name`
  /// (meaning true). A repeated flag takes its last value. Environment variables that are
  /// set but empty count as unset. `--help` or `-h` anywhere wins over any error.
  /// - Parameters:
  ///   - arguments: The arguments after the executable's name.
  ///   - environment: The process environment.
  /// - Returns: The help text or the settings.
  /// - Throws: ``ConfigurationError`` for an unknown flag, a flag missing its value, a value
  ///   that does not parse, a missing required option, or a positional argument.
  package func parse(
    arguments: [String], environment: [String: String]
  ) throws(ConfigurationError) -> ParseResult {
    if arguments.contains(where: { $0 == "--help" || $0 == "-h" }) {
      return .helpRequested(self.helpText)
    }
    let byFlag = Dictionary(uniqueKeysWithValues: self.options.map { ($0.flag, $0) })
    var fromFlags: [String: (text: String, flag: String)] = [:]
    var index = arguments.startIndex
    while index < arguments.endIndex {
      let argument = arguments[index]
      index += 1
      guard argument.hasPrefix("--"), argument.count > 2 else {
        throw ConfigurationError(
          code: .unexpectedArgument,
          message: "unexpected argument '\(argument)'; \(self.service) takes only --flags "
            + "(see --help)")
      }
      let flag: String
      var inlineValue: String?
      if let equals = argument.firstIndex(of: "=") {
        flag = String(argument[..<equals])
        inlineValue = String(argument[argument.index(after: equals)...])
      } else {
        flag = argument
      }
      guard let option = byFlag[flag] else {
        throw ConfigurationError(
          code: .unknownFlag, message: "unknown flag '\(flag)' (see --help for the options)")
      }
      let text: String
      if let inlineValue {
        text = inlineValue
      } else if option.kind == .boolean {
        text = "true"
      } else if index < arguments.endIndex, !arguments[index].hasPrefix("--") {
        text = arguments[index]
        index += 1
      } else {
        throw ConfigurationError(
          code: .missingValue, message: "\(flag) needs a value (\(option.kind.description))")
      }
      fromFlags[option.name] = (text, flag)
    }

    var values: [String: Configuration.Entry] = [:]
    for option in self.options {
      let text: String
      let source: Configuration.Source
      let sourceName: String
      if let given = fromFlags[option.name] {
        (text, source, sourceName) = (given.text, .flag, given.flag)
      } else if let variable = environment[option.environmentVariable], !variable.isEmpty {
        (text, source, sourceName) = (variable, .environment, option.environmentVariable)
      } else if let defaultValue = option.defaultValue {
        (text, source, sourceName) = (defaultValue, .default, "default of \(option.flag)")
      } else {
        throw ConfigurationError(
          code: .missingRequiredOption,
          message: "\(option.flag) is required: pass it or set \(option.environmentVariable)")
      }
      let value: ConfigurationValue
      do {
        value = try ConfigurationOption.parse(text, as: option.kind, source: sourceName)
      } catch {
        // The generic message repeats the text; a secret's text must not reach a log.
        guard option.isSecret else { throw error }
        throw ConfigurationError(
          code: .invalidValue, message: "\(sourceName): the value is not \(option.kind)")
      }
      values[option.name] = Configuration.Entry(option: option, value: value, source: source)
    }
    let known = Set(self.options.map(\.environmentVariable))
    let unrecognized = environment.keys.filter { $0.hasPrefix("DCMMS_") && !known.contains($0) }
    return .configuration(
      Configuration(
        entries: values, order: self.options.map(\.name),
        unrecognizedEnvironmentVariables: unrecognized.sorted()))
  }

  /// Parses this process's arguments and environment.
  /// - Returns: The help text or the settings.
  /// - Throws: ``ConfigurationError`` as ``parse(arguments:environment:)`` does.
  package func parseProcessArguments() throws(ConfigurationError) -> ParseResult {
    try self.parse(
      arguments: Array(CommandLine.arguments.dropFirst()),
      environment: ProcessInfo.processInfo.environment)
  }
}
