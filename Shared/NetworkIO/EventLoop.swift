internal import CPlatformShims
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Something registered with an event loop that wants to hear about readiness of its descriptor.
/// Called on the loop's thread only.
package protocol EventHandler: AnyObject {
  /// The descriptor became readable, writable, or failed; `events` is the epoll mask.
  func handleEvent(_ events: EventMask)
}

/// An epoll readiness mask.
package struct EventMask: OptionSet, Sendable {
  package let rawValue: UInt32
  package init(rawValue: UInt32) { self.rawValue = rawValue }
  /// The descriptor has bytes to read (or a connection to accept).
  package static let readable = Self(rawValue: CPlatform_EPOLLIN)
  /// The descriptor can take more bytes.
  package static let writable = Self(rawValue: CPlatform_EPOLLOUT)
  /// The descriptor failed.
  package static let error = Self(rawValue: CPlatform_EPOLLERR)
  /// The peer hung up.
  package static let hangup = Self(rawValue: CPlatform_EPOLLHUP | CPlatform_EPOLLRDHUP)
}

/// One thread that waits on epoll and runs the work given to it: descriptor events, timers,
/// closures and Swift tasks.
///
/// An `EventLoop` is also a `TaskExecutor`: a task started with
/// `Task(executorPreference: loop)` runs on the loop's thread, so a request handler and the
/// connection that carries its call share one thread and need no hop between them.
///
/// Thread-safety: `execute`, `enqueue`, `scheduleTimer` and `cancelTimer` may be called from
/// any thread; `register`, `modify` and `deregister` only on the loop's thread.
package final class EventLoop: TaskExecutor, @unchecked Sendable {
  // @unchecked: fields marked "loop thread" are touched only on the loop's thread; the
  // cross-thread parts are behind `incoming`, a Mutex.

  private struct Incoming: ~Copyable {
    var closures: [@Sendable () -> Void] = []
    var jobs: [UnownedJob] = []
    var timers: [(id: UInt64, deadline: UInt64, work: @Sendable () -> Void)] = []
    var cancelledTimers: [UInt64] = []
    var isWoken = false
    var isStopping = false
  }

  private let epollFD: Int32
  private let wakeFD: Int32
  private let incoming = Mutex(Incoming())
  private let nextTimerID = Atomic<UInt64>(1)
  private let threadID = Atomic<UInt>(0)
  /// A name for logs and thread lists.
  package let name: String

  // loop thread
  private var handlers: [UInt64: any EventHandler] = [:]
  private var nextToken: UInt64 = 1
  private var localJobs: [UnownedJob] = []
  private var localClosures: [@Sendable () -> Void] = []
  private var timers = TimerHeap()
  private var cancelledTimerIDs: Set<UInt64> = []
  private var endOfIterationTasks: [() -> Void] = []
  private let finished = DispatchSemaphore(value: 0)
  /// Scratch space for socket reads, reused by every connection of this loop. Loop thread only.
  package let readBuffer = UnsafeMutableRawBufferPointer.allocate(
    byteCount: 256 * 1024, alignment: 16)

  private static let wakeToken: UInt64 = 0
  /// How long a loop polls after doing work before it sleeps in epoll_wait: 50 µs, or
  /// `DCMMS_LOOP_SPIN_US` (0 turns it off). On virtual machines a sleeping thread takes tens of
  /// microseconds to wake; polling through that window cut a unary call's p50 from ~115 µs to
  /// ~20 µs on an idle 2-core VM, for at most 50 µs of CPU after each burst of work
  /// (docs/DESIGN-NOTES.md).
  package static let spinNanoseconds =
    (ProcessInfo.processInfo.environment["DCMMS_LOOP_SPIN_US"].flatMap { UInt64($0) } ?? 50) * 1_000

  /// Starts a loop on a new thread.
  /// - Parameter name: the thread's name, for logs.
  package init(name: String) {
    self.name = name
    self.epollFD = CPlatform_epoll_create()
    self.wakeFD = CPlatform_eventfd()
    precondition(self.epollFD >= 0 && self.wakeFD >= 0, "cannot create epoll or eventfd")
    _ = CPlatform_epoll_ctl(
      self.epollFD, CPlatform_EPOLL_CTL_ADD, self.wakeFD, CPlatform_EPOLLIN, Self.wakeToken)
    let thread = Thread { [self] in self.run() }
    thread.name = name
    thread.stackSize = 1 << 20
    thread.start()
  }

  /// Whether the caller is running on this loop's thread.
  package var inEventLoop: Bool {
    self.threadID.load(ordering: .relaxed) == UInt(pthread_self())
  }

  /// Runs `work` on the loop's thread, soon.
  package func execute(_ work: @escaping @Sendable () -> Void) {
    let mustWake = self.incoming.withLock { state -> Bool in
      state.closures.append(work)
      defer { state.isWoken = true }
      return !state.isWoken
    }
    if mustWake { self.wake() }
  }

  /// Runs `work` on the loop's thread at the end of this iteration, after the events and jobs
  /// now pending. Used to batch socket writes. Loop thread only.
  package func executeAtEndOfIteration(_ work: @escaping () -> Void) {
    self.endOfIterationTasks.append(work)
  }

  /// Part of `TaskExecutor`: runs a job of a task that prefers this loop.
  package func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    if self.inEventLoop {
      self.localJobs.append(job)
      return
    }
    let mustWake = self.incoming.withLock { state -> Bool in
      state.jobs.append(job)
      defer { state.isWoken = true }
      return !state.isWoken
    }
    if mustWake { self.wake() }
  }

  /// Runs `work` on the loop's thread once `deadline` (uptime nanoseconds) has passed.
  /// - Returns: an id for `cancelTimer(_:)`.
  @discardableResult
  package func scheduleTimer(
    atUptimeNanoseconds deadline: UInt64, _ work: @escaping @Sendable () -> Void
  ) -> UInt64 {
    let id = self.nextTimerID.wrappingAdd(1, ordering: .relaxed).oldValue
    if self.inEventLoop {
      // The loop recomputes its epoll timeout before it sleeps again: no wake-up needed.
      self.timers.insert(id: id, deadline: deadline, work: work)
      return id
    }
    let mustWake = self.incoming.withLock { state -> Bool in
      state.timers.append((id, deadline, work))
      defer { state.isWoken = true }
      return !state.isWoken
    }
    if mustWake { self.wake() }
    return id
  }

  /// Cancels a timer that has not fired yet; a timer that already fired is unaffected.
  package func cancelTimer(_ id: UInt64) {
    if self.inEventLoop {
      self.cancelledTimerIDs.insert(id)
      self.compactTimersIfNeeded()
      return
    }
    self.incoming.withLock { $0.cancelledTimers.append(id) }
  }

  /// Registers a descriptor. Loop thread only.
  /// - Returns: a token identifying the registration for `modify` and `deregister`.
  package func register(fd: Int32, events: EventMask, handler: any EventHandler) -> UInt64 {
    precondition(self.inEventLoop)
    let token = self.nextToken
    self.nextToken += 1
    self.handlers[token] = handler
    _ = CPlatform_epoll_ctl(self.epollFD, CPlatform_EPOLL_CTL_ADD, fd, events.rawValue, token)
    return token
  }

  /// Changes the events a registered descriptor waits for. Any thread (epoll_ctl is).
  package func modify(fd: Int32, token: UInt64, events: EventMask) {
    _ = CPlatform_epoll_ctl(self.epollFD, CPlatform_EPOLL_CTL_MOD, fd, events.rawValue, token)
  }

  /// Removes a descriptor before it is closed. Loop thread only.
  package func deregister(fd: Int32, token: UInt64) {
    precondition(self.inEventLoop)
    _ = CPlatform_epoll_ctl(self.epollFD, CPlatform_EPOLL_CTL_DEL, fd, 0, token)
    self.handlers[token] = nil
  }

  /// Stops the loop after the work now queued and waits for its thread to end. Not from the
  /// loop's own thread.
  package func shutdown() {
    precondition(!self.inEventLoop, "an event loop cannot wait for itself to stop")
    self.incoming.withLock { $0.isStopping = true }
    self.wake()
    self.finished.wait()
    close(self.epollFD)
    close(self.wakeFD)
  }

  private func wake() {
    var one: UInt64 = 1
    _ = withUnsafeBytes(of: &one) { write(self.wakeFD, $0.baseAddress, 8) }
  }

  private func run() {
    self.threadID.store(UInt(pthread_self()), ordering: .relaxed)
    var eventMasks = [UInt32](repeating: 0, count: 256)
    var eventTokens = [UInt64](repeating: 0, count: 256)
    var didWork = false
    while true {
      let timeout: Int32
      if !self.localJobs.isEmpty || !self.localClosures.isEmpty {
        timeout = 0
      } else if let next = self.timers.nextDeadline {
        let now = DispatchTime.now().uptimeNanoseconds
        timeout = next <= now ? 0 : Int32(min((next - now + 999_999) / 1_000_000, 60_000))
      } else {
        timeout = -1
      }
      var count: Int32 = 0
      // Right after work, poll briefly before sleeping: an answer to what was just sent often
      // arrives within tens of microseconds, and waking a sleeping thread costs about as much.
      if timeout != 0 && didWork && Self.spinNanoseconds > 0 {
        let spinEnd = DispatchTime.now().uptimeNanoseconds + Self.spinNanoseconds
        repeat {
          count = eventMasks.withUnsafeMutableBufferPointer { masks in
            eventTokens.withUnsafeMutableBufferPointer { tokens in
              CPlatform_epoll_wait(self.epollFD, masks.baseAddress, tokens.baseAddress, 256, 0)
            }
          }
        } while count == 0 && DispatchTime.now().uptimeNanoseconds < spinEnd
      }
      if count == 0 {
        count = eventMasks.withUnsafeMutableBufferPointer { masks in
          eventTokens.withUnsafeMutableBufferPointer { tokens in
            CPlatform_epoll_wait(self.epollFD, masks.baseAddress, tokens.baseAddress, 256, timeout)
          }
        }
      }
      didWork = count > 0
      if count > 0 {
        for index in 0..<Int(count) {
          let token = eventTokens[index]
          if token == Self.wakeToken {
            var value: UInt64 = 0
            _ = withUnsafeMutableBytes(of: &value) { read(self.wakeFD, $0.baseAddress, 8) }
          } else if let handler = self.handlers[token] {
            handler.handleEvent(EventMask(rawValue: eventMasks[index]))
          }
        }
      }
      let stopping = self.takeIncoming()
      self.runTimers()
      self.runQueuedWork()
      if stopping && self.localJobs.isEmpty && self.localClosures.isEmpty { break }
    }
    self.finished.signal()
  }

  /// Moves cross-thread work into loop-local queues; returns whether the loop should stop.
  private func takeIncoming() -> Bool {
    self.incoming.withLock { state -> Bool in
      state.isWoken = false
      if !state.closures.isEmpty {
        self.localClosures.append(contentsOf: state.closures)
        state.closures.removeAll(keepingCapacity: true)
      }
      if !state.jobs.isEmpty {
        self.localJobs.append(contentsOf: state.jobs)
        state.jobs.removeAll(keepingCapacity: true)
      }
      for timer in state.timers {
        self.timers.insert(id: timer.id, deadline: timer.deadline, work: timer.work)
      }
      state.timers.removeAll(keepingCapacity: true)
      for id in state.cancelledTimers { self.cancelledTimerIDs.insert(id) }
      state.cancelledTimers.removeAll(keepingCapacity: true)
      return state.isStopping
    }
  }

  /// Cancelled timers (most call deadlines) would otherwise stay in the heap until due.
  private func compactTimersIfNeeded() {
    if self.cancelledTimerIDs.count > 1_024 && self.cancelledTimerIDs.count * 2 > self.timers.count
    {
      self.timers.removeAll(ids: self.cancelledTimerIDs)
      self.cancelledTimerIDs.removeAll(keepingCapacity: true)
    }
  }

  private func runTimers() {
    self.compactTimersIfNeeded()
    guard self.timers.nextDeadline != nil else { return }
    let now = DispatchTime.now().uptimeNanoseconds
    while let timer = self.timers.popExpired(now: now) {
      if self.cancelledTimerIDs.remove(timer.id) != nil { continue }
      timer.work()
    }
    if self.timers.isEmpty { self.cancelledTimerIDs.removeAll() }
  }

  private func runQueuedWork() {
    // Bounded rounds, so a task that keeps re-enqueuing itself cannot starve I/O.
    var rounds = 0
    while (!self.localClosures.isEmpty || !self.localJobs.isEmpty) && rounds < 16 {
      rounds += 1
      if !self.localClosures.isEmpty {
        let closures = self.localClosures
        self.localClosures.removeAll(keepingCapacity: true)
        for closure in closures { closure() }
      }
      if !self.localJobs.isEmpty {
        let jobs = self.localJobs
        self.localJobs.removeAll(keepingCapacity: true)
        let executor = self.asUnownedTaskExecutor()
        for job in jobs { job.runSynchronously(on: executor) }
      }
    }
    while !self.endOfIterationTasks.isEmpty {
      let tasks = self.endOfIterationTasks
      self.endOfIterationTasks.removeAll(keepingCapacity: true)
      for task in tasks { task() }
    }
  }
}

/// A min-heap of timers by deadline. Loop thread only.
private struct TimerHeap {
  struct Entry {
    var id: UInt64
    var deadline: UInt64
    var work: @Sendable () -> Void
  }
  private var entries: [Entry] = []

  var isEmpty: Bool { self.entries.isEmpty }
  var count: Int { self.entries.count }
  var nextDeadline: UInt64? { self.entries.first?.deadline }

  mutating func insert(id: UInt64, deadline: UInt64, work: @escaping @Sendable () -> Void) {
    self.entries.append(Entry(id: id, deadline: deadline, work: work))
    var child = self.entries.count - 1
    while child > 0 {
      let parent = (child - 1) / 2
      guard self.entries[child].deadline < self.entries[parent].deadline else { break }
      self.entries.swapAt(child, parent)
      child = parent
    }
  }

  /// Drops the timers with these ids and restores the heap order.
  mutating func removeAll(ids: Set<UInt64>) {
    let kept = self.entries.filter { !ids.contains($0.id) }
    self.entries.removeAll(keepingCapacity: true)
    for entry in kept { self.insert(id: entry.id, deadline: entry.deadline, work: entry.work) }
  }

  mutating func popExpired(now: UInt64) -> Entry? {
    guard let first = self.entries.first, first.deadline <= now else { return nil }
    let last = self.entries.removeLast()
    if !self.entries.isEmpty {
      self.entries[0] = last
      var parent = 0
      while true {
        let left = 2 * parent + 1
        let right = left + 1
        var smallest = parent
        if left < self.entries.count
          && self.entries[left].deadline < self.entries[smallest].deadline
        {
          smallest = left
        }
        if right < self.entries.count
          && self.entries[right].deadline < self.entries[smallest].deadline
        {
          smallest = right
        }
        if smallest == parent { break }
        self.entries.swapAt(parent, smallest)
        parent = smallest
      }
    }
    return first
  }
}

/// A fixed set of event loops, one per core by default, handed out round-robin.
package final class EventLoopGroup: Sendable {
  /// The loops.
  package let loops: [EventLoop]
  private let counter = Atomic<Int>(0)

  /// Starts `threadCount` loops named `name-0`, `name-1`, ….
  package init(
    threadCount: Int = ProcessInfo.processInfo.activeProcessorCount, name: String = "loop"
  ) {
    precondition(threadCount > 0)
    self.loops = (0..<threadCount).map { EventLoop(name: "\(name)-\($0)") }
  }

  /// The next loop in round-robin order.
  package func next() -> EventLoop {
    let index = self.counter.wrappingAdd(1, ordering: .relaxed).oldValue
    return self.loops[index % self.loops.count]
  }

  /// Stops every loop. Not from a loop's own thread.
  package func shutdown() {
    for loop in self.loops { loop.shutdown() }
  }

  /// One group for the whole process, sized to the machine's cores, never shut down.
  package static let shared = EventLoopGroup(name: "dcmms-loop")
}
