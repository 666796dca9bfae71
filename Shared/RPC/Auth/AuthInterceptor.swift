import Foundation
import RPCCore
import Synchronization

/// Checks the bearer token of every call against the access policy, and records the caller
/// in `ServerContext.principal`.
///
/// No token → UNAUTHENTICATED; a malformed, forged or expired token → UNAUTHENTICATED; a
/// valid token whose role the method's rule does not allow → PERMISSION_DENIED. Verified
/// tokens are cached until they expire, so a busy caller pays for one HMAC, not one per call.
package struct AuthInterceptor: ServerInterceptor {
  private let authority: TokenAuthority
  private let policy: AccessPolicy
  private let cache = TokenCache()

  /// Creates the interceptor.
  package init(authority: TokenAuthority, policy: AccessPolicy) {
    self.authority = authority
    self.policy = policy
  }

  package func intercept(
    context: ServerContext, next: @Sendable (ServerContext) async throws -> Void
  ) async throws {
    let rule = self.policy.rule(for: context.descriptor)
    if rule == .anyone { return try await next(context) }
    guard let header = context.metadata["authorization"] else {
      throw RPCError(code: .unauthenticated, message: "the call has no bearer token")
    }
    guard header.hasPrefix("Bearer ") else {
      throw RPCError(
        code: .unauthenticated, message: "the authorization metadata is not a bearer token")
    }
    let token = String(header.dropFirst("Bearer ".count))
    let principal = try self.principal(for: token)
    if case .roles(let roles) = rule, !roles.contains(principal.role) {
      throw RPCError(
        code: .permissionDenied,
        message:
          "role \(principal.role) may not call \(context.descriptor.path); allowed: \(roles.map(\.name).sorted().joined(separator: ", "))"
      )
    }
    var context = context
    context.principal = principal
    try await next(context)
  }

  private func principal(for token: String) throws(RPCError) -> Principal {
    let now = Date()
    if let cached = self.cache.lookup(token, now: Int64(now.timeIntervalSince1970)) {
      return cached
    }
    let verified = try self.authority.verify(token, now: now)
    self.cache.store(token, principal: verified.principal, expiresAt: verified.expiresAt)
    return verified.principal
  }
}

/// Tokens already verified, with their expiry. Bounded: cleared when full.
private final class TokenCache: Sendable {
  private let entries = Mutex<[String: (principal: Principal, expiresAt: Int64)]>([:])
  private let capacity = 10_000

  func lookup(_ token: String, now: Int64) -> Principal? {
    self.entries.withLock { entries in
      guard let entry = entries[token] else { return nil }
      guard entry.expiresAt >= now else {
        entries[token] = nil
        return nil
      }
      return entry.principal
    }
  }

  func store(_ token: String, principal: Principal, expiresAt: Int64) {
    self.entries.withLock { entries in
      if entries.count >= self.capacity { entries.removeAll(keepingCapacity: true) }
      entries[token] = (principal, expiresAt)
    }
  }
}
