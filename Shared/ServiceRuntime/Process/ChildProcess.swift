package import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Starts programs with posix_spawn: an empty signal mask and default signal handlers (a Swift
/// process may have SIGTERM blocked on the spawning thread, and children inherit the mask),
/// optionally in their own session (so they outlive their parent), output appended to a file.
/// Used by `dcmms` for the local stack and by tests that start servers; Foundation's `Process`
/// is not, for the reasons in docs/DESIGN-NOTES.md.
package enum ChildProcess {
  /// Starts `executable` with `arguments`, returning its PID.
  /// - Parameter detached: Whether the child gets its own session (survives the tool's exit).
  /// - Parameters:
  ///   - executable: Absolute path of the program.
  ///   - arguments: Arguments after the program name.
  ///   - environment: The child's complete environment.
  ///   - logPath: File that receives stdout and stderr (appended to, created 0644).
  package static func spawn(
    _ executable: String, _ arguments: [String], environment: [String: String], logPath: String,
    detached: Bool = true
  ) throws -> pid_t {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var emptyMask = sigset_t()
    sigemptyset(&emptyMask)
    posix_spawnattr_setsigmask(&attributes, &emptyMask)
    // Reset every catchable signal to its default in the child (handlers set by Dispatch or the
    // runtime, and ignored SIGPIPE, would otherwise carry over for ignored signals).
    var defaultSignals = sigset_t()
    sigfillset(&defaultSignals)
    posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
    // POSIX_SPAWN_SETSID (glibc 2.26+): spawn.h declares it only under _GNU_SOURCE.
    let setsid: Int32 = 0x80
    posix_spawnattr_setflags(
      &attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | (detached ? setsid : 0)))

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)

    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    let envp =
      environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
      for pointer in argv { free(pointer) }
      for pointer in envp { free(pointer) }
    }
    var pid: pid_t = 0
    let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
    guard result == 0 else {
      throw ChildProcessError(message: "cannot start \(executable): \(String(cString: strerror(result)))")
    }
    return pid
  }

  /// Runs a program to completion (in this session, with the same clean signal state),
  /// capturing its output.
  /// - Returns: The exit status (or 128 + signal) and the combined stdout and stderr.
  package static func run(
    _ executable: String, _ arguments: [String],
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) throws -> (status: Int32, output: String) {
    let outputPath =
      NSTemporaryDirectory() + "dcmms-run-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).log"
    defer { unlink(outputPath) }
    let pid = try self.spawn(
      executable, arguments, environment: environment, logPath: outputPath, detached: false)
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    // WIFEXITED / WEXITSTATUS are macros Swift does not import.
    let signal = status & 0x7f
    return (signal == 0 ? (status >> 8) & 0xff : 128 + signal, output)
  }
}

/// A program could not be started.
package struct ChildProcessError: Error, CustomStringConvertible {
  /// What failed, with the system's reason.
  package var message: String
  package var description: String { self.message }
}
