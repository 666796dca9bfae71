#if FUZZING
/// The input callback libFuzzer's own `main` expects.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
  guard let data else { return 0 }
  FuzzTargets.run(Array(UnsafeBufferPointer(start: data, count: size)))
  return 0
}

/// libFuzzer's driver, linked in by `-sanitize=fuzzer`.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
  _ argc: UnsafeMutablePointer<Int32>,
  _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
  _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

/// SwiftPM links an executable's entry point as `<Module>_main`; hand it to libFuzzer.
@_cdecl("Fuzz_main")
func fuzzMain(
  _ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
  var argc = argc
  var argv = argv
  return LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput)
}
#else
import Foundation

/// Without the fuzzer: replays inputs from files (a corpus or a crash), one per argument.
@main
struct FuzzReplay {
  static func main() throws {
    for path in CommandLine.arguments.dropFirst() {
      let data = try Data(contentsOf: URL(fileURLWithPath: path))
      FuzzTargets.run(Array(data))
    }
  }
}
#endif
