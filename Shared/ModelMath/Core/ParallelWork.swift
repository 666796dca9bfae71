import Dispatch
import Foundation

/// Runs `body(0..<count)` on all cores and waits. Iterations must write disjoint results.
///
/// Results must not depend on which thread runs which iteration: each iteration derives its own
/// random stream from its index.
func parallelFor(_ count: Int, _ body: @Sendable (Int) -> Void) {
  if count <= 0 { return }
  if count == 1 {
    body(0)
    return
  }
  DispatchQueue.concurrentPerform(iterations: count, execute: body)
}

/// The number of cores (cached: reading it is not free). Only for choosing block sizes whose
/// results are summed per row, never for how a floating-point sum is split.
let availableCoreCount: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)

/// Slices for jobs whose partial floating-point sums are merged: fixed rather than per-core, so
/// a model trained with a seed is bit-identical on every machine (more slices than cores just
/// queue).
let deterministicSliceCount = 4

/// One slot per index, written from parallel iterations and read after they have all finished.
///
/// `@unchecked Sendable` is safe because each iteration writes only its own slot and nobody reads
/// until `parallelFor` has returned (which orders the writes before the reads).
final class ResultSlots<Element>: @unchecked Sendable {
  private var storage: [Element?]

  init(count: Int) {
    self.storage = Array(repeating: nil, count: count)
  }

  func set(_ index: Int, _ value: Element) {
    self.storage.withUnsafeMutableBufferPointer { $0[index] = value }
  }

  /// All slots; `precondition`s that every iteration wrote its slot.
  func collect() -> [Element] {
    self.storage.map { value in
      guard let value else { preconditionFailure("parallel iteration did not write its slot") }
      return value
    }
  }
}

/// A raw output buffer that parallel iterations write disjoint ranges of.
///
/// `@unchecked Sendable`: the pointer outlives the `parallelFor` call that uses it (the owner
/// keeps the array alive and does not touch it until the call returns), and ranges are disjoint.
struct SharedOutput<Element>: @unchecked Sendable {
  let base: UnsafeMutablePointer<Element>
}
