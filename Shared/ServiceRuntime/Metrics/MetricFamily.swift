internal import Synchronization

/// All metrics of one name: one metric per distinct set of label values.
///
/// Look a label set up once with ``labels(_:)`` (a dictionary lookup under this family's own
/// lock) and keep the returned handle: updates through it take no lock at all.
///
/// ```swift
/// let calls = registry.makeCounterFamily(
///   name: "dcmms_rpc_calls_total", help: "RPCs handled.", labelNames: ["method", "code"])
/// let getModelOK = calls.labels("GetModel", "ok")   // once
/// getModelOK.increment()                            // per call
/// ```
package final class MetricFamily<Metric: PrometheusMetric>: Sendable {
  private struct Children {
    var order: [[String]] = []
    var byLabels: [[String]: Metric] = [:]
  }

  /// The metric name.
  package let name: String
  /// The HELP text.
  package let help: String
  /// The label names, in the order ``labels(_:)`` takes values.
  package let labelNames: [String]
  /// The histogram bounds, or empty for counters and gauges; part of the family's identity.
  let upperBounds: [Double]
  private let makeMetric: @Sendable () -> Metric
  private let children = Mutex(Children())

  init(
    name: String, help: String, labelNames: [String], upperBounds: [Double],
    makeMetric: @escaping @Sendable () -> Metric
  ) {
    precondition(PrometheusText.isValidMetricName(name), "invalid metric name '\(name)'")
    for label in labelNames {
      precondition(PrometheusText.isValidLabelName(label), "invalid label name '\(label)'")
      precondition(
        Metric.typeName != "histogram" || label != "le", "'le' is reserved in histograms")
    }
    precondition(Set(labelNames).count == labelNames.count, "label names repeat in '\(name)'")
    self.name = name
    self.help = help
    self.labelNames = labelNames
    self.upperBounds = upperBounds
    self.makeMetric = makeMetric
  }

  /// The metric for one set of label values, created on first use.
  ///
  /// Each distinct set of values is a time series kept until the process exits: use values
  /// from a small fixed set (method names, status codes), never request data.
  /// - Parameter values: One value per label name, in order; any text (it is escaped).
  /// - Returns: A handle to keep and update without locking.
  package func labels(_ values: String...) -> Metric {
    self.labels(values)
  }

  /// The metric for one set of label values, created on first use; see ``labels(_:)-variadic``.
  /// - Parameter values: One value per label name, in order.
  /// - Returns: A handle to keep and update without locking.
  package func labels(_ values: [String]) -> Metric {
    precondition(
      values.count == self.labelNames.count,
      "\(self.name) takes \(self.labelNames.count) label values, got \(values.count)")
    return self.children.withLock { children in
      if let existing = children.byLabels[values] { return existing }
      let metric = self.makeMetric()
      children.byLabels[values] = metric
      children.order.append(values)
      return metric
    }
  }

  /// Appends HELP, TYPE and every child's samples; nothing when no child exists yet.
  func appendExposition(to output: inout String) {
    let snapshot = self.children.withLock { children in
      children.order.compactMap { values in children.byLabels[values].map { (values, $0) } }
    }
    guard !snapshot.isEmpty else { return }
    output += "# HELP \(self.name) \(PrometheusText.escapeHelp(self.help))\n"
    output += "# TYPE \(self.name) \(Metric.typeName)\n"
    for (values, metric) in snapshot {
      let labels = zip(self.labelNames, values)
        .map { "\($0)=\"\(PrometheusText.escapeLabelValue($1))\"" }
        .joined(separator: ",")
      metric.appendSamples(name: self.name, labels: labels, to: &output)
    }
  }
}

/// What the registry needs from a family without knowing its metric type.
protocol AnyMetricFamily: Sendable {
  var name: String { get }
  var typeName: String { get }
  var labelNames: [String] { get }
  var upperBounds: [Double] { get }
  func appendExposition(to output: inout String)
}

extension MetricFamily: AnyMetricFamily {
  var typeName: String { Metric.typeName }
}
