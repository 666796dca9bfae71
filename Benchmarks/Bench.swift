import Foundation

@main struct Bench {
  static func main() throws {
    let arguments = Array(CommandLine.arguments.dropFirst())
    switch arguments.first {
    case "modelmath": try ModelMathBench.run(Array(arguments.dropFirst()))
    default:
      print("usage: dcmms-bench modelmath --data CSV [--models rf,gbm,iforest] [--repeats N]")
    }
  }
}
