import Foundation
import RPC
import ServiceRuntime

/// The subcommands of `dcmms`. Each parses its options with `ConfigurationSchema` (so `--help`
/// and the `DCMMS_*` variables work as in the services) and returns the exit status.
enum Commands {
  static let stateDirOption = ConfigurationOption.string(
    "state-dir", default: StateDirectory.defaultPath,
    help: "Directory of the stack's state, logs, PIDs and token secret.")

  /// Parses `arguments`; nil when help was printed.
  private static func parse(
    _ command: String, _ summary: String, _ options: [ConfigurationOption], _ arguments: [String]
  ) throws -> (stack: LocalStack, configuration: Configuration)? {
    let schema = ConfigurationSchema(
      service: "dcmms \(command)", summary: summary, options: [Self.stateDirOption] + options)
    switch try schema.parse(arguments: arguments, environment: ProcessInfo.processInfo.environment)
    {
    case .helpRequested(let text):
      print(text, terminator: "")
      return nil
    case .configuration(let configuration):
      var path = configuration.string("state-dir")
      if !path.hasPrefix("/") { path = FileManager.default.currentDirectoryPath + "/" + path }
      return (LocalStack(directory: StateDirectory(path: path)), configuration)
    }
  }

  private static func log(_ line: String) {
    print("dcmms: \(line)")
  }

  // MARK: - Stack

  static func up(_ arguments: [String]) async throws -> Int32 {
    guard
      let (stack, _) = try self.parse(
        "up", "Starts the local stack and waits until every service is ready.", [], arguments)
    else { return 0 }
    let start = ContinuousClock.now
    let (state, started) = try stack.up(log: self.log)
    if started {
      print(
        "the stack is up in \((ContinuousClock.now - start).millisecondsText) (state dir \(stack.directory.path))"
      )
    } else {
      print(
        "the stack is already running (state dir \(stack.directory.path)); `dcmms down` stops it")
    }
    self.printTable(state)
    return 0
  }

  static func down(_ arguments: [String]) throws -> Int32 {
    guard
      let (stack, _) = try self.parse(
        "down", "Stops exactly what `dcmms up` started, by recorded PID.", [], arguments)
    else { return 0 }
    if try stack.down(log: self.log) {
      print("the stack is stopped (state dir \(stack.directory.path))")
    } else {
      print("nothing is running (state dir \(stack.directory.path))")
    }
    return 0
  }

  static func status(_ arguments: [String]) throws -> Int32 {
    guard
      let (stack, _) = try self.parse(
        "status",
        "Shows each component's PID and whether it is alive and ready; exits 1 unless all are ready.",
        [],
        arguments)
    else { return 0 }
    guard let state = try stack.directory.load() else {
      print("nothing is running (state dir \(stack.directory.path))")
      return 1
    }
    print(
      "component".padded(to: 19) + "pid".padded(to: 9) + "alive".padded(to: 7)
        + "ready".padded(to: 7) + "listens on")
    var allReady = true
    for component in state.components {
      let alive = ProcessTable.isAlive(pid: component.pid, startTime: component.startTime)
      let ready = alive && LocalStack.isReady(component)
      allReady = allReady && ready
      print(
        component.name.padded(to: 19) + "\(component.pid)".padded(to: 9)
          + (alive ? "yes" : "no").padded(to: 7)
          + (ready ? "yes" : "no").padded(to: 7) + self.addresses(component))
    }
    return allReady ? 0 : 1
  }

  private static func addresses(_ component: StackState.Component) -> String {
    guard let adminPort = component.adminPort else { return "127.0.0.1:\(component.port)" }
    return "rpc 127.0.0.1:\(component.port)  admin http://127.0.0.1:\(adminPort)"
  }

  private static func printTable(_ state: StackState) {
    print("component".padded(to: 19) + "pid".padded(to: 9) + "listens on".padded(to: 55) + "log")
    for component in state.components {
      print(
        component.name.padded(to: 19) + "\(component.pid)".padded(to: 9)
          + self.addresses(component).padded(to: 55) + component.logPath)
    }
  }

  // MARK: - Clients

  private static func client(_ stack: LocalStack) throws -> StackClient {
    let state = try stack.runningState()
    guard let secret = stack.directory.loadSecret() else {
      throw DcmmsError(
        .notRunning, "no token secret in \(stack.directory.path); start the stack with `dcmms up`")
    }
    return StackClient(state: state, secret: secret)
  }

  static func demo(_ arguments: [String]) async throws -> Int32 {
    guard
      let (stack, _) = try self.parse(
        "demo",
        "Starts the stack if it is not running, then runs the platform's main job and prints what happened.",
        [],
        arguments)
    else { return 0 }
    let start = ContinuousClock.now
    let (state, started) = try stack.up(restartIfDegraded: true, log: self.log)
    if started {
      print(
        "started the stack in \((ContinuousClock.now - start).millisecondsText) (state dir \(stack.directory.path))"
      )
      self.printTable(state)
    } else {
      print("using the running stack (state dir \(stack.directory.path))")
    }
    let failures = await Demo(client: try self.client(stack)).run()
    return failures == 0 ? 0 : 1
  }

  static func health(_ arguments: [String]) async throws -> Int32 {
    guard
      let (stack, _) = try self.parse(
        "health",
        "Calls Health/Check over RPC and GET /readyz on every service; exits 1 unless all are healthy.",
        [],
        arguments)
    else { return 0 }
    let client = try self.client(stack)
    var healthy = true
    for service in client.state.services {
      let readyz = service.adminPort.flatMap { Loopback.httpGet(port: $0, path: "/readyz") }
      let readyText = readyz.map { "/readyz \($0.status)" } ?? "/readyz no answer"
      do {
        let result = try await client.checkHealth(service)
        healthy = healthy && result.status == "SERVING" && readyz?.status == 200
        print(
          service.name.padded(to: 19) + result.status.padded(to: 12)
            + result.latency.millisecondsText.padded(to: 11) + readyText)
      } catch {
        healthy = false
        print(
          service.name.padded(to: 19) + "UNREACHABLE".padded(to: 23) + readyText + "  (\(error))")
      }
    }
    return healthy ? 0 : 1
  }

  static func token(_ arguments: [String]) throws -> Int32 {
    let roles = [Role.mlEngineer, .service, .viewer].map(\.name)
    guard
      let (stack, configuration) = try self.parse(
        "token", "Prints a bearer token signed with the stack's secret.",
        [
          .choice("role", roles, default: nil, help: "The token's role."),
          .string("subject", default: "dcmms-cli", help: "Who the token names."),
          .integer("ttl", default: 3600, help: "Seconds until the token expires."),
        ], arguments)
    else { return 0 }
    let ttl = configuration.integer("ttl")
    guard ttl > 0, ttl <= 366 * 86_400 else {
      throw DcmmsError(.usage, "--ttl must be between 1 and 31622400 seconds")
    }
    let subject = configuration.string("subject")
    guard !subject.isEmpty else { throw DcmmsError(.usage, "--subject must not be empty") }
    guard let secret = stack.directory.loadSecret() else {
      throw DcmmsError(
        .notRunning, "no token secret in \(stack.directory.path); start the stack with `dcmms up`")
    }
    let authority = TokenAuthority(secret: Array(secret.utf8))
    print(
      authority.makeToken(
        subject: subject, role: Role(configuration.string("role")), lifetime: .seconds(ttl)))
    return 0
  }

  static func call(_ arguments: [String]) async throws -> Int32 {
    let callUsage = "usage: dcmms call echo --service NAME --text T"
    guard let method = arguments.first, method != "--help", method != "-h" else {
      print(callUsage + "\n\nCalls a method of a running service over RPC with a service token.")
      return arguments.isEmpty ? 2 : 0
    }
    guard method == "echo" else {
      throw DcmmsError(.usage, "unknown method '\(method)'; \(callUsage)")
    }
    guard
      let (stack, configuration) = try self.parse(
        "call echo", "Calls Echo/Echo on a service and prints the reply and the latency.",
        [
          .choice("service", LocalStack.serviceNames, default: nil, help: "The service to call."),
          .string("text", default: "hello", help: "The text to send."),
          .string(
            "token", default: "", help: "Bearer token to send; empty sends a fresh service token.",
            secret: true),
        ], Array(arguments.dropFirst()))
    else { return 0 }
    var client = try self.client(stack)
    let token = configuration.string("token")
    client.bearerToken = token.isEmpty ? nil : token
    let service = try client.service(configuration.string("service"))
    let result = try await client.echo(service, text: configuration.string("text"))
    print("\(service.name) echoed '\(result.text)' in \(result.first.millisecondsText)")
    return 0
  }
}
