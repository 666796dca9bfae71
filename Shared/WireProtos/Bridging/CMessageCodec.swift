internal import CWireProtos

/// Runs protobuf-c's pack and unpack for the generated messages, with all C memory in a
/// `CArena` whose first block is on the stack.
///
/// protobuf-c is given our allocator (`ProtobufCAllocator`) instead of `malloc`, so decoding
/// needs no `…__free_unpacked`: the arena releases the whole tree at once, and a failed
/// unpack leaks nothing.
enum CMessageCodec {
  /// Bytes of stack used before the arena spills into the heap. Covers `CallHeaders` with a
  /// handful of metadata entries and the small request messages.
  static let scratchByteCount = 1024

  /// Builds the C form of a message with `build` and packs it.
  /// - Parameter build: fills a protobuf-c message in the arena and returns its address.
  /// - Returns: the protobuf encoding.
  static func encode(_ build: (inout CArena) -> UnsafeMutableRawPointer) -> [UInt8] {
    withUnsafeTemporaryAllocation(byteCount: Self.scratchByteCount, alignment: 16) { scratch in
      var arena = CArena(scratch: scratch)
      // Every protobuf-c message struct starts with its `ProtobufCMessage base`.
      let message = build(&arena).assumingMemoryBound(to: ProtobufCMessage.self)
      let size = protobuf_c_message_get_packed_size(message)
      guard size > 0 else { return [] }
      return [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
        count = protobuf_c_message_pack(message, buffer.baseAddress)
      }
    }
  }

  /// Unpacks `bytes` with protobuf-c and converts the result with `read`.
  /// - Parameters:
  ///   - bytes: the encoded message.
  ///   - messageName: the proto name of the message, for errors.
  ///   - unpack: the message's generated `…__unpack` function.
  ///   - read: copies the C message into Swift values, validating them.
  /// - Throws: `ProtoDecodingError` naming `messageName` when protobuf-c rejects the bytes or
  ///   `read` rejects a value.
  static func decode<C, Message>(
    _ bytes: UnsafeRawBufferPointer,
    messageName: String,
    unpack: (UnsafeMutablePointer<ProtobufCAllocator>?, Int, UnsafePointer<UInt8>?) ->
      UnsafeMutablePointer<C>?,
    read: (UnsafeMutablePointer<C>) throws(ProtoDecodingError) -> Message
  ) throws(ProtoDecodingError) -> Message {
    let result: Result<Message, ProtoDecodingError> = withUnsafeTemporaryAllocation(
      byteCount: Self.scratchByteCount, alignment: 16
    ) { scratch in
      var arena = CArena(scratch: scratch)
      return withUnsafeMutablePointer(to: &arena) { arenaPointer in
        var allocator = ProtobufCAllocator(
          alloc: { data, size in
            guard let data else { return nil }
            return data.assumingMemoryBound(to: CArena.self).pointee.allocateIfPossible(
              byteCount: size)
          },
          free: { _, _ in },  // the arena frees everything at once
          allocator_data: UnsafeMutableRawPointer(arenaPointer))
        let data = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        guard let message = unpack(&allocator, bytes.count, data) else {
          return .failure(
            ProtoDecodingError(messageName: messageName, reason: "not a valid protobuf encoding"))
        }
        do throws(ProtoDecodingError) {
          return .success(try read(message))
        } catch {
          return .failure(ProtoDecodingError(messageName: messageName, reason: error.reason))
        }
      }
    }
    return try result.get()
  }
}

/// Copies protobuf-c values into Swift values, validating what protobuf-c does not.
enum CRead {
  /// A Swift string from a protobuf-c string, which must be valid UTF-8 (proto3 requires it;
  /// protobuf-c does not check).
  /// - Parameter field: the full proto name of the field, for the error.
  static func string(_ pointer: UnsafeMutablePointer<CChar>?, field: String)
    throws(ProtoDecodingError)
    -> String
  {
    guard let pointer, pointer.pointee != 0 else { return "" }
    // `String(validatingCString:)` runs the standard library's strict UTF-8 validation
    // (overlong forms, surrogates and values above U+10FFFF are rejected) without the generic
    // code path of `String(validating:as:)`, which costs a metadata lookup per call.
    guard let string = String(validatingCString: pointer) else {
      throw ProtoDecodingError(messageName: "", reason: "string field \(field) is not valid UTF-8")
    }
    return string
  }

  /// A copy of protobuf-c bytes.
  static func bytes(_ data: ProtobufCBinaryData) -> [UInt8] {
    guard data.len > 0, let base = data.data else { return [] }
    return Array(UnsafeBufferPointer(start: base, count: data.len))
  }

  /// A copy of a C array of scalars.
  static func array<T>(_ pointer: UnsafeMutablePointer<T>?, count: Int) -> [T] {
    guard count > 0, let pointer else { return [] }
    return Array(UnsafeBufferPointer(start: pointer, count: count))
  }

  /// A C array converted element by element (booleans, enums).
  static func array<C, T>(
    _ pointer: UnsafeMutablePointer<C>?, count: Int, converting convert: (C) -> T
  ) -> [T] {
    guard count > 0, let pointer else { return [] }
    return UnsafeBufferPointer(start: pointer, count: count).map(convert)
  }

  /// Validated copies of a C array of strings.
  static func strings(
    _ pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, count: Int, field: String
  ) throws(ProtoDecodingError) -> [String] {
    guard count > 0, let pointer else { return [] }
    var result: [String] = []
    result.reserveCapacity(count)
    for index in 0..<count { result.append(try Self.string(pointer[index], field: field)) }
    return result
  }

  /// Copies of a C array of byte strings.
  static func bytesArray(_ pointer: UnsafeMutablePointer<ProtobufCBinaryData>?, count: Int)
    -> [[UInt8]]
  {
    guard count > 0, let pointer else { return [] }
    return UnsafeBufferPointer(start: pointer, count: count).map(Self.bytes)
  }

  /// A singular message field: `nil` when it is absent.
  static func message<C, M>(
    _ pointer: UnsafeMutablePointer<C>?,
    reading read: (UnsafeMutablePointer<C>) throws(ProtoDecodingError) -> M
  ) throws(ProtoDecodingError) -> M? {
    guard let pointer else { return nil }
    return try read(pointer)
  }

  /// A repeated message field.
  static func messages<C, M>(
    _ pointer: UnsafeMutablePointer<UnsafeMutablePointer<C>?>?, count: Int,
    reading read: (UnsafeMutablePointer<C>) throws(ProtoDecodingError) -> M
  ) throws(ProtoDecodingError) -> [M] {
    guard count > 0, let pointer else { return [] }
    var result: [M] = []
    result.reserveCapacity(count)
    for index in 0..<count {
      guard let element = pointer[index] else {
        throw ProtoDecodingError(messageName: "", reason: "missing element in a repeated field")
      }
      result.append(try read(element))
    }
    return result
  }

  /// A map field; when a key repeats, the last entry wins, as protobuf specifies.
  static func map<C, K: Hashable, V>(
    _ pointer: UnsafeMutablePointer<UnsafeMutablePointer<C>?>?, count: Int,
    reading read: (UnsafeMutablePointer<C>) throws(ProtoDecodingError) -> (K, V)
  ) throws(ProtoDecodingError) -> [K: V] {
    guard count > 0, let pointer else { return [:] }
    var result: [K: V] = [:]
    result.reserveCapacity(count)
    for index in 0..<count {
      guard let entry = pointer[index] else {
        throw ProtoDecodingError(messageName: "", reason: "missing entry in a map field")
      }
      let (key, value) = try read(entry)
      result[key] = value
    }
    return result
  }
}
