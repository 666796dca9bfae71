import Foundation

extension Duration {
  /// Milliseconds with two decimals, for tables.
  var millisecondsText: String {
    let (seconds, attoseconds) = self.components
    return String(format: "%.2f ms", Double(seconds) * 1000 + Double(attoseconds) / 1e15)
  }
}
