package import RPC
import RPCCore
package import ServiceRuntime
package import WireProtos

/// The feature service's RPC methods, kept thin: each decodes, calls a store, and encodes.
///
/// Implemented: IngestTelemetry, UpsertAssets, GetOnlineFeatures, RegisterFeatureView,
/// GetFeatureView and ListFeatureViews. The other methods of `dcmms.v1.Feature` are not
/// registered, so they answer UNIMPLEMENTED.
package struct FeatureHandlers: Sendable {
  /// Fleet and telemetry (PostgreSQL).
  package let telemetry: TelemetryStore
  /// Online features (Redis).
  package let online: OnlineStore
  /// Feature view definitions (PostgreSQL).
  package let registry: FeatureRegistry
  /// Where ingestion summaries and storage problems are logged.
  package let logger: Logger
  private let rowsLoaded: Counter
  private let batchesLoaded: Counter

  /// Creates the handlers.
  /// - Parameters:
  ///   - telemetry: The telemetry store.
  ///   - online: The online store.
  ///   - registry: The feature registry.
  ///   - logger: The service's logger.
  ///   - metrics: Where ingestion counters are registered.
  package init(
    telemetry: TelemetryStore, online: OnlineStore, registry: FeatureRegistry, logger: Logger,
    metrics: MetricsRegistry
  ) {
    self.telemetry = telemetry
    self.online = online
    self.registry = registry
    self.logger = logger
    self.rowsLoaded = metrics.makeCounter(
      name: "dcmms_feature_telemetry_rows_loaded_total",
      help: "Telemetry rows stored in PostgreSQL.")
    self.batchesLoaded = metrics.makeCounter(
      name: "dcmms_feature_telemetry_batches_loaded_total",
      help: "Telemetry batches stored in PostgreSQL.")
  }

  /// Registers every implemented method into `router`.
  /// - Parameter router: The service's router.
  package func register(into router: inout RPCRouter) {
    router.register(Feature.Method.IngestTelemetry.self) { requests, _ in
      try await self.ingest(requests)
    }
    router.register(Feature.Method.UpsertAssets.self) { request, _ in
      try await self.telemetry.upsertAssets(request)
    }
    router.register(Feature.Method.GetOnlineFeatures.self) { request, _ in
      try await self.online.read(request, nowUs: TelemetryStore.nowMicroseconds())
    }
    router.register(Feature.Method.RegisterFeatureView.self) { request, _ in
      guard let spec = request.view else {
        throw FeatureError.invalidArgument("the request has no view")
      }
      return try await self.registry.register(spec, replaceExisting: request.replaceExisting)
    }
    router.register(Feature.Method.GetFeatureView.self) { request, _ in
      try await self.registry.view(named: request.name)
    }
    router.register(Feature.Method.ListFeatureViews.self) { request, _ in
      try await self.registry.list(request)
    }
  }

  /// Loads each streamed batch (all of it or nothing), then refreshes the online features of
  /// its assets, and answers with counts once the client closes the stream.
  ///
  /// A bad batch ends the call with INVALID_ARGUMENT naming the row; batches before it stay
  /// loaded (the message says how many). A batch id seen before is counted as a duplicate,
  /// not loaded again, but its assets' online features are still refreshed, so resending a
  /// batch after an UNAVAILABLE from Redis completes its materialization.
  /// - Parameter requests: The streamed batches.
  /// - Returns: The counts.
  /// - Throws: ``FeatureError``.
  package func ingest<Requests: AsyncSequence<IngestTelemetryRequest, any Error>>(
    _ requests: Requests
  ) async throws -> IngestTelemetryResponse {
    var response = IngestTelemetryResponse()
    var earliest = Int64.max
    var latest = Int64.min
    let clock = ContinuousClock()
    var loading = Duration.zero
    var materializing = Duration.zero
    for try await request in requests {
      response.batchesReceived += 1
      guard let batch = request.batch else {
        throw FeatureError.invalidArgument(
          "message \(response.batchesReceived) of the stream has no batch")
      }
      response.rowsReceived += UInt64(batch.rows.count)
      let outcome: TelemetryStore.BatchOutcome
      let loadStart = clock.now
      do {
        outcome = try await self.telemetry.ingest(batch)
        loading += clock.now - loadStart
      } catch var error as FeatureError {
        if response.batchesReceived > 1 {
          error.message +=
            " (message \(response.batchesReceived) of the stream; the \(response.batchesReceived - 1) batches "
            + "before it were loaded: \(response.rowsLoaded) rows)"
        }
        throw error
      }
      let assets: [String]
      switch outcome {
      case .duplicate:
        response.batchesDuplicate += 1
        assets = Self.distinctAssets(of: batch)
      case .loaded(let rows, let events, _, let range):
        response.rowsLoaded += UInt64(rows)
        response.eventsLoaded += UInt64(events)
        self.rowsLoaded.increment(by: UInt64(rows))
        self.batchesLoaded.increment()
        if let range {
          earliest = min(earliest, range.lowerBound)
          latest = max(latest, range.upperBound)
        }
        assets = Self.distinctAssets(of: batch)
      }
      let materializeStart = clock.now
      do {
        try await self.online.write(try await self.telemetry.snapshots(of: assets))
        materializing += clock.now - materializeStart
      } catch var error as FeatureError {
        error.message =
          "batch \(batch.batchID.isEmpty ? "(no id)" : "'\(batch.batchID)'") was stored, but its online features "
          + "were not updated (send it again to retry; it will not be stored twice): \(error.message)"
        throw error
      }
    }
    self.logger.info(
      "telemetry ingested",
      [
        "batches": .integer(Int(response.batchesReceived)),
        "duplicates": .integer(Int(response.batchesDuplicate)),
        "rows": .integer(Int(response.rowsLoaded)),
        "first_event_time": .string(
          earliest == .max ? "-" : TelemetryBatchValidator.timeText(earliest)),
        "last_event_time": .string(latest == .min ? "-" : TelemetryBatchValidator.timeText(latest)),
        "load_ms": .integer(Self.milliseconds(loading)),
        "materialize_ms": .integer(Self.milliseconds(materializing)),
      ])
    return response
  }

  private static func milliseconds(_ duration: Duration) -> Int {
    Int(
      duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
  }

  private static func distinctAssets(of batch: TelemetryBatch) -> [String] {
    var seen = Set<String>()
    return batch.rows.compactMap { seen.insert($0.assetID).inserted ? $0.assetID : nil }
  }
}
