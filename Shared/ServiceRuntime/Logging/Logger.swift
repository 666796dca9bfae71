#if canImport(Glibc)
internal import Glibc
#endif

/// A structured logger that writes one JSON object per line to a file descriptor.
///
/// Each line holds `ts` (RFC 3339, UTC, microseconds), `level`, `service`, `message`, then the
/// logger's own fields and the call's fields:
///
/// ```
/// {"ts":"2026-12-03T17:19:09.123456Z","level":"info","service":"registry","message":"listening","port":7003}
/// ```
///
/// A line is written with one `write(2)`, so lines from different threads do not interleave
/// (for regular files, pipes up to `PIPE_BUF` bytes, and terminals). A call below the minimum
/// level costs one comparison: the message and fields are autoclosures and are not evaluated.
///
/// The logger is a value: `with(_:)` returns a copy carrying extra fields (a request ID, a
/// method name). It borrows the file descriptor and never closes it. `Sendable`.
package struct Logger: Sendable {
  /// How severe a log line is, from `trace` (most verbose) to `critical`.
  package enum Level: Int, Comparable, Sendable, CaseIterable, CustomStringConvertible {
    /// Step-by-step detail, off in production.
    case trace
    /// Detail useful when debugging.
    case debug
    /// Normal operation: started, listening, model loaded.
    case info
    /// Normal but significant: configuration changed, shutdown started.
    case notice
    /// Something unexpected that the service handled.
    case warning
    /// A request or background task failed.
    case error
    /// The service cannot continue.
    case critical

    /// Parses a level name (`info`, `WARNING`); `warn` is accepted for `warning`.
    /// - Parameter name: The name, in any case.
    package init?(name: String) {
      let lowered = name.lowercased()
      guard let level = Self.allCases.first(where: { $0.description == lowered }) else {
        if lowered == "warn" {
          self = .warning
          return
        }
        return nil
      }
      self = level
    }

    /// The lowercase name written in the `level` field.
    package var description: String {
      switch self {
      case .trace: "trace"
      case .debug: "debug"
      case .info: "info"
      case .notice: "notice"
      case .warning: "warning"
      case .error: "error"
      case .critical: "critical"
      }
    }

    /// Orders levels by severity.
    package static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
  }

  /// A key and a value attached to every line of a logger.
  private struct Field: Sendable {
    var key: String
    var value: LogValue
  }

  /// Whether every line already carries `key`; such a field is written as `field.<key>`.
  private static func isReserved(_ key: String) -> Bool {
    switch key {
    case "ts", "level", "service", "message": true
    default: false
    }
  }

  /// The service name written in every line.
  package let service: String
  /// Lines below this level are dropped.
  package let minimumLevel: Level
  private let fileDescriptor: Int32
  private var fields: [Field]

  /// Creates a logger.
  /// - Parameters:
  ///   - service: The name written in the `service` field of every line.
  ///   - minimumLevel: Lines below this level are dropped.
  ///   - fileDescriptor: Where lines go; borrowed, never closed. Standard error by default.
  package init(service: String, minimumLevel: Level = .info, fileDescriptor: Int32 = 2) {
    self.service = service
    self.minimumLevel = minimumLevel
    self.fileDescriptor = fileDescriptor
    self.fields = []
  }

  /// Returns a logger that adds `fields` to every line; a key given again replaces the old value.
  /// - Parameter fields: Keys and values to attach.
  /// - Returns: The new logger.
  package func with(_ fields: KeyValuePairs<String, LogValue>) -> Logger {
    var copy = self
    for (key, value) in fields {
      if let index = copy.fields.firstIndex(where: { $0.key == key }) {
        copy.fields[index].value = value
      } else {
        copy.fields.append(Field(key: key, value: value))
      }
    }
    return copy
  }

  /// Whether a line at `level` would be written.
  /// - Parameter level: The level to test.
  /// - Returns: `true` when `level` is at or above the minimum level.
  package func isEnabled(_ level: Level) -> Bool { level >= self.minimumLevel }

  /// Writes one line if `level` is enabled.
  /// - Parameters:
  ///   - level: The line's severity.
  ///   - message: The message; evaluated only when the level is enabled.
  ///   - fields: Extra keys and values; evaluated only when the level is enabled. A key repeated
  ///     from the logger's own fields replaces it on this line.
  package func log(
    _ level: Level, _ message: @autoclosure () -> String,
    _ fields: @autoclosure () -> KeyValuePairs<String, LogValue> = [:]
  ) {
    guard level >= self.minimumLevel else { return }
    let line = self.line(level: level, message: message(), fields: fields())
    self.write(line)
  }

  /// Writes a `trace` line; see ``log(_:_:_:)``.
  package func trace(
    _ message: @autoclosure () -> String,
    _ fields: @autoclosure () -> KeyValuePairs<String, LogValue> = [:]
  ) { self.log(.trace, message(), fields()) }

  /// Writes a `debug` line; see ``log(_:_:_:)``.
  package func debug(
    _ message: @autoclosure () -> String,
    _ fields: @autoclosure () -> KeyValuePairs<String, LogValue> = [:]
  ) { self.log(.debug, message(), fields()) }

  /// Writes an `info` line; see ``log(_:_:_:)``.
  package func info(
    _ message: @autoclosure () -> String,
    _ fields: @autoclosure () -> KeyValuePairs<String, LogValue> = [:]
  ) { self.log(.info, message(), fields()) }

  /// Writes a `notice` line; see ``log(_:_:_:)``.
  package func notice(
    _ message: @autoclosure () -> String,
    _ fields: @autoclosure () -> KeyValuePairs<String, LogValue> = [:]
  ) { self.log(.notice, message(), fields()) }

  /// Writes a `warning` line; see ``log(_:_:_:)``.
  package func warning(
    _ message: @autoclosure () -> String,
    _ fields: @autoclosure () -> KeyValuePairs<String, LogValue> = [:]
  ) { self.log(.warning, message(), fields()) }

  /// Writes an `error` line; see ``log(_:_:_:)``.
  package func error(
    _ message: @autoclosure () -> String,
    _ fields: @autoclosure () -> KeyValuePairs<String, LogValue> = [:]
  ) { self.log(.error, message(), fields()) }

  /// Writes a `critical` line; see ``log(_:_:_:)``.
  package func critical(
    _ message: @autoclosure () -> String,
    _ fields: @autoclosure () -> KeyValuePairs<String, LogValue> = [:]
  ) { self.log(.critical, message(), fields()) }

  // MARK: - Encoding and writing

  /// Renders one line, newline included.
  func line(
    level: Level, message: String, fields callFields: KeyValuePairs<String, LogValue>
  ) -> [UInt8] {
    var buffer: [UInt8] = []
    buffer.reserveCapacity(160 + message.utf8.count)
    buffer.append(contentsOf: #"{"ts":""#.utf8)
    LogTimestamp.appendNow(to: &buffer)
    buffer.append(contentsOf: #"","level":""#.utf8)
    buffer.append(contentsOf: level.description.utf8)
    buffer.append(contentsOf: #"","service":"#.utf8)
    JSONText.appendString(self.service, to: &buffer)
    buffer.append(contentsOf: #","message":"#.utf8)
    JSONText.appendString(message, to: &buffer)

    func appendField(_ key: String, _ value: LogValue) {
      buffer.append(UInt8(ascii: ","))
      JSONText.appendString(Self.isReserved(key) ? "field." + key : key, to: &buffer)
      buffer.append(UInt8(ascii: ":"))
      JSONText.appendValue(value, to: &buffer)
    }
    for field in self.fields where !callFields.contains(where: { $0.key == field.key }) {
      appendField(field.key, field.value)
    }
    for (index, (key, value)) in callFields.enumerated()
    where !callFields[(index + 1)...].contains(where: { $0.key == key }) {
      // A key repeated within one call keeps its last value, as a JSON object would.
      appendField(key, value)
    }
    buffer.append(contentsOf: "}\n".utf8)
    return buffer
  }

  /// Writes `line` with one `write(2)` when the descriptor accepts it whole; retries on `EINTR`
  /// and continues after a partial write. Errors are dropped: there is nowhere to report them.
  private func write(_ line: [UInt8]) {
    line.withUnsafeBytes { bytes in
      var offset = 0
      while offset < bytes.count {
        let written = Glibc.write(
          self.fileDescriptor, bytes.baseAddress! + offset, bytes.count - offset)
        if written > 0 {
          offset += written
        } else if written < 0 && errno == EINTR {
          continue
        } else {
          return
        }
      }
    }
  }
}
