import RPC
import RPCCore
import WireProtos

/// The monitor's RPC methods over its prediction log.
enum MonitorHandlers {
  static func register(into router: inout RPCRouter, log: PredictionLog) {
    router.register(Monitor.Method.RecordPredictions.self) { request, _ in
      try await log.record(request)
    }
    router.register(Monitor.Method.RecordOutcomes.self) { request, _ in
      try await log.record(request)
    }
    router.register(Monitor.Method.GetPerformance.self) { request, _ in
      try await log.performance(request)
    }
  }

  /// Gateways (service tokens) write the log; people may read it.
  static var policy: AccessPolicy {
    var policy = AccessPolicy(defaultRule: .anyAuthenticated)
    policy.set(.roles([.service]), for: MethodDescriptor(Monitor.Method.recordPredictions))
    policy.set(.roles([.service, .mlEngineer]), for: MethodDescriptor(Monitor.Method.recordOutcomes))
    return policy
  }
}
