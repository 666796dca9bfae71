import Foundation
import Testing
import WireProtos

/// Cross-checks against protoc-c's own encoder and decoder (`--encode`/`--decode`, which use
/// libprotobuf's text format), so our bytes are standard protobuf and not merely
/// self-consistent.
@Suite("Compatibility with protoc-c", .enabled(if: ProtocC.isAvailable))
struct ProtocCompatibilityTests {
  @Test("protoc-c decodes our CallHeaders to the fields we set")
  func protocDecodesOurBytes() throws {
    let headers = CallHeaders(
      method: "/dcmms.v1.Health/Check", timeoutUs: 250_000,
      metadata: [MetadataEntry(key: "authorization", value: Array("Bearer x".utf8))],
      acceptCompression: "zstd")
    let text = try ProtocC.run(["--decode=dcmms.v1.CallHeaders"], input: headers.serializedBytes())
    #expect(
      String(decoding: text, as: UTF8.self) == """
        method: "/dcmms.v1.Health/Check"
        timeout_us: 250000
        metadata {
          key: "authorization"
          value: "Bearer x"
        }
        accept_compression: "zstd"

        """)
  }

  @Test("protoc-c decodes our maps, oneofs and negative numbers")
  func protocDecodesMapsAndOneofs() throws {
    let spec = JobSpec(
      useCase: .solarForecast,
      paramsSource: .params(Hyperparameters(values: ["depth": ParamValue(kind: .intValue(-7))])),
      seed: 3, tags: ["b": "2", "a": "1"])
    let text = try ProtocC.run(["--decode=dcmms.v1.JobSpec"], input: spec.serializedBytes())
    #expect(
      String(decoding: text, as: UTF8.self) == """
        use_case: USE_CASE_SOLAR_FORECAST
        params {
          values {
            key: "depth"
            value {
              int_value: -7
            }
          }
        }
        seed: 3
        tags {
          key: "a"
          value: "1"
        }
        tags {
          key: "b"
          value: "2"
        }

        """)
  }

  @Test("We decode what protoc-c encodes, and encode the same bytes back")
  func weDecodeProtocBytes() throws {
    let fixture = """
      job_id: "job-9"
      spec {
        experiment: "wind"
        algorithm: ALGORITHM_GRADIENT_BOOSTING
        tuning { max_trials: 20 maximize: true space { name: "lr" float_range { low: 0.001 high: 0.3 log: true } } }
        dataset { features: "wind:speed" features: "wind:density" cv_folds: 5 }
      }
      state: JOB_STATE_FAILED
      attempt: 2
      failure_reason: "données invalides"
      registered_model { model_name: "wind_forecast" stage: MODEL_STAGE_UNASSIGNED }
      """
    let bytes = try ProtocC.run(["--encode=dcmms.v1.Job"], input: Array(fixture.utf8))
    let job = try Job(serializedBytes: bytes)
    #expect(job.jobID == "job-9")
    #expect(job.spec?.algorithm == .gradientBoosting)
    guard case .tuning(let tuning) = job.spec?.paramsSource else {
      Issue.record("expected a tuning spec, got \(String(describing: job.spec?.paramsSource))")
      return
    }
    #expect(tuning.maxTrials == 20)
    #expect(tuning.maximize)
    #expect(tuning.space.first?.domain == .floatRange(FloatRange(low: 0.001, high: 0.3, log: true)))
    #expect(job.spec?.dataset?.features == ["wind:speed", "wind:density"])
    #expect(job.spec?.dataset?.cvFolds == 5)
    #expect(job.state == .failed)
    #expect(job.attempt == 2)
    #expect(job.failureReason == "données invalides")
    #expect(job.registeredModel?.selector == .stage(.unassigned))
    // Same field order and encodings as libprotobuf: the bytes match exactly (no maps here).
    #expect(job.serializedBytes() == bytes)
  }
}

/// Runs `protoc-c` against the repository's proto/ directory.
enum ProtocC {
  static let protoRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("proto").path

  static let executable: String? = ["/usr/bin/protoc-c", "/usr/local/bin/protoc-c"].first {
    FileManager.default.isExecutableFile(atPath: $0)
  }

  static var isAvailable: Bool { Self.executable != nil }

  struct Failure: Error, CustomStringConvertible {
    var description: String
  }

  /// Runs protoc-c with `arguments` plus the proto path and files, feeding it `input`.
  static func run(_ arguments: [String], input: [UInt8]) throws -> [UInt8] {
    guard let executable = Self.executable else {
      throw Failure(description: "protoc-c not installed")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments =
      ["--proto_path=\(Self.protoRoot)"] + arguments + [
        "dcmms/v1/rpc.proto", "dcmms/v1/training.proto",
      ]
    let stdin = Pipe()
    let stdout = Pipe()
    let stderr = Pipe()
    process.standardInput = stdin
    process.standardOutput = stdout
    process.standardError = stderr
    try process.run()
    // Small inputs and outputs: write all, then read all.
    stdin.fileHandleForWriting.write(Data(input))
    try stdin.fileHandleForWriting.close()
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    let errors = stderr.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw Failure(description: "protoc-c failed: \(String(decoding: errors, as: UTF8.self))")
    }
    return Array(output)
  }
}
