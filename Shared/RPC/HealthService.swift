import RPCCore
import Synchronization
package import WireProtos

/// The serving status of a process, reported by the `dcmms.v1.Health` service that every
/// dCMMS service serves (gRPC's health-checking protocol, on our RPC).
///
/// `Check` answers the current status; `Watch` streams it now and after every change.
/// Thread-safe.
package final class HealthService: Sendable {
  private struct State: ~Copyable {
    var status = HealthCheckResponse.ServingStatus.notServing
    var watchers: [Int: AsyncStream<HealthCheckResponse.ServingStatus>.Continuation] = [:]
    var nextWatcher = 0
  }

  private let state = Mutex(State())

  /// A service that reports NOT_SERVING until `setStatus(.serving)`.
  package init() {}

  /// The status reported now.
  package var status: HealthCheckResponse.ServingStatus { self.state.withLock { $0.status } }

  /// Changes the status and tells every watcher.
  package func setStatus(_ status: HealthCheckResponse.ServingStatus) {
    let watchers = self.state.withLock {
      state -> [AsyncStream<HealthCheckResponse.ServingStatus>.Continuation] in
      guard state.status != status else { return [] }
      state.status = status
      return Array(state.watchers.values)
    }
    for watcher in watchers { watcher.yield(status) }
  }

  /// Ends every watch stream (at shutdown).
  package func finishWatchers() {
    let watchers = self.state.withLock {
      state -> [AsyncStream<HealthCheckResponse.ServingStatus>.Continuation] in
      defer { state.watchers.removeAll() }
      return Array(state.watchers.values)
    }
    for watcher in watchers { watcher.finish() }
  }

  /// Adds `Health/Check` and `Health/Watch` to `router`.
  package func register(into router: inout RPCRouter) {
    router.register(Health.Method.Check.self) { [self] _, _ in
      HealthCheckResponse(status: self.status)
    }
    router.register(Health.Method.Watch.self) { [self] _, writer, _ in
      let (stream, continuation) = AsyncStream.makeStream(
        of: HealthCheckResponse.ServingStatus.self, bufferingPolicy: .bufferingNewest(1))
      let id = self.state.withLock { state -> Int in
        let id = state.nextWatcher
        state.nextWatcher += 1
        state.watchers[id] = continuation
        continuation.yield(state.status)
        return id
      }
      defer { _ = self.state.withLock { $0.watchers.removeValue(forKey: id) } }
      for await status in stream {
        try await writer.write(HealthCheckResponse(status: status))
      }
    }
  }
}
