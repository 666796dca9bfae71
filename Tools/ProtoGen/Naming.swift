/// How proto names become Swift names and protobuf-c names.
///
/// The protobuf-c rules are the ones protoc-c 1.4.1 applies (checked against its output):
/// type names join `ToCamel` pieces with `__` (`Dcmms__V1__HealthCheckResponse`); function names
/// join `CamelToLower` pieces (`dcmms__v1__health_check_response__unpack`), where an underscore
/// goes before an upper-case letter only when the previous character is not upper-case.
enum Naming {
  /// Word spellings that keep one case in Swift names (STYLE.md §3).
  static let acronyms: [String: String] = [
    "id": "ID", "ids": "IDs", "url": "URL", "urls": "URLs", "uri": "URI", "json": "JSON",
    "csv": "CSV", "svg": "SVG", "ttl": "TTL", "hmac": "HMAC", "rpc": "RPC", "http": "HTTP",
    "sha256": "SHA256", "utf8": "UTF8", "ks": "KS", "psi": "PSI", "mae": "MAE", "rmse": "RMSE",
    "auc": "AUC", "rul": "RUL", "ab": "AB", "cpu": "CPU", "fft": "FFT",
  ]

  static let swiftKeywords: Set<String> = [
    "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import",
    "init", "inout", "internal", "let", "open", "operator", "private", "precedencegroup",
    "protocol", "public", "rethrows", "static", "struct", "subscript", "typealias", "var",
    "break", "case", "catch", "continue", "default", "defer", "do", "else", "fallthrough", "for",
    "guard", "if", "in", "repeat", "return", "throw", "switch", "where", "while", "as", "await",
    "false", "is", "nil", "self", "super", "throws", "true", "try", "package", "consume",
    "borrowing", "consuming", "copy", "discard", "some", "any",
  ]

  /// Type names a generated type must not take: they would shadow standard library types in
  /// every module that imports WireProtos.
  static let reservedTypeNames: Set<String> = [
    "Array", "Bool", "Character", "Data", "Date", "Dictionary", "Double", "Duration", "Error",
    "Float", "Int", "Int32", "Int64", "Never", "Optional", "Protocol", "Range", "Result", "Self",
    "Sequence", "Set", "String", "Type", "UInt32", "UInt64", "URL", "UUID", "Void", "Method",
    "ProtoMessage", "ProtoMethodInfo", "ProtoDecodingError", "CArena", "Kind", "ProtoMethod",
    "UnaryProtoMethod", "ServerStreamingProtoMethod", "ClientStreamingProtoMethod",
    "BidirectionalStreamingProtoMethod",
  ]

  static let cKeywords: Set<String> = [
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
    "enum", "extern", "float", "for", "goto", "if", "int", "long", "register", "return", "short",
    "signed", "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void",
    "volatile", "while", "inline", "restrict", "_Bool", "_Complex", "_Imaginary",
  ]

  /// `last_stream_id` → `lastStreamID`; escaped with backticks when it is a Swift keyword.
  static func swiftPropertyName(_ snake: String) -> String {
    Self.escaped(Self.lowerCamel(words: snake.split(separator: "_").map { $0.lowercased() }))
  }

  /// `NOT_SERVING` in enum `ServingStatus` → `notServing`; `MODEL_STAGE_PRODUCTION` in enum
  /// `ModelStage` → `production` (the enum's own prefix is dropped, as protoc-gen-swift does).
  static func swiftEnumCaseName(_ valueName: String, enumName: String) -> String {
    var words = valueName.split(separator: "_").map { $0.lowercased() }
    let prefix = Self.camelToLower(enumName).split(separator: "_").map { String($0) }
    if words.count > prefix.count, Array(words.prefix(prefix.count)) == prefix,
      let first = words[prefix.count].first, first.isLetter
    {
      words.removeFirst(prefix.count)
    }
    return Self.escaped(Self.lowerCamel(words: words))
  }

  /// `HealthCheckResponse` → `healthCheckResponse`, for method names: `GetModelVersion` → `getModelVersion`.
  static func lowerFirst(_ name: String) -> String {
    guard let first = name.first else { return name }
    return Self.escaped(first.lowercased() + name.dropFirst())
  }

  /// The Swift type name of a proto type: the package is dropped, nesting is kept
  /// (`dcmms.v1.HealthCheckResponse.ServingStatus` → `HealthCheckResponse.ServingStatus`).
  static func swiftTypeName(fullName: String, package: String) -> String {
    String(fullName.dropFirst(package.count + 1))
  }

  /// `dcmms.v1.HealthCheckResponse` → `Dcmms__V1__HealthCheckResponse`.
  static func cTypeName(fullName: String) -> String {
    fullName.split(separator: ".").map { Self.toCamel(String($0)) }.joined(separator: "__")
  }

  /// `dcmms.v1.HealthCheckResponse` → `dcmms__v1__health_check_response`.
  static func cFunctionPrefix(fullName: String) -> String {
    fullName.split(separator: ".").map { Self.camelToLower(String($0)) }.joined(separator: "__")
  }

  /// The C struct member protoc-c writes for a field (`default` → `default_`), as Swift sees it.
  static func cFieldName(_ name: String) -> String {
    let lower = name.lowercased()
    return Self.escaped(Self.cKeywords.contains(lower) ? lower + "_" : lower)
  }

  /// protoc's name for the entry message of a map field: `feature_values` → `FeatureValuesEntry`.
  static func mapEntryName(fieldName: String) -> String {
    Self.toCamel(fieldName) + "Entry"
  }

  static func escaped(_ name: String) -> String {
    Self.swiftKeywords.contains(name) ? "`\(name)`" : name
  }

  private static func lowerCamel(words: [String]) -> String {
    var result = ""
    for (index, word) in words.enumerated() where !word.isEmpty {
      if index == 0 {
        result += word
      } else if let acronym = Self.acronyms[word] {
        result += acronym
      } else {
        result += word.prefix(1).uppercased() + word.dropFirst()
      }
    }
    return result
  }

  private static func toCamel(_ name: String) -> String {
    var result = ""
    var nextIsUpper = true
    for character in name {
      if character == "_" {
        nextIsUpper = true
      } else if nextIsUpper {
        result += character.uppercased()
        nextIsUpper = false
      } else {
        result.append(character)
      }
    }
    return result
  }

  private static func camelToLower(_ name: String) -> String {
    var result = ""
    var previousIsUpper = true
    for character in name {
      let isUpper = character.isUppercase
      if isUpper {
        if !previousIsUpper { result += "_" }
        result += character.lowercased()
      } else {
        result.append(character)
      }
      previousIsUpper = isUpper
    }
    return result
  }
}
