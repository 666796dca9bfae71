/// A long-running part of an executable (an RPC server, an HTTP admin server, a background
/// loop) that ``ServiceLifecycle`` runs and shuts down.
package protocol LifecycleService: Sendable {
  /// The name used in log lines; the type's name by default.
  var name: String { get }

  /// Runs until the service has finished its work or has shut down.
  ///
  /// Returning (or throwing) before shutdown was requested makes the lifecycle shut down every
  /// other service. The task is cancelled when the grace period expires: honour cancellation.
  /// - Throws: Whatever stopped the service; the lifecycle rethrows the first such error.
  func run() async throws

  /// Asks the service to stop gracefully: stop accepting work, finish what is in flight, then
  /// return from ``run()``. Called at most once, from another task; must not block.
  func beginGracefulShutdown()
}

extension LifecycleService {
  /// The type's name.
  package var name: String { String(describing: Self.self) }
}
