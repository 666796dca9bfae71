internal import Synchronization

/// A monotonically increasing count, such as calls served or errors returned.
///
/// `increment(by:)` is one relaxed atomic add: no lock, safe from any thread. Get a counter once
/// (from ``MetricsRegistry/makeCounter(name:help:)`` or ``MetricFamily/labels(_:)``) and keep it.
package final class Counter: PrometheusMetric {
  /// `counter`.
  package static var typeName: String { "counter" }

  private let count = Atomic<UInt64>(0)

  init() {}

  /// Adds `amount` to the count.
  /// - Parameter amount: How much to add; 1 by default.
  package func increment(by amount: UInt64 = 1) {
    self.count.wrappingAdd(amount, ordering: .relaxed)
  }

  /// The current count.
  package var value: UInt64 { self.count.load(ordering: .relaxed) }

  /// Appends `name{labels} value`.
  package func appendSamples(name: String, labels: String, to output: inout String) {
    output += labels.isEmpty ? name : "\(name){\(labels)}"
    output += " \(self.value)\n"
  }
}
