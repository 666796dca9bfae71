import Foundation
import Synchronization

/// The token a service presents when it calls another service: signed with the shared key,
/// role `service`, renewed before it expires. Thread-safe; cheap per call (a lock and a
/// comparison).
package final class ServiceTokenSource: Sendable {
  private let authority: TokenAuthority
  private let subject: String
  private let lifetime: Duration
  private let current = Mutex<(token: String, renewAfter: Date)?>(nil)

  /// Creates a source of tokens for `subject` (the calling service's name).
  package init(authority: TokenAuthority, subject: String, lifetime: Duration = .seconds(3_600)) {
    self.authority = authority
    self.subject = subject
    self.lifetime = lifetime
  }

  /// A valid token, renewed when more than half its lifetime has passed.
  package func token() -> String {
    let now = Date()
    return self.current.withLock { current in
      if let current, current.renewAfter > now { return current.token }
      let token = self.authority.makeToken(subject: self.subject, role: .service, lifetime: self.lifetime, now: now)
      current = (token, now.addingTimeInterval(Double(self.lifetime.components.seconds) / 2))
      return token
    }
  }
}
