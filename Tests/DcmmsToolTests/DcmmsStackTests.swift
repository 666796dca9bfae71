import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The built executables, found next to the test bundle (`.build/<triple>/debug`).
private enum BuiltProducts {
  static let directory: String = {
    let executable =
      (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
      ?? CommandLine.arguments[0]
    var directory = (executable as NSString).deletingLastPathComponent
    // `swift test` may run the binary inside `dcmmsPackageTests.xctest`, a file in the build dir.
    if directory.hasSuffix(".xctest") {
      directory = (directory as NSString).deletingLastPathComponent
    }
    return directory
  }()

  static let names = [
    "dcmms", "registry-service", "feature-service", "training-service", "inference-gateway",
    "monitor-service",
  ]

  static var areBuilt: Bool {
    self.names.allSatisfy {
      FileManager.default.isExecutableFile(atPath: "\(self.directory)/\($0)")
    }
  }
}

/// The result of one `dcmms` run.
private struct Run {
  var status: Int32
  var output: String
}

/// Runs `dcmms` with `arguments`, killing it after `timeout`.
///
/// Spawned with posix_spawn and reaped with waitpid: Foundation's `Process` did not notice the
/// exit of a child here, which left the test waiting on a zombie.
private func dcmms(_ arguments: [String], stateDirectory: String, timeout: Duration = .seconds(90))
  throws -> Run
{
  let outputPath = stateDirectory + "-output-\(UUID().uuidString)"
  defer { try? FileManager.default.removeItem(atPath: outputPath) }
  var actions = posix_spawn_file_actions_t()
  posix_spawn_file_actions_init(&actions)
  defer { posix_spawn_file_actions_destroy(&actions) }
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
  posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
  posix_spawn_file_actions_adddup2(&actions, 1, 2)
  let executable = "\(BuiltProducts.directory)/dcmms"
  let argv =
    ([executable] + arguments + ["--state-dir", stateDirectory]).map { strdup($0) } + [nil]
  defer { for pointer in argv { free(pointer) } }
  var pid: pid_t = 0
  let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
  try #require(spawned == 0, "cannot start \(executable): \(String(cString: strerror(spawned)))")

  var status: Int32 = 0
  let deadline = ContinuousClock.now + timeout
  while waitpid(pid, &status, WNOHANG) == 0 {
    if ContinuousClock.now >= deadline {
      Issue.record("dcmms \(arguments.joined(separator: " ")) did not finish within \(timeout)")
      kill(pid, SIGKILL)
      _ = waitpid(pid, &status, 0)
      break
    }
    usleep(50_000)
  }
  let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
  // WIFEXITED/WEXITSTATUS are macros Swift does not import: low 7 bits are the signal.
  let exitStatus = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
  return Run(status: exitStatus, output: text)
}

/// The PIDs and start times recorded in `stack.json`.
private func recordedProcesses(in stateDirectory: String) throws -> [(
  name: String, pid: Int32, startTime: UInt64
)] {
  let data = try #require(FileManager.default.contents(atPath: stateDirectory + "/stack.json"))
  let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
  let components = try #require(object["components"] as? [[String: Any]])
  return try components.map { component in
    let name = try #require(component["name"] as? String)
    let pid = try #require((component["pid"] as? NSNumber)?.int32Value)
    let startTime = try #require((component["startTime"] as? NSNumber)?.uint64Value)
    return (name, pid, startTime)
  }
}

/// Whether the process `pid` that started at `startTime` still runs (zombies do not count).
private func isRunning(pid: Int32, startTime: UInt64) -> Bool {
  guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
    let close = text.lastIndex(of: ")")
  else { return false }
  let fields = text[text.index(after: close)...].split(separator: " ")
  guard fields.count > 19 else { return false }
  return fields[0] != "Z" && UInt64(fields[19]) == startTime
}

/// Waits up to five seconds for a process to end.
private func waitUntilGone(pid: Int32, startTime: UInt64) -> Bool {
  for _ in 0..<100 where isRunning(pid: pid, startTime: startTime) { usleep(50_000) }
  return !isRunning(pid: pid, startTime: startTime)
}

@Suite("dcmms local stack", .serialized)
struct DcmmsStackTests {
  @Test(
    "up, status, demo, up again, demo after a crash, down, down again",
    .enabled(
      if: geteuid() == 0, "needs root: it may install Debian packages and runs initdb as postgres"),
    .enabled(
      if: BuiltProducts.areBuilt,
      "needs the service executables built next to the tests (swift build)"),
    .timeLimit(.minutes(5)))
  func lifecycle() throws {
    let stateDirectory = NSTemporaryDirectory() + "dcmms-e2e-\(UUID().uuidString.prefix(8))"
    defer {
      // Whatever failed above, leave nothing running.
      _ = try? dcmms(["down"], stateDirectory: stateDirectory)
      try? FileManager.default.removeItem(atPath: stateDirectory)
    }

    let start = ContinuousClock.now
    let up = try dcmms(["up"], stateDirectory: stateDirectory)
    try #require(up.status == 0, "dcmms up failed:\n\(up.output)")
    #expect(up.output.contains("the stack is up"))
    print("dcmms up from cold: \(ContinuousClock.now - start)")

    let processes = try recordedProcesses(in: stateDirectory)
    let expected = ["postgres", "redis"] + BuiltProducts.names.dropFirst()
    #expect(Set(processes.map(\.name)) == Set(expected))
    for process in processes {
      #expect(
        isRunning(pid: process.pid, startTime: process.startTime),
        "\(process.name) is not running after up")
    }

    let status = try dcmms(["status"], stateDirectory: stateDirectory)
    #expect(status.status == 0, "status says something is not ready:\n\(status.output)")
    for name in expected {
      let line = status.output.split(separator: "\n").first { $0.hasPrefix(name + " ") }
      #expect(line?.contains("yes    yes") == true, "status line of \(name): \(line ?? "missing")")
    }

    let demo = try dcmms(["demo"], stateDirectory: stateDirectory)
    #expect(demo.status == 0, "demo failed:\n\(demo.output)")
    #expect(demo.output.contains("using the running stack"))
    #expect(!demo.output.contains("FAIL"), "\(demo.output)")
    let summary =
      demo.output.split(separator: "\n").last { $0.contains("steps passed") }.map(String.init) ?? ""
    let counts = summary.split(separator: " ").compactMap { Int($0) }
    #expect(
      counts.count >= 2 && counts[0] == counts[1] && counts[0] > 0, "demo summary: \(summary)")

    let again = try dcmms(["up"], stateDirectory: stateDirectory)
    #expect(again.status == 0)
    #expect(again.output.contains("already running"), "\(again.output)")
    // Nothing new was started: the record is the same.
    #expect(try recordedProcesses(in: stateDirectory).map(\.pid) == processes.map(\.pid))

    // Tokens: one minted by `token` is accepted, a forged one is refused with a readable error.
    let viewerToken = try dcmms(
      ["token", "--role", "viewer", "--ttl", "60"], stateDirectory: stateDirectory)
    #expect(viewerToken.status == 0)
    let token = viewerToken.output.trimmingCharacters(in: .whitespacesAndNewlines)
    #expect(token.split(separator: ".").count == 3, "not a JWT: \(token)")
    let echo = try dcmms(
      ["call", "echo", "--service", "inference-gateway", "--text", "inverter 7", "--token", token],
      stateDirectory: stateDirectory)
    #expect(echo.status == 0, "\(echo.output)")
    #expect(echo.output.contains("inference-gateway echoed 'inverter 7'"), "\(echo.output)")
    let forged = try dcmms(
      ["call", "echo", "--service", "inference-gateway", "--token", token + "x"],
      stateDirectory: stateDirectory)
    #expect(forged.status == 1, "\(forged.output)")
    #expect(forged.output.lowercased().contains("unauthenticated"), "\(forged.output)")

    // A service that dies: status says so, and the demo restarts the whole stack.
    let victim = try #require(processes.first { $0.name == "monitor-service" })
    kill(victim.pid, SIGKILL)
    #expect(waitUntilGone(pid: victim.pid, startTime: victim.startTime))
    let degraded = try dcmms(["status"], stateDirectory: stateDirectory)
    #expect(degraded.status == 1, "status with a dead service: \(degraded.output)")
    let restarted = try dcmms(["demo"], stateDirectory: stateDirectory)
    #expect(restarted.status == 0, "demo on a degraded stack failed:\n\(restarted.output)")
    #expect(restarted.output.contains("restarting the stack"), "\(restarted.output)")
    for process in processes {
      #expect(
        !isRunning(pid: process.pid, startTime: process.startTime),
        "\(process.name) (pid \(process.pid)) of the first stack still runs after the restart")
    }
    let current = try recordedProcesses(in: stateDirectory)

    let down = try dcmms(["down"], stateDirectory: stateDirectory)
    #expect(down.status == 0, "down failed:\n\(down.output)")
    #expect(down.output.contains("the stack is stopped"))
    for process in current {
      #expect(
        !isRunning(pid: process.pid, startTime: process.startTime),
        "\(process.name) (pid \(process.pid)) still runs after down")
    }

    let downAgain = try dcmms(["down"], stateDirectory: stateDirectory)
    #expect(downAgain.status == 0)
    #expect(downAgain.output.contains("nothing is running"), "\(downAgain.output)")
    let statusAfter = try dcmms(["status"], stateDirectory: stateDirectory)
    #expect(statusAfter.status != 0)
    #expect(statusAfter.output.contains("nothing is running"))
  }

  @Test(
    "client commands without a stack say it is not running",
    .enabled(if: BuiltProducts.areBuilt, "needs dcmms built next to the tests (swift build)"),
    .timeLimit(.minutes(1)))
  func clientCommandsWithoutStack() throws {
    let stateDirectory = NSTemporaryDirectory() + "dcmms-empty-\(UUID().uuidString.prefix(8))"
    defer { try? FileManager.default.removeItem(atPath: stateDirectory) }
    for arguments in [
      ["health"], ["call", "echo", "--service", "feature-service"], ["token", "--role", "viewer"],
    ] {
      let run = try dcmms(arguments, stateDirectory: stateDirectory)
      #expect(run.status == 1, "\(arguments): \(run.output)")
      #expect(
        run.output.contains("dcmms up"),
        "\(arguments) should say how to start the stack: \(run.output)")
    }
    let unknown = try dcmms(["launch"], stateDirectory: stateDirectory)
    #expect(unknown.status == 2)
    #expect(unknown.output.contains("unknown command 'launch'"))
  }
}
