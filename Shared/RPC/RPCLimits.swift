/// The explicit limits of one side of an RPC connection. Both server and client enforce them on
/// what they receive.
package struct RPCLimits: Sendable, Hashable {
  /// The largest frame payload accepted, in bytes. Longer frames close the connection before
  /// any of the payload is buffered.
  package var maxFramePayloadBytes: Int = 4 << 20
  /// The largest message after decompression, in bytes.
  package var maxMessageBytes: Int = 16 << 20
  /// Calls open at once on one connection; more are refused with RESOURCE_EXHAUSTED.
  package var maxConcurrentStreams: Int = 4_096
  /// Connections a server accepts at once; more are closed right after accepting.
  package var maxConnections: Int = 4_096
  /// Message bytes a peer may send on one stream before it must wait for a WINDOW_UPDATE.
  package var initialStreamWindowBytes: Int = 1 << 20
  /// Messages at least this large are compressed with zstd when the peer accepts it.
  package var compressionThresholdBytes: Int = 8 << 10
  /// Metadata entries at most, and their total bytes at most, in one HEADERS frame.
  package var maxMetadataEntries: Int = 64
  /// The total bytes of metadata keys and values accepted on one call.
  package var maxMetadataBytes: Int = 16 << 10

  /// The defaults above.
  package init() {}
}
