/// The parsed form of one `.proto` file: the proto3 subset our API uses.
struct ProtoFile {
  /// Path relative to the proto root, such as `dcmms/v1/rpc.proto`.
  var path: String
  var package: String
  var imports: [String] = []
  var messages: [MessageDecl] = []
  var enums: [EnumDecl] = []
  var services: [ServiceDecl] = []
}

/// Documentation taken from the `//` lines right above a declaration.
typealias DocLines = [String]

/// A `message` block, with the messages and enums nested in it.
struct MessageDecl {
  var name: String
  /// Fully-qualified proto name, such as `dcmms.v1.HealthCheckResponse`.
  var fullName: String = ""
  var doc: DocLines
  var fields: [FieldDecl] = []
  var oneofs: [OneofDecl] = []
  var messages: [MessageDecl] = []
  var enums: [EnumDecl] = []
}

/// A field of a message: a singular, repeated or map field, or one member of a oneof.
struct FieldDecl {
  enum Label { case singular, repeated }

  var name: String
  var number: Int32
  var label: Label
  /// The type as written: a scalar keyword or a (possibly dotted) message or enum name.
  var typeName: String
  /// For `map<K, V>` fields: the key and value types as written.
  var mapTypes: (key: String, value: String)?
  var doc: DocLines
  /// Index into `MessageDecl.oneofs` when the field is a member of a oneof.
  var oneofIndex: Int?
  /// Filled in by `SchemaResolver`.
  var resolved: ResolvedType = .scalar(.int32)
  var resolvedMap: (key: ScalarType, value: ResolvedType)?
}

/// A `oneof` group; its members are in `MessageDecl.fields` with `oneofIndex` set.
struct OneofDecl {
  var name: String
  var doc: DocLines
}

/// An `enum` block.
struct EnumDecl {
  var name: String
  var fullName: String = ""
  var doc: DocLines
  var values: [EnumValueDecl] = []
}

/// One value of an enum.
struct EnumValueDecl {
  var name: String
  var number: Int32
  var doc: DocLines
}

/// A `service` block.
struct ServiceDecl {
  var name: String
  var fullName: String = ""
  var doc: DocLines
  var methods: [MethodDecl] = []
}

/// One `rpc` of a service.
struct MethodDecl {
  var name: String
  var doc: DocLines
  var requestType: String
  var requestStreaming: Bool
  var responseType: String
  var responseStreaming: Bool
  /// Fully-qualified names, filled in by `SchemaResolver`.
  var resolvedRequest: String = ""
  var resolvedResponse: String = ""
}

/// The proto3 scalar types.
enum ScalarType: String, CaseIterable {
  case double, float, int32, int64, uint32, uint64, sint32, sint64
  case fixed32, fixed64, sfixed32, sfixed64, bool, string, bytes
}

/// What a field's type refers to once names are resolved.
enum ResolvedType {
  case scalar(ScalarType)
  /// A message, by fully-qualified proto name.
  case message(String)
  /// An enum, by fully-qualified proto name.
  case enumeration(String)
}
