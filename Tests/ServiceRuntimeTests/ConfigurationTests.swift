import NetworkIO
import Testing

@testable import ServiceRuntime

@Suite("Configuration")
struct ConfigurationTests {
  static let schema = ConfigurationSchema(
    service: "registry-service",
    summary: "Stores model versions.",
    options: [
      .hostPort(
        "rpc-listen", default: HostAndPort(host: "0.0.0.0", port: 7003), help: "RPC address."),
      .integer("max-connections", default: 512, help: "Connection limit."),
      .double("sample-rate", default: 0.25, help: "Fraction of calls traced."),
      .boolean("log-debug", default: false, help: "Log at debug level."),
      .duration("rpc-timeout-ms", default: .seconds(5), help: "Deadline | per call."),
      .string("postgres-url", default: nil, help: "libpq connection string.", secret: true),
      .string("region", default: "eu", help: "Deployment region."),
    ])

  static let required = ["DCMMS_POSTGRES_URL": "host=127.0.0.1"]

  func configuration(
    _ arguments: [String], environment: [String: String] = Self.required
  ) throws -> Configuration {
    switch try Self.schema.parse(arguments: arguments, environment: environment) {
    case .configuration(let configuration): return configuration
    case .helpRequested: throw ConfigurationError(code: .unexpectedArgument, message: "help")
    }
  }

  @Test("Defaults apply when neither flag nor variable is given")
  func defaults() throws {
    let configuration = try self.configuration([])
    #expect(configuration.hostPort("rpc-listen") == HostAndPort(host: "0.0.0.0", port: 7003))
    #expect(configuration.integer("max-connections") == 512)
    #expect(configuration.double("sample-rate") == 0.25)
    #expect(configuration.boolean("log-debug") == false)
    #expect(configuration.duration("rpc-timeout-ms") == .milliseconds(5000))
    #expect(configuration.string("region") == "eu")
    #expect(configuration.source(of: "region") == .default)
    #expect(configuration.string("postgres-url") == "host=127.0.0.1")
    #expect(configuration.source(of: "postgres-url") == .environment)
  }

  @Test("A flag wins over its variable, which wins over the default")
  func precedence() throws {
    let environment = Self.required.merging(
      ["DCMMS_MAX_CONNECTIONS": "64", "DCMMS_REGION": "us"], uniquingKeysWith: { $1 })
    let configuration = try self.configuration(["--region", "ap"], environment: environment)
    #expect(configuration.string("region") == "ap")
    #expect(configuration.source(of: "region") == .flag)
    #expect(configuration.integer("max-connections") == 64)
    #expect(configuration.source(of: "max-connections") == .environment)
    #expect(configuration.double("sample-rate") == 0.25)
  }

  @Test("Flag syntaxes: separate value, =value, bare Boolean, repeated flag")
  func flagSyntaxes() throws {
    let configuration = try self.configuration([
      "--max-connections=7", "--log-debug", "--rpc-timeout-ms", "250",
      "--rpc-listen", "[::1]:0", "--sample-rate", "-1.5", "--region=a=b", "--region", "last",
    ])
    #expect(configuration.integer("max-connections") == 7)
    #expect(configuration.boolean("log-debug"))
    #expect(configuration.duration("rpc-timeout-ms") == .milliseconds(250))
    #expect(configuration.hostPort("rpc-listen") == HostAndPort(host: "::1", port: 0))
    #expect(configuration.double("sample-rate") == -1.5)
    #expect(configuration.string("region") == "last")
  }

  @Test(
    "Boolean spellings",
    arguments: [
      ("true", true), ("FALSE", false), ("1", true), ("0", false), ("yes", true), ("off", false),
    ])
  func booleans(text: String, expected: Bool) throws {
    let configuration = try self.configuration(["--log-debug=\(text)"])
    #expect(configuration.boolean("log-debug") == expected)
  }

  @Test("An empty variable counts as unset")
  func emptyVariable() throws {
    let environment = Self.required.merging(["DCMMS_MAX_CONNECTIONS": ""], uniquingKeysWith: { $1 })
    #expect(try self.configuration([], environment: environment).integer("max-connections") == 512)
  }

  @Test(
    "Bad input gives a clear error",
    arguments: [
      (["--verbose"], ConfigurationError.Code.unknownFlag, "unknown flag '--verbose'"),
      (["--region"], .missingValue, "--region needs a value"),
      (["--region", "--log-debug"], .missingValue, "--region needs a value"),
      (["--max-connections", "12x"], .invalidValue, "--max-connections: '12x' is not an integer"),
      (["--sample-rate=nan"], .invalidValue, "--sample-rate: 'nan' is not a finite number"),
      (["--log-debug=maybe"], .invalidValue, "--log-debug: 'maybe' is not a Boolean"),
      (["--rpc-timeout-ms=-5"], .invalidValue, "--rpc-timeout-ms: '-5' is not a whole number"),
      (["--rpc-timeout-ms=1.5"], .invalidValue, "--rpc-timeout-ms: '1.5' is not a whole number"),
      (["--rpc-listen=localhost"], .invalidValue, "--rpc-listen: 'localhost' is not an address"),
      (["--rpc-listen=h:70000"], .invalidValue, "--rpc-listen: 'h:70000' is not an address"),
      (["--rpc-listen=::1:80"], .invalidValue, "--rpc-listen: '::1:80' is not an address"),
      (["serve"], .unexpectedArgument, "unexpected argument 'serve'"),
    ] as [([String], ConfigurationError.Code, String)])
  func badInput(arguments: [String], code: ConfigurationError.Code, messagePrefix: String) {
    let error = #expect(throws: ConfigurationError.self) {
      try Self.schema.parse(arguments: arguments, environment: Self.required)
    }
    #expect(error?.code == code)
    #expect(error?.message.hasPrefix(messagePrefix) == true, "\(error?.message ?? "")")
  }

  @Test("A bad variable names the variable")
  func badVariable() {
    let environment = Self.required.merging(
      ["DCMMS_MAX_CONNECTIONS": "many"], uniquingKeysWith: { $1 })
    let error = #expect(throws: ConfigurationError.self) {
      try Self.schema.parse(arguments: [], environment: environment)
    }
    #expect(error?.message == "DCMMS_MAX_CONNECTIONS: 'many' is not an integer")
  }

  @Test("A missing required option names its flag and variable")
  func missingRequired() {
    let error = #expect(throws: ConfigurationError.self) {
      try Self.schema.parse(arguments: [], environment: [:])
    }
    #expect(error?.code == .missingRequiredOption)
    #expect(error?.message == "--postgres-url is required: pass it or set DCMMS_POSTGRES_URL")
  }

  @Test("A secret's value never appears in an error or the summary")
  func secretsStayHidden() throws {
    let schema = ConfigurationSchema(
      service: "s", summary: "s",
      options: [
        ConfigurationOption(
          name: "signing-key-id", kind: .integer, defaultValue: "1", help: "k", isSecret: true)
      ])
    let error = #expect(throws: ConfigurationError.self) {
      try schema.parse(arguments: ["--signing-key-id=hunter2"], environment: [:])
    }
    #expect(error?.message.contains("hunter2") == false)
    let configuration = try self.configuration(["--postgres-url", "password=hunter2"])
    let summary = configuration.redactedSummary
    #expect(!summary.contains { $0.value.contains("hunter2") })
    #expect(summary.first { $0.name == "postgres-url" }?.value == "<redacted>")
    #expect(summary.first { $0.name == "rpc-timeout-ms" }?.value == "5000ms")
  }

  @Test("--help wins over errors and lists every option with its variable and default")
  func help() throws {
    let result = try Self.schema.parse(arguments: ["--bogus", "-h"], environment: [:])
    guard case .helpRequested(let text) = result else {
      Issue.record("expected help")
      return
    }
    #expect(text.hasPrefix("Usage: registry-service [options]\n"))
    for option in Self.schema.options {
      #expect(text.contains("  \(option.flag)"))
      #expect(text.contains("env: \(option.environmentVariable)"))
    }
    #expect(text.contains("env: DCMMS_RPC_TIMEOUT_MS   default: 5000 ms"))
    #expect(text.contains("env: DCMMS_POSTGRES_URL   default: (required)   (secret)"))
    #expect(text.contains("  --log-debug[=<bool>]\n"))
  }

  @Test("Markdown table has one row per option and escapes pipes")
  func markdown() {
    let lines = Self.schema.markdownTable.split(separator: "\n")
    #expect(lines.count == 2 + Self.schema.options.count)
    #expect(lines[0] == "| Variable | Flag | Type | Default | Description |")
    #expect(
      lines.contains(
        "| `DCMMS_RPC_TIMEOUT_MS` | `--rpc-timeout-ms` | ms | `5000 ms` | Deadline \\| per call. |")
    )
    #expect(
      lines.contains(
        "| `DCMMS_POSTGRES_URL` | `--postgres-url` | string | *required* | libpq connection string. (secret) |"
      ))
  }

  @Test("Unknown DCMMS_ variables are reported for a warning")
  func unrecognizedVariables() throws {
    let environment = Self.required.merging(
      ["DCMMS_MAX_CONECTIONS": "5", "HOME": "/root"], uniquingKeysWith: { $1 })
    let configuration = try self.configuration([], environment: environment)
    #expect(configuration.unrecognizedEnvironmentVariables == ["DCMMS_MAX_CONECTIONS"])
  }

  @Test("A choice option accepts its words in any case and rejects others")
  func choices() throws {
    let schema = ConfigurationSchema(
      service: "s", summary: "s",
      options: [
        .choice("log-level", ["debug", "info", "warning"], default: "info", help: "Level.")
      ])
    func parse(_ arguments: [String]) throws -> Configuration {
      guard
        case .configuration(let configuration) = try schema.parse(
          arguments: arguments, environment: [:])
      else { throw ConfigurationError(code: .unexpectedArgument, message: "help") }
      return configuration
    }
    #expect(try parse([]).string("log-level") == "info")
    #expect(try parse(["--log-level", "WARNING"]).string("log-level") == "warning")
    let error = #expect(throws: ConfigurationError.self) { try parse(["--log-level=verbose"]) }
    #expect(error?.message == "--log-level: 'verbose' is not one of debug, info, warning")
    #expect(schema.helpText.contains("  --log-level <debug|info|warning>\n"))
    #expect(schema.markdownTable.contains("| `--log-level` | debug\\|info\\|warning | `info` |"))
  }

  @Test(
    "host:port parsing",
    arguments: [
      ("127.0.0.1:80", HostAndPort(host: "127.0.0.1", port: 80)),
      ("[fe80::1]:65535", HostAndPort(host: "fe80::1", port: 65535)),
      ("db.internal:5432", HostAndPort(host: "db.internal", port: 5432)),
    ])
  func hostPort(text: String, expected: HostAndPort) {
    #expect(HostAndPort(parsing: text) == expected)
    #expect(HostAndPort(parsing: expected.description) == expected)
  }

  @Test(
    "host:port rejects malformed addresses",
    arguments: [":80", "host:", "host:+80", "[::1]80", "[::1", "a b:1", "host:123456", "[]:1"])
  func badHostPort(text: String) {
    #expect(HostAndPort(parsing: text) == nil)
  }
}
