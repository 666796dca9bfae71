@preconcurrency internal import Dispatch

/// A serial executor over a private `DispatchQueue`, for actors that call blocking C code.
///
/// libpq and hiredis block the calling thread. An actor whose jobs run here keeps those
/// blocking calls off Swift's cooperative pool and off the event loops. Linux Dispatch has no
/// `DispatchSerialQueue` executor, hence this type.
package final class BlockingSerialExecutor: SerialExecutor {
  private let queue: DispatchQueue

  /// Creates an executor with its own queue named `label`.
  package init(label: String) {
    self.queue = DispatchQueue(label: label)
  }

  package func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    let executor = self.asUnownedSerialExecutor()
    self.queue.async { @Sendable in job.runSynchronously(on: executor) }
  }

  package func asUnownedSerialExecutor() -> UnownedSerialExecutor {
    UnownedSerialExecutor(ordinary: self)
  }
}
