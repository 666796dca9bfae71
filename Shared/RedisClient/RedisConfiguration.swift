/// How to reach a Redis server and how a connection behaves.
package struct RedisConfiguration: Sendable {
  /// Host name or IPv4 address.
  package var host: String
  /// TCP port. Default 6379.
  package var port: Int
  /// Database number selected after connecting. Default 0.
  package var database: Int
  /// Password sent with `AUTH` after connecting, if any. Never logged.
  package var password: String?
  /// How long establishing the TCP connection may take. Default 2 s.
  package var connectTimeout: Duration
  /// How long one command (or one pipeline step) may wait for the server; after that the call
  /// fails with ``RedisError/Code/timeout`` and the connection is replaced. Default 2 s.
  package var commandTimeout: Duration
  /// Waits between reconnection attempts after the connection was lost: the first attempt is
  /// immediate, then `initialBackoff`, doubling up to `maximumBackoff`. While waiting, calls
  /// fail at once with ``RedisError/Code/unavailable``. Default 50 ms.
  package var initialBackoff: Duration
  /// The longest wait between reconnection attempts. Default 2 s.
  package var maximumBackoff: Duration

  /// Creates a configuration with the defaults above.
  /// - Parameters:
  ///   - host: Host name or IPv4 address.
  ///   - port: TCP port.
  package init(host: String, port: Int = 6379) {
    self.host = host
    self.port = port
    self.database = 0
    self.password = nil
    self.connectTimeout = .seconds(2)
    self.commandTimeout = .seconds(2)
    self.initialBackoff = .milliseconds(50)
    self.maximumBackoff = .seconds(2)
  }

  /// Parses `redis://[[user]:password@]host[:port][/database]`. The user name is ignored
  /// (Redis 5-style `AUTH password`) and the password is taken literally, without
  /// percent-decoding.
  /// - Parameter url: The URL.
  /// - Throws: ``RedisError/Code/invalidConfiguration`` naming what is malformed.
  package init(url: String) throws(RedisError) {
    guard url.hasPrefix("redis://") else {
      throw RedisError(code: .invalidConfiguration, message: "a Redis URL must start with redis://")
    }
    var rest = Substring(url.dropFirst("redis://".count))
    var password: String?
    if let at = rest.lastIndex(of: "@") {
      let userInfo = rest[..<at]
      rest = rest[rest.index(after: at)...]
      if let colon = userInfo.firstIndex(of: ":") {
        password = String(userInfo[userInfo.index(after: colon)...])
      }
    }
    var database = 0
    if let slash = rest.firstIndex(of: "/") {
      let path = rest[rest.index(after: slash)...]
      rest = rest[..<slash]
      if !path.isEmpty {
        guard let number = Int(path), number >= 0 else {
          throw RedisError(
            code: .invalidConfiguration, message: "the Redis URL's database is not a number")
        }
        database = number
      }
    }
    var port = 6379
    if let colon = rest.lastIndex(of: ":") {
      guard let number = Int(rest[rest.index(after: colon)...]), (1...65_535).contains(number)
      else {
        throw RedisError(
          code: .invalidConfiguration, message: "the Redis URL's port is not a valid port")
      }
      port = number
      rest = rest[..<colon]
    }
    guard !rest.isEmpty else {
      throw RedisError(code: .invalidConfiguration, message: "the Redis URL has no host")
    }
    self.init(host: String(rest), port: port)
    self.database = database
    self.password = password.flatMap { $0.isEmpty ? nil : $0 }
  }

  /// The backoff after `failures` consecutive failed connection attempts (1 or more).
  func backoff(afterFailures failures: Int) -> Duration {
    var wait = self.initialBackoff
    var remaining = failures - 1
    while remaining > 0 && wait < self.maximumBackoff {
      wait *= 2
      remaining -= 1
    }
    return min(wait, self.maximumBackoff)
  }

  /// `Redis at host:port`, for messages.
  var serverDescription: String { "Redis at \(self.host):\(self.port)" }
}
