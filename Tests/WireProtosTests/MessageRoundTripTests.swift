import Testing
import WireProtos

@Suite("Message round trips")
struct MessageRoundTripTests {
  @Test("Scalars, strings and enums of every kind we use")
  func scalarsAndEnums() throws {
    let site = Site(
      siteID: "site-01", name: "Lézignan Solaire ☀", kind: .solarPlant, latitude: 43.2,
      longitude: -2.75, elevationM: 0.5, capacityKw: 1e6, timeZone: "Europe/Paris")
    #expect(try Site(serializedBytes: site.serializedBytes()) == site)

    let limits = ResourceLimits(maxThreads: .max, maxMemoryBytes: .max, maxDurationUs: .min)
    #expect(try ResourceLimits(serializedBytes: limits.serializedBytes()) == limits)

    let row = TelemetryRow(
      assetID: "inv-7", eventTimeUs: 1_700_000_000_123_456, values: [1.5, -0.0, .infinity],
      status: .fault, errorCode: -42)
    #expect(try TelemetryRow(serializedBytes: row.serializedBytes()) == row)
  }

  @Test("Booleans and bytes")
  func booleansAndBytes() throws {
    let policy = TrafficPolicy(mode: .abTest, candidateFraction: 0.1, stickyByAsset: true)
    let decoded = try TrafficPolicy(serializedBytes: policy.serializedBytes())
    #expect(decoded.stickyByAsset)
    #expect(decoded == policy)

    let chunk = ArtifactChunk(offset: 7, data: Array(0...255) + [0, 0])
    #expect(try ArtifactChunk(serializedBytes: chunk.serializedBytes()) == chunk)
  }

  @Test("NaN survives (it cannot be compared with ==)")
  func notANumber() throws {
    let vector = FeatureVector(names: ["a", "b"], values: [.nan, 2])
    let decoded = try FeatureVector(serializedBytes: vector.serializedBytes())
    #expect(decoded.values.count == 2)
    #expect(decoded.values[0].isNaN)
    #expect(decoded.values[1] == 2)
  }

  @Test("Repeated strings, messages and enums, including enum values this build does not know")
  func repeatedFields() throws {
    let matrix = FeatureMatrix(
      featureNames: ["inverter_metrics:temperature_7d_avg", "environmental:ambient_temp"],
      entityIDs: ["inv-1", "inv-2", ""], eventTimeUs: [1, 2, 3], values: [1, 2, 3, 4, 5, 6],
      statuses: [.present, .stale, .missing, .init(rawValue: 9), .present, .present])
    let decoded = try FeatureMatrix(serializedBytes: matrix.serializedBytes())
    #expect(decoded == matrix)
    #expect(decoded.statuses[3].rawValue == 9)

    let batch = TelemetryBatch(
      batchID: "sim-1", columns: ["ac_power_kw", "temperature_c"],
      rows: (0..<3).map { TelemetryRow(assetID: "inv-\($0)", values: [Double($0), 20]) },
      events: [AssetEvent(assetID: "inv-1", kind: .failure, startTimeUs: 5, code: "INV-OVERTEMP")])
    #expect(try TelemetryBatch(serializedBytes: batch.serializedBytes()) == batch)
  }

  @Test(
    "Each case of a oneof, and no case",
    arguments: [
      ParamValue(kind: .doubleValue(0.25)), ParamValue(kind: .intValue(-3)),
      ParamValue(kind: .stringValue("balanced")), ParamValue(kind: .boolValue(true)),
      ParamValue(kind: .doubleValue(0)), ParamValue(kind: .stringValue("")), ParamValue(),
    ])
  func oneofCases(value: ParamValue) throws {
    #expect(try ParamValue(serializedBytes: value.serializedBytes()) == value)
  }

  @Test("A oneof member set to its default is still set (proto3 oneof presence)")
  func oneofDefaultIsPresent() throws {
    let reference = ModelRef(modelName: "inverter_fault", selector: .stage(.unassigned))
    let decoded = try ModelRef(serializedBytes: reference.serializedBytes())
    #expect(decoded.selector == .stage(.unassigned))
    #expect(
      try ModelRef(serializedBytes: ModelRef(modelName: "x").serializedBytes()).selector == nil)
  }

  @Test("Oneofs of messages and of bytes")
  func oneofMessagesAndBytes() throws {
    let upload = UploadArtifactRequest(
      part: .header(ArtifactUploadHeader(name: "model.bin", sizeBytes: 3, sha256: "ab")))
    #expect(try UploadArtifactRequest(serializedBytes: upload.serializedBytes()) == upload)
    let data = UploadArtifactRequest(part: .data([9, 8, 7]))
    #expect(try UploadArtifactRequest(serializedBytes: data.serializedBytes()) == data)
  }

  @Test("Maps of strings, doubles and messages")
  func maps() throws {
    let parameters = Hyperparameters(values: [
      "n_estimators": ParamValue(kind: .intValue(200)),
      "class_weight": ParamValue(kind: .stringValue("balanced")),
      "learning_rate": ParamValue(kind: .doubleValue(0.05)), "empty": ParamValue(),
    ])
    #expect(try Hyperparameters(serializedBytes: parameters.serializedBytes()) == parameters)

    let metadata = VersionMetadata(
      metrics: ["f1": 0.87, "roc_auc": 0.93], hyperparameters: ["max_depth": "15", "": "empty key"])
    #expect(try VersionMetadata(serializedBytes: metadata.serializedBytes()) == metadata)
  }

  @Test("Equal maps encode to equal bytes, whatever their insertion order")
  func deterministicMaps() {
    var first: [String: String] = [:]
    var second: [String: String] = [:]
    let keys = (0..<50).map { "key-\($0)" }
    for key in keys { first[key] = key }
    for key in keys.reversed() { second[key] = key }
    #expect(
      Asset(attributes: first).serializedBytes() == Asset(attributes: second).serializedBytes())
  }

  @Test("Deeply nested messages")
  func nesting() throws {
    let job = Job(
      jobID: "job-1", runID: "run-1",
      spec: JobSpec(
        experiment: "inverter_fault", useCase: .inverterFault, algorithm: .randomForest,
        paramsSource: .tuning(
          TuningSpec(
            space: [
              SearchDimension(name: "max_depth", domain: .intRange(IntRange(low: 5, high: 30))),
              SearchDimension(
                name: "learning_rate",
                domain: .floatRange(FloatRange(low: 1e-3, high: 0.3, log: true))),
              SearchDimension(
                name: "class_weight",
                domain: .choices(Choices(values: [ParamValue(kind: .stringValue("balanced"))]))),
            ],
            fixed: Hyperparameters(values: ["n_jobs": ParamValue(kind: .intValue(2))]),
            maxTrials: 50, metric: "f1", maximize: true)),
        dataset: DatasetSpec(
          features: ["inverter_metrics:efficiency_pct"],
          entities: EntityGridSpec(siteIDs: ["s1"], range: TimeRange(startTimeUs: 1, endTimeUs: 2)),
          forecast: ForecastSpec(horizonSteps: 48, quantiles: [0.1, 0.5, 0.9])),
        registration: RegistrationSpec(modelName: "inverter_fault", tags: ["team": "o&m"]),
        seed: 42),
      state: .running,
      progress: JobProgress(
        jobID: "job-1", step: .tune, bestScore: DoubleValue(value: 0.81),
        metrics: [Metric(key: "cv_f1_mean", value: 0.8, step: 3)]),
      registeredModel: ModelRef(modelName: "inverter_fault", selector: .version("1.0.0")))
    #expect(try Job(serializedBytes: job.serializedBytes()) == job)
  }

  @Test("Messages larger than the stack scratch buffer spill into the heap correctly")
  func largeMessages() throws {
    let rows = (0..<5_000).map { index in
      TelemetryRow(
        assetID: "inverter-\(index % 100)", eventTimeUs: Int64(index) * 60_000_000,
        values: (0..<26).map { Double(index * $0) }, status: .operational)
    }
    let batch = TelemetryBatch(batchID: "big", columns: (0..<26).map { "c\($0)" }, rows: rows)
    let bytes = batch.serializedBytes()
    #expect(bytes.count > 1_000_000)
    #expect(try TelemetryBatch(serializedBytes: bytes) == batch)

    let chunk = ArtifactChunk(data: (0..<4_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
    #expect(try ArtifactChunk(serializedBytes: chunk.serializedBytes()) == chunk)
  }
}
