@preconcurrency internal import Dispatch
internal import Synchronization

#if canImport(Glibc)
internal import Glibc
#endif

/// Process signals (SIGTERM, SIGINT, …) delivered as an async sequence of signal numbers.
///
/// ``make(signals:)`` sets each signal's disposition to ignore if it is still the default (so
/// the default action, usually terminating the process, no longer applies) and installs a
/// `DispatchSource` for it; it
/// returns once every source is registered, so a signal sent after it returns is never lost.
/// The dispositions stay ignored after the sequence ends. Iterate once: the sequence has a
/// single consumer. Ending the iteration (or cancelling its task) cancels the sources.
package struct SignalSource: AsyncSequence, Sendable {
  /// A signal number such as `SIGTERM`.
  package typealias Element = Int32

  private let stream: AsyncStream<Int32>

  private init(stream: AsyncStream<Int32>) {
    self.stream = stream
  }

  /// Installs handlers for `signals` and waits until they are active.
  /// - Parameter signals: Signal numbers, for example `[SIGTERM, SIGINT]`.
  /// - Returns: The sequence of received signals.
  package static func make(signals: [Int32]) async -> SignalSource {
    let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
    let queue = DispatchQueue(label: "dcmms.signals")
    let pending = Countdown(signals.count)
    var sources: [any DispatchSourceSignal] = []
    await withCheckedContinuation { (registered: CheckedContinuation<Void, Never>) in
      guard !signals.isEmpty else {
        registered.resume()
        return
      }
      for signalNumber in signals {
        Self.ignoreIfDefault(signalNumber)
        let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
        source.setEventHandler { @Sendable in
          continuation.yield(signalNumber)
        }
        source.setRegistrationHandler { @Sendable in
          if pending.decrement() == 0 { registered.resume() }
        }
        source.resume()
        sources.append(source)
      }
    }
    let installed = sources
    continuation.onTermination = { @Sendable _ in
      for source in installed { source.cancel() }
    }
    return SignalSource(stream: stream)
  }

  /// Sets the disposition of `signalNumber` to ignore if it is still the default.
  ///
  /// The default action (terminate) must not run once we handle the signal. On Linux,
  /// libdispatch installs its own handler when a source is first created and reuses it for
  /// later sources; overwriting that handler with `SIG_IGN` would make later sources deaf, so a
  /// disposition someone already set is left alone.
  private static func ignoreIfDefault(_ signalNumber: Int32) {
    var current = sigaction()
    guard sigaction(signalNumber, nil, &current) == 0 else { return }
    if current.__sigaction_handler.sa_handler == nil && current.sa_flags & SA_SIGINFO == 0 {
      signal(signalNumber, SIG_IGN)
    }
  }

  /// Returns the iterator; call once.
  package func makeAsyncIterator() -> AsyncStream<Int32>.Iterator {
    self.stream.makeAsyncIterator()
  }

  /// The conventional name of a signal (`SIGTERM`), or `signal N`.
  /// - Parameter signalNumber: The signal number.
  /// - Returns: The name.
  package static func name(of signalNumber: Int32) -> String {
    switch signalNumber {
    case SIGTERM: "SIGTERM"
    case SIGINT: "SIGINT"
    case SIGHUP: "SIGHUP"
    case SIGQUIT: "SIGQUIT"
    case SIGUSR1: "SIGUSR1"
    case SIGUSR2: "SIGUSR2"
    default: "signal \(signalNumber)"
    }
  }
}

/// A counter that registration handlers on a Dispatch queue decrement.
private final class Countdown: Sendable {
  private let remaining: Atomic<Int>

  init(_ count: Int) { self.remaining = Atomic(count) }

  /// Decrements and returns the new value.
  func decrement() -> Int {
    self.remaining.subtract(1, ordering: .acquiringAndReleasing).newValue
  }
}
