import Foundation
import RPC
import ServiceRuntime

/// The `training-service` executable: Runs training jobs for the use-case pipelines and tracks experiments.
@main
struct TrainingServiceMain {
  static func main() async {
    do {
      guard
        let host = try ServiceHost.bootstrap(
          name: "training-service", summary: "Runs training jobs for the use-case pipelines and tracks experiments.", rpcPort: 7002, adminPort: 9102, options: [])
      else { return }
      try await host.run(router: RPCRouter(), policy: AccessPolicy())
    } catch {
      FileHandle.standardError.write(Data("training-service: \(error)\n".utf8))
      exit(1)
    }
  }
}
