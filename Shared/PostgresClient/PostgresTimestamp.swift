internal import Foundation

/// Conversions between `Date` and PostgreSQL's timestamp representations.
///
/// Everything goes through an integer count of microseconds, so a value read back from the
/// server equals the `Date` that was written whenever that `Date` had microsecond precision.
enum PostgresTimestamp {
  /// Seconds from 2000-01-01 (PostgreSQL's epoch) to 2001-01-01 (Foundation's reference date).
  private static let secondsFrom2000To2001: Int64 = 366 * 86_400
  private static let microsecondsPerDay: Int64 = 86_400_000_000

  /// Microseconds since 2001-01-01 UTC, rounded to the nearest microsecond.
  static func microsecondsSince2001(_ date: Date) -> Int64? {
    let value = (date.timeIntervalSinceReferenceDate * 1_000_000).rounded()
    // Outside ±2^62 µs (≈ ±146,000 years) the value cannot be represented; PostgreSQL's own
    // range is far smaller and the server reports that case itself.
    guard value.isFinite, abs(value) < 4.6e18 else { return nil }
    return Int64(value)
  }

  static func date(microsecondsSince2001 micros: Int64) -> Date {
    Date(timeIntervalSinceReferenceDate: Double(micros) / 1_000_000)
  }

  /// The binary `timestamptz` wire value: microseconds since 2000-01-01 UTC.
  static func binaryValue(_ date: Date) -> Int64? {
    guard let micros = Self.microsecondsSince2001(date) else { return nil }
    return micros + Self.secondsFrom2000To2001 * 1_000_000
  }

  /// ISO 8601 text in UTC as PostgreSQL reads it: `2026-12-03 17:19:09.123456+00`.
  static func text(_ date: Date) -> String? {
    guard let micros = Self.microsecondsSince2001(date) else { return nil }
    // Days since 1970-01-01 for the civil-date algorithm.
    let since1970 = micros + 978_307_200 * 1_000_000
    var days = since1970 / Self.microsecondsPerDay
    var timeOfDay = since1970 % Self.microsecondsPerDay
    if timeOfDay < 0 {
      timeOfDay += Self.microsecondsPerDay
      days -= 1
    }
    let (year, month, day) = Self.civilDate(daysSince1970: days)
    guard year >= 1 else { return nil }  // BC dates are not supported
    let seconds = timeOfDay / 1_000_000
    let fraction = timeOfDay % 1_000_000
    return "\(Self.padded(year, 4))-\(Self.padded(month, 2))-\(Self.padded(day, 2)) "
      + "\(Self.padded(seconds / 3600, 2)):\(Self.padded(seconds / 60 % 60, 2)):"
      + "\(Self.padded(seconds % 60, 2)).\(Self.padded(fraction, 6))+00"
  }

  /// Parses the server's text output (DateStyle ISO), with or without a zone offset.
  /// `infinity` and `-infinity` become `Date.distantFuture` and `Date.distantPast`.
  static func parse(_ text: String) -> Date? {
    if text == "infinity" { return .distantFuture }
    if text == "-infinity" { return .distantPast }
    var scanner = DigitScanner(Array(text.utf8))
    guard let year = scanner.number(), scanner.consume(UInt8(ascii: "-")),
      let month = scanner.number(), scanner.consume(UInt8(ascii: "-")),
      let day = scanner.number(), scanner.consume(UInt8(ascii: " ")),
      let hour = scanner.number(), scanner.consume(UInt8(ascii: ":")),
      let minute = scanner.number(), scanner.consume(UInt8(ascii: ":")),
      let second = scanner.number()
    else { return nil }
    var micros: Int64 = 0
    if scanner.consume(UInt8(ascii: ".")) {
      guard let (fraction, digits) = scanner.numberWithDigitCount(), digits <= 6 else { return nil }
      micros = fraction
      for _ in digits..<6 { micros *= 10 }
    }
    var offsetSeconds: Int64 = 0
    if let sign = scanner.peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
      _ = scanner.consume(sign)
      guard let hours = scanner.number() else { return nil }
      var total = hours * 3600
      if scanner.consume(UInt8(ascii: ":")) {
        guard let minutes = scanner.number() else { return nil }
        total += minutes * 60
        if scanner.consume(UInt8(ascii: ":")) {
          guard let seconds = scanner.number() else { return nil }
          total += seconds
        }
      }
      offsetSeconds = sign == UInt8(ascii: "+") ? total : -total
    }
    guard scanner.isAtEnd, (1...12).contains(month), (1...31).contains(day), hour < 24,
      minute < 60, second < 61
    else { return nil }
    let days = Self.daysSince1970(year: year, month: month, day: day)
    let secondsSince1970 = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
    let since2001 = (secondsSince1970 - 978_307_200) * 1_000_000 + micros
    return Self.date(microsecondsSince2001: since2001)
  }

  // MARK: - Civil calendar (proleptic Gregorian), after Howard Hinnant's algorithms

  private static func daysSince1970(year: Int64, month: Int64, day: Int64) -> Int64 {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yearOfEra = y - era * 400
    let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146_097 + dayOfEra - 719_468
  }

  private static func civilDate(daysSince1970: Int64) -> (Int64, Int64, Int64) {
    let z = daysSince1970 + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let mp = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
  }

  private static func padded(_ value: Int64, _ width: Int) -> String {
    let digits = String(value)
    return digits.count >= width
      ? digits : String(repeating: "0", count: width - digits.count) + digits
  }
}

/// Reads unsigned decimal numbers and single punctuation bytes from ASCII text.
private struct DigitScanner {
  private let bytes: [UInt8]
  private var index = 0

  init(_ bytes: [UInt8]) { self.bytes = bytes }

  var isAtEnd: Bool { self.index == self.bytes.count }

  func peek() -> UInt8? { self.index < self.bytes.count ? self.bytes[self.index] : nil }

  mutating func consume(_ byte: UInt8) -> Bool {
    guard self.peek() == byte else { return false }
    self.index += 1
    return true
  }

  mutating func number() -> Int64? { self.numberWithDigitCount()?.0 }

  mutating func numberWithDigitCount() -> (Int64, Int)? {
    var value: Int64 = 0
    var digits = 0
    while let byte = self.peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 18
    {
      value = value * 10 + Int64(byte - UInt8(ascii: "0"))
      digits += 1
      self.index += 1
    }
    return digits == 0 ? nil : (value, digits)
  }
}
