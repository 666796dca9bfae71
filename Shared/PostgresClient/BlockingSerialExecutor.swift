@preconcurrency internal import Dispatch

/// A serial executor over a private `DispatchQueue`.
///
/// libpq blocks the calling thread. An actor whose jobs run here keeps those blocking calls off
/// Swift's cooperative pool. Linux Dispatch has no `DispatchSerialQueue` executor, hence this type.
final class BlockingSerialExecutor: SerialExecutor {
  private let queue: DispatchQueue

  init(label: String) {
    self.queue = DispatchQueue(label: label)
  }

  func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    let executor = self.asUnownedSerialExecutor()
    self.queue.async { @Sendable in job.runSynchronously(on: executor) }
  }

  func asUnownedSerialExecutor() -> UnownedSerialExecutor {
    UnownedSerialExecutor(ordinary: self)
  }
}
