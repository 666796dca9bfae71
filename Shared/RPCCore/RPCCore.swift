/// Frames, status codes, metadata and method descriptors of the dCMMS RPC. No I/O.
package enum RPCCore {}
