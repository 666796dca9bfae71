import Foundation

/// What `dcmms up` started, recorded in `<state-dir>/stack.json` so that `down`, `status` and
/// the client commands find it again.
struct StackState: Codable {
  /// One process of the stack.
  struct Component: Codable {
    /// `postgres`, `redis`, or a service's executable name.
    var name: String
    /// The process ID.
    var pid: Int32
    /// The process's start time in clock ticks since boot (`/proc/PID/stat` field 22): with the
    /// PID it identifies the process even after the PID is reused.
    var startTime: UInt64
    /// The RPC port of a service, the port of PostgreSQL or Redis.
    var port: Int
    /// The admin HTTP port of a service; nil for PostgreSQL and Redis.
    var adminPort: Int?
    /// The component's log file.
    var logPath: String

    /// Whether this is one of the five services (it has an admin port).
    var isService: Bool { self.adminPort != nil }
  }

  /// Components in start order; `down` stops them in reverse.
  var components: [Component] = []

  /// The services, in start order.
  var services: [Component] { self.components.filter(\.isService) }

  /// The component called `name`.
  func component(_ name: String) -> Component? { self.components.first { $0.name == name } }
}
