import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Looks at and signals processes by PID, checking each time that the PID still names the
/// process that was recorded (same start time), so a reused PID is never signalled.
enum ProcessTable {
  /// The start time (`/proc/PID/stat` field 22) and state letter of `pid`, or nil when there is
  /// no such process.
  static func stat(of pid: Int32) -> (startTime: UInt64, state: Character)? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = text.lastIndex(of: ")")
    else { return nil }
    // The command name (field 2) may hold spaces; fields after it are plain.
    let fields = text[text.index(after: close)...].split(separator: " ")
    // fields[0] is field 3 (state); field 22 is fields[19].
    guard fields.count > 19, let state = fields[0].first, let startTime = UInt64(fields[19]) else {
      return nil
    }
    return (startTime, state)
  }

  /// Whether the recorded process still runs (a zombie does not count).
  static func isAlive(pid: Int32, startTime: UInt64) -> Bool {
    guard let stat = self.stat(of: pid) else { return false }
    return stat.startTime == startTime && stat.state != "Z" && stat.state != "X"
  }

  /// Sends SIGTERM, waits up to `grace` for the process to end, then sends SIGKILL.
  /// - Returns: Whether SIGKILL was needed.
  @discardableResult
  static func terminate(pid: Int32, startTime: UInt64, grace: Duration) -> Bool {
    guard self.isAlive(pid: pid, startTime: startTime) else { return false }
    kill(pid, SIGTERM)
    if self.waitForExit(pid: pid, startTime: startTime, timeout: grace) { return false }
    kill(pid, SIGKILL)
    _ = self.waitForExit(pid: pid, startTime: startTime, timeout: .seconds(5))
    return true
  }

  /// Polls until the process ends or `timeout` passes; reaps it when it is our child.
  /// - Returns: Whether it ended.
  static func waitForExit(pid: Int32, startTime: UInt64, timeout: Duration) -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
      var status: Int32 = 0
      _ = waitpid(pid, &status, WNOHANG)
      if !self.isAlive(pid: pid, startTime: startTime) { return true }
      usleep(50_000)
    }
    return !self.isAlive(pid: pid, startTime: startTime)
  }
}
