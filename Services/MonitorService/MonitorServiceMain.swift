import Foundation
import RPC
import ServiceRuntime

/// The `monitor-service` executable: Records predictions and outcomes, computes drift and raises alerts.
@main
struct MonitorServiceMain {
  static func main() async {
    do {
      guard
        let host = try ServiceHost.bootstrap(
          name: "monitor-service", summary: "Records predictions and outcomes, computes drift and raises alerts.", rpcPort: 7005, adminPort: 9105, options: [])
      else { return }
      try await host.run(router: RPCRouter(), policy: AccessPolicy())
    } catch {
      FileHandle.standardError.write(Data("monitor-service: \(error)\n".utf8))
      exit(1)
    }
  }
}
