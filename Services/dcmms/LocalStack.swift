import Foundation
import ServiceRuntime

#if canImport(Glibc)
  import Glibc
#endif

/// The local stack of `dcmms up`: a private PostgreSQL cluster, Redis and the five services on
/// free loopback ports, with state, logs and PIDs in one directory.
struct LocalStack {
  /// The five service executables, in start order.
  static let serviceNames = [
    "registry-service", "feature-service", "training-service", "inference-gateway",
    "monitor-service",
  ]
  static let postgresBin = "/usr/lib/postgresql/15/bin"
  /// How long `up` waits for every service to be ready.
  static let readyTimeout: Duration = .seconds(60)
  /// How long a service gets between SIGTERM and SIGKILL on `down`.
  static let stopGrace: Duration = .seconds(10)

  let directory: StateDirectory
  /// Where the service executables are: next to `dcmms`.
  let binDirectory: String

  init(directory: StateDirectory) {
    self.directory = directory
    let executable =
      (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
      ?? CommandLine.arguments[0]
    self.binDirectory = (executable as NSString).deletingLastPathComponent
  }

  private static var isRoot: Bool { geteuid() == 0 }

  // MARK: - State

  /// The recorded components that still run, and those that do not.
  func liveness() throws -> (
    state: StackState, alive: [StackState.Component], dead: [StackState.Component]
  )? {
    guard let state = try self.directory.load() else { return nil }
    let alive = state.components.filter {
      ProcessTable.isAlive(pid: $0.pid, startTime: $0.startTime)
    }
    let dead = state.components.filter {
      !ProcessTable.isAlive(pid: $0.pid, startTime: $0.startTime)
    }
    return (state, alive, dead)
  }

  /// The running stack's record.
  /// - Throws: `notRunning` when nothing `up` started runs.
  func runningState() throws -> StackState {
    guard let recorded = try self.liveness(), !recorded.alive.isEmpty else {
      throw DcmmsError(
        .notRunning,
        "the stack is not running (state dir \(self.directory.path)); start it with `dcmms up`")
    }
    return recorded.state
  }

  /// Whether a component answers: a service's `/readyz` says 200, PostgreSQL accepts
  /// connections, Redis answers PING.
  static func isReady(_ component: StackState.Component) -> Bool {
    if let adminPort = component.adminPort {
      return Loopback.httpGet(port: adminPort, path: "/readyz")?.status == 200
    }
    if component.name == "redis" { return Loopback.redisAnswersPing(port: component.port) }
    return Loopback.isListening(port: component.port)
  }

  // MARK: - up

  /// Starts the stack unless it runs.
  /// - Parameter log: Progress lines.
  /// - Returns: The stack's record and whether this call started it.
  /// - Parameter restartIfDegraded: When some recorded components died, stop the rest and
  ///   start afresh (the demo); otherwise warn and keep the stack as it is.
  func up(
    restartIfDegraded: Bool = false, log: (String) -> Void
  ) throws -> (state: StackState, started: Bool) {
    try self.prepareDirectory()
    return try self.directory.withLock {
      try self.upLocked(restartIfDegraded: restartIfDegraded, log: log)
    }
  }

  private func upLocked(
    restartIfDegraded: Bool, log: (String) -> Void
  ) throws -> (state: StackState, started: Bool) {
    if let recorded = try self.liveness() {
      let deadNames = recorded.dead.map(\.name).joined(separator: ", ")
      if !recorded.alive.isEmpty, recorded.dead.isEmpty || !restartIfDegraded {
        if !recorded.dead.isEmpty {
          log("warning: not running: \(deadNames); `dcmms down && dcmms up` restarts the stack")
        }
        return (recorded.state, false)
      }
      if !recorded.alive.isEmpty {
        log("not running: \(deadNames); restarting the stack")
        self.stop(recorded.state, log: log)
      }
      self.directory.clear()  // nothing of the record runs any more
    }
    try self.checkBinaries()
    try PackageInstaller.installMissing(log: log)
    let secret = try self.directory.loadOrCreateSecret()

    var state = StackState()
    do {
      let postgres = try self.startPostgres(log: log)
      state.components.append(postgres)
      try self.directory.save(state)
      let redis = try self.startRedis(log: log)
      state.components.append(redis)
      try self.directory.save(state)

      var environment = ProcessInfo.processInfo.environment
      environment["DCMMS_TOKEN_SECRET"] = secret
      environment["DCMMS_POSTGRES"] =
        "host=127.0.0.1 port=\(postgres.port) user=dcmms dbname=postgres"
      environment["DCMMS_REDIS"] = "redis://127.0.0.1:\(redis.port)"
      // Every port is chosen before any service starts, so services that call each other
      // (the gateway calls the registry, the feature service and the monitor) know where.
      var ports: [String: (rpc: Int, admin: Int)] = [:]
      var taken: Set<Int> = [postgres.port, redis.port]
      for name in Self.serviceNames {
        let rpc = try Loopback.freePort(avoiding: taken)
        taken.insert(rpc)
        let admin = try Loopback.freePort(avoiding: taken)
        taken.insert(admin)
        ports[name] = (rpc, admin)
      }
      for (variable, service) in [
        ("DCMMS_REGISTRY", "registry-service"), ("DCMMS_FEATURE", "feature-service"),
        ("DCMMS_MONITOR", "monitor-service"), ("DCMMS_TRAINING", "training-service"),
      ] {
        if let port = ports[service]?.rpc { environment[variable] = "127.0.0.1:\(port)" }
      }
      for name in Self.serviceNames {
        let port = ports[name]!
        state.components.append(
          try self.startService(name, rpcPort: port.rpc, adminPort: port.admin, environment: environment))
        try self.directory.save(state)
      }
      log("waiting for the services to be ready")
      try self.waitUntilReady(state.services)
    } catch {
      log("up failed; stopping what was started")
      self.stop(state, log: log)
      self.directory.clear()
      throw error
    }
    return (state, true)
  }

  private func checkBinaries() throws {
    let missing = Self.serviceNames.filter {
      !FileManager.default.isExecutableFile(atPath: "\(self.binDirectory)/\($0)")
    }
    guard missing.isEmpty else {
      throw DcmmsError(
        .environment,
        "service executables missing next to dcmms in \(self.binDirectory): \(missing.joined(separator: ", ")); run `swift build` first"
      )
    }
  }

  private func prepareDirectory() throws {
    let manager = FileManager.default
    do {
      try manager.createDirectory(
        atPath: self.directory.logDirectory, withIntermediateDirectories: true)
      // The postgres user must reach the cluster inside it.
      try manager.setAttributes([.posixPermissions: 0o755], ofItemAtPath: self.directory.path)
    } catch {
      throw DcmmsError(
        .environment,
        "cannot create the state directory \(self.directory.path): \(error.localizedDescription)")
    }
  }

  private func record(_ name: String, pid: Int32, port: Int, adminPort: Int? = nil, logPath: String)
    throws -> StackState.Component
  {
    guard let stat = ProcessTable.stat(of: pid) else {
      throw DcmmsError(
        .startFailed,
        "\(name) (pid \(pid)) exited at once; see \(logPath):\n\(Self.tail(of: logPath))")
    }
    return StackState.Component(
      name: name, pid: pid, startTime: stat.startTime, port: port, adminPort: adminPort,
      logPath: logPath)
  }

  // MARK: PostgreSQL

  /// Runs a PostgreSQL tool as the cluster owner: initdb and postgres refuse to run as root.
  private func runPostgresTool(_ tool: String, _ arguments: [String]) throws -> (
    status: Int32, output: String
  ) {
    if Self.isRoot {
      return try ChildProcess.run(
        "/usr/sbin/runuser", ["-u", "postgres", "--", "\(Self.postgresBin)/\(tool)"] + arguments)
    }
    return try ChildProcess.run("\(Self.postgresBin)/\(tool)", arguments)
  }

  private func startPostgres(log: (String) -> Void) throws -> StackState.Component {
    let root = self.directory.postgresDirectory
    let data = root + "/data"
    // Inside the cluster's directory: the postgres user writes it.
    let logPath = root + "/postgres.log"
    if !FileManager.default.fileExists(atPath: data + "/PG_VERSION") {
      log("creating a PostgreSQL cluster in \(data)")
      try? FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
      if Self.isRoot {
        _ = try ChildProcess.run("/bin/chown", ["postgres:postgres", root])
      }
      let result = try self.runPostgresTool(
        "initdb", ["-D", data, "-U", "dcmms", "--auth=trust", "-E", "UTF8", "--no-locale"])
      guard result.status == 0 else {
        throw DcmmsError(
          .startFailed, "initdb failed (exit \(result.status)):\n\(Self.lastLines(result.output))")
      }
    }
    var lastOutput = ""
    // A free port may be taken before postgres binds it; try a few.
    for _ in 0..<3 {
      let port = try Loopback.freePort()
      let result = try self.runPostgresTool(
        "pg_ctl",
        [
          "-D", data, "-l", logPath, "-w", "-t", "30", "-o",
          "-p \(port) -k \(root) -c listen_addresses=127.0.0.1", "start",
        ])
      if result.status == 0 {
        let pidText = (try? String(contentsOfFile: data + "/postmaster.pid", encoding: .utf8))?
          .split(separator: "\n").first
        guard let pidText, let pid = Int32(pidText) else {
          throw DcmmsError(.startFailed, "PostgreSQL started but \(data)/postmaster.pid has no PID")
        }
        log("PostgreSQL listens on 127.0.0.1:\(port) (pid \(pid))")
        return try self.record("postgres", pid: pid, port: port, logPath: logPath)
      }
      lastOutput = result.output
    }
    throw DcmmsError(
      .startFailed,
      "PostgreSQL did not start:\n\(Self.lastLines(lastOutput))\n\(Self.tail(of: logPath))")
  }

  private func stopPostgres(_ component: StackState.Component) {
    let data = self.directory.postgresDirectory + "/data"
    let stopped =
      (try? self.runPostgresTool("pg_ctl", ["-D", data, "-m", "fast", "-w", "-t", "30", "stop"]))?
      .status == 0
    if !stopped || ProcessTable.isAlive(pid: component.pid, startTime: component.startTime) {
      ProcessTable.terminate(
        pid: component.pid, startTime: component.startTime, grace: .seconds(10))
    }
  }

  // MARK: Redis

  private func startRedis(log: (String) -> Void) throws -> StackState.Component {
    guard
      let redisServer = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].first(
        where: FileManager.default.isExecutableFile)
    else {
      throw DcmmsError(.environment, "redis-server not found; install the redis-server package")
    }
    let logPath = self.directory.logDirectory + "/redis.log"
    for _ in 0..<3 {
      let port = try Loopback.freePort()
      let pid = try ChildProcess.spawn(
        redisServer,
        [
          "--bind", "127.0.0.1", "--port", "\(port)", "--save", "", "--appendonly", "no", "--dir",
          self.directory.path,
        ],
        environment: ProcessInfo.processInfo.environment, logPath: logPath)
      let component = try self.record("redis", pid: pid, port: port, logPath: logPath)
      let deadline = ContinuousClock.now + .seconds(10)
      while ContinuousClock.now < deadline,
        ProcessTable.isAlive(pid: pid, startTime: component.startTime)
      {
        if Loopback.redisAnswersPing(port: port) {
          log("Redis listens on 127.0.0.1:\(port) (pid \(pid))")
          return component
        }
        usleep(50_000)
      }
      ProcessTable.terminate(pid: pid, startTime: component.startTime, grace: .seconds(2))
    }
    throw DcmmsError(.startFailed, "Redis did not start:\n\(Self.tail(of: logPath))")
  }

  // MARK: Services

  private func startService(
    _ name: String, rpcPort: Int, adminPort: Int, environment: [String: String]
  ) throws -> StackState.Component {
    let logPath = "\(self.directory.logDirectory)/\(name).log"
    let pid = try ChildProcess.spawn(
      "\(self.binDirectory)/\(name)",
      [
        "--rpc-listen", "127.0.0.1:\(rpcPort)", "--admin-listen", "127.0.0.1:\(adminPort)",
        "--shutdown-grace-ms", "5000",
      ],
      environment: environment, logPath: logPath)
    return try self.record(name, pid: pid, port: rpcPort, adminPort: adminPort, logPath: logPath)
  }

  private func waitUntilReady(_ services: [StackState.Component]) throws {
    var waiting = services
    let deadline = ContinuousClock.now + Self.readyTimeout
    while !waiting.isEmpty {
      for service in waiting
      where !ProcessTable.isAlive(pid: service.pid, startTime: service.startTime) {
        throw DcmmsError(
          .startFailed,
          "\(service.name) exited before it was ready; the end of \(service.logPath):\n\(Self.tail(of: service.logPath))"
        )
      }
      waiting.removeAll(where: Self.isReady)
      guard !waiting.isEmpty else { break }
      guard ContinuousClock.now < deadline else {
        let service = waiting[0]
        throw DcmmsError(
          .startFailed,
          "\(waiting.map(\.name).joined(separator: ", ")) not ready after \(Self.readyTimeout); the end of \(service.logPath):\n\(Self.tail(of: service.logPath))"
        )
      }
      usleep(100_000)
    }
  }

  // MARK: - down

  /// Stops what `up` recorded: the services (SIGTERM, SIGKILL after a grace), Redis, then
  /// PostgreSQL with pg_ctl.
  /// - Returns: Whether anything was running.
  func down(log: (String) -> Void) throws -> Bool {
    guard FileManager.default.fileExists(atPath: self.directory.path) else { return false }
    return try self.directory.withLock { try self.downLocked(log: log) }
  }

  private func downLocked(log: (String) -> Void) throws -> Bool {
    guard let recorded = try self.liveness() else { return false }
    defer { self.directory.clear() }
    guard !recorded.alive.isEmpty else { return false }
    self.stop(recorded.state, log: log)
    return true
  }

  private func stop(_ state: StackState, log: (String) -> Void) {
    let services = state.services.reversed().filter {
      ProcessTable.isAlive(pid: $0.pid, startTime: $0.startTime)
    }
    // All services drain at once, then each is waited for.
    for service in services { kill(service.pid, SIGTERM) }
    for service in services {
      if !ProcessTable.waitForExit(
        pid: service.pid, startTime: service.startTime, timeout: Self.stopGrace)
      {
        log("\(service.name) (pid \(service.pid)) ignored SIGTERM; sending SIGKILL")
        ProcessTable.terminate(pid: service.pid, startTime: service.startTime, grace: .zero)
      }
      log("stopped \(service.name) (pid \(service.pid))")
    }
    if let redis = state.component("redis"),
      ProcessTable.isAlive(pid: redis.pid, startTime: redis.startTime)
    {
      ProcessTable.terminate(pid: redis.pid, startTime: redis.startTime, grace: .seconds(5))
      log("stopped redis (pid \(redis.pid))")
    }
    if let postgres = state.component("postgres"),
      ProcessTable.isAlive(pid: postgres.pid, startTime: postgres.startTime)
    {
      self.stopPostgres(postgres)
      log("stopped postgres (pid \(postgres.pid))")
    }
  }

  // MARK: - Log helpers

  /// The last lines of a log file, indented.
  static func tail(of path: String, lines: Int = 15) -> String {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
      return "  (no log at \(path))"
    }
    return self.lastLines(text, count: lines)
  }

  private static func lastLines(_ text: String, count: Int = 15) -> String {
    text.trimmingCharacters(in: .newlines).split(separator: "\n", omittingEmptySubsequences: false)
      .suffix(count).map { "  " + $0 }.joined(separator: "\n")
  }
}
