package import WireProtos

/// A feature view the online store serves, with the TTL that decides PRESENT versus STALE.
///
/// The walking skeleton has two built-in views, fed by ingestion:
/// - `telemetry_latest`: each telemetry column of the asset's latest row, plus `asset_status`
///   and `error_code` (its features are whatever columns were ingested);
/// - `telemetry_1h`: `ac_power_kw_mean_1h`, `temperature_c_mean_1h` and `sample_count_1h` over
///   the hour ending at the latest row.
package struct OnlineFeatureView: Sendable, Hashable {
  /// The view's name, the part before `:` in a feature reference.
  package var name: String
  /// The fixed features, or nil when the features are the telemetry columns.
  package var features: [String]?
  /// Values whose event time is older than this are served as STALE.
  package var ttlSeconds: Int64
  /// One sentence for the registry.
  package var description: String

  /// The latest raw values.
  package static let latest = OnlineFeatureView(
    name: "telemetry_latest", features: nil, ttlSeconds: 3600,
    description: "Each telemetry column of the asset's latest row, with its status and error code.")
  /// One-hour means.
  package static let hourly = OnlineFeatureView(
    name: "telemetry_1h",
    features: ["ac_power_kw_mean_1h", "temperature_c_mean_1h", "sample_count_1h"],
    ttlSeconds: 3600,
    description: "Means of AC power and temperature over the hour ending at the asset's latest row."
  )
  /// Every built-in view.
  package static let builtIn: [OnlineFeatureView] = [.latest, .hourly]

  /// The view as a registry spec, registered at start so ListFeatureViews shows it.
  package var spec: FeatureViewSpec {
    var spec = FeatureViewSpec()
    spec.name = self.name
    spec.description = self.description
    spec.entities = ["asset_id"]
    spec.ttlSeconds = self.ttlSeconds
    spec.source = "telemetry"
    spec.owner = "feature-service"
    spec.features = (self.features ?? ["<telemetry column>", "asset_status", "error_code"]).map {
      name in
      var feature = FeatureSpec()
      feature.name = name
      feature.valueType =
        name == "sample_count_1h" || name == "asset_status" || name == "error_code"
        ? .int64 : .double
      feature.description =
        name == "<telemetry column>"
        ? "Any ingested telemetry column, by its name." : "Built-in feature \(name)."
      return feature
    }
    return spec
  }
}
