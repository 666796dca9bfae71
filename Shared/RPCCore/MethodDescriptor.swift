/// Names one method of one service, as in `/dcmms.v1.Registry/GetModelVersion`.
package struct MethodDescriptor: Hashable, Sendable, CustomStringConvertible {
  /// The fully qualified service, such as `dcmms.v1.Registry`.
  package let service: String
  /// The method name, such as `GetModelVersion`.
  package let method: String
  /// The path carried in `CallHeaders.method`: `/service/method`.
  package let path: String

  /// Creates a descriptor for `method` of `service`.
  package init(service: String, method: String) {
    self.service = service
    self.method = method
    self.path = "/\(service)/\(method)"
  }

  /// Parses a path of the form `/service/method`; nil for anything else.
  package init?(path: String) {
    let parts = path.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 3, parts[0].isEmpty, !parts[1].isEmpty, !parts[2].isEmpty else {
      return nil
    }
    self.service = String(parts[1])
    self.method = String(parts[2])
    self.path = path
  }

  package var description: String { self.path }
}
