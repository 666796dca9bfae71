import Foundation
import RPC
import RPCCore
import ServiceRuntime
import Synchronization
import WireProtos

/// Sends the gateway's predictions to the monitor service in batches, off the request path.
///
/// `log(_:)` only appends to a buffer under a lock. A background loop sends the buffer every
/// `interval` (or sooner when `batchSize` records are waiting) as one `RecordPredictions` call
/// with a fresh batch id. When the monitor cannot be reached, the batch is written to the
/// spool directory (bounded by `maxSpoolBytes`; beyond it the oldest batches are dropped and
/// counted) and replayed, oldest first, once the monitor answers again. Batch ids make replays
/// harmless: the monitor stores each batch once.
final class PredictionLogShipper: LifecycleService {
  struct Options {
    var interval: Duration = .milliseconds(200)
    var batchSize = 1_000
    var maxBufferedRecords = 100_000
    var maxSpoolBytes = 256 << 20
    var source = "inference-gateway"
  }

  private struct Pending {
    var groups: [String: PredictionGroup] = [:]
    var count = 0
    var droppedRecords = 0
  }

  let name = "prediction-log"
  private let client: RPCClient
  private let spool: URL
  private let options: Options
  private let logger: Logger
  private let pending = Mutex(Pending())
  private let wake = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
  private let stopping = Atomic<Bool>(false)
  private let spooledDrops = Atomic<Int>(0)

  init(client: RPCClient, spoolDirectory: URL, options: Options = Options(), logger: Logger) throws {
    self.client = client
    self.spool = spoolDirectory
    self.options = options
    self.logger = logger
    try FileManager.default.createDirectory(at: spoolDirectory, withIntermediateDirectories: true)
  }

  /// Queues one prediction of `group`'s model version and role. Never blocks on I/O.
  func log(_ record: PredictionRecord, model: String, version: String, role: ServingRole, featureNames: [String]) {
    let full = self.pending.withLock { pending -> Bool in
      guard pending.count < self.options.maxBufferedRecords else {
        pending.droppedRecords += 1
        return false
      }
      let key = "\(model)\u{0}\(version)\u{0}\(role.rawValue)"
      var group = pending.groups[key] ?? PredictionGroup(modelName: model, modelVersion: version, role: role, featureNames: featureNames)
      group.records.append(record)
      pending.groups[key] = group
      pending.count += 1
      return pending.count >= self.options.batchSize
    }
    if full { self.wake.continuation.yield() }
  }

  /// Records waiting in memory, and records dropped because the buffer was full.
  var bufferedCount: (waiting: Int, dropped: Int) { self.pending.withLock { ($0.count, $0.droppedRecords) } }

  /// Batches waiting in the spool directory.
  var spooledBatchCount: Int { (try? self.spoolFiles().count) ?? 0 }

  func run() async throws {
    await withTaskGroup(of: Void.self) { group in
      group.addTask { [self] in
        while !self.stopping.load(ordering: .relaxed) {
          try? await Task.sleep(for: self.options.interval)
          self.wake.continuation.yield()
        }
        self.wake.continuation.finish()
      }
      for await _ in self.wake.stream {
        await self.flush()
        if self.stopping.load(ordering: .relaxed) { break }
      }
      group.cancelAll()
    }
    // Last flush on shutdown: what cannot be sent is spooled for the next start.
    await self.flush()
  }

  func beginGracefulShutdown() {
    self.stopping.store(true, ordering: .relaxed)
    self.wake.continuation.yield()
  }

  /// Replays the spool, then sends (or spools) what is buffered.
  func flush() async {
    let monitorUp = await self.replaySpool()
    let batch = self.pending.withLock { pending -> RecordPredictionsRequest? in
      guard pending.count > 0 else { return nil }
      var request = RecordPredictionsRequest()
      request.batchID = UUID().uuidString
      request.source = self.options.source
      request.groups = Array(pending.groups.values)
      pending.groups.removeAll(keepingCapacity: true)
      pending.count = 0
      return request
    }
    guard let batch else { return }
    if monitorUp, await self.send(batch) { return }
    self.spoolBatch(batch)
  }

  private func send(_ batch: RecordPredictionsRequest) async -> Bool {
    do {
      _ = try await self.client.call(
        Monitor.Method.RecordPredictions.self, batch, options: CallOptions(timeout: .seconds(5), isIdempotent: true))
      return true
    } catch let error as RPCError where error.code == .invalidArgument {
      // The monitor will never take this batch; keeping it would block the spool forever.
      self.logger.error("monitor refused a prediction batch; dropped", ["error": .string(error.message)])
      return true
    } catch {
      self.logger.warning("monitor unreachable; spooling predictions", ["error": .error(error)])
      return false
    }
  }

  /// Sends spooled batches oldest first; returns false when the monitor is still unreachable.
  private func replaySpool() async -> Bool {
    guard let files = try? self.spoolFiles(), !files.isEmpty else { return true }
    for file in files {
      guard let data = try? Data(contentsOf: file), let batch = try? RecordPredictionsRequest(serializedBytes: Array(data))
      else {
        self.logger.error("unreadable spool file removed", ["file": .string(file.lastPathComponent)])
        try? FileManager.default.removeItem(at: file)
        continue
      }
      guard await self.send(batch) else { return false }
      try? FileManager.default.removeItem(at: file)
    }
    return true
  }

  private func spoolBatch(_ batch: RecordPredictionsRequest) {
    let bytes = batch.serializedBytes()
    // Names sort by time, so replay keeps the order.
    let microseconds = UInt64(Date().timeIntervalSince1970 * 1_000_000)
    let name = String(format: "%020llu-%@.batch", microseconds, batch.batchID)
    let temporary = self.spool.appendingPathComponent(name + ".tmp")
    do {
      try Data(bytes).write(to: temporary)
      try FileManager.default.moveItem(at: temporary, to: self.spool.appendingPathComponent(name))
    } catch {
      self.logger.error("cannot spool predictions; dropped", ["error": .error(error)])
      return
    }
    self.trimSpool()
  }

  private func trimSpool() {
    guard var files = try? self.spoolFiles() else { return }
    var total = files.reduce(0) { $0 + ((try? $1.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0) }
    while total > self.options.maxSpoolBytes, let oldest = files.first {
      total -= (try? oldest.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0
      try? FileManager.default.removeItem(at: oldest)
      files.removeFirst()
      self.spooledDrops.add(1, ordering: .relaxed)
      self.logger.error("prediction spool over its limit; oldest batch dropped", ["file": .string(oldest.lastPathComponent)])
    }
  }

  private func spoolFiles() throws -> [URL] {
    try FileManager.default.contentsOfDirectory(at: self.spool, includingPropertiesForKeys: [.fileSizeKey])
      .filter { $0.pathExtension == "batch" }
      .sorted { $0.lastPathComponent < $1.lastPathComponent }
  }
}
