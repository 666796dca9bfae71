import FeatureService
import Testing
import WireProtos

@Suite("Telemetry batch validation")
struct TelemetryBatchValidatorTests {
  static let now: Int64 = 1_780_000_000_000_000

  func batch(columns: [String] = ["ac_power_kw"], rows: [TelemetryRow]) -> TelemetryBatch {
    var batch = TelemetryBatch()
    batch.batchID = "v"
    batch.columns = columns
    batch.rows = rows
    return batch
  }

  @Test(
    "Column names must be unique lowercase identifiers",
    arguments: [
      (["AC_power"], "column 1 'AC_power' is not a valid name"),
      (["ok", "2bad"], "column 2 '2bad'"),
      (["a", "a"], "column 'a' appears twice"), ([""], "column 1 '' is not a valid name"),
      ([String(repeating: "x", count: 64)], "is not a valid name"),
    ] as [([String], String)])
  func columnNames(columns: [String], expected: String) throws {
    let row = Telemetry.row("inv-0", Self.now, Array(repeating: 1, count: columns.count))
    let error = #expect(throws: FeatureError.self) {
      try TelemetryBatchValidator().validate(
        self.batch(columns: columns, rows: [row]), nowUs: Self.now)
    }
    #expect(error?.code == .invalidArgument)
    #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
  }

  @Test("NaN is accepted as not measured; the time range, assets and days are reported")
  func validBatch() throws {
    let day: Int64 = 86_400_000_000
    let rows = [
      Telemetry.row("inv-1", Self.now - day, [.nan]), Telemetry.row("inv-0", Self.now, [3]),
      Telemetry.row("inv-1", Self.now, [.nan]),
    ]
    let validated = try TelemetryBatchValidator().validate(self.batch(rows: rows), nowUs: Self.now)
    #expect(validated.assetIDs == ["inv-1", "inv-0"])
    #expect(validated.eventTimeRange == (Self.now - day)...Self.now)
    #expect(validated.days == [Self.now / day - 1, Self.now / day])
  }

  @Test("A batch may span a bounded number of days, and a bounded number of rows")
  func bounds() throws {
    var limits = TelemetryBatchValidator.Limits()
    limits.maximumDays = 2
    limits.maximumRows = 3
    let day: Int64 = 86_400_000_000
    let spread = (0..<3).map { Telemetry.row("inv-0", Self.now - Int64($0) * day, [1]) }
    let tooManyDays = #expect(throws: FeatureError.self) {
      try TelemetryBatchValidator(limits: limits).validate(
        self.batch(rows: spread), nowUs: Self.now)
    }
    #expect(
      tooManyDays?.message.contains("row 3 (asset inv-0): the batch spans more than 2 days") == true
    )
    let many = (0..<4).map { Telemetry.row("inv-0", Self.now - Int64($0), [1]) }
    let tooManyRows = #expect(throws: FeatureError.self) {
      try TelemetryBatchValidator(limits: limits).validate(self.batch(rows: many), nowUs: Self.now)
    }
    #expect(tooManyRows?.message.contains("4 rows is more than the 3") == true)
  }

  @Test("Times print as UTC ISO 8601 with microseconds, also before 1970")
  func timeText() {
    #expect(TelemetryBatchValidator.timeText(0) == "1970-01-01T00:00:00.000000Z")
    #expect(
      TelemetryBatchValidator.timeText(1_772_409_480_000_123) == "2026-03-01T23:58:00.000123Z")
    #expect(TelemetryBatchValidator.timeText(-1) == "1969-12-31T23:59:59.999999Z")
    #expect(TelemetryBatchValidator.day(ofMicroseconds: -1) == -1)
  }
}
