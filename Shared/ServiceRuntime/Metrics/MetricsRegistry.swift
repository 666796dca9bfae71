internal import Synchronization

/// The metrics of one process, rendered in the Prometheus text exposition format 0.0.4 for
/// `/metrics`.
///
/// Registration takes the registry's lock; updating a metric never does. Registering a name
/// again with the same type, labels and buckets returns the existing family, so independent
/// components may declare the same metric; a conflicting declaration is a programmer error.
/// Counter names should end in `_total` and units should be base units (`_seconds`,
/// `_bytes`), as `promtool check metrics` expects. Thread-safe.
package final class MetricsRegistry: Sendable {
  /// The `Content-Type` of ``exposition()``.
  package static let contentType = "text/plain; version=0.0.4; charset=utf-8"

  private struct State {
    var families: [any AnyMetricFamily] = []
    var indexByName: [String: Int] = [:]
  }

  private let state = Mutex(State())

  /// Creates an empty registry.
  package init() {}

  /// Registers a counter family with labels.
  /// - Parameters:
  ///   - name: The metric name, ending in `_total`.
  ///   - help: One sentence for `# HELP`.
  ///   - labelNames: The label names.
  /// - Returns: The family; call ``MetricFamily/labels(_:)`` to get counters.
  package func makeCounterFamily(
    name: String, help: String, labelNames: [String]
  ) -> MetricFamily<Counter> {
    self.register(
      MetricFamily(
        name: name, help: help, labelNames: labelNames, upperBounds: [], makeMetric: { Counter() }))
  }

  /// Registers a counter without labels.
  /// - Parameters:
  ///   - name: The metric name, ending in `_total`.
  ///   - help: One sentence for `# HELP`.
  /// - Returns: The counter.
  package func makeCounter(name: String, help: String) -> Counter {
    self.makeCounterFamily(name: name, help: help, labelNames: []).labels([])
  }

  /// Registers a gauge family with labels.
  /// - Parameters:
  ///   - name: The metric name.
  ///   - help: One sentence for `# HELP`.
  ///   - labelNames: The label names.
  /// - Returns: The family; call ``MetricFamily/labels(_:)`` to get gauges.
  package func makeGaugeFamily(
    name: String, help: String, labelNames: [String]
  ) -> MetricFamily<Gauge> {
    self.register(
      MetricFamily(
        name: name, help: help, labelNames: labelNames, upperBounds: [], makeMetric: { Gauge() }))
  }

  /// Registers a gauge without labels.
  /// - Parameters:
  ///   - name: The metric name.
  ///   - help: One sentence for `# HELP`.
  /// - Returns: The gauge.
  package func makeGauge(name: String, help: String) -> Gauge {
    self.makeGaugeFamily(name: name, help: help, labelNames: []).labels([])
  }

  /// Registers a histogram family with labels.
  /// - Parameters:
  ///   - name: The metric name, with its unit (`_seconds`).
  ///   - help: One sentence for `# HELP`.
  ///   - labelNames: The label names; `le` is reserved.
  ///   - buckets: Finite, strictly increasing upper bounds; `+Inf` is added.
  /// - Returns: The family; call ``MetricFamily/labels(_:)`` to get histograms.
  package func makeHistogramFamily(
    name: String, help: String, labelNames: [String],
    buckets: [Double] = Histogram.defaultLatencyBuckets
  ) -> MetricFamily<Histogram> {
    self.register(
      MetricFamily(
        name: name, help: help, labelNames: labelNames, upperBounds: buckets,
        makeMetric: { Histogram(upperBounds: buckets) }))
  }

  /// Registers a histogram without labels.
  /// - Parameters:
  ///   - name: The metric name, with its unit (`_seconds`).
  ///   - help: One sentence for `# HELP`.
  ///   - buckets: Finite, strictly increasing upper bounds; `+Inf` is added.
  /// - Returns: The histogram.
  package func makeHistogram(
    name: String, help: String, buckets: [Double] = Histogram.defaultLatencyBuckets
  ) -> Histogram {
    self.makeHistogramFamily(name: name, help: help, labelNames: [], buckets: buckets).labels([])
  }

  private func register<Metric>(_ family: MetricFamily<Metric>) -> MetricFamily<Metric> {
    // Validate the buckets now, not on the first labels(_:) call.
    if Metric.self == Histogram.self { _ = Histogram(upperBounds: family.upperBounds) }
    return self.state.withLock { state in
      if let index = state.indexByName[family.name] {
        let existing = state.families[index]
        guard let same = existing as? MetricFamily<Metric>, same.labelNames == family.labelNames,
          same.upperBounds == family.upperBounds
        else {
          preconditionFailure(
            "metric '\(family.name)' is already registered as a \(existing.typeName) with "
              + "labels \(existing.labelNames)")
        }
        return same
      }
      state.indexByName[family.name] = state.families.count
      state.families.append(family)
      return family
    }
  }

  /// Renders every metric in the text exposition format 0.0.4, families in registration order.
  /// - Returns: The body for a `/metrics` response (see ``contentType``).
  package func exposition() -> String {
    let families = self.state.withLock { $0.families }
    var output = ""
    for family in families {
      family.appendExposition(to: &output)
    }
    return output
  }
}
