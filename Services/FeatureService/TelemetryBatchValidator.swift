package import WireProtos

/// Checks a telemetry batch before anything of it is stored, and names the first bad row.
///
/// Rules: column names are lowercase identifiers (`ac_power_kw`), unique; every row has an
/// asset id, one value per column, values that are finite or NaN ("not measured"; infinities
/// are refused), an event time between ``Limits/earliestEventTimeUs`` and
/// `now + maximumFutureSkew`, and no (asset, event time) pair repeats within the batch.
/// Whether the assets exist is checked against PostgreSQL by ``TelemetryStore``.
package struct TelemetryBatchValidator: Sendable {
  /// Bounds a batch must respect.
  package struct Limits: Sendable {
    /// Event times before this (2000-01-01T00:00:00Z) are refused as out of range.
    package var earliestEventTimeUs: Int64 = 946_684_800_000_000
    /// How far past the server's clock an event time may be (clock skew of the sender).
    package var maximumFutureSkewUs: Int64 = 5 * 60 * 1_000_000
    /// The most rows one batch may carry.
    package var maximumRows = 100_000
    /// The most columns one batch may carry.
    package var maximumColumns = 256
    /// The most distinct days one batch may span (each day is a partition).
    package var maximumDays = 100

    /// The defaults above.
    package init() {}
  }

  /// What a valid batch holds, ready to load.
  package struct ValidatedBatch: Sendable {
    /// The distinct asset ids, in order of first appearance.
    package var assetIDs: [String]
    /// The distinct UTC days (days since 1970-01-01) the rows fall on, ascending.
    package var days: [Int64]
    /// The earliest and latest event time, or nil for a batch without rows.
    package var eventTimeRange: ClosedRange<Int64>?
  }

  /// The limits applied.
  package var limits: Limits

  /// Creates a validator.
  /// - Parameter limits: The bounds to apply.
  package init(limits: Limits = Limits()) {
    self.limits = limits
  }

  /// Validates `batch`.
  /// - Parameters:
  ///   - batch: The batch.
  ///   - nowUs: The server's clock, in microseconds since 1970.
  /// - Returns: What the loader needs to know about the batch.
  /// - Throws: ``FeatureError`` `invalidArgument` naming the batch, the row (1-based), its asset
  ///   and what is wrong.
  package func validate(_ batch: TelemetryBatch, nowUs: Int64) throws(FeatureError)
    -> ValidatedBatch
  {
    let label = batch.batchID.isEmpty ? "batch" : "batch '\(batch.batchID)'"
    guard batch.batchID.utf8.count <= 200,
      !batch.batchID.unicodeScalars.contains(where: Self.isControl)
    else {
      throw .invalidArgument("\(label): a batch id is at most 200 bytes without control characters")
    }
    guard batch.rows.count <= self.limits.maximumRows else {
      throw .invalidArgument(
        "\(label): \(batch.rows.count) rows is more than the \(self.limits.maximumRows) a batch may carry"
      )
    }
    if !batch.rows.isEmpty {
      guard !batch.columns.isEmpty else { throw .invalidArgument("\(label): rows without columns") }
    }
    guard batch.columns.count <= self.limits.maximumColumns else {
      throw .invalidArgument(
        "\(label): \(batch.columns.count) columns is more than the \(self.limits.maximumColumns) allowed"
      )
    }
    var seenColumns = Set<String>()
    for (index, column) in batch.columns.enumerated() {
      guard Self.isValidColumnName(column) else {
        throw .invalidArgument(
          "\(label): column \(index + 1) '\(Self.printable(column))' is not a valid name "
            + "(lowercase letters, digits and '_', starting with a letter, at most 63 bytes)")
      }
      guard seenColumns.insert(column).inserted else {
        throw .invalidArgument("\(label): column '\(column)' appears twice")
      }
    }

    let latestAllowed = nowUs + self.limits.maximumFutureSkewUs
    var assetIDs: [String] = []
    var seenAssets = Set<String>()
    var days = Set<Int64>()
    var seenKeys = Set<RowKey>()
    seenKeys.reserveCapacity(batch.rows.count)
    var earliest = Int64.max
    var latest = Int64.min
    for (index, row) in batch.rows.enumerated() {
      let rowPosition = "\(label), row \(index + 1)"
      guard Self.isValidAssetID(row.assetID) else {
        throw .invalidArgument(
          "\(rowPosition): the asset id is empty, longer than 128 bytes or has control characters")
      }
      let rowLabel = "\(rowPosition) (asset \(row.assetID))"
      guard row.values.count == batch.columns.count else {
        throw .invalidArgument(
          "\(rowLabel): \(row.values.count) values for \(batch.columns.count) columns")
      }
      for (column, value) in zip(batch.columns, row.values) where value.isInfinite {
        throw .invalidArgument(
          "\(rowLabel): \(column) is \(value); values must be finite, or NaN when not measured")
      }
      guard row.eventTimeUs >= self.limits.earliestEventTimeUs else {
        throw .invalidArgument(
          "\(rowLabel): event time \(Self.timeText(row.eventTimeUs)) is before "
            + "\(Self.timeText(self.limits.earliestEventTimeUs)) (event_time_us counts microseconds since 1970)"
        )
      }
      guard row.eventTimeUs <= latestAllowed else {
        throw .invalidArgument(
          "\(rowLabel): event time \(Self.timeText(row.eventTimeUs)) is in the future "
            + "(server time \(Self.timeText(nowUs)))")
      }
      guard seenKeys.insert(RowKey(assetID: row.assetID, eventTimeUs: row.eventTimeUs)).inserted
      else {
        throw .invalidArgument(
          "\(rowLabel): a second row for event time \(Self.timeText(row.eventTimeUs))")
      }
      if seenAssets.insert(row.assetID).inserted { assetIDs.append(row.assetID) }
      days.insert(Self.day(ofMicroseconds: row.eventTimeUs))
      earliest = min(earliest, row.eventTimeUs)
      latest = max(latest, row.eventTimeUs)
      guard days.count <= self.limits.maximumDays else {
        throw .invalidArgument(
          "\(rowLabel): the batch spans more than \(self.limits.maximumDays) days; send smaller batches"
        )
      }
    }
    for (index, event) in batch.events.enumerated() {
      guard Self.isValidAssetID(event.assetID) else {
        throw .invalidArgument("\(label), event \(index + 1): the asset id is empty or malformed")
      }
      guard event.startTimeUs >= self.limits.earliestEventTimeUs,
        event.startTimeUs <= latestAllowed,
        event.endTimeUs == 0 || event.endTimeUs >= event.startTimeUs
      else {
        throw .invalidArgument(
          "\(label), event \(index + 1) (asset \(event.assetID)): start or end time out of range")
      }
      guard !event.code.unicodeScalars.contains("\0"),
        !event.description.unicodeScalars.contains("\0")
      else {
        throw .invalidArgument("\(label), event \(index + 1): text with a NUL character")
      }
      if seenAssets.insert(event.assetID).inserted { assetIDs.append(event.assetID) }
    }
    return ValidatedBatch(
      assetIDs: assetIDs, days: days.sorted(),
      eventTimeRange: batch.rows.isEmpty ? nil : earliest...latest)
  }

  // MARK: - Rules

  private struct RowKey: Hashable {
    var assetID: String
    var eventTimeUs: Int64
  }

  /// Lowercase ASCII identifier of 1–63 bytes starting with a letter (PostgreSQL's limit).
  package static func isValidColumnName(_ name: String) -> Bool {
    let bytes = Array(name.utf8)
    guard let first = bytes.first, bytes.count <= 63,
      (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first)
    else { return false }
    return bytes.allSatisfy { byte in
      (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
    }
  }

  /// 1–128 bytes without control characters.
  package static func isValidAssetID(_ id: String) -> Bool {
    !id.isEmpty && id.utf8.count <= 128 && !id.unicodeScalars.contains(where: Self.isControl)
  }

  private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
    scalar.value < 0x20 || scalar.value == 0x7F
  }

  private static func printable(_ text: String) -> String {
    String(
      String.UnicodeScalarView(text.unicodeScalars.prefix(64).map { Self.isControl($0) ? "?" : $0 })
    )
  }

  /// Days since 1970-01-01 of a time in microseconds, rounding down (also before 1970).
  package static func day(ofMicroseconds us: Int64) -> Int64 {
    let perDay: Int64 = 86_400_000_000
    return us >= 0 ? us / perDay : (us - perDay + 1) / perDay
  }

  /// `2026-12-03T18:00:00.000000Z`, for messages.
  package static func timeText(_ us: Int64) -> String {
    let day = Self.day(ofMicroseconds: us)
    let withinDay = us - day * 86_400_000_000
    let (year, month, dayOfMonth) = CivilDate.fromDays(day)
    let seconds = withinDay / 1_000_000
    func pad(_ value: Int64, _ width: Int) -> String {
      let digits = String(value)
      return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
    return "\(pad(year, 4))-\(pad(month, 2))-\(pad(dayOfMonth, 2))T\(pad(seconds / 3600, 2)):"
      + "\(pad(seconds / 60 % 60, 2)):\(pad(seconds % 60, 2)).\(pad(withinDay % 1_000_000, 6))Z"
  }
}
