package import RPCCore

/// Which roles may call which methods.
///
/// Rules are looked up by full method path first, then by service; the default applies to
/// everything else. A method can be public (no token needed), such as health checks.
package struct AccessPolicy: Sendable {
  /// Who may call.
  package enum Rule: Sendable, Hashable {
    /// Anyone, without a token.
    case anyone
    /// Any caller with a valid token.
    case anyAuthenticated
    /// Callers whose token grants one of these roles.
    case roles(Set<Role>)
  }

  private var rules: [String: Rule] = [:]
  /// The rule for methods without one of their own.
  package var defaultRule: Rule

  /// A policy whose default is `defaultRule`. Health checks are public.
  package init(defaultRule: Rule = .anyAuthenticated) {
    self.defaultRule = defaultRule
    self.rules["dcmms.v1.Health"] = .anyone
  }

  /// Sets the rule of one method.
  package mutating func set(_ rule: Rule, for method: MethodDescriptor) {
    self.rules[method.path] = rule
  }

  /// Sets the rule of every method of a service (such as `dcmms.v1.Registry`).
  package mutating func set(_ rule: Rule, forService service: String) {
    self.rules[service] = rule
  }

  /// The rule that applies to `method`.
  package func rule(for method: MethodDescriptor) -> Rule {
    self.rules[method.path] ?? self.rules[method.service] ?? self.defaultRule
  }
}
