internal import Foundation

extension ConfigurationSchema {
  /// The `--help` text: a usage line, the summary, and every option with its type, environment
  /// variable and default.
  package var helpText: String {
    var lines = [
      "Usage: \(self.service) [options]", "", self.summary, "",
      "Every option can also be set by its environment variable; a flag wins over the variable.",
      "", "Options:",
    ]
    for option in self.options {
      let placeholder = option.kind == .boolean ? "[=<bool>]" : " <\(option.kind)>"
      lines.append("  \(option.flag)\(placeholder)")
      lines.append("      \(option.help)")
      var details = "      env: \(option.environmentVariable)"
      details += "   default: \(Self.renderedDefault(of: option))"
      if option.isSecret { details += "   (secret)" }
      lines.append(details)
    }
    lines.append("  -h, --help")
    lines.append("      Print this help and exit.")
    return lines.joined(separator: "\n") + "\n"
  }

  /// The options as a Markdown table for a README: variable, flag, type, default, description.
  package var markdownTable: String {
    func cell(_ text: String) -> String {
      text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
    var lines = [
      "| Variable | Flag | Type | Default | Description |",
      "|---|---|---|---|---|",
    ]
    for option in self.options {
      let defaultText = Self.renderedDefault(of: option)
      let description = option.isSecret ? option.help + " (secret)" : option.help
      lines.append(
        "| `\(option.environmentVariable)` | `\(option.flag)` | \(cell(option.kind.description)) | "
          + "\(defaultText == "(required)" ? "*required*" : "`\(cell(defaultText))`") | "
          + "\(cell(description)) |")
    }
    return lines.joined(separator: "\n") + "\n"
  }

  private static func renderedDefault(of option: ConfigurationOption) -> String {
    guard let value = option.defaultValue else { return "(required)" }
    if value.isEmpty { return "\"\"" }
    return option.kind == .duration ? "\(value) ms" : value
  }
}
