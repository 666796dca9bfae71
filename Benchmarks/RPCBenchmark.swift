import Foundation
import NetworkIO
import RPC
import RPCCore
import Synchronization
import WireProtos

/// Unary RPC over loopback against `redis-benchmark -t ping` at the same concurrency.
///
/// Both servers run as separate processes on this machine; both clients keep one connection
/// per caller group. Our client multiplexes the C concurrent callers over one connection, as
/// a service would; redis-benchmark opens C connections.
enum RPCBenchmark {
  static func run(_ arguments: [String]) async throws {
    let seconds = Double(BenchmarkSupport.option("seconds", in: arguments, default: "3")) ?? 3
    let rounds = Int(BenchmarkSupport.option("rounds", in: arguments, default: "3")) ?? 3
    let concurrencies = BenchmarkSupport.option("concurrency", in: arguments, default: "1,16,64")
      .split(separator: ",").compactMap { Int($0) }

    guard let redisServer = BenchmarkSupport.which("redis-server"),
      let redisBenchmark = BenchmarkSupport.which("redis-benchmark")
    else {
      print(
        "redis-server and redis-benchmark are needed: apt-get install -y redis-server redis-tools")
      return
    }
    let redisPort = BenchmarkSupport.freePort()
    let redis = try BenchmarkSupport.start(
      redisServer,
      ["--bind", "127.0.0.1", "--port", "\(redisPort)", "--save", "", "--appendonly", "no"])
    let rpcPort = BenchmarkSupport.freePort()
    let ourServer = try BenchmarkSupport.start(
      CommandLine.arguments[0], ["rpc-server", "--port", "\(rpcPort)"])
    defer {
      for process in [redis, ourServer] { BenchmarkSupport.stop(process) }
    }
    try await Task.sleep(for: .milliseconds(500))

    let endpoint = HostAndPort(host: "127.0.0.1", port: rpcPort)
    print(
      "unary RPC (Echo, 6-byte request) vs redis PING, \(rounds) rounds of \(seconds) s, medians")
    print(
      "callers | ours calls/s | redis PING/s | ratio | ours p50 µs | redis p50 µs | p50 ratio | ours p99 µs | redis p99 µs"
    )
    for concurrency in concurrencies {
      var ours: [(rate: Double, p50: Double, p99: Double)] = []
      var theirs: [(rate: Double, p50: Double, p99: Double)] = []
      for _ in 0..<rounds {
        ours.append(
          try await Self.measureOurs(endpoint: endpoint, concurrency: concurrency, seconds: seconds)
        )
        theirs.append(
          try Self.measureRedis(
            redisBenchmark, port: redisPort, concurrency: concurrency, seconds: seconds))
      }
      let ourRate = BenchmarkSupport.median(ours.map(\.rate))
      let redisRate = BenchmarkSupport.median(theirs.map(\.rate))
      let ourP50 = BenchmarkSupport.median(ours.map(\.p50))
      let redisP50 = BenchmarkSupport.median(theirs.map(\.p50))
      let ourP99 = BenchmarkSupport.median(ours.map(\.p99))
      let redisP99 = BenchmarkSupport.median(theirs.map(\.p99))
      print(
        "\(concurrency) | \(Int(ourRate)) | \(Int(redisRate)) | \(BenchmarkSupport.format(ourRate / redisRate, 2)) | "
          + "\(BenchmarkSupport.format(ourP50)) | \(BenchmarkSupport.format(redisP50)) | \(BenchmarkSupport.format(ourP50 / redisP50, 2)) | "
          + "\(BenchmarkSupport.format(ourP99)) | \(BenchmarkSupport.format(redisP99))")
    }
  }

  /// Drives an Echo server started elsewhere (`rpc-server`), for profiling one side alone.
  static func drive(_ arguments: [String]) async throws {
    let port = Int(BenchmarkSupport.option("port", in: arguments, default: "0")) ?? 0
    let seconds = Double(BenchmarkSupport.option("seconds", in: arguments, default: "3")) ?? 3
    let concurrency =
      Int(BenchmarkSupport.option("concurrency", in: arguments, default: "16")) ?? 16
    let result = try await Self.measureOurs(
      endpoint: HostAndPort(host: "127.0.0.1", port: port), concurrency: concurrency,
      seconds: seconds)
    print(
      "calls/s \(Int(result.rate)) p50 µs \(BenchmarkSupport.format(result.p50)) p99 µs \(BenchmarkSupport.format(result.p99))"
    )
  }

  /// Serves Echo until killed.
  static func serve(_ arguments: [String]) async throws {
    let port = Int(BenchmarkSupport.option("port", in: arguments, default: "0")) ?? 0
    var router = RPCRouter()
    EchoService.register(into: &router)
    let server = RPCServer(
      configuration: .init(endpoint: HostAndPort(host: "127.0.0.1", port: port)), router: router)
    try server.start()
    while true { try await Task.sleep(for: .seconds(3_600)) }
  }

  private static let clientGroup = EventLoopGroup(threadCount: 1, name: "bench-client")
  private static var clientLoop: EventLoop { Self.clientGroup.loops[0] }

  private static func measureOurs(endpoint: HostAndPort, concurrency: Int, seconds: Double)
    async throws
    -> (rate: Double, p50: Double, p99: Double)
  {
    // Like redis-benchmark, the load comes from one thread: the client's only event loop, on
    // which the calling tasks also run, so a call never waits for a thread to wake.
    let loop = Self.clientLoop
    var configuration = RPCClient.Configuration(endpoints: [endpoint])
    configuration.group = Self.clientGroup
    let client = RPCClient(configuration: configuration)
    defer { client.close() }
    let request: EchoRequest = {
      var request = EchoRequest()
      request.text = "ping"
      return request
    }()
    let method = MethodDescriptor(Echo.Method.echo)
    // Warm up the connection.
    for _ in 0..<1_000 {
      blackHole(try await client.unary(method, request: request, response: EchoResponse.self))
    }

    let clock = ContinuousClock()
    let end = clock.now + .milliseconds(Int(seconds * 1_000))
    let start = clock.now
    let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
      for _ in 0..<concurrency {
        group.addTask(executorPreference: loop) {
          var samples: [Double] = []
          samples.reserveCapacity(200_000)
          while clock.now < end {
            let callStart = clock.now
            blackHole(try await client.unary(method, request: request, response: EchoResponse.self))
            let elapsed = clock.now - callStart
            samples.append(
              Double(elapsed.components.attoseconds) / 1e12 + Double(elapsed.components.seconds)
                * 1e6)
          }
          return samples
        }
      }
      var all: [Double] = []
      for try await samples in group { all += samples }
      return all
    }
    let elapsed = clock.now - start
    let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return (
      Double(latencies.count) / wall, BenchmarkSupport.percentile(latencies, 0.5),
      BenchmarkSupport.percentile(latencies, 0.99)
    )
  }

  private static func measureRedis(_ path: String, port: Int, concurrency: Int, seconds: Double)
    throws
    -> (rate: Double, p50: Double, p99: Double)
  {
    // Size the request count so the run lasts about `seconds` at ~15k/s per connection.
    let requests = max(20_000, Int(seconds * Double(min(concurrency, 8)) * 15_000))
    let output = try BenchmarkSupport.run(
      path,
      [
        "-h", "127.0.0.1", "-p", "\(port)", "-t", "ping", "-c", "\(concurrency)", "-n",
        "\(requests)", "--csv",
      ])
    // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
    for line in output.split(separator: "\n") where line.hasPrefix("\"PING_MBULK\"") {
      let fields = line.split(separator: ",").map {
        Double($0.replacingOccurrences(of: "\"", with: "")) ?? .nan
      }
      return (fields[1], fields[4] * 1_000, fields[6] * 1_000)
    }
    throw RPCError(code: .internalError, message: "unexpected redis-benchmark output: \(output)")
  }
}
