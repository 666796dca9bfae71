package import PostgresClient
package import RPCCore
package import RedisClient

// Storage failures become RPC statuses the same way in every service: an unreachable or
// restarting server is UNAVAILABLE (callers may retry), a timeout DEADLINE_EXCEEDED, anything
// else INTERNAL. Messages never carry query parameters or row data.

extension PostgresError: RPCErrorConvertible {
  package var rpcStatusCode: RPCStatusCode {
    switch self.code {
    case .unavailable, .connectionFailed, .closed: .unavailable
    case .timeout: .deadlineExceeded
    default: .internalError
    }
  }

  package var rpcErrorMessage: String {
    self.rpcStatusCode == .internalError ? "database error" : "PostgreSQL: \(self.message)"
  }
}

extension RedisError: RPCErrorConvertible {
  package var rpcStatusCode: RPCStatusCode {
    switch self.code {
    case .unavailable, .connectionFailed, .closed: .unavailable
    case .timeout: .deadlineExceeded
    default: .internalError
    }
  }

  package var rpcErrorMessage: String {
    self.rpcStatusCode == .internalError ? "online store error" : "Redis: \(self.message)"
  }
}
