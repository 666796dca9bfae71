#if canImport(Glibc)
internal import Glibc
#endif

/// RFC 3339 timestamps in UTC with microseconds (`2026-12-03T17:19:09.123456Z`), formatted
/// without Foundation's date formatters, which are slow and allocate.
enum LogTimestamp {
  /// Appends the current wall-clock time.
  static func appendNow(to buffer: inout [UInt8]) {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    Self.append(seconds: Int(now.tv_sec), nanoseconds: Int(now.tv_nsec), to: &buffer)
  }

  /// Appends the time `seconds` + `nanoseconds` after the Unix epoch, truncated to microseconds.
  static func append(seconds: Int, nanoseconds: Int, to buffer: inout [UInt8]) {
    var time = time_t(seconds)
    var parts = tm()
    gmtime_r(&time, &parts)
    func digits(_ value: Int, _ count: Int) {
      var divisor = 1
      for _ in 1..<count { divisor *= 10 }
      var rest = value
      while divisor > 0 {
        buffer.append(UInt8(ascii: "0") + UInt8((rest / divisor) % 10))
        rest %= divisor
        divisor /= 10
      }
    }
    digits(Int(parts.tm_year) + 1900, 4)
    buffer.append(UInt8(ascii: "-"))
    digits(Int(parts.tm_mon) + 1, 2)
    buffer.append(UInt8(ascii: "-"))
    digits(Int(parts.tm_mday), 2)
    buffer.append(UInt8(ascii: "T"))
    digits(Int(parts.tm_hour), 2)
    buffer.append(UInt8(ascii: ":"))
    digits(Int(parts.tm_min), 2)
    buffer.append(UInt8(ascii: ":"))
    digits(Int(parts.tm_sec), 2)
    buffer.append(UInt8(ascii: "."))
    digits(nanoseconds / 1000, 6)
    buffer.append(UInt8(ascii: "Z"))
  }
}
