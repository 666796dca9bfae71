internal import Synchronization

/// A service's health for `/healthz` (is the process alive) and `/readyz` (should it get
/// traffic): a lifecycle phase plus named readiness checks.
///
/// The phase only moves forward: starting → ready → draining → stopped. A service marks itself
/// ready once it can serve, and draining when graceful shutdown begins, so load balancers stop
/// sending it work while calls in flight finish. Readiness also requires every registered check
/// (a PostgreSQL ping, a loaded model) to pass within the check timeout. Thread-safe.
package final class HealthState: Sendable {
  /// Where the service is in its life.
  package enum Phase: Int, Comparable, Sendable, CustomStringConvertible {
    /// Initialising: migrations, connections, model loading.
    case starting
    /// Serving.
    case ready
    /// Shutting down gracefully: finishing calls in flight, accepting no new ones.
    case draining
    /// Finished.
    case stopped

    /// Orders phases by progress.
    package static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The lowercase name used in JSON bodies.
    package var description: String {
      switch self {
      case .starting: "starting"
      case .ready: "ready"
      case .draining: "draining"
      case .stopped: "stopped"
      }
    }
  }

  /// A readiness check: returns when healthy, throws (with a message worth reading) when not.
  package typealias Check = @Sendable () async throws -> Void

  /// The outcome of one check.
  package struct CheckResult: Hashable, Sendable {
    /// The check's name.
    package var name: String
    /// Whether it passed.
    package var passed: Bool
    /// Why it failed; `nil` when it passed.
    package var failure: String?
  }

  /// The outcome of a readiness evaluation.
  package struct Readiness: Hashable, Sendable {
    /// The phase at evaluation time.
    package var phase: Phase
    /// Every check's outcome, sorted by name.
    package var checks: [CheckResult]
    /// Whether the service should receive traffic: phase `ready` and every check passed.
    package var isReady: Bool { self.phase == .ready && self.checks.allSatisfy(\.passed) }
  }

  private struct State {
    var phase = Phase.starting
    var checks: [String: Check] = [:]
  }

  private let state = Mutex(State())
  /// How long one check may take before it counts as failed.
  package let checkTimeout: Duration

  /// Creates a health state in phase `starting` with no checks.
  /// - Parameter checkTimeout: How long one check may take before it counts as failed.
  package init(checkTimeout: Duration = .seconds(2)) {
    self.checkTimeout = checkTimeout
  }

  /// The current phase.
  package var phase: Phase { self.state.withLock { $0.phase } }

  /// Moves to `phase` if it is later than the current one; earlier phases are ignored.
  /// - Parameter phase: The new phase.
  package func advance(to phase: Phase) {
    self.state.withLock { state in
      if phase > state.phase { state.phase = phase }
    }
  }

  /// Adds (or replaces) a named readiness check.
  /// - Parameters:
  ///   - name: A short name shown in `/readyz`, for example `postgres`.
  ///   - check: Returns when healthy; throws when not. Runs on every `/readyz` request, so keep
  ///     it cheap. After ``checkTimeout`` it counts as failed and is cancelled; a check that
  ///     ignores cancellation still delays the response until it returns.
  package func registerCheck(_ name: String, _ check: @escaping Check) {
    self.state.withLock { $0.checks[name] = check }
  }

  /// Runs every check concurrently, each bounded by ``checkTimeout``.
  /// - Returns: The phase and every check's outcome.
  package func evaluateReadiness() async -> Readiness {
    let (phase, checks) = self.state.withLock { ($0.phase, $0.checks) }
    let timeout = self.checkTimeout
    let results = await withTaskGroup(of: CheckResult.self) { group in
      for (name, check) in checks {
        group.addTask { await Self.run(name: name, check: check, timeout: timeout) }
      }
      var results: [CheckResult] = []
      for await result in group { results.append(result) }
      return results
    }
    return Readiness(phase: phase, checks: results.sorted { $0.name < $1.name })
  }

  private static func run(name: String, check: @escaping Check, timeout: Duration) async
    -> CheckResult
  {
    await withTaskGroup(of: CheckResult?.self) { group in
      group.addTask {
        do {
          try await check()
          return CheckResult(name: name, passed: true, failure: nil)
        } catch {
          return CheckResult(name: name, passed: false, failure: String(describing: error))
        }
      }
      group.addTask {
        // nil when cancelled because the check finished first.
        guard (try? await Task.sleep(for: timeout)) != nil else { return nil }
        return CheckResult(name: name, passed: false, failure: "timed out after \(timeout)")
      }
      let first = await group.next() ?? nil
      group.cancelAll()
      return first ?? CheckResult(name: name, passed: false, failure: "cancelled")
    }
  }
}
