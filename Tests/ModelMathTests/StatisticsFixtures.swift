import Foundation

/// The Kolmogorov–Smirnov and drift fixtures written by scripts/make-metric-fixtures.py.
enum StatisticsFixtures {
  struct Recipe: Decodable {
    var count: Int
    var multiplier: Int
    var offset: Int
    var shift: Double
    var scale: Double
    var decimals: Int

    /// The script's `weyl_sample`: integer arithmetic, so both languages get the same values.
    var sample: [Double] {
      (0..<self.count).map { i in
        let u = Double((i * self.multiplier + self.offset) % 4_294_967_296) / 4_294_967_296.0
        var value = self.shift + self.scale * u
        if self.decimals >= 0 {
          var power = 1
          for _ in 0..<self.decimals { power *= 10 }
          value = (value * Double(power)).rounded(.toNearestOrEven) / Double(power)
        }
        return value
      }
    }
  }

  struct KSResult: Decodable {
    var statistic: Double
    var pvalue: Double
  }

  struct KSPair: Decodable, CustomStringConvertible {
    var name: String
    var a: [Double]?
    var b: [Double]?
    var recipeA: Recipe?
    var recipeB: Recipe?
    var auto: KSResult?
    var exact: KSResult?
    var asymp: KSResult?
    var less_auto: KSResult
    var less_exact: KSResult
    var less_asymp: KSResult
    var greater_auto: KSResult
    var greater_exact: KSResult
    var greater_asymp: KSResult

    var samples: ([Double], [Double]) {
      (self.a ?? self.recipeA?.sample ?? [], self.b ?? self.recipeB?.sample ?? [])
    }
    var description: String { self.name }
  }

  struct KolmogorovPoint: Decodable, CustomStringConvertible {
    var n: Int
    var d: Double
    var sf: Double
    var description: String { "n=\(self.n) d=\(self.d)" }
  }

  struct KSFile: Decodable {
    var pairs: [KSPair]
    var kolmogorovSF: [KolmogorovPoint]
  }

  static func ks() throws -> KSFile {
    try MetricFixtures.load("ks", as: KSFile.self)
  }

  struct ChiSquareCase: Decodable {
    var observed: [[Double]]
    var correction: Bool
    var statistic: Double
    var pvalue: Double
    var dof: Int
  }

  struct GoodnessOfFit: Decodable {
    var observed: [Double]
    var expected: [Double]
    var statistic: Double
    var pvalue: Double
  }

  struct ChiSquarePoint: Decodable {
    var x: Double
    var dof: Int
    var sf: Double
  }

  struct DriftFile: Decodable {
    var reference: [Double]
    var current: [Double]
    var referenceWeights: [Double]
    var currentWeights: [Double]
    var decileEdges: [Double]
    var referenceCounts: [Double]
    var currentCounts: [Double]
    var psi: Double
    var psiFloor: Double
    var wasserstein: Double
    var wassersteinWeighted: Double
    var jsP: [Double]
    var jsQ: [Double]
    var jensenShannonDistance: Double
    var jensenShannonDistanceBase2: Double
    var chiSquare: [ChiSquareCase]
    var goodnessOfFit: GoodnessOfFit
    var chi2SF: [ChiSquarePoint]
  }

  static func drift() throws -> DriftFile {
    try MetricFixtures.load("drift", as: DriftFile.self)
  }
}
