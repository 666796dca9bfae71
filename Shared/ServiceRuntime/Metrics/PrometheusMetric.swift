/// A metric that a ``MetricFamily`` holds once per label set and writes in the Prometheus text
/// format. Implemented by ``Counter``, ``Gauge`` and ``Histogram``.
package protocol PrometheusMetric: AnyObject, Sendable {
  /// The `# TYPE` word: `counter`, `gauge` or `histogram`.
  static var typeName: String { get }

  /// Appends this metric's sample lines.
  /// - Parameters:
  ///   - name: The family's name.
  ///   - labels: The rendered label pairs without braces (`method="Get",code="ok"`), or empty.
  ///   - output: The exposition text being built.
  func appendSamples(name: String, labels: String, to output: inout String)
}

/// Text-format helpers shared by the metric types.
enum PrometheusText {
  /// A sample value: `NaN`, `+Inf`, `-Inf`, or Swift's shortest round-trip decimal form.
  static func value(_ value: Double) -> String {
    if value.isNaN { return "NaN" }
    if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
    return String(value)
  }

  /// Escapes a label value: backslash, double quote and line feed.
  static func escapeLabelValue(_ value: String) -> String {
    guard value.contains(where: { $0 == "\\" || $0 == "\"" || $0 == "\n" }) else { return value }
    var escaped = ""
    for character in value {
      switch character {
      case "\\": escaped += "\\\\"
      case "\"": escaped += "\\\""
      case "\n": escaped += "\\n"
      default: escaped.append(character)
      }
    }
    return escaped
  }

  /// Escapes HELP text: backslash and line feed.
  static func escapeHelp(_ help: String) -> String {
    var escaped = ""
    for character in help {
      switch character {
      case "\\": escaped += "\\\\"
      case "\n": escaped += "\\n"
      default: escaped.append(character)
      }
    }
    return escaped
  }

  /// Whether `name` matches `[a-zA-Z_:][a-zA-Z0-9_:]*`.
  static func isValidMetricName(_ name: String) -> Bool {
    Self.isValid(name, allowingColon: true)
  }

  /// Whether `name` matches `[a-zA-Z_][a-zA-Z0-9_]*` and does not start with `__` (reserved).
  static func isValidLabelName(_ name: String) -> Bool {
    Self.isValid(name, allowingColon: false) && !name.hasPrefix("__")
  }

  private static func isValid(_ name: String, allowingColon: Bool) -> Bool {
    guard let first = name.utf8.first else { return false }
    func isLetter(_ byte: UInt8) -> Bool {
      (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
        || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) || byte == UInt8(ascii: "_")
        || (allowingColon && byte == UInt8(ascii: ":"))
    }
    guard isLetter(first) else { return false }
    return name.utf8.allSatisfy {
      isLetter($0) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
    }
  }
}
