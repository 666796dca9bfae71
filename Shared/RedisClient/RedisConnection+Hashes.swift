/// Hashes with a time to live: the online feature store's access pattern.
extension RedisConnection {
  /// Writes many hashes and gives each a TTL, atomically, in one round trip.
  ///
  /// Sends `MULTI`, then `HSET key f1 v1 f2 v2…` and `PEXPIRE key ttl` per hash, then `EXEC`,
  /// as one pipeline: a hash never exists without its TTL, even if the connection breaks.
  /// - Parameters:
  ///   - hashes: Keys and their fields; a hash with no fields only has its TTL refreshed.
  ///   - ttl: Time to live, at least 1 ms.
  /// - Throws: `commandFailed` if the server refuses a command (for example a key holding a
  ///   non-hash value), and the connection errors of ``send(_:)``.
  package func setHashes(_ hashes: [(key: String, fields: [String: [UInt8]])], ttl: Duration)
    throws(RedisError)
  {
    let milliseconds =
      ttl.components.seconds * 1000 + ttl.components.attoseconds / 1_000_000_000_000_000
    guard milliseconds >= 1 else {
      throw RedisError(code: .invalidArgument, message: "a TTL must be at least 1 ms")
    }
    var commands: [[RedisArgument]] = [["MULTI"]]
    for (key, fields) in hashes {
      if !fields.isEmpty {
        var hset: [RedisArgument] = ["HSET", .string(key)]
        hset.reserveCapacity(2 + fields.count * 2)
        for (field, value) in fields {
          hset.append(.string(field))
          hset.append(.bytes(value))
        }
        commands.append(hset)
      }
      commands.append(["PEXPIRE", .string(key), .integer(milliseconds)])
    }
    commands.append(["EXEC"])
    let replies = try self.pipeline(commands)
    // Queued commands answer QUEUED; syntax errors appear here and make EXEC abort.
    for reply in replies.dropLast() { _ = try reply.checked("MULTI") }
    guard let exec = replies.last else { return }
    guard let results = try exec.checked("EXEC").array else {
      throw RedisError(
        code: .protocolError, message: "EXEC answered \(exec.kindName), not an array")
    }
    for result in results { _ = try result.checked("HSET/PEXPIRE") }
  }

  /// Writes one hash and its TTL atomically; see ``setHashes(_:ttl:)``.
  /// - Parameters:
  ///   - key: The hash's key.
  ///   - fields: Field names and values.
  ///   - ttl: Time to live, at least 1 ms.
  /// - Throws: As ``setHashes(_:ttl:)``.
  package func setHash(_ key: String, fields: [String: [UInt8]], ttl: Duration) throws(RedisError) {
    try self.setHashes([(key: key, fields: fields)], ttl: ttl)
  }

  /// Reads whole hashes with one `HGETALL` each, in one round trip.
  /// - Parameter keys: The keys.
  /// - Returns: One dictionary per key, empty for a missing key.
  /// - Throws: `commandFailed` (for example a key holding a non-hash value), `protocolError`,
  ///   and the connection errors of ``send(_:)``.
  package func hashGetAll(keys: [String]) throws(RedisError) -> [[String: [UInt8]]] {
    let replies = try self.pipeline(keys.map { ["HGETALL", .string($0)] })
    var hashes: [[String: [UInt8]]] = []
    hashes.reserveCapacity(replies.count)
    for reply in replies {
      guard let flat = try reply.checked("HGETALL").array, flat.count % 2 == 0 else {
        throw RedisError(
          code: .protocolError, message: "HGETALL answered \(reply.kindName), not field/value pairs"
        )
      }
      var hash: [String: [UInt8]] = [:]
      var index = 0
      while index < flat.count {
        guard let field = flat[index].string, let value = flat[index + 1].bytes else {
          throw RedisError(
            code: .protocolError, message: "HGETALL answered a pair that is not two strings")
        }
        hash[field] = value
        index += 2
      }
      hashes.append(hash)
    }
    return hashes
  }

  /// Reads one whole hash; see ``hashGetAll(keys:)``.
  /// - Parameter key: The key.
  /// - Returns: The fields, empty for a missing key.
  /// - Throws: As ``hashGetAll(keys:)``.
  package func hashGetAll(_ key: String) throws(RedisError) -> [String: [UInt8]] {
    try self.hashGetAll(keys: [key])[0]
  }

  /// Reads chosen fields of many hashes with one `HMGET` each, in one round trip.
  /// - Parameters:
  ///   - keys: The keys.
  ///   - fields: The fields to read from every key (at least one).
  /// - Returns: Per key, one value per field, `nil` where the field or key is missing.
  /// - Throws: As ``hashGetAll(keys:)``, and `invalidArgument` for an empty field list.
  package func hashGet(keys: [String], fields: [String]) throws(RedisError) -> [[[UInt8]?]] {
    guard !fields.isEmpty else {
      throw RedisError(code: .invalidArgument, message: "HMGET needs at least one field")
    }
    let replies = try self.pipeline(
      keys.map { key in
        [RedisArgument("HMGET"), .string(key)] + fields.map { .string($0) }
      })
    var results: [[[UInt8]?]] = []
    results.reserveCapacity(replies.count)
    for reply in replies {
      guard let values = try reply.checked("HMGET").array, values.count == fields.count else {
        throw RedisError(
          code: .protocolError, message: "HMGET answered \(reply.kindName) of the wrong size")
      }
      results.append(values.map { $0.bytes })
    }
    return results
  }

  /// The remaining time to live of a key (`PTTL`).
  /// - Parameter key: The key.
  /// - Returns: The TTL, or `nil` if the key is missing or has no TTL.
  /// - Throws: The connection errors of ``send(_:)``.
  package func timeToLive(_ key: String) throws(RedisError) -> Duration? {
    let reply = try self.send(["PTTL", .string(key)]).checked("PTTL")
    guard let milliseconds = reply.integer else {
      throw RedisError(
        code: .protocolError, message: "PTTL answered \(reply.kindName), not an integer")
    }
    return milliseconds >= 0 ? .milliseconds(milliseconds) : nil
  }
}
