import Foundation
import RPC
import ServiceRuntime

/// The `registry-service` executable: Stores model versions, stages, aliases and artifacts.
@main
struct RegistryServiceMain {
  static func main() async {
    do {
      guard
        let host = try ServiceHost.bootstrap(
          name: "registry-service", summary: "Stores model versions, stages, aliases and artifacts.", rpcPort: 7003, adminPort: 9103, options: [])
      else { return }
      try await host.run(router: RPCRouter(), policy: AccessPolicy())
    } catch {
      FileHandle.standardError.write(Data("registry-service: \(error)\n".utf8))
      exit(1)
    }
  }
}
