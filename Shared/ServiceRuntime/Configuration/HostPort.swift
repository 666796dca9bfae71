/// A host and a TCP port, written `host:port` (or `[v6-address]:port`) in flags and variables.
package struct HostPort: Hashable, Sendable, CustomStringConvertible {
  /// The host name or address, without brackets for IPv6 addresses.
  package var host: String
  /// The TCP port; 0 asks the operating system for a free port.
  package var port: UInt16

  /// Creates an address from its parts.
  /// - Parameters:
  ///   - host: A host name or address; IPv6 addresses without brackets.
  ///   - port: A TCP port.
  package init(host: String, port: UInt16) {
    self.host = host
    self.port = port
  }

  /// Parses `host:port`, `[ipv6]:port`; returns `nil` when the text is not such an address.
  ///
  /// The host must be non-empty and contain no whitespace; the port must be a decimal number
  /// from 0 to 65535.
  /// - Parameter text: The address as written in a flag or variable.
  package init?(parsing text: String) {
    let host: Substring
    let portText: Substring
    if text.hasPrefix("[") {
      guard let close = text.firstIndex(of: "]") else { return nil }
      host = text[text.index(after: text.startIndex)..<close]
      let rest = text[text.index(after: close)...]
      guard rest.hasPrefix(":") else { return nil }
      portText = rest.dropFirst()
      guard host.contains(":") else { return nil }
    } else {
      guard let colon = text.lastIndex(of: ":") else { return nil }
      host = text[..<colon]
      portText = text[text.index(after: colon)...]
      // An unbracketed IPv6 address is ambiguous: its last group looks like a port.
      guard !host.contains(":") else { return nil }
    }
    guard !host.isEmpty, !host.contains(where: { $0.isWhitespace || $0 == "/" }) else {
      return nil
    }
    guard !portText.isEmpty, portText.count <= 5,
      portText.allSatisfy({ $0.isASCII && $0.isNumber }),
      let port = UInt16(portText)
    else { return nil }
    self.host = String(host)
    self.port = port
  }

  /// The address as `host:port`, with brackets around IPv6 hosts.
  package var description: String {
    self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)"
  }
}
