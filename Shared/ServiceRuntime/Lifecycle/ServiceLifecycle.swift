#if canImport(Glibc)
internal import Glibc
#endif

/// Runs an executable's services until a signal or a service ends them, then shuts them down in
/// order: graceful first, cancellation after a grace period.
///
/// ```swift
/// try await ServiceLifecycle.run(services: [rpcServer, adminServer], logger: logger)
/// ```
///
/// - The first SIGTERM or SIGINT (or the first service to return or throw) starts graceful
///   shutdown: ``LifecycleService/beginGracefulShutdown()`` on every service.
/// - A second signal, or the grace period running out, cancels the remaining services.
/// - `run` returns when every service has returned, and rethrows the first error a service
///   threw (errors thrown after cancellation are not reported as failures).
package enum ServiceLifecycle {
  private enum Event: Sendable {
    case signal(Int32)
    case finished(index: Int, error: (any Error)?)
    case graceExpired
  }

  private enum Phase {
    case running
    case draining
    case cancelled
  }

  /// Runs `services` concurrently in one discarding task group until they have all returned.
  /// - Parameters:
  ///   - services: The services; each runs in its own child task.
  ///   - signals: The signals that start shutdown; SIGTERM and SIGINT by default.
  ///   - gracePeriod: How long graceful shutdown may take before the services are cancelled.
  ///   - logger: Where shutdown steps are logged.
  /// - Throws: The first error a service threw before it was cancelled.
  package static func run(
    services: [any LifecycleService],
    signals: [Int32] = [SIGTERM, SIGINT],
    gracePeriod: Duration = .seconds(10),
    logger: Logger? = nil
  ) async throws {
    guard !services.isEmpty else { return }
    // Install signal handling before any service starts, so no early SIGTERM is lost.
    let signalSource = await SignalSource.make(signals: signals)
    let (events, eventSink) = AsyncStream.makeStream(of: Event.self)
    var firstError: (any Error)?

    await withDiscardingTaskGroup { group in
      for (index, service) in services.enumerated() {
        group.addTask {
          do {
            try await service.run()
            eventSink.yield(.finished(index: index, error: nil))
          } catch {
            eventSink.yield(.finished(index: index, error: error))
          }
        }
      }
      group.addTask {
        for await signalNumber in signalSource { eventSink.yield(.signal(signalNumber)) }
      }

      var phase = Phase.running
      var running = Set(services.indices)
      func beginShutdown(reason: String) {
        phase = .draining
        logger?.notice(
          "shutting down gracefully",
          ["reason": .string(reason), "grace_period_s": .seconds(gracePeriod)])
        for index in running { services[index].beginGracefulShutdown() }
        group.addTask {
          // Cancelled together with the group once every service has returned.
          guard (try? await Task.sleep(for: gracePeriod)) != nil else { return }
          eventSink.yield(.graceExpired)
        }
      }
      func cancelServices(reason: String) {
        guard phase != .cancelled else { return }
        phase = .cancelled
        let names = running.map { services[$0].name }.sorted().joined(separator: ",")
        logger?.warning(
          "cancelling services that have not stopped",
          ["reason": .string(reason), "services": .string(names)])
        group.cancelAll()
      }

      for await event in events {
        switch event {
        case .signal(let signalNumber):
          let name = SignalSource.name(of: signalNumber)
          switch phase {
          case .running: beginShutdown(reason: "received \(name)")
          case .draining: cancelServices(reason: "received \(name) again")
          case .cancelled: break
          }
        case .finished(let index, let error):
          running.remove(index)
          let service = services[index].name
          if let error, phase != .cancelled {
            logger?.error("service failed", ["service": .string(service), "error": .error(error)])
            if firstError == nil { firstError = error }
          } else {
            logger?.info("service stopped", ["service": .string(service)])
          }
          if phase == .running { beginShutdown(reason: "\(service) stopped") }
        case .graceExpired:
          cancelServices(reason: "grace period expired")
        }
        if running.isEmpty { break }
      }
      // Ends the signal watcher and the grace timer (or everything, if we were cancelled).
      group.cancelAll()
    }
    if let firstError { throw firstError }
  }
}
