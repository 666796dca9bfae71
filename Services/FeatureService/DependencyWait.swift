import Foundation
import PostgresClient
import RedisClient
package import ServiceRuntime

/// Waits at start for a server the service cannot work without, with exponential backoff and
/// a log line per failed attempt that names the server and why it is unreachable.
package struct DependencyWait: Sendable {
  /// The dependency's name in messages, such as "PostgreSQL".
  package var name: String
  /// Whether to wait at all; false gives up after the first failed attempt.
  package var waits: Bool
  /// The first pause between attempts.
  package var initialBackoff: Duration = .milliseconds(250)
  /// The longest pause between attempts.
  package var maximumBackoff: Duration = .seconds(5)

  /// Creates a wait.
  /// - Parameters:
  ///   - name: The dependency's name in messages.
  ///   - waits: Whether to retry.
  package init(name: String, waits: Bool) {
    self.name = name
    self.waits = waits
  }

  /// Runs `probe` until it succeeds.
  /// - Parameters:
  ///   - logger: Where each failed attempt is logged.
  ///   - probe: Connects to the dependency; throws when it is unreachable.
  /// - Throws: ``DependencyUnreachable`` after the first failure when not waiting;
  ///   `CancellationError` when the task is cancelled while waiting.
  package func run(logger: Logger, probe: () async throws -> Void) async throws {
    var backoff = self.initialBackoff
    var attempt = 1
    while true {
      do {
        try await probe()
        if attempt > 1 {
          logger.notice("\(self.name) is reachable", ["attempts": .integer(attempt)])
        }
        return
      } catch {
        let reason = Self.reason(error)
        guard self.waits else { throw DependencyUnreachable(name: self.name, reason: reason) }
        logger.warning(
          "waiting for \(self.name): \(reason)",
          [
            "attempt": .integer(attempt),
            "retry_in_ms": .integer(
              Int(
                backoff.components.seconds * 1000 + backoff.components.attoseconds
                  / 1_000_000_000_000_000)),
          ])
        try await Task.sleep(for: backoff)
        backoff = min(backoff * 2, self.maximumBackoff)
        attempt += 1
      }
    }
  }
}

extension DependencyWait {
  /// The error's text without the client's own retry note, which this wait's backoff replaces.
  static func reason(_ error: any Error) -> String {
    let text: String
    if let error = error as? PostgresError {
      text = error.message
    } else if let error = error as? RedisError {
      text = error.message
    } else {
      text = String(describing: error)
    }
    guard let note = text.range(of: "; next attempt in") else { return text }
    return String(text[..<note.lowerBound])
  }
}

/// A required server could not be reached and the service was asked not to wait.
package struct DependencyUnreachable: Error, CustomStringConvertible {
  /// The dependency's name.
  package var name: String
  /// Why the attempt failed.
  package var reason: String
  /// `PostgreSQL is unreachable: …`.
  package var description: String {
    "\(self.name) is unreachable (not waiting, as --no-wait asks): \(self.reason)"
  }
}
