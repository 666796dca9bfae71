internal import CHiredis
internal import Glibc

/// One hiredis connection (`redisContext *`) and the blocking calls made on it.
///
/// Owned by exactly one ``RedisConnection`` and used only on its serial executor; not
/// Sendable. Once hiredis reports an I/O or protocol error the context is dead: the owner
/// drops it and opens a new one. `deinit` closes the socket and frees the context.
final class RedisContext {
  private let context: UnsafeMutablePointer<redisContext>
  private let serverDescription: String

  private init(context: UnsafeMutablePointer<redisContext>, serverDescription: String) {
    self.context = context
    self.serverDescription = serverDescription
  }

  deinit {
    redisFree(self.context)
  }

  /// Connects, sets the command timeout, and authenticates and selects the database if asked.
  /// - Returns: The context, or an error whose message names the server and the reason.
  static func open(_ configuration: RedisConfiguration) -> Result<RedisContext, RedisError> {
    guard
      let context = redisConnectWithTimeout(
        configuration.host, Int32(clamping: configuration.port),
        Self.timeval(configuration.connectTimeout))
    else {
      return .failure(
        RedisError(code: .connectionFailed, message: "hiredis could not allocate a context"))
    }
    guard context.pointee.err == 0 else {
      let reason = Self.errorText(context)
      redisFree(context)
      return .failure(
        RedisError(
          code: .connectionFailed,
          message: "could not connect to \(configuration.serverDescription): \(reason)"))
    }
    // Sets SO_RCVTIMEO/SO_SNDTIMEO, so a silent server cannot block the connection forever.
    redisSetTimeout(context, Self.timeval(configuration.commandTimeout))
    let session = RedisContext(context: context, serverDescription: configuration.serverDescription)
    do throws(RedisError) {
      if let password = configuration.password {
        _ = try session.command(["AUTH", .string(password)]).checked("AUTH")
      }
      if configuration.database != 0 {
        _ = try session.command(["SELECT", .integer(Int64(configuration.database))]).checked(
          "SELECT")
      }
    } catch {
      return .failure(
        RedisError(
          code: .connectionFailed,
          message:
            "connected to \(configuration.serverDescription) but setup failed: \(error.message)",
          cause: error))
    }
    return .success(session)
  }

  /// Whether a command can be sent now: no earlier error, and nothing waiting on the socket.
  /// Outside pub/sub, Redis never speaks first, so a readable socket means the server closed
  /// the connection (a restart, or `timeout` in redis.conf); nothing has been sent yet, so
  /// replacing the connection is safe.
  var isUsable: Bool {
    guard self.context.pointee.err == 0 else { return false }
    var descriptor = pollfd(fd: self.context.pointee.fd, events: Int16(POLLIN), revents: 0)
    return poll(&descriptor, 1, 0) == 0
  }

  /// Whether hiredis has given up on the connection.
  var isBroken: Bool { self.context.pointee.err != 0 }

  /// Sends one command and waits for its reply.
  func command(_ arguments: [RedisArgument]) throws(RedisError) -> RedisValue {
    let reply = try Self.withArgv(arguments) { count, argv, lengths in
      redisCommandArgv(self.context, count, argv, lengths)
    }
    guard let reply else { throw self.ioError(completed: 0, of: 1) }
    defer { freeReplyObject(reply) }
    return try Self.value(reply.assumingMemoryBound(to: redisReply.self))
  }

  /// Sends all commands, then reads all replies: one round trip for the whole list.
  func pipeline(_ commands: [[RedisArgument]]) throws(RedisError) -> [RedisValue] {
    for command in commands {
      let status = try Self.withArgv(command) { count, argv, lengths in
        redisAppendCommandArgv(self.context, count, argv, lengths)
      }
      guard status == REDIS_OK else { throw self.ioError(completed: 0, of: commands.count) }
    }
    var replies: [RedisValue] = []
    replies.reserveCapacity(commands.count)
    for index in 0..<commands.count {
      var reply: UnsafeMutableRawPointer?
      guard redisGetReply(self.context, &reply) == REDIS_OK, let reply else {
        throw self.ioError(completed: index, of: commands.count)
      }
      defer { freeReplyObject(reply) }
      replies.append(try Self.value(reply.assumingMemoryBound(to: redisReply.self)))
    }
    return replies
  }

  // MARK: - Helpers

  /// The error for a failed send or receive. After it the context is unusable.
  private func ioError(completed: Int, of total: Int) -> RedisError {
    let reason = Self.errorText(self.context)
    let progress = total > 1 ? " after \(completed) of \(total) replies" : ""
    if self.context.pointee.err == REDIS_ERR_IO && reason == String(cString: strerror(EAGAIN)) {
      return RedisError(
        code: .timeout,
        message: "\(self.serverDescription) did not answer within the command timeout\(progress); "
          + "the connection is dropped and the command was not retried")
    }
    return RedisError(
      code: .unavailable,
      message: "the connection to \(self.serverDescription) was lost\(progress) (\(reason)); "
        + "the command was not retried and may or may not have run")
  }

  private static func errorText(_ context: UnsafeMutablePointer<redisContext>) -> String {
    withUnsafeBytes(of: context.pointee.errstr) { raw in
      let bytes = raw.prefix { $0 != 0 }
      return bytes.isEmpty ? "unknown error" : String(decoding: bytes, as: UTF8.self)
    }
  }

  /// Copies a reply into Swift values; the caller frees it.
  private static func value(_ reply: UnsafePointer<redisReply>) throws(RedisError) -> RedisValue {
    let reply = reply.pointee
    switch reply.type {
    case REDIS_REPLY_STATUS:
      return .simpleString(String(decoding: Self.bytes(reply), as: UTF8.self))
    case REDIS_REPLY_ERROR:
      return .error(String(decoding: Self.bytes(reply), as: UTF8.self))
    case REDIS_REPLY_INTEGER:
      return .integer(Int64(reply.integer))
    case REDIS_REPLY_STRING:
      return .bulkString(Self.bytes(reply))
    case REDIS_REPLY_NIL:
      return .null
    case REDIS_REPLY_ARRAY:
      var elements: [RedisValue] = []
      elements.reserveCapacity(reply.elements)
      for index in 0..<reply.elements {
        guard let element = reply.element?[index] else {
          throw RedisError(
            code: .protocolError, message: "hiredis returned an array with a missing element")
        }
        elements.append(try Self.value(element))
      }
      return .array(elements)
    default:
      throw RedisError(
        code: .protocolError, message: "hiredis returned unknown reply type \(reply.type)")
    }
  }

  private static func bytes(_ reply: redisReply) -> [UInt8] {
    guard let start = reply.str, reply.len > 0 else { return [] }
    return start.withMemoryRebound(to: UInt8.self, capacity: reply.len) {
      Array(UnsafeBufferPointer(start: $0, count: reply.len))
    }
  }

  /// Lays the arguments out in one allocation that lives exactly as long as `body`.
  private static func withArgv<R>(
    _ arguments: [RedisArgument],
    _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R
  ) throws(RedisError) -> R {
    guard !arguments.isEmpty, arguments.count <= Int(Int32.max) else {
      throw RedisError(
        code: .invalidArgument, message: "a Redis command needs at least one argument")
    }
    let total = arguments.reduce(0) { $0 + $1.bytes.count }
    let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(total, 1), alignment: 1)
    defer { storage.deallocate() }
    var pointers: [UnsafePointer<CChar>?] = []
    pointers.reserveCapacity(arguments.count)
    var lengths: [Int] = []
    lengths.reserveCapacity(arguments.count)
    var offset = 0
    for argument in arguments {
      let start = storage.baseAddress! + offset
      argument.bytes.withUnsafeBytes { source in
        if let base = source.baseAddress { start.copyMemory(from: base, byteCount: source.count) }
      }
      pointers.append(UnsafePointer(start.assumingMemoryBound(to: CChar.self)))
      lengths.append(argument.bytes.count)
      offset += argument.bytes.count
    }
    return pointers.withUnsafeMutableBufferPointer { pointers in
      lengths.withUnsafeBufferPointer { lengths in
        body(Int32(arguments.count), pointers.baseAddress!, lengths.baseAddress!)
      }
    }
  }

  private static func timeval(_ duration: Duration) -> Glibc.timeval {
    let (seconds, attoseconds) = duration.components
    return Glibc.timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
  }
}
