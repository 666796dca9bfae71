import RedisClient
import Testing

/// URL parsing needs no server, so these run everywhere.
@Suite("Redis configuration")
struct RedisConfigurationTests {
  @Test(
    "Valid URLs give host, port, database and password",
    arguments: [
      ("redis://127.0.0.1:6380", "127.0.0.1", 6380, 0, nil),
      ("redis://cache", "cache", 6379, 0, nil),
      ("redis://cache/", "cache", 6379, 0, nil),
      ("redis://:p%40ss:word@cache:7000/5", "cache", 7000, 5, "p%40ss:word"),
      ("redis://user:pw@10.0.0.1/2", "10.0.0.1", 6379, 2, "pw"),
      ("redis://:@cache", "cache", 6379, 0, nil),
    ] as [(String, String, Int, Int, String?)])
  func validURLs(url: String, host: String, port: Int, database: Int, password: String?) throws {
    let configuration = try RedisConfiguration(url: url)
    #expect(configuration.host == host)
    #expect(configuration.port == port)
    #expect(configuration.database == database)
    #expect(configuration.password == password)
  }

  @Test(
    "Malformed URLs are refused with invalidConfiguration, without echoing secrets",
    arguments: [
      "http://cache", "redis://", "redis://cache:99999", "redis://cache:0", "redis://cache:x",
      "redis://cache/x", "redis://cache/-1", "redis://:secret@:6379",
    ])
  func malformedURLs(url: String) {
    let error = #expect(throws: RedisError.self) { try RedisConfiguration(url: url) }
    #expect(error?.code == .invalidConfiguration)
    #expect(error?.message.contains("secret") == false)
  }
}
