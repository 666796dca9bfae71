import Foundation
import Testing

@testable import ServiceRuntime

@Suite("Logger")
struct LoggerTests {
  @Test("A line is one JSON object with ts, level, service, message and fields")
  func lineShape() throws {
    let file = try TemporaryFile()
    defer { file.close() }
    let logger = Logger(service: "registry", fileDescriptor: file.fileDescriptor)
      .with(["request_id": "r-1", "replica": 2])
    logger.info("model loaded", ["rows": 1200, "ratio": 0.25, "cached": false, "replica": 3])
    let contents = try file.contents()
    #expect(contents.hasSuffix("}\n"))
    #expect(contents.filter { $0 == "\n" }.count == 1)
    let line = try #require(try file.jsonLines().first)
    #expect(line["level"] as? String == "info")
    #expect(line["service"] as? String == "registry")
    #expect(line["message"] as? String == "model loaded")
    #expect(line["request_id"] as? String == "r-1")
    #expect(line["replica"] as? Int == 3)
    #expect(line["rows"] as? Int == 1200)
    #expect(line["ratio"] as? Double == 0.25)
    #expect(line["cached"] as? Bool == false)
    // The first four keys are fixed, in this order.
    #expect(contents.hasPrefix(#"{"ts":""#))
    let levelIndex = try #require(contents.range(of: #""level""#)).lowerBound
    let messageIndex = try #require(contents.range(of: #""message""#)).lowerBound
    #expect(levelIndex < messageIndex)
  }

  @Test("The timestamp is RFC 3339 UTC with microseconds and close to now")
  func liveTimestamp() throws {
    let file = try TemporaryFile()
    defer { file.close() }
    let before = Date()
    Logger(service: "s", fileDescriptor: file.fileDescriptor).warning("x")
    let line = try #require(try file.jsonLines().first)
    let ts = try #require(line["ts"] as? String)
    #expect(ts.count == "2026-12-03T17:19:09.123456Z".count)
    #expect(ts.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z/) != nil)
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    let parsed = try #require(formatter.date(from: ts))
    #expect(abs(parsed.timeIntervalSince(before)) < 5)
  }

  @Test(
    "Timestamps of known instants (checked with date -u -d @N)",
    arguments: [
      (0, 0, "1970-01-01T00:00:00.000000Z"),
      (1_700_000_000, 123_456_789, "2023-11-14T22:13:20.123456Z"),
      (951_782_400, 999_999_999, "2000-02-29T00:00:00.999999Z"),
      (4_102_444_799, 1_000, "2099-12-31T23:59:59.000001Z"),
    ])
  func knownTimestamps(seconds: Int, nanoseconds: Int, expected: String) {
    var buffer: [UInt8] = []
    LogTimestamp.append(seconds: seconds, nanoseconds: nanoseconds, to: &buffer)
    #expect(String(decoding: buffer, as: UTF8.self) == expected)
  }

  @Test(
    "Strings are escaped so that a JSON parser reads them back unchanged",
    arguments: [
      "plain", "quote \" and backslash \\", "new\nline\r\ttab", "\u{0}\u{1}\u{1F}\u{7F}",
      "bell\u{8}\u{C}", "ünïcødé ✓ 🌞", "</script>", "",
    ])
  func escaping(text: String) throws {
    let file = try TemporaryFile()
    defer { file.close() }
    Logger(service: "s\"q", fileDescriptor: file.fileDescriptor).error(text, [text: .string(text)])
    #expect(try file.contents().filter { $0 == "\n" }.count == 1)
    let line = try #require(try file.jsonLines().first)
    #expect(line["message"] as? String == text)
    #expect(line["service"] as? String == "s\"q")
    if !["ts", "level", "service", "message"].contains(text) {
      #expect(line[text] as? String == text)
    }
  }

  @Test("Reserved keys are renamed, non-finite numbers become strings, repeated keys keep the last")
  func awkwardFields() throws {
    let file = try TemporaryFile()
    defer { file.close() }
    Logger(service: "s", fileDescriptor: file.fileDescriptor)
      .info(
        "m", ["message": "user", "nan": .double(.nan), "inf": .double(-.infinity), "k": 1, "k": 2])
    let line = try #require(try file.jsonLines().first)
    #expect(line["message"] as? String == "m")
    #expect(line["field.message"] as? String == "user")
    #expect(line["nan"] as? String == "nan")
    #expect(line["inf"] as? String == "-inf")
    #expect(line["k"] as? Int == 2)
    #expect(try file.contents().components(separatedBy: #""k""#).count == 2)
  }

  @Test("Lines below the minimum level are not written and their arguments not evaluated")
  func minimumLevel() throws {
    let file = try TemporaryFile()
    defer { file.close() }
    let logger = Logger(service: "s", minimumLevel: .notice, fileDescriptor: file.fileDescriptor)
    var evaluations = 0
    func expensive() -> String {
      evaluations += 1
      return "expensive"
    }
    logger.trace(expensive())
    logger.debug(expensive(), ["v": .string(expensive())])
    logger.info(expensive())
    #expect(evaluations == 0)
    #expect(!logger.isEnabled(.info))
    logger.notice(expensive())
    logger.critical(expensive())
    #expect(evaluations == 2)
    let levels = try file.jsonLines().map { $0["level"] as? String }
    #expect(levels == ["notice", "critical"])
  }

  @Test("Level names parse in any case")
  func levelNames() {
    for level in Logger.Level.allCases {
      #expect(Logger.Level(name: level.description.uppercased()) == level)
    }
    #expect(Logger.Level(name: "warn") == .warning)
    #expect(Logger.Level(name: "verbose") == nil)
  }

  @Test("Lines from many threads never interleave", .timeLimit(.minutes(1)))
  func concurrentWriters() throws {
    let file = try TemporaryFile()
    defer { file.close() }
    let logger = Logger(service: "s", fileDescriptor: file.fileDescriptor)
    let threads = 8
    let linesPerThread = 2_000
    let payload = String(repeating: "x", count: 300)
    DispatchQueue.concurrentPerform(iterations: threads) { thread in
      for index in 0..<linesPerThread {
        logger.info(payload, ["thread": .integer(thread), "index": .integer(index)])
      }
    }
    let lines = try file.jsonLines()
    #expect(lines.count == threads * linesPerThread)
    var seen = Set<Int>()
    for line in lines {
      let thread = try #require(line["thread"] as? Int)
      let index = try #require(line["index"] as? Int)
      #expect(line["message"] as? String == payload)
      seen.insert(thread * linesPerThread + index)
    }
    #expect(seen.count == threads * linesPerThread)
  }
}
