import Foundation
package import RPCCore

/// What a handler knows about the call it is serving.
package struct ServerContext: Sendable {
  /// The method being called.
  package var descriptor: MethodDescriptor
  /// The request metadata sent by the caller.
  package var metadata: Metadata
  /// The caller's address, for logs.
  package var peer: String
  /// When the caller stops waiting (uptime nanoseconds), or nil without a deadline.
  package var deadlineUptimeNanoseconds: UInt64?
  /// Who the caller is, once an authenticating interceptor has checked its token.
  package var principal: Principal?
  /// The stream id of the call on its connection, for logs.
  package var streamID: UInt32

  /// Time left before the deadline, or nil without a deadline.
  package var timeRemaining: Duration? {
    guard let deadline = self.deadlineUptimeNanoseconds else { return nil }
    let now = DispatchTime.now().uptimeNanoseconds
    return deadline > now ? .nanoseconds(Int64(deadline - now)) : .zero
  }
}

/// An authenticated caller: who it is and what role its token grants.
package struct Principal: Sendable, Hashable {
  /// The token's subject, such as a service name or a user's login.
  package var subject: String
  /// The role the token grants.
  package var role: Role

  /// Creates a principal.
  package init(subject: String, role: Role) {
    self.subject = subject
    self.role = role
  }
}

/// What a caller may do. A token carries exactly one role.
package struct Role: Hashable, Sendable, CustomStringConvertible {
  /// The role's name as it appears in tokens.
  package let name: String
  /// Wraps a role name.
  package init(_ name: String) { self.name = name }

  /// Another service of the platform.
  package static let service = Role("service")
  /// A person who may promote models to production and approve pipelines.
  package static let mlEngineer = Role("ml-engineer")
  /// A person who may read but not change anything.
  package static let viewer = Role("viewer")

  package var description: String { self.name }
}

/// Something that runs around every call a server serves: authentication, metrics, logging.
///
/// An interceptor may change the context it passes on (to set `principal`, say), throw an
/// `RPCError` to refuse the call, or observe how `next` ends.
package protocol ServerInterceptor: Sendable {
  /// Runs around one call.
  /// - Parameters:
  ///   - context: the call's context so far.
  ///   - next: the rest of the chain and then the handler.
  func intercept(
    context: ServerContext, next: @Sendable (ServerContext) async throws -> Void
  ) async throws
}
