import Foundation

/// `dcmms-bench`: benchmarks that run ours and the reference side by side in the same run.
///
/// Usage: `dcmms-bench <name> [options]`; `dcmms-bench help` lists the names.
@main
struct Bench {
  static let commands:
    [(name: String, summary: String, run: @Sendable ([String]) async throws -> Void)] = [
      ("rpc", "unary RPC latency and calls/s vs redis-benchmark PING at 1/16/64", RPCBenchmark.run),
      ("rpc-server", "serve Echo on --port (used by rpc; for profiling)", RPCBenchmark.serve),
      ("modelmath", "forests, boosting, isolation forest vs scikit-learn/LightGBM/XGBoost (--data CSV)", ModelMathBench.run),
    ("ks", "two-sample KS on 2×100k vs scipy.stats.ks_2samp", KolmogorovSmirnovBenchmark.run),
      (
        "rpc-client", "drive an Echo server on --port at --concurrency for --seconds",
        RPCBenchmark.drive
      ),
    ]

  static func main() async throws {
    let arguments = Array(CommandLine.arguments.dropFirst())
    guard let name = arguments.first, let command = Self.commands.first(where: { $0.name == name })
    else {
      print("usage: dcmms-bench <name> [options]\n")
      for command in Self.commands {
        print(
          "  \(command.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(command.summary)")
      }
      return
    }
    try await command.run(Array(arguments.dropFirst()))
  }
}
