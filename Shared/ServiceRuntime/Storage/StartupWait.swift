/// Waits for a dependency (PostgreSQL, Redis, another service) at start-up.
package enum StartupWait {
  /// Runs `attempt` until it succeeds, with back-off (0.5 s doubling to 5 s), logging each
  /// failure with the dependency's name; or, when `wait` is false, fails at the first error.
  /// - Parameters:
  ///   - dependency: what is being reached, as shown to the operator ("PostgreSQL at …").
  ///   - wait: whether to keep trying.
  ///   - logger: where failures are reported.
  ///   - attempt: one try.
  /// - Returns: what `attempt` returns.
  /// - Throws: the first error when `wait` is false; `CancellationError` when cancelled.
  package static func until<T: Sendable>(
    _ dependency: String, wait: Bool, logger: Logger, attempt: @Sendable () async throws -> T
  ) async throws -> T {
    var delay = Duration.milliseconds(500)
    while true {
      do {
        return try await attempt()
      } catch {
        guard wait else {
          logger.error("cannot reach \(dependency)", ["error": .error(error)])
          throw error
        }
        logger.warning(
          "cannot reach \(dependency); retrying", ["error": .error(error), "retry_in_s": .seconds(delay)])
        try await Task.sleep(for: delay)
        delay = min(delay * 2, .seconds(5))
      }
    }
  }
}
