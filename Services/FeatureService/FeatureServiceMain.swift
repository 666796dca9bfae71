import Foundation
import RPC
import ServiceRuntime

/// The `feature-service` executable: Ingests telemetry, computes features, serves the offline and online feature stores.
@main
struct FeatureServiceMain {
  static func main() async {
    do {
      guard
        let host = try ServiceHost.bootstrap(
          name: "feature-service", summary: "Ingests telemetry, computes features, serves the offline and online feature stores.", rpcPort: 7001, adminPort: 9101, options: [])
      else { return }
      try await host.run(router: RPCRouter(), policy: AccessPolicy())
    } catch {
      FileHandle.standardError.write(Data("feature-service: \(error)\n".utf8))
      exit(1)
    }
  }
}
