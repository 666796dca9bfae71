internal import Foundation

/// The few Foundation math functions the tuning code needs, behind one name so the samplers
/// read as plain formulas.
enum TuningMath {
  static func log(_ x: Double) -> Double { Foundation.log(x) }
  static func exp(_ x: Double) -> Double { Foundation.exp(x) }
  static func erf(_ x: Double) -> Double { Foundation.erf(x) }
  static func erfc(_ x: Double) -> Double { Foundation.erfc(x) }

  /// log Φ-mass of [low, high] under N(μ, σ²), computed from the side that avoids
  /// cancellation.
  static func logNormalMass(low: Double, high: Double, mean: Double, sigma: Double) -> Double {
    let a = (low - mean) / (sigma * 2.0.squareRoot())
    let b = (high - mean) / (sigma * 2.0.squareRoot())
    let mass: Double
    if a >= 0 {
      mass = 0.5 * (Foundation.erfc(a) - Foundation.erfc(b))
    } else if b <= 0 {
      mass = 0.5 * (Foundation.erfc(-b) - Foundation.erfc(-a))
    } else {
      mass = 0.5 * (Foundation.erf(b) - Foundation.erf(a))
    }
    return Foundation.log(max(mass, 1e-300))
  }

  /// log N(x; μ, σ²).
  static func logNormalDensity(_ x: Double, mean: Double, sigma: Double) -> Double {
    let z = (x - mean) / sigma
    return -0.5 * z * z - Foundation.log(sigma) - 0.5 * Foundation.log(2 * Double.pi)
  }

  /// log Σ exp(values), stable.
  static func logSumExp(_ values: [Double]) -> Double {
    guard let largest = values.max(), largest > -Double.infinity else { return -.infinity }
    var sum = 0.0
    for value in values { sum += Foundation.exp(value - largest) }
    return largest + Foundation.log(sum)
  }
}
