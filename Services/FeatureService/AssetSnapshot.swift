package import WireProtos

/// One asset's latest telemetry row and its 1-hour aggregates, as read from PostgreSQL to feed
/// the online store.
package struct AssetSnapshot: Sendable, Equatable {
  /// The asset.
  package var assetID: String
  /// Event time of the latest row, microseconds since 1970.
  package var eventTimeUs: Int64
  /// The latest row's columns and values (NaN where not measured).
  package var columns: [String]
  /// One value per column.
  package var values: [Double]
  /// The latest row's status.
  package var status: AssetStatus
  /// The latest row's error code.
  package var errorCode: Int32
  /// Mean of `ac_power_kw` over (latest − 1 h, latest], nil without any measured value.
  package var acPowerMean1h: Double?
  /// Mean of `temperature_c` over the same hour, nil without any measured value.
  package var temperatureMean1h: Double?
  /// Rows in that hour.
  package var sampleCount1h: Int64

  /// Creates a snapshot.
  package init(
    assetID: String, eventTimeUs: Int64, columns: [String], values: [Double], status: AssetStatus,
    errorCode: Int32, acPowerMean1h: Double?, temperatureMean1h: Double?, sampleCount1h: Int64
  ) {
    self.assetID = assetID
    self.eventTimeUs = eventTimeUs
    self.columns = columns
    self.values = values
    self.status = status
    self.errorCode = errorCode
    self.acPowerMean1h = acPowerMean1h
    self.temperatureMean1h = temperatureMean1h
    self.sampleCount1h = sampleCount1h
  }
}
