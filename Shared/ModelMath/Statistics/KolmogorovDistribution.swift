internal import Foundation

/// Survival functions of the Kolmogorov–Smirnov statistics, following the algorithms SciPy
/// uses (so p-values agree with `scipy.stats.kstwo.sf` and `scipy.special.smirnov` to about
/// 1e-12 relative where the p-value is not tiny):
///
/// - `twoSidedSurvival(n:d:)`: P(Dₙ ≥ d) for the two-sided one-sample statistic, chosen per
///   region as in Simard & L'Ecuyer (2011): Ruben–Gambino closed forms at the ends, the
///   Durbin matrix (Marsaglia–Tsang–Wang), Pomeranz's recursion, the Pelz–Good expansion, and
///   twice the one-sided Smirnov tail where that is exact enough.
/// - `oneSidedSurvival(n:d:)`: P(Dₙ⁺ ≥ d), the Smirnov–Birnbaum–Tingey sum, evaluated in log
///   space (all terms are positive, so nothing cancels).
///
/// Costs: at most O(k³ log n) with k ≈ n·d ≤ 60 for the matrix method, O(n²·d) for
/// Pomeranz (n ≤ 140), O(n) for the sums. NaN in, NaN out.
enum KolmogorovDistribution {
  // MARK: - Two-sided, one sample (scipy.stats.kstwo)

  /// P(Dₙ ≥ d) for sample size `n` (scipy's `kstwo.sf(d, n)`).
  static func twoSidedSurvival(n: Int, d: Double) -> Double {
    if d.isNaN || n <= 0 { return .nan }
    // Support of kstwo is [1/(2n), 1]: rv_continuous answers 1 at or below it, 0 at or above 1.
    if d <= 0.5 / Double(n) { return 1 }
    if d >= 1 { return 0 }
    return self.clipped(self.kolmogorovN(n: n, x: d))
  }

  private static func kolmogorovN(n: Int, x: Double) -> Double {
    let nDouble = Double(n)
    let t = nDouble * x
    if t <= 1 {
      // Ruben–Gambino: 1/(2n) <= x <= 1/n.
      if t <= 0.5 { return 1 }
      let cdf: Double
      if n <= 140 {
        var product = 1.0
        for i in 1...n { product *= Double(i) * (1.0 / nDouble) * (2 * t - 1) }
        cdf = product
      } else {
        cdf = exp(self.logFactorialOverPower(n) + nDouble * log(2 * t - 1))
      }
      return 1 - cdf
    }
    if t >= nDouble - 1 {
      return 2 * pow(1 - x, nDouble)
    }
    if x >= 0.5 {
      return 2 * self.oneSidedSurvival(n: n, d: x)
    }
    let nxSquared = t * x
    if n <= 140 {
      if nxSquared <= 0.754693 {
        return 1 - self.durbinMatrixCDF(n: n, d: x)
      }
      if nxSquared <= 4 {
        return 1 - self.pomeranzCDF(n: n, x: x)
      }
      return 2 * self.oneSidedSurvival(n: n, d: x)
    }
    if nxSquared >= 370 { return 0 }
    if nxSquared >= 2.2 { return 2 * self.oneSidedSurvival(n: n, d: x) }
    let cdf: Double
    if nxSquared >= 18 {
      cdf = 1
    } else if n <= 100_000 && nDouble * pow(x, 1.5) <= 1.4 {
      cdf = self.durbinMatrixCDF(n: n, d: x)
    } else {
      cdf = self.pelzGoodCDF(n: n, x: x)
    }
    return 1 - cdf
  }

  /// log(n! / nⁿ) by Stirling's series.
  private static func logFactorialOverPower(_ n: Int) -> Double {
    let coefficients: [Double] = [
      -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3,
      8.4175084175084175084e-4, -5.952380952380952381e-4, 7.9365079365079365079e-4,
      -2.7777777777777777778e-3, 8.3333333333333333333e-2,
    ]
    let nDouble = Double(n)
    let reciprocal = 1.0 / nDouble
    let argument = reciprocal / nDouble
    var polynomial = 0.0
    for coefficient in coefficients { polynomial = polynomial * argument + coefficient }
    return log(nDouble) / 2 - nDouble + log(2 * Double.pi) / 2 + reciprocal * polynomial
  }

  private static let scaleUp = 0x1p128
  private static let scaleDown = 0x1p-128

  /// Durbin's matrix method as refined by Marsaglia, Tsang and Wang: P(Dₙ ≤ d).
  private static func durbinMatrixCDF(n: Int, d: Double) -> Double {
    if d >= 1 { return 1 }
    let nd = Double(n) * d
    if nd <= 0.5 { return 0 }
    let k = Int(nd.rounded(.up))
    let h = Double(k) - nd
    let m = 2 * k - 1
    var v = [Double](repeating: 0, count: m)
    var w = [Double](repeating: 0, count: m)
    var factorial = 1.0
    for j in 1...m {
      w[j - 1] = factorial
      factorial /= Double(j)
      v[j - 1] = (1 - pow(h, Double(j))) * factorial
    }
    let tail = pow(max(2 * h - 1, 0), Double(m)) - 2 * pow(h, Double(m))
    v[m - 1] = (1 + tail) * factorial
    var matrix = SquareMatrix(size: m)
    for column in 1..<m {
      for row in (column - 1)..<m { matrix[row, column] = w[row - column + 1] }
    }
    for row in 0..<m { matrix[row, 0] = v[row] }
    for column in 0..<m { matrix[m - 1, column] = v[m - 1 - column] }

    var power = SquareMatrix.identity(size: m)
    var exponent = 0
    var matrixExponent = 0
    var remaining = n
    while remaining > 0 {
      if remaining % 2 == 1 {
        power = power.multiplied(by: matrix)
        exponent += matrixExponent
      }
      matrix = matrix.multiplied(by: matrix)
      matrixExponent *= 2
      if abs(matrix[k - 1, k - 1]) > self.scaleUp {
        matrix.scale(by: self.scaleDown)
        matrixExponent += 128
      }
      remaining /= 2
    }
    var p = power[k - 1, k - 1]
    for i in 1...n {
      p = Double(i) * p / Double(n)
      if abs(p) < self.scaleDown {
        p *= self.scaleUp
        exponent -= 128
      }
    }
    if exponent != 0 { p = scalbn(p, exponent) }
    return self.clipped(p)
  }

  /// Pomeranz's recursion (1974): P(Dₙ ≤ x), used for n ≤ 140.
  private static func pomeranzCDF(n: Int, x: Double) -> Double {
    let t = Double(n) * x
    let ll = Int(t.rounded(.down))
    let f = t - Double(ll)
    let g = min(f, 1 - f)
    let ceilF = f > 0 ? 1 : 0
    let roundF = f > 0.5 ? 1 : 0
    let powerCount = 2 * (ll + 1)
    var gPower = [Double](repeating: 1, count: powerCount)
    var twoGPower = [Double](repeating: 1, count: powerCount)
    var oneMinusTwoGPower = [Double](repeating: 1, count: powerCount)
    let nDouble = Double(n)
    for m in 1..<powerCount {
      gPower[m] = gPower[m - 1] * (g / nDouble) / Double(m)
      twoGPower[m] = twoGPower[m - 1] * (2 * g / nDouble) / Double(m)
      oneMinusTwoGPower[m] = oneMinusTwoGPower[m - 1] * ((1 - 2 * g) / nDouble) / Double(m)
    }
    var v0 = [Double](repeating: 0, count: powerCount)
    var v1 = [Double](repeating: 0, count: powerCount)
    v1[0] = 1
    var v0Start = 0
    var v1Start = 0
    var exponent = 0
    var (j1, j2) = self.pomeranzBounds(row: 0, n: n, ll: ll, ceilF: ceilF, roundF: roundF)
    for i in 1..<(2 * n + 2) {
      let k1 = j1
      swap(&v0, &v1)
      swap(&v0Start, &v1Start)
      for index in v1.indices { v1[index] = 0 }
      (j1, j2) = self.pomeranzBounds(row: i, n: n, ll: ll, ceilF: ceilF, roundF: roundF)
      let powers: [Double]
      if i == 1 || i == 2 * n + 1 {
        powers = gPower
      } else {
        powers = i % 2 == 1 ? twoGPower : oneMinusTwoGPower
      }
      let length = j2 - k1 + 1
      if length > 0 {
        let sourceStart = k1 - v0Start
        let sourceCount = max(0, min(length, powerCount - sourceStart))
        let powerLength = min(length, powerCount)
        let convolutionStart = j1 - k1
        let convolutionLength = j2 - j1 + 1
        for output in 0..<max(convolutionLength, 0) {
          // conv[c] = Σ a[p]·b[c − p] over valid p, for c = convolutionStart + output.
          let c = convolutionStart + output
          var sum = 0.0
          let low = max(0, c - (powerLength - 1))
          let high = min(sourceCount - 1, c)
          if low <= high {
            for p in low...high { sum += v0[sourceStart + p] * powers[c - p] }
          }
          v1[output] = sum
        }
        let largest = v1.max() ?? 0
        if largest > 0 && largest < self.scaleDown {
          for index in v1.indices { v1[index] *= self.scaleUp }
          exponent -= 128
        }
        v1Start = v0Start + j1 - k1
      }
    }
    var answer = v1[n - v1Start]
    for m in 1...n {
      if abs(answer) > self.scaleUp {
        answer *= self.scaleDown
        exponent += 128
      }
      answer *= Double(m)
    }
    if exponent != 0 { answer = scalbn(answer, exponent) }
    return self.clipped(answer)
  }

  private static func pomeranzBounds(row i: Int, n: Int, ll: Int, ceilF: Int, roundF: Int)
    -> (Int, Int)
  {
    var j1: Int
    var j2: Int
    if i == 0 {
      j1 = -ll - ceilF - 1
      j2 = ll + ceilF - 1
    } else {
      let half = (i + 1) / 2
      if (i + 1) % 2 == 0 {
        if half == n + 1 {
          j1 = n - ll - ceilF - 1
          j2 = n + ll + ceilF - 1
        } else {
          j1 = half - 1 - ll - roundF - 1
          j2 = half + ll - 1 + ceilF - 1
        }
      } else {
        j1 = half - 1 - ll - 1
        j2 = half + ll + roundF - 1
      }
    }
    return (max(j1 + 2, 0), min(j2, n))
  }

  /// The Pelz–Good asymptotic expansion of P(Dₙ ≤ x) (four terms in 1/√n).
  private static func pelzGoodCDF(n: Int, x: Double) -> Double {
    if x <= 0 { return 0 }
    if x >= 1 { return 1 }
    let pi = Double.pi
    let piSquared = pi * pi
    let piFour = piSquared * piSquared
    let piSix = piFour * piSquared
    let z = sqrt(Double(n)) * x
    let z2 = z * z
    let z3 = z2 * z
    let z4 = z2 * z2
    let z6 = z4 * z2
    let qLog = -piSquared / 8 / z2
    if qLog < -708 { return 0 }
    var q = exp(qLog)
    let k1a = -z2
    let k1b = piSquared / 4
    let k2a = 6 * z6 + 2 * z4
    let k2b = (2 * z4 - 5 * z2) * piSquared / 4
    let k2c = piFour * (1 - 2 * z2) / 16
    let k3d = piSix * (5 - 30 * z2) / 64
    let k3c = piFour * (-60 * z2 + 212 * z4) / 16
    let k3b = piSquared * (135 * z4 - 96 * z6) / 4
    let k3a = -30 * z6 - 90 * pow(z, 8)
    var terms = [0.0, 0.0, 0.0, 0.0]
    let maxK = Int((16 * z / pi).rounded(.up))
    if maxK >= 1 {
      for k in stride(from: maxK, through: 1, by: -1) {
        let m = Double(2 * k - 1)
        let m2 = m * m
        let m4 = m2 * m2
        let m6 = m4 * m2
        let qPower = pow(q, Double(8 * k))
        let coefficients = [
          1.0,
          k1a + k1b * m2,
          k2a + k2b * m2 + k2c * m4,
          k3a + k3b * m2 + k3c * m4 + k3d * m6,
        ]
        for index in 0..<4 { terms[index] = terms[index] * qPower + coefficients[index] }
      }
    }
    let root2Pi = sqrt(2 * pi)
    let divisors = [z, 6 * z4, 72 * pow(z, 7), 6480 * pow(z, 10)]
    for index in 0..<4 { terms[index] = terms[index] * q * root2Pi / divisors[index] }
    q = exp(-piSquared / 2 / z2)
    var k2Extra = 0.0
    var k3Extra = 0.0
    let root3z = sqrt(3.0) * z
    if maxK >= 1 {
      for k in stride(from: maxK, through: 1, by: -1) {
        let kDouble = Double(k)
        let k2 = kDouble * kDouble
        let qPower = pow(q, k2)
        k2Extra += k2 * qPower
        let kPi = pi * kDouble
        k3Extra += (root3z + kPi) * (root3z - kPi) * k2 * qPower
      }
    }
    terms[2] += k2Extra * piSquared * root2Pi / (-36 * z3)
    terms[3] += k3Extra * piSquared * root2Pi / (216 * z6)
    var sum = 0.0
    for index in 0..<4 { sum += terms[index] / pow(Double(n), Double(index) / 2) }
    return sum
  }

  // MARK: - One-sided (scipy.special.smirnov)

  /// P(Dₙ⁺ ≥ d), the one-sided Smirnov survival function.
  static func oneSidedSurvival(n: Int, d x: Double) -> Double {
    if x.isNaN || n <= 0 || x < 0 || x > 1 { return .nan }
    if n == 1 { return 1 - x }
    if x == 0 { return 1 }
    if x == 1 { return 0 }
    let nDouble = Double(n)
    let nx = nDouble * x
    let nxFloor = Int(nx.rounded(.down))
    let alpha = nx - Double(nxFloor)
    if nxFloor == 0 || (nxFloor == 1 && alpha == 0) {
      return self.clipped(1 - x * pow(1 + x, nDouble - 1))
    }
    if -2 * nDouble * x * x < -745.1332191019412 { return 0 }
    if nxFloor >= n - 1 { return self.clipped(pow(1 - x, nDouble)) }
    if n > 1_000_000 {
      let logP = -pow(6 * nx + 1, 2) / 18 / nDouble
      return self.clipped(logP < -log(2.0) ? exp(logP) : 1 + expm1(logP))
    }
    // Lower sum: x · Σ_{v=0}^{⌊n(1−x)⌋} C(n,v) (1 − x − v/n)^(n−v) (x + v/n)^(v−1); the last
    // term is left out when n·x is an integer (it is zero).
    var lastTerm = n - nxFloor - (alpha == 0 ? 0 : 1)
    if alpha == 0 { lastTerm -= 1 }
    // log C(n, v) is accumulated with a compensated (Neumaier) sum: with n in the hundreds
    // of thousands the running sum reaches ~1e5, and plain summation drifts by ~1e-8.
    var logBinomial = 0.0
    var logBinomialCompensation = 0.0
    var sum = 0.0
    for v in 0...max(lastTerm, 0) {
      let vDouble = Double(v)
      let base = Double(n - v) / nDouble - x
      let logTerm: Double
      if base <= 0 {
        logTerm = -.infinity
      } else {
        let powers = (nDouble - vDouble) * log(base) + (vDouble - 1) * log(x + vDouble / nDouble)
        logTerm = (logBinomial + powers) + logBinomialCompensation
      }
      let term = exp(logTerm)
      sum += term
      if term != 0, 4 * Double(lastTerm + 1 - v) * term < Double.ulpOfOne * sum, v != lastTerm {
        break
      }
      if term == 0, v > n / 2 { break }
      let increment = log(Double(n - v) / Double(v + 1))
      let total = logBinomial + increment
      if abs(logBinomial) >= abs(increment) {
        logBinomialCompensation += (logBinomial - total) + increment
      } else {
        logBinomialCompensation += (increment - total) + logBinomial
      }
      logBinomial = total
    }
    return self.clipped(x * sum)
  }

  // MARK: - Helpers

  private static func clipped(_ p: Double) -> Double {
    if p.isNaN { return p }
    return min(max(p, 0), 1)
  }
}

/// A small dense square matrix for the Durbin method (row-major).
private struct SquareMatrix {
  let size: Int
  var elements: [Double]

  init(size: Int) {
    self.size = size
    self.elements = [Double](repeating: 0, count: size * size)
  }

  static func identity(size: Int) -> SquareMatrix {
    var matrix = SquareMatrix(size: size)
    for index in 0..<size { matrix[index, index] = 1 }
    return matrix
  }

  subscript(row: Int, column: Int) -> Double {
    get { self.elements[row * self.size + column] }
    set { self.elements[row * self.size + column] = newValue }
  }

  func multiplied(by other: SquareMatrix) -> SquareMatrix {
    var result = SquareMatrix(size: self.size)
    let n = self.size
    self.elements.withUnsafeBufferPointer { a in
      other.elements.withUnsafeBufferPointer { b in
        result.elements.withUnsafeMutableBufferPointer { c in
          for i in 0..<n {
            for k in 0..<n {
              let aik = a[i * n + k]
              if aik == 0 { continue }
              for j in 0..<n { c[i * n + j] += aik * b[k * n + j] }
            }
          }
        }
      }
    }
    return result
  }

  mutating func scale(by factor: Double) {
    for index in self.elements.indices { self.elements[index] *= factor }
  }
}
