package import NetworkIO
internal import Foundation

/// One declared setting of a service: its name, flag, environment variable, type, default and
/// help text.
///
/// Options are declared with the typed factories (`.integer("rpc-port", default: 7001, …)`),
/// which keep the default and the type consistent. The name is kebab-case; the flag is
/// `--name` and the variable is `DCMMS_NAME` with dashes turned into underscores:
///
/// ```swift
/// let timeout = ConfigurationOption.duration(
///   "rpc-timeout-ms", default: .seconds(5), help: "Deadline of outgoing calls.")
/// // flag --rpc-timeout-ms, variable DCMMS_RPC_TIMEOUT_MS
/// ```
package struct ConfigurationOption: Hashable, Sendable {
  /// The type of an option's value, which decides how its text is parsed.
  package enum Kind: Hashable, Sendable, CustomStringConvertible {
    /// Any text.
    case string
    /// A decimal integer (`Int`), optionally signed.
    case integer
    /// A finite decimal floating-point number.
    case double
    /// `true`/`false`, `1`/`0`, `yes`/`no` or `on`/`off`, in any case.
    case boolean
    /// A non-negative whole number of milliseconds, read as a `Duration`.
    case duration
    /// `host:port` or `[ipv6]:port`, read as a `HostAndPort`.
    case hostPort
    /// One of a fixed set of words (matched in any case), read as a `String` in the declared
    /// spelling; for settings such as a log level, where a typo must fail the start.
    case choice([String])

    /// The placeholder shown in help text, for example `<int>`.
    package var description: String {
      switch self {
      case .string: "string"
      case .integer: "int"
      case .double: "number"
      case .boolean: "bool"
      case .duration: "ms"
      case .hostPort: "host:port"
      case .choice(let choices): choices.joined(separator: "|")
      }
    }
  }

  /// The kebab-case name, for example `rpc-timeout-ms`.
  package let name: String
  /// The command-line flag, `--` followed by the name.
  package let flag: String
  /// The environment variable, for example `DCMMS_RPC_TIMEOUT_MS`.
  package let environmentVariable: String
  /// The type of the value.
  package let kind: Kind
  /// The default as text in the option's own syntax, or `nil` when the option is required.
  package let defaultValue: String?
  /// One or two sentences for `--help` and the README's configuration table.
  package let help: String
  /// Whether the value must never be printed or logged (passwords, signing keys).
  package let isSecret: Bool

  /// Creates an option from already-rendered parts; prefer the typed factories.
  ///
  /// - Parameters:
  ///   - name: Kebab-case name: lowercase ASCII letters, digits and single dashes. Duration
  ///     options must end in `-ms`, because their flag and variable carry the unit.
  ///   - kind: The value's type.
  ///   - defaultValue: The default in the option's syntax, or `nil` to make the option required.
  ///   - help: Help text.
  ///   - isSecret: Whether the value must never be printed.
  ///   - environmentVariable: Overrides the derived `DCMMS_…` variable name.
  package init(
    name: String,
    kind: Kind,
    defaultValue: String?,
    help: String,
    isSecret: Bool = false,
    environmentVariable: String? = nil
  ) {
    precondition(Self.isValidName(name), "option name '\(name)' is not kebab-case")
    precondition(
      kind != .duration || name.hasSuffix("-ms"),
      "duration option '\(name)' must end in -ms so its flag and variable carry the unit")
    if let defaultValue {
      precondition(
        (try? Self.parse(defaultValue, as: kind, source: name)) != nil,
        "default '\(defaultValue)' of option '\(name)' does not parse as \(kind)")
    }
    self.name = name
    self.flag = "--" + name
    self.environmentVariable =
      environmentVariable ?? "DCMMS_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
    self.kind = kind
    self.defaultValue = defaultValue
    self.help = help
    self.isSecret = isSecret
  }

  // MARK: - Typed factories

  /// Declares a text option.
  /// - Parameters:
  ///   - name: Kebab-case name.
  ///   - default: The default, or `nil` to make the option required.
  ///   - help: Help text.
  ///   - secret: Whether the value must never be printed.
  /// - Returns: The option.
  package static func string(
    _ name: String, default: String?, help: String, secret: Bool = false
  ) -> Self {
    Self(name: name, kind: .string, defaultValue: `default`, help: help, isSecret: secret)
  }

  /// Declares an integer option.
  /// - Parameters:
  ///   - name: Kebab-case name.
  ///   - default: The default, or `nil` to make the option required.
  ///   - help: Help text.
  /// - Returns: The option.
  package static func integer(_ name: String, default: Int?, help: String) -> Self {
    Self(name: name, kind: .integer, defaultValue: `default`.map { String($0) }, help: help)
  }

  /// Declares a floating-point option.
  /// - Parameters:
  ///   - name: Kebab-case name.
  ///   - default: The default (finite), or `nil` to make the option required.
  ///   - help: Help text.
  /// - Returns: The option.
  package static func double(_ name: String, default: Double?, help: String) -> Self {
    Self(name: name, kind: .double, defaultValue: `default`.map { String($0) }, help: help)
  }

  /// Declares a Boolean option; the bare flag (`--name`) means `true`.
  /// - Parameters:
  ///   - name: Kebab-case name.
  ///   - default: The default.
  ///   - help: Help text.
  /// - Returns: The option.
  package static func boolean(_ name: String, default: Bool, help: String) -> Self {
    Self(name: name, kind: .boolean, defaultValue: String(`default`), help: help)
  }

  /// Declares a duration option, written in whole milliseconds.
  /// - Parameters:
  ///   - name: Kebab-case name ending in `-ms`.
  ///   - default: The default, truncated to whole milliseconds, or `nil` to make it required.
  ///   - help: Help text.
  /// - Returns: The option.
  package static func duration(_ name: String, default: Duration?, help: String) -> Self {
    Self(
      name: name, kind: .duration,
      defaultValue: `default`.map { String(Self.wholeMilliseconds(of: $0)) }, help: help)
  }

  /// Declares a `host:port` option.
  /// - Parameters:
  ///   - name: Kebab-case name.
  ///   - default: The default, or `nil` to make the option required.
  ///   - help: Help text.
  /// - Returns: The option.
  package static func hostPort(_ name: String, default: HostAndPort?, help: String) -> Self {
    Self(name: name, kind: .hostPort, defaultValue: `default`?.description, help: help)
  }

  /// Declares an option whose value is one of a fixed set of words.
  /// - Parameters:
  ///   - name: Kebab-case name.
  ///   - choices: The accepted words, as the accessor returns them; at least one.
  ///   - default: The default, one of `choices`, or `nil` to make the option required.
  ///   - help: Help text.
  /// - Returns: The option.
  package static func choice(
    _ name: String, _ choices: [String], default: String?, help: String
  ) -> Self {
    precondition(!choices.isEmpty, "option '\(name)' needs at least one choice")
    return Self(name: name, kind: .choice(choices), defaultValue: `default`, help: help)
  }

  // MARK: - Parsing values

  /// Whether `name` is lowercase kebab-case: letters, digits and single inner dashes.
  private static func isValidName(_ name: String) -> Bool {
    guard let first = name.utf8.first, let last = name.utf8.last else { return false }
    guard first >= UInt8(ascii: "a") && first <= UInt8(ascii: "z"), last != UInt8(ascii: "-")
    else { return false }
    if name.contains("--") { return false }
    return name.utf8.allSatisfy { byte in
      (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
        || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-")
    }
  }

  static func wholeMilliseconds(of duration: Duration) -> Int64 {
    let (seconds, attoseconds) = duration.components
    return seconds * 1000 + attoseconds / 1_000_000_000_000_000
  }

  /// Parses the text of a value as `kind`.
  /// - Parameters:
  ///   - text: The value as given.
  ///   - kind: The option's type.
  ///   - source: How the value was given (`--rpc-port` or `DCMMS_RPC_PORT`), for the message.
  /// - Returns: The typed value.
  /// - Throws: ``ConfigurationError`` with code `invalidValue`.
  static func parse(
    _ text: String, as kind: Kind, source: String
  ) throws(ConfigurationError) -> ConfigurationValue {
    func invalid(_ expectation: String) -> ConfigurationError {
      ConfigurationError(
        code: .invalidValue, message: "\(source): '\(text)' is not \(expectation)")
    }
    switch kind {
    case .string:
      return .string(text)
    case .integer:
      guard let value = Int(text) else { throw invalid("an integer") }
      return .integer(value)
    case .double:
      // Double(_:) accepts "nan" and "inf", which are never meaningful settings.
      guard let value = Double(text), value.isFinite else { throw invalid("a finite number") }
      return .double(value)
    case .boolean:
      switch text.lowercased() {
      case "true", "1", "yes", "on": return .boolean(true)
      case "false", "0", "no", "off": return .boolean(false)
      default: throw invalid("a Boolean (true/false, 1/0, yes/no, on/off)")
      }
    case .duration:
      guard text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
        let milliseconds = Int64(text)
      else { throw invalid("a whole number of milliseconds") }
      return .duration(.milliseconds(milliseconds))
    case .hostPort:
      guard let address = HostAndPort(parsing: text) else {
        throw invalid("an address of the form host:port with a port from 0 to 65535")
      }
      return .hostPort(address)
    case .choice(let choices):
      guard let match = choices.first(where: { $0.lowercased() == text.lowercased() }) else {
        throw invalid("one of \(choices.joined(separator: ", "))")
      }
      return .string(match)
    }
  }
}

/// A parsed option value.
enum ConfigurationValue: Hashable, Sendable {
  case string(String)
  case integer(Int)
  case double(Double)
  case boolean(Bool)
  case duration(Duration)
  case hostPort(HostAndPort)
}
