internal import Foundation

/// The chi-square distribution's survival function through the regularized upper incomplete
/// gamma function Q(k/2, x/2): a power series below x = a + 1 and a continued fraction
/// (modified Lentz) above it. About 1e-14 relative accuracy; O(√x) iterations at most.
enum ChiSquareDistribution {
  /// P(X ≥ x) for X ~ χ²(degreesOfFreedom). NaN for a non-positive degree of freedom.
  static func survival(_ x: Double, degreesOfFreedom: Double) -> Double {
    guard degreesOfFreedom > 0, !x.isNaN else { return .nan }
    if x <= 0 { return 1 }
    if x == .infinity { return 0 }
    return self.regularizedUpperGamma(degreesOfFreedom / 2, x / 2)
  }

  /// Q(a, x) = Γ(a, x) / Γ(a).
  static func regularizedUpperGamma(_ a: Double, _ x: Double) -> Double {
    let logPrefactor = -x + a * log(x) - lgamma(a)
    if x < a + 1 {
      // P(a, x) = e^(−x) xᵃ / Γ(a+1) · Σ xⁿ / ((a+1)…(a+n)).
      var term = 1.0 / a
      var sum = term
      var denominator = a
      for _ in 0..<10_000 {
        denominator += 1
        term *= x / denominator
        sum += term
        if abs(term) < abs(sum) * 1e-17 { break }
      }
      return max(0, min(1, 1 - sum * exp(logPrefactor)))
    }
    // Continued fraction for Γ(a, x) e^x x^(−a), evaluated by the modified Lentz method.
    let tiny = 1e-300
    var b = x + 1 - a
    var c = 1 / tiny
    var d = 1 / b
    var h = d
    for i in 1..<10_000 {
      let an = -Double(i) * (Double(i) - a)
      b += 2
      d = an * d + b
      if abs(d) < tiny { d = tiny }
      c = b + an / c
      if abs(c) < tiny { c = tiny }
      d = 1 / d
      let delta = d * c
      h *= delta
      if abs(delta - 1) < 1e-16 { break }
    }
    return max(0, min(1, exp(logPrefactor) * h))
  }
}
