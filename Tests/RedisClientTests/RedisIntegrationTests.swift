import Foundation
import RedisClient
import Testing

/// All Redis tests share one server and one of them restarts it, so they run one at a time.
@Suite(
  "Redis client (integration)", .serialized,
  .enabled(if: ProcessInfo.processInfo.environment["TEST_REDIS_URL"] != nil))
struct RedisIntegrationTests {
  @Test("Every reply type arrives as its RedisValue case")
  func replyTypes() async throws {
    let redis = try await TestServer.connect()
    let key = TestServer.uniqueKey("types")
    #expect(try await redis.send(["PING"]) == .simpleString("PONG"))
    #expect(try await redis.send(["SET", .string(key), "value"]) == .simpleString("OK"))
    #expect(try await redis.send(["GET", .string(key)]) == .bulkString(Array("value".utf8)))
    #expect(try await redis.send(["GET", .string(key + ":missing")]) == .null)
    #expect(try await redis.send(["STRLEN", .string(key)]) == .integer(5))
    #expect(try await redis.send(["GET", .string(key), "extra"]).isError)
    let wrongType = try await redis.send(["HGETALL", .string(key)])
    guard case .error(let text) = wrongType else {
      Issue.record("expected an error reply, got \(wrongType)")
      return
    }
    #expect(text.hasPrefix("WRONGTYPE"))
    #expect(throws: RedisError.self) { try wrongType.checked("HGETALL") }

    let list = TestServer.uniqueKey("list")
    #expect(try await redis.send(["RPUSH", .string(list), "a", "", "c"]) == .integer(3))
    // Nested arrays: EXEC answers an array holding LRANGE's array.
    let replies = try await redis.pipeline([
      ["MULTI"], ["LRANGE", .string(list), 0, -1], ["LLEN", .string(list)], ["EXEC"],
    ])
    #expect(replies[0] == .simpleString("OK"))
    #expect(replies[1] == .simpleString("QUEUED"))
    #expect(
      replies[3]
        == .array([
          .array([.bulkString(Array("a".utf8)), .bulkString([]), .bulkString(Array("c".utf8))]),
          .integer(3),
        ]))
    #expect(try await redis.send(["DEL", .string(key), .string(list)]) == .integer(2))
  }

  @Test("Binary values with every byte, zeros included, round-trip")
  func binaryValues() async throws {
    let redis = try await TestServer.connect()
    let key = TestServer.uniqueKey("binary")
    let value = (0...255).map(UInt8.init) + [0, 0, 13, 10, 0]
    #expect(try await redis.send(["SET", .string(key), .bytes(value)]) == .simpleString("OK"))
    #expect(try await redis.send(["GET", .string(key)]) == .bulkString(value))
    let field = "f\u{0}\r\nx"
    try await redis.setHash(key + ":h", fields: [field: value, "empty": []], ttl: .seconds(30))
    #expect(try await redis.hashGetAll(key + ":h") == [field: value, "empty": []])
    _ = try await redis.send(["DEL", .string(key), .string(key + ":h")])
  }

  @Test("A pipeline of 1,000 commands answers in order")
  func pipelineOrder() async throws {
    let redis = try await TestServer.connect()
    let key = TestServer.uniqueKey("counter")
    let commands: [[RedisArgument]] = (0..<1_000).map { _ in ["INCR", .string(key)] }
    let replies = try await redis.pipeline(commands)
    #expect(replies == (1...1_000).map { RedisValue.integer(Int64($0)) })
    _ = try await redis.send(["DEL", .string(key)])
  }

  @Test("Hashes get their TTL and expire; HMGET reads many keys in one round trip")
  func hashesWithTTL() async throws {
    let redis = try await TestServer.connect()
    let keys = (0..<5).map { TestServer.uniqueKey("features:\($0)") }
    try await redis.setHashes(
      keys.enumerated().map {
        (key: $1, fields: ["power_kw": Array("\($0).5".utf8), "site": Array("s\($0)".utf8)])
      },
      ttl: .seconds(60))
    for key in keys {
      let ttl = try #require(try await redis.timeToLive(key))
      #expect(ttl > .zero && ttl <= .seconds(60))
    }
    let read = try await redis.hashGet(
      keys: keys + [keys[0] + ":missing"], fields: ["site", "absent"])
    #expect(read.count == 6)
    #expect(read[2] == [Array("s2".utf8), nil])
    #expect(read[5] == [nil, nil])
    let all = try await redis.hashGetAll(keys: keys)
    #expect(all[4] == ["power_kw": Array("4.5".utf8), "site": Array("s4".utf8)])

    // A short TTL expires (polled, so a loaded machine cannot make this flaky).
    let shortLived = TestServer.uniqueKey("features:short")
    try await redis.setHashes([(key: shortLived, fields: ["site": Array("s".utf8)])], ttl: .milliseconds(200))
    let clock = ContinuousClock()
    let deadline = clock.now + .seconds(10)
    while try await !redis.hashGetAll(shortLived).isEmpty, clock.now < deadline {
      try await Task.sleep(for: .milliseconds(50))
    }
    #expect(try await redis.hashGetAll(shortLived).isEmpty)
    #expect(try await redis.timeToLive(shortLived) == nil)
    for key in keys { _ = try await redis.send(["DEL", .string(key)]) }
  }

  @Test("Writing a hash over a non-hash key fails with commandFailed")
  func hashOverWrongType() async throws {
    let redis = try await TestServer.connect()
    let key = TestServer.uniqueKey("string")
    _ = try await redis.send(["SET", .string(key), "x"])
    let error = await #expect(throws: RedisError.self) {
      try await redis.setHash(key, fields: ["a": [1]], ttl: .seconds(5))
    }
    #expect(error?.code == .commandFailed)
    #expect(error?.message.contains("WRONGTYPE") == true)
    _ = try await redis.send(["DEL", .string(key)])
    let badTTL = await #expect(throws: RedisError.self) {
      try await redis.setHash(key, fields: ["a": [1]], ttl: .zero)
    }
    #expect(badTTL?.code == .invalidArgument)
  }

  @Test("Pipelined HSET + PEXPIRE rate (figure printed)")
  func hashWriteRate() async throws {
    let redis = try await TestServer.connect()
    let prefix = TestServer.uniqueKey("rate")
    let batches = 20
    let perBatch = 500
    let fields: [String: [UInt8]] = Dictionary(
      uniqueKeysWithValues: (0..<8).map { ("feature_\($0)", Array("\(Double($0) * 1.25)".utf8)) })
    let clock = ContinuousClock()
    let elapsed = try await clock.measure {
      for batch in 0..<batches {
        try await redis.setHashes(
          (0..<perBatch).map { (key: "\(prefix):\(batch):\($0)", fields: fields) },
          ttl: .seconds(60))
      }
    }
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let total = batches * perBatch
    print(
      "redis pipelined HSET(8 fields)+PEXPIRE: \(total) hashes in \(elapsed), \(Int(Double(total) / seconds)) hashes/s"
    )
    // Plain pipelined HSET, without MULTI/EXEC or TTL, for comparison.
    let plain: [[RedisArgument]] = (0..<total).map { index in
      var command: [RedisArgument] = ["HSET", .string("\(prefix):plain:\(index)")]
      for (field, value) in fields { command += [.string(field), .bytes(value)] }
      return command
    }
    var replies: [RedisValue] = []
    let plainElapsed = try await clock.measure { replies = try await redis.pipeline(plain) }
    #expect(replies.allSatisfy { $0 == .integer(8) })
    let plainSeconds =
      Double(plainElapsed.components.seconds) + Double(plainElapsed.components.attoseconds) / 1e18
    print(
      "redis pipelined HSET(8 fields), one pipeline of \(total): \(Int(Double(total) / plainSeconds)) commands/s"
    )
    _ = try await redis.pipeline((0..<total).map { ["DEL", .string("\(prefix):plain:\($0)")] })
    let check = try await redis.hashGetAll("\(prefix):7:123")
    #expect(check == fields)
    let deleted = try await redis.pipeline(
      (0..<batches).flatMap { batch in
        (0..<perBatch).map { ["DEL", .string("\(prefix):\(batch):\($0)")] }
      })
    #expect(deleted.allSatisfy { $0 == .integer(1) })
  }

  @Test("A command over the command timeout fails with timeout; the next call reconnects")
  func commandTimeout() async throws {
    let redis = try await TestServer.connect { $0.commandTimeout = .milliseconds(200) }
    let clock = ContinuousClock()
    let start = clock.now
    let error = await #expect(throws: RedisError.self) {
      try await redis.send(["BLPOP", .string(TestServer.uniqueKey("empty")), 30])
    }
    #expect(error?.code == .timeout)
    // Ends at the 200 ms command timeout, long before the 30 s BLPOP would (slack for CI load).
    #expect(clock.now - start < .seconds(15))
    #expect(try await redis.send(["PING"]) == .simpleString("PONG"))
  }

  @Test("Database selection and URL parsing")
  func urlAndDatabase() async throws {
    let base = try TestServer.configuration()
    let other = try RedisConfiguration(url: "redis://:secret@\(base.host):\(base.port)/3")
    #expect(other.database == 3 && other.password == "secret" && other.port == base.port)
    var selected = base
    selected.database = 3
    let db3 = try await RedisConnection.connect(configuration: selected)
    let db0 = try await RedisConnection.connect(configuration: base)
    let key = TestServer.uniqueKey("db")
    _ = try await db3.send(["SET", .string(key), "3"])
    #expect(try await db0.send(["GET", .string(key)]) == .null)
    #expect(try await db3.send(["GET", .string(key)]) == .bulkString(Array("3".utf8)))
    _ = try await db3.send(["DEL", .string(key)])
    // A password the server does not expect: setup fails with a clear error.
    let auth = await #expect(throws: RedisError.self) {
      _ = try await RedisConnection.connect(configuration: other)
    }
    #expect(auth?.code == .connectionFailed)
    #expect(auth?.message.contains("secret") == false)
  }

  @Test("An unreachable server fails with connectionFailed, quickly")
  func unreachable() async throws {
    let start = ContinuousClock.now
    let error = await #expect(throws: RedisError.self) {
      _ = try await RedisConnection.connect(
        configuration: RedisConfiguration(host: "127.0.0.1", port: 1))
    }
    #expect(error?.code == .connectionFailed)
    #expect(error?.message.contains("127.0.0.1:1") == true)
    #expect(ContinuousClock.now - start < .seconds(3))
  }

  @Test(
    "After a restart, calls fail fast with unavailable, then the client recovers",
    .enabled(if: TestServer.canRestart), .timeLimit(.minutes(1)))
  func survivesRestart() async throws {
    let redis = try await TestServer.connect { $0.maximumBackoff = .milliseconds(400) }
    let pool = RedisPool(configuration: try TestServer.configuration(), size: 2)
    #expect(try await redis.send(["PING"]) == .simpleString("PONG"))
    #expect(try await pool.send(["PING"]) == .simpleString("PONG"))

    try TestServer.servers("redis-stop")
    var restarted = false
    defer { if !restarted { try? TestServer.servers("redis-start") } }
    let clock = ContinuousClock()
    var messages: [String] = []
    for _ in 0..<5 {
      let start = clock.now
      let error = await #expect(throws: RedisError.self) { try await redis.send(["PING"]) }
      #expect(error?.code == .unavailable)
      #expect(clock.now - start < .seconds(3))
      messages.append(error?.message ?? "")
      let poolError = await #expect(throws: RedisError.self) { try await pool.send(["PING"]) }
      #expect(poolError?.code == .unavailable)
    }
    #expect(messages.contains { $0.contains("next reconnection attempt in") })
    #expect(messages.allSatisfy { $0.contains("Redis at") })

    try TestServer.servers("redis-start")
    restarted = true
    let deadline = clock.now + .seconds(20)
    var recovered = false
    while clock.now < deadline && !recovered {
      if (try? await redis.send(["PING"])) == .simpleString("PONG") {
        recovered = true
      } else {
        try await Task.sleep(for: .milliseconds(100))
      }
    }
    #expect(recovered)
    var poolRecovered = 0
    while clock.now < deadline && poolRecovered < 2 {
      if (try? await pool.send(["PING"])) == .simpleString("PONG") {
        poolRecovered += 1
      } else {
        try await Task.sleep(for: .milliseconds(100))
      }
    }
    #expect(poolRecovered == 2)
    await pool.close()
  }
}

extension RedisValue {
  fileprivate var isError: Bool {
    if case .error = self { return true }
    return false
  }
}

extension RedisIntegrationTests {
  @Test("A call whose connection is killed fails with unavailable; the next reconnects")
  func inFlightLoss() async throws {
    let victim = try await TestServer.connect { $0.commandTimeout = .seconds(10) }
    let killer = try await TestServer.connect()
    let id = try #require(try await victim.send(["CLIENT", "ID"]).integer)
    let key = TestServer.uniqueKey("never")
    async let blocked: RedisValue = victim.send(["BLPOP", .string(key), 8])
    try await Task.sleep(for: .milliseconds(200))
    #expect(try await killer.send(["CLIENT", "KILL", "ID", .integer(id)]) == .integer(1))
    let outcome: Result<RedisValue, any Error>
    do { outcome = .success(try await blocked) } catch { outcome = .failure(error) }
    guard case .failure(let error) = outcome else {
      Issue.record("BLPOP on a killed connection returned \(outcome)")
      return
    }
    #expect((error as? RedisError)?.code == .unavailable)
    #expect(try await victim.send(["PING"]) == .simpleString("PONG"))
  }
}
