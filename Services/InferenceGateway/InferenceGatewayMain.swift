import Foundation
import NetworkIO
import RPC
import ServiceRuntime

/// The `inference-gateway` executable: answers predictions with the registry's current models.
@main
struct InferenceGatewayMain {
  static func main() async {
    do {
      guard
        let host = try ServiceHost.bootstrap(
          name: "inference-gateway", summary: "Answers predictions with the registry's current models.",
          rpcPort: 7004, adminPort: 9104,
          options: [
            .string("registry", default: "127.0.0.1:7003", help: "Registry replicas, host:port[,host:port…]."),
            .string("feature", default: "127.0.0.1:7001", help: "Feature service replicas for online features; empty: none."),
            .string("monitor", default: "127.0.0.1:7005", help: "Monitor replicas that receive the prediction log."),
            .string("models", default: "inverter_fault", help: "Names of the models to serve, comma-separated."),
            .duration("model-refresh-ms", default: .seconds(5), help: "How often to look for new Production versions."),
            .string("spool-dir", default: "/var/tmp/dcmms-gateway-spool", help: "Where predictions wait while the monitor is down."),
          ])
      else { return }
      let configuration = host.configuration
      let tokens = ServiceTokenSource(authority: host.tokens, subject: "inference-gateway")
      func client(_ option: String) throws -> RPCClient? {
        let endpoints = try Self.endpoints(configuration.string(option), option: option)
        guard !endpoints.isEmpty else { return nil }
        var clientConfiguration = RPCClient.Configuration(endpoints: endpoints)
        clientConfiguration.bearerTokenProvider = { tokens.token() }
        return RPCClient(configuration: clientConfiguration)
      }
      guard let registry = try client("registry"), let monitor = try client("monitor") else {
        throw ConfigurationProblem(message: "--registry and --monitor need at least one address")
      }
      let catalog = ModelCatalog()
      let refresher = ModelRefresher(
        catalog: catalog, loader: RegistryModelLoader(registry: registry),
        modelNames: configuration.string("models").split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
          .filter { !$0.isEmpty },
        interval: configuration.duration("model-refresh-ms"), logger: host.logger)
      var options = PredictionLogShipper.Options()
      options.source = "inference-gateway@\(configuration.hostPort("rpc-listen"))"
      let shipper = try PredictionLogShipper(
        client: monitor, spoolDirectory: URL(fileURLWithPath: configuration.string("spool-dir")), options: options,
        logger: host.logger)
      var router = RPCRouter()
      GatewayHandlers(catalog: catalog, features: try client("feature"), shipper: shipper).register(into: &router)
      try await host.run(router: router, policy: AccessPolicy(defaultRule: .anyAuthenticated), services: [refresher, shipper])
    } catch {
      FileHandle.standardError.write(Data("inference-gateway: \(error)\n".utf8))
      exit(1)
    }
  }

  /// Parses `host:port[,host:port…]`.
  static func endpoints(_ text: String, option: String) throws -> [HostAndPort] {
    try text.split(separator: ",").map { part in
      let trimmed = part.trimmingCharacters(in: .whitespaces)
      guard let endpoint = HostAndPort(parsing: trimmed) else {
        throw ConfigurationProblem(message: "--\(option): '\(trimmed)' is not host:port")
      }
      return endpoint
    }
  }
}

/// A configuration value that parsed but cannot be used.
struct ConfigurationProblem: Error, CustomStringConvertible {
  var message: String
  var description: String { self.message }
}
