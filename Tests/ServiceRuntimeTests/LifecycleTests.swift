import Foundation
import Synchronization
import Testing

@testable import ServiceRuntime

#if canImport(Glibc)
import Glibc
#endif

/// A service that reports what happens to it on a shared event stream.
private final class RecordingService: LifecycleService {
  enum Behaviour {
    /// Returns when asked to shut down.
    case graceful
    /// Ignores graceful shutdown; stops only when cancelled.
    case stubborn
    /// Throws as soon as it starts.
    case failing
    /// Returns as soon as it starts, as a one-shot job would.
    case oneShot
  }

  struct Failure: Error, Equatable {}

  let name: String
  private let behaviour: Behaviour
  private let events: AsyncStream<String>.Continuation
  private let shutdown: AsyncStream<Void>
  private let shutdownTrigger: AsyncStream<Void>.Continuation

  init(_ name: String, _ behaviour: Behaviour, events: AsyncStream<String>.Continuation) {
    self.name = name
    self.behaviour = behaviour
    self.events = events
    (self.shutdown, self.shutdownTrigger) = AsyncStream.makeStream(of: Void.self)
  }

  func run() async throws {
    self.events.yield("\(self.name) started")
    switch self.behaviour {
    case .graceful:
      for await _ in self.shutdown {}
      self.events.yield("\(self.name) drained")
    case .stubborn:
      do {
        try await Task.sleep(for: .seconds(120))
      } catch {
        self.events.yield("\(self.name) cancelled")
        throw error
      }
    case .failing:
      throw Failure()
    case .oneShot:
      self.events.yield("\(self.name) done")
    }
  }

  func beginGracefulShutdown() {
    self.events.yield("\(self.name) asked to shut down")
    self.shutdownTrigger.finish()
  }
}

@Suite("Signals")
struct SignalSourceTests {
  @Test("A signal sent to the process arrives on the sequence", .timeLimit(.minutes(1)))
  func delivery() async throws {
    let source = await SignalSource.make(signals: [SIGUSR1])
    var iterator = source.makeAsyncIterator()
    kill(getpid(), SIGUSR1)
    #expect(await iterator.next() == SIGUSR1)
    kill(getpid(), SIGUSR1)
    #expect(await iterator.next() == SIGUSR1)
    #expect(SignalSource.name(of: SIGTERM) == "SIGTERM")
  }
}

@Suite("Service lifecycle", .serialized)
struct ServiceLifecycleTests {
  /// Runs the lifecycle in a child task; `whenStarted` runs once every service has started.
  /// Returns the events in order and the time the lifecycle took, and rethrows its error.
  fileprivate static func runLifecycle(
    _ behaviours: [(String, RecordingService.Behaviour)],
    gracePeriod: Duration = .seconds(30),
    whenStarted: @escaping @Sendable () -> Void = {}
  ) async throws -> (events: [String], elapsed: Duration) {
    let (events, sink) = AsyncStream.makeStream(of: String.self)
    let services = behaviours.map { RecordingService($0.0, $0.1, events: sink) }
    let clock = ContinuousClock()
    let start = clock.now
    let collector = Task {
      var seen: [String] = []
      var started = 0
      for await event in events {
        seen.append(event)
        if event.hasSuffix(" started") {
          started += 1
          if started == services.count { whenStarted() }
        }
      }
      return seen
    }
    var failure: (any Error)?
    do {
      try await ServiceLifecycle.run(
        services: services, signals: [SIGUSR2], gracePeriod: gracePeriod)
    } catch {
      failure = error
    }
    let elapsed = clock.now - start
    sink.finish()
    let seen = await collector.value
    if let failure { throw failure }
    return (seen, elapsed)
  }

  @Test("A signal shuts every service down gracefully", .timeLimit(.minutes(1)))
  func signalShutdown() async throws {
    let (events, elapsed) = try await Self.runLifecycle([("a", .graceful), ("b", .graceful)]) {
      kill(getpid(), SIGUSR2)
    }
    #expect(
      Set(events) == [
        "a started", "b started", "a asked to shut down", "b asked to shut down", "a drained",
        "b drained",
      ])
    #expect(events.firstIndex(of: "a drained")! > events.firstIndex(of: "a asked to shut down")!)
    #expect(elapsed < .seconds(10))
  }

  @Test(
    "Services that ignore graceful shutdown are cancelled after the grace period",
    .timeLimit(.minutes(1)))
  func gracePeriod() async throws {
    let (events, elapsed) = try await Self.runLifecycle(
      [("polite", .graceful), ("stubborn", .stubborn)], gracePeriod: .milliseconds(300)
    ) {
      kill(getpid(), SIGUSR2)
    }
    #expect(events.contains("stubborn asked to shut down"))
    #expect(events.contains("stubborn cancelled"))
    #expect(events.contains("polite drained"))
    #expect(elapsed >= .milliseconds(300))
    #expect(elapsed < .seconds(20))
  }

  @Test("A second signal cancels at once", .timeLimit(.minutes(1)))
  func secondSignal() async throws {
    let (events, elapsed) = try await Self.runLifecycle(
      [("stubborn", .stubborn)], gracePeriod: .seconds(60)
    ) {
      kill(getpid(), SIGUSR2)
      usleep(100_000)
      kill(getpid(), SIGUSR2)
    }
    #expect(events == ["stubborn started", "stubborn asked to shut down", "stubborn cancelled"])
    #expect(elapsed < .seconds(30))
  }

  @Test("A service that returns shuts the others down", .timeLimit(.minutes(1)))
  func serviceReturns() async throws {
    let (events, _) = try await Self.runLifecycle([("server", .graceful), ("job", .oneShot)])
    #expect(events.contains("job done"))
    #expect(events.contains("server asked to shut down"))
    #expect(events.contains("server drained"))
    #expect(!events.contains("job asked to shut down"))
  }

  @Test(
    "A failing service shuts the others down and its error is rethrown", .timeLimit(.minutes(1)))
  func failingService() async throws {
    let (events, sink) = AsyncStream.makeStream(of: String.self)
    let services = [
      RecordingService("server", .graceful, events: sink),
      RecordingService("loader", .failing, events: sink),
    ]
    await #expect(throws: RecordingService.Failure()) {
      try await ServiceLifecycle.run(services: services, signals: [SIGUSR2])
    }
    sink.finish()
    var seen: [String] = []
    for await event in events { seen.append(event) }
    #expect(seen.contains("server asked to shut down"))
    #expect(seen.contains("server drained"))
    #expect(!seen.contains("loader asked to shut down"))
  }
}
