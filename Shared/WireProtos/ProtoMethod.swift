/// A method of a service in `proto/dcmms/v1`, as a type: its request and response messages and
/// its descriptor. Each generated `Service.Method.Name` enum conforms to the protocol of its kind,
/// so registering a handler or making a call of the wrong kind does not compile.
package protocol ProtoMethod {
  /// The request message.
  associatedtype Input: ProtoMessage
  /// The response message.
  associatedtype Output: ProtoMessage
  /// The method's service, name, path and kind.
  static var info: ProtoMethodInfo { get }
}

/// One request, one response.
package protocol UnaryProtoMethod: ProtoMethod {}
/// One request, a stream of responses.
package protocol ServerStreamingProtoMethod: ProtoMethod {}
/// A stream of requests, one response.
package protocol ClientStreamingProtoMethod: ProtoMethod {}
/// A stream each way.
package protocol BidirectionalStreamingProtoMethod: ProtoMethod {}
