/// Accumulates generated Swift source with two-space indentation.
struct CodeWriter {
  private(set) var text = ""
  private var depth = 0

  /// Appends one line at the current indentation; an empty string appends a blank line.
  mutating func line(_ line: String = "") {
    if line.isEmpty {
      self.text += "\n"
    } else {
      self.text += String(repeating: "  ", count: self.depth) + line + "\n"
    }
  }

  /// Appends `line` (which ends in `{`) and indents what follows.
  mutating func open(_ line: String) {
    self.line(line)
    self.depth += 1
  }

  /// Outdents and appends `line` (by default a closing brace).
  mutating func close(_ line: String = "}") {
    self.depth -= 1
    self.line(line)
  }

  /// Outdents without writing a line (for a closing parenthesis written with `open`).
  mutating func dedent() { self.depth -= 1 }

  /// Appends `///` lines: the proto comment when there is one, otherwise `fallback`.
  mutating func doc(_ lines: DocLines, fallback: String) {
    let body = lines.isEmpty ? [fallback] : lines
    for line in body {
      self.line(line.isEmpty ? "///" : "/// " + line)
    }
  }
}
