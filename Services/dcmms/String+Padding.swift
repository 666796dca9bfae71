extension String {
  /// The string followed by spaces up to `width` characters, for tables.
  func padded(to width: Int) -> String {
    self.count >= width ? self : self + String(repeating: " ", count: width - self.count)
  }
}
