package import RPCCore
package import WireProtos

// Conversions between the RPC's own protobuf messages (proto/dcmms/v1/rpc.proto) and the
// runtime's Swift types. Kept in one place so the rest of the runtime deals in Metadata and
// RPCStatusCode only.

extension Metadata {
  init(entries: [MetadataEntry]) {
    self.init()
    for entry in entries { self.add(bytes: entry.value, forKey: entry.key) }
  }

  var wireEntries: [MetadataEntry] {
    self.map { MetadataEntry(key: $0.key, value: $0.value) }
  }

  /// The number of bytes of keys and values, for the metadata limit.
  var byteCount: Int { self.reduce(0) { $0 + $1.key.utf8.count + $1.value.count } }
}

extension MetadataEntry {
  init(key: String, value: [UInt8]) {
    self.init()
    self.key = key
    self.value = value
  }
}

extension RPCError {
  /// The STATUS frame payload that reports this error.
  var wireStatus: CallStatus {
    var status = CallStatus()
    status.code = self.code.rawValue
    status.message = self.message
    status.trailers = self.metadata.wireEntries
    return status
  }

  /// The error a STATUS payload reports; nil when the status is OK.
  init?(wireStatus status: CallStatus) {
    guard status.code != 0 else { return nil }
    self.init(
      code: RPCStatusCode(rawValue: status.code), message: status.message,
      metadata: Metadata(entries: status.trailers))
  }
}

extension MethodDescriptor {
  /// The descriptor of a method declared in `proto/dcmms/v1`.
  package init(_ info: ProtoMethodInfo) {
    self.init(service: info.service, method: info.method)
  }
}
