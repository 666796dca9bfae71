package import RPCCore

/// Options for one client call; nil fields take the client's defaults.
package struct CallOptions: Sendable {
  /// How long the caller waits; sent to the server, which stops the handler when it passes.
  package var timeout: Duration?
  /// Extra request metadata.
  package var metadata = Metadata()
  /// Whether the call may be repeated safely: idempotent calls are retried on another endpoint
  /// after UNAVAILABLE. Calls that never reached a server are retried in any case.
  package var isIdempotent = false
  /// Whether to compress large requests and accept compressed responses.
  package var compression: Bool?

  /// Default options.
  package init(
    timeout: Duration? = nil, metadata: Metadata = Metadata(), isIdempotent: Bool = false
  ) {
    self.timeout = timeout
    self.metadata = metadata
    self.isIdempotent = isIdempotent
  }
}
