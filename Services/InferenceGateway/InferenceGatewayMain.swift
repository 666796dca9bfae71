import Foundation
import RPC
import ServiceRuntime

/// The `inference-gateway` executable: Answers predictions with the registry's current models.
@main
struct InferenceGatewayMain {
  static func main() async {
    do {
      guard
        let host = try ServiceHost.bootstrap(
          name: "inference-gateway", summary: "Answers predictions with the registry's current models.", rpcPort: 7004, adminPort: 9104, options: [])
      else { return }
      try await host.run(router: RPCRouter(), policy: AccessPolicy())
    } catch {
      FileHandle.standardError.write(Data("inference-gateway: \(error)\n".utf8))
      exit(1)
    }
  }
}
