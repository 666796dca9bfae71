import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Where a stack keeps its files.
struct StateDirectory {
  /// The directory itself.
  let path: String

  /// The recorded `StackState`.
  var stateFile: String { self.path + "/stack.json" }
  /// The HMAC secret that signs tokens (mode 0600).
  var secretFile: String { self.path + "/token-secret" }
  /// The PostgreSQL cluster's parent directory (owned by the `postgres` user when run as root).
  var postgresDirectory: String { self.path + "/pg" }
  /// Log files of every component.
  var logDirectory: String { self.path + "/logs" }

  /// The state directory named by `--state-dir`, `DCMMS_STATE_DIR`, or the default.
  static let defaultPath = "/var/tmp/dcmms"

  /// Reads the recorded state, or nil when nothing was recorded.
  func load() throws -> StackState? {
    guard let data = FileManager.default.contents(atPath: self.stateFile) else { return nil }
    do {
      return try JSONDecoder().decode(StackState.self, from: data)
    } catch {
      throw DcmmsError(
        .environment,
        "\(self.stateFile) is not a stack record (\(error)); remove it if nothing runs")
    }
  }

  /// Records `state`, replacing the file atomically.
  func save(_ state: StackState) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(state).write(to: URL(fileURLWithPath: self.stateFile), options: .atomic)
  }

  /// Runs `body` holding an exclusive lock on the directory, so two `up`s (or an `up` and a
  /// `down`) never interleave.
  func withLock<T>(_ body: () throws -> T) throws -> T {
    let descriptor = open(self.path + "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else {
      throw DcmmsError(
        .environment, "cannot open \(self.path)/lock: \(String(cString: strerror(errno)))")
    }
    defer { close(descriptor) }  // closing releases the lock
    while flock(descriptor, LOCK_EX) != 0 {
      guard errno == EINTR else {
        throw DcmmsError(
          .environment, "cannot lock \(self.path)/lock: \(String(cString: strerror(errno)))")
      }
    }
    return try body()
  }

  /// Forgets the recorded state.
  func clear() {
    try? FileManager.default.removeItem(atPath: self.stateFile)
  }

  /// The token secret, or nil before the first `up`.
  func loadSecret() -> String? {
    guard let data = FileManager.default.contents(atPath: self.secretFile) else { return nil }
    let secret = String(decoding: data, as: UTF8.self).trimmingCharacters(
      in: .whitespacesAndNewlines)
    return secret.isEmpty ? nil : secret
  }

  /// The token secret, made (32 random bytes, hex) and stored on first use.
  func loadOrCreateSecret() throws -> String {
    if let secret = self.loadSecret() { return secret }
    var generator = SystemRandomNumberGenerator()
    let secret = (0..<32).map { _ in
      String(format: "%02x", UInt8.random(in: 0...255, using: &generator))
    }.joined()
    guard
      FileManager.default.createFile(
        atPath: self.secretFile, contents: Data(secret.utf8), attributes: [.posixPermissions: 0o600]
      )
    else { throw DcmmsError(.environment, "cannot write \(self.secretFile)") }
    return secret
  }
}
