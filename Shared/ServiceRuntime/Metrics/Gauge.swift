internal import Synchronization

/// A value that goes up and down, such as calls in flight or the loaded model's age.
///
/// The value is a `Double` kept in an atomic as its bit pattern: `set(_:)` is one store and
/// `increment(by:)` a short compare-and-exchange loop. No lock; safe from any thread.
package final class Gauge: PrometheusMetric {
  /// `gauge`.
  package static var typeName: String { "gauge" }

  private let bits = Atomic<UInt64>(0.0.bitPattern)

  init() {}

  /// Replaces the value.
  /// - Parameter value: The new value.
  package func set(_ value: Double) {
    self.bits.store(value.bitPattern, ordering: .relaxed)
  }

  /// Adds `amount` (which may be negative) to the value.
  /// - Parameter amount: How much to add; 1 by default.
  package func increment(by amount: Double = 1) {
    var current = self.bits.load(ordering: .relaxed)
    while true {
      let next = (Double(bitPattern: current) + amount).bitPattern
      let (exchanged, original) = self.bits.weakCompareExchange(
        expected: current, desired: next, ordering: .relaxed)
      if exchanged { return }
      current = original
    }
  }

  /// Subtracts `amount` from the value.
  /// - Parameter amount: How much to subtract; 1 by default.
  package func decrement(by amount: Double = 1) {
    self.increment(by: -amount)
  }

  /// The current value.
  package var value: Double { Double(bitPattern: self.bits.load(ordering: .relaxed)) }

  /// Appends `name{labels} value`.
  package func appendSamples(name: String, labels: String, to output: inout String) {
    output += labels.isEmpty ? name : "\(name){\(labels)}"
    output += " \(PrometheusText.value(self.value))\n"
  }
}
