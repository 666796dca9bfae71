import Foundation

/// `dcmms demo`: the platform's main job as a list of steps run against the stack.
///
/// Today the job checks what every service already does (readiness, Health/Check and an Echo
/// round trip over RPC with a token). Later steps append here in the order of the flow:
/// ingestion → training → registration → prediction → monitoring.
struct Demo {
  /// One step: a title and the work, which returns a line saying what happened.
  struct Step {
    var title: String
    var service: String
    var run: () async throws -> String
  }

  let client: StackClient

  /// The steps, in order.
  var steps: [Step] {
    let services = self.client.state.services
    var steps: [Step] = []
    for service in services {
      steps.append(
        Step(title: "readiness", service: service.name) {
          guard let adminPort = service.adminPort,
            let reply = Loopback.httpGet(port: adminPort, path: "/readyz")
          else {
            throw DcmmsError(.callFailed, "no answer on 127.0.0.1:\(service.adminPort ?? 0)/readyz")
          }
          guard reply.status == 200 else {
            throw DcmmsError(.callFailed, "/readyz answered \(reply.status): \(reply.body)")
          }
          return "GET /readyz → 200 on 127.0.0.1:\(adminPort)"
        })
    }
    for service in services {
      steps.append(
        Step(title: "health", service: service.name) {
          let result = try await self.client.checkHealth(service)
          guard result.status == "SERVING" else {
            throw DcmmsError(.callFailed, "Health/Check says \(result.status)")
          }
          return "Health/Check → \(result.status) in \(result.latency.millisecondsText)"
        })
    }
    for service in services {
      steps.append(
        Step(title: "echo", service: service.name) {
          let text = "telemetry-\(service.name)"
          let result = try await self.client.echo(service, text: text, count: 20)
          return
            "Echo ×20 round trips → '\(result.text)'; first \(result.first.millisecondsText), median \(result.median.millisecondsText)"
        })
    }
    return steps
  }

  /// Runs every step, printing one line each.
  /// - Returns: How many steps failed.
  func run() async -> Int {
    var failures = 0
    let steps = self.steps
    let start = ContinuousClock.now
    for (index, step) in steps.enumerated() {
      let number = index + 1 < 10 ? " \(index + 1)" : "\(index + 1)"
      let prefix = "\(number). \(step.title.padded(to: 10)) \(step.service.padded(to: 18))"
      do {
        print("\(prefix) ok    \(try await step.run())")
      } catch {
        failures += 1
        print("\(prefix) FAIL  \(error)")
      }
    }
    print(
      "\(steps.count - failures) of \(steps.count) steps passed in \((ContinuousClock.now - start).millisecondsText)"
    )
    return failures
  }
}
