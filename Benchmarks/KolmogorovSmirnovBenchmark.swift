import Foundation
import ModelMath

/// `dcmms-bench ks`: the two-sample KS test on two seeded 100 000-value samples, ours against
/// `scipy.stats.ks_2samp` (`reference_ks.py`) in the same run and on the same numbers.
///
/// Options: `--python PATH` (a Python with NumPy and SciPy), `--reference PATH`
/// (`reference_ks.py`), `--workdir DIR` (where the reference writes `bench-data/ks_*.txt`;
/// default: a new temporary folder), `--runs N` (default 7). Without `--python` the samples
/// must already be in `DIR/bench-data`.
enum KolmogorovSmirnovBenchmark {
  static func run(_ arguments: [String]) async throws {
    func option(_ name: String) -> String? {
      guard let index = arguments.firstIndex(of: "--\(name)"), index + 1 < arguments.count else {
        return nil
      }
      return arguments[index + 1]
    }
    let workdir =
      option("workdir")
      ?? FileManager.default.temporaryDirectory
      .appendingPathComponent("dcmms-bench-ks-\(ProcessInfo.processInfo.processIdentifier)").path
    try FileManager.default.createDirectory(atPath: workdir, withIntermediateDirectories: true)
    let runs = Int(option("runs") ?? "") ?? 7

    if let python = option("python") {
      let reference = option("reference") ?? "../shared/bench/reference_ks.py"
      let process = Process()
      process.executableURL = URL(fileURLWithPath: python)
      process.arguments = [URL(fileURLWithPath: reference).path]
      process.currentDirectoryURL = URL(fileURLWithPath: workdir)
      let pipe = Pipe()
      process.standardOutput = pipe
      try process.run()
      let output = pipe.fileHandleForReading.readDataToEndOfFile()
      process.waitUntilExit()
      print(String(decoding: output, as: UTF8.self), terminator: "")
    }

    func load(_ name: String) throws -> [Double] {
      try String(contentsOfFile: "\(workdir)/bench-data/\(name)", encoding: .utf8)
        .split(separator: "\n").compactMap { Double($0) }
    }
    let first = try load("ks_a.txt")
    let second = try load("ks_b.txt")
    let clock = ContinuousClock()
    for method in [KolmogorovSmirnovTest.Method.automatic, .asymptotic] {
      blackHole(try KolmogorovSmirnovTest(first, second, method: method))  // warm-up
      var milliseconds = [Double]()
      var result = try KolmogorovSmirnovTest(first, second, method: method)
      for _ in 0..<runs {
        let start = clock.now
        result = try KolmogorovSmirnovTest(first, second, method: method)
        let elapsed = clock.now - start
        milliseconds.append(
          Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) / 1e15)
        blackHole(result)
      }
      let sorted = milliseconds.sorted()
      print(
        "ModelMath KolmogorovSmirnovTest(\(method)) n=\(first.count)/\(second.count):"
          + " statistic=\(result.statistic) pvalue=\(result.pValue) (\(result.method))"
          + " median=\(String(format: "%.2f", sorted[sorted.count / 2])) ms"
          + " runs_ms=\(milliseconds.map { String(format: "%.2f", $0) })")
    }
  }

}
