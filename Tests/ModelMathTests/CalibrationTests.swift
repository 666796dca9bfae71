import Foundation
import Testing

@testable import ModelMath

@Suite("Platt scaling and isotonic regression against scikit-learn")
struct CalibrationTests {
  struct PlattCase: Decodable, CustomTestStringConvertible {
    var name: String
    var decision: [Double]
    var sampleWeights: [Double]?
    var a: Double
    var b: Double
    var grid: [Double]
    var probabilities: [Double]
    var testDescription: String { self.name }
  }

  struct IsotonicCase: Decodable, CustomTestStringConvertible {
    var name: String
    var increasing: Bool
    var x: [Double]
    var y: [Double]
    var sampleWeights: [Double]?
    var grid: [Double]
    var predictions: [Double]
    var fitted: [Double]
    var testDescription: String { self.name }
  }

  struct File: Decodable {
    var labels: [Double]
    var platt: [PlattCase]
    var isotonic: [IsotonicCase]
  }

  static func file() throws -> File { try MetricFixtures.load("calibration", as: File.self) }
  static func plattCases() throws -> [PlattCase] { try self.file().platt }
  static func isotonicCases() throws -> [IsotonicCase] { try self.file().isotonic }

  // scikit-learn stops L-BFGS at a gradient of 1e-6; the fit here runs to the optimum. The
  // coefficients measured agree to 6e-9 relative; 1e-7 leaves room for that stopping point.
  @Test("Platt coefficients and probabilities equal scikit-learn's", arguments: try plattCases())
  func platt(fixture: PlattCase) throws {
    let labels = try Self.file().labels
    let model = try PlattScaling.fit(
      scores: fixture.decision, labels: labels, sampleWeights: fixture.sampleWeights)
    #expect(model.a.isClose(to: fixture.a, relative: 1e-7), "a \(model.a) vs \(fixture.a)")
    #expect(model.b.isClose(to: fixture.b, relative: 1e-7), "b \(model.b) vs \(fixture.b)")
    for (score, expected) in zip(fixture.grid, fixture.probabilities) {
      #expect(model.probability(score).isClose(to: expected, relative: 1e-7, absolute: 1e-9))
    }
  }

  @Test("Platt scaling is monotone in the score and maps to (0, 1)")
  func plattShape() throws {
    let model = try PlattScaling.fit(
      scores: [-2, -1, -0.5, 0.5, 1, 2], labels: [0, 0, 1, 0, 1, 1])
    let probabilities = model.probabilities([-3, -1, 0, 1, 3])
    #expect(zip(probabilities, probabilities.dropFirst()).allSatisfy { $0 < $1 })
    #expect(probabilities.allSatisfy { $0 > 0 && $0 < 1 })
  }

  @Test("Isotonic fit and interpolation equal scikit-learn's", arguments: try isotonicCases())
  func isotonic(fixture: IsotonicCase) throws {
    let model = try IsotonicRegression.fit(
      x: fixture.x, y: fixture.y, sampleWeights: fixture.sampleWeights,
      increasing: fixture.increasing)
    for (x, expected) in zip(fixture.grid, fixture.predictions) {
      #expect(model.predict(x).isClose(to: expected, relative: 1e-12, absolute: 1e-14), "x=\(x)")
    }
    for (x, expected) in zip(fixture.x, fixture.fitted) {
      #expect(model.predict(x).isClose(to: expected, relative: 1e-12, absolute: 1e-14), "x=\(x)")
    }
    #expect(
      zip(model.values, model.values.dropFirst()).allSatisfy {
        fixture.increasing ? $0 <= $1 : $0 >= $1
      })
  }

  @Test("Known answer: pooling [1, 3, 2] gives [1, 2.5, 2.5]; decreasing mirrors it")
  func poolKnownAnswer() throws {
    let model = try IsotonicRegression.fit(x: [1, 2, 3], y: [1, 3, 2])
    #expect(model.predict([1, 2, 3]) == [1, 2.5, 2.5])
    let decreasing = try IsotonicRegression.fit(x: [1, 2, 3], y: [2, 3, 1], increasing: false)
    #expect(decreasing.predict([1, 2, 3]) == [2.5, 2.5, 1])
  }

  @Test("Bad calibration input is refused")
  func badInput() {
    let empty = #expect(throws: StatisticsError.self) {
      try PlattScaling.fit(scores: [], labels: [])
    }
    #expect(empty?.code == .emptySample)
    let nan = #expect(throws: StatisticsError.self) {
      try PlattScaling.fit(scores: [0.1, 0.2], labels: [0, .nan])
    }
    #expect(nan?.code == .nonFiniteValue)
    let lengths = #expect(throws: StatisticsError.self) {
      try IsotonicRegression.fit(x: [1, 2], y: [1])
    }
    #expect(lengths?.code == .mismatchedLengths)
    let infinite = #expect(throws: StatisticsError.self) {
      try IsotonicRegression.fit(x: [1, .infinity], y: [1, 2])
    }
    #expect(infinite?.code == .nonFiniteValue)
  }
}
