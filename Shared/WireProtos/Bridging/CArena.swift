internal import CWireProtos
internal import Glibc

/// Memory for the C side of one encode or decode: a bump allocator that starts in a scratch
/// buffer the caller owns (a stack buffer from `withUnsafeTemporaryAllocation`) and spills into
/// `malloc`'d blocks of doubling size. Nothing is freed one by one; everything goes at once in
/// `deinit`.
///
/// This is why a small message costs no C heap allocation at all: protobuf-c's own structs,
/// strings and arrays for `CallHeaders` fit in the scratch buffer. One per call; not `Sendable`.
struct CArena: ~Copyable {
  /// Every allocation is rounded up to this, so every pointer handed out is aligned for any C
  /// scalar or struct (as `malloc`'s are).
  private static let alignment = 16

  private var cursor: UnsafeMutableRawPointer?
  private var remaining: Int
  /// Head of the list of spilled blocks; each block's first word points to the previous one.
  private var spilled: UnsafeMutableRawPointer?
  private var nextBlockSize: Int

  /// Starts an arena in `scratch`, which must be 16-byte aligned and outlive the arena.
  init(scratch: UnsafeMutableRawBufferPointer) {
    self.cursor = scratch.baseAddress
    self.remaining = scratch.baseAddress == nil ? 0 : scratch.count & ~(Self.alignment - 1)
    self.spilled = nil
    self.nextBlockSize = max(4096, scratch.count * 2)
  }

  deinit {
    var block = self.spilled
    while let current = block {
      block = current.load(as: UnsafeMutableRawPointer?.self)
      free(current)
    }
  }

  /// Returns `byteCount` uninitialized bytes, or `nil` when `malloc` fails.
  mutating func allocateIfPossible(byteCount: Int) -> UnsafeMutableRawPointer? {
    guard byteCount >= 0, byteCount <= Int.max / 2 else { return nil }
    let size = (max(byteCount, 1) + Self.alignment - 1) & ~(Self.alignment - 1)
    if size > self.remaining {
      // The block header is one alignment unit, so the data after it stays aligned.
      let blockSize = max(self.nextBlockSize, size + Self.alignment)
      guard let block = malloc(blockSize) else { return nil }
      block.storeBytes(of: self.spilled, as: UnsafeMutableRawPointer?.self)
      self.spilled = block
      self.cursor = block + Self.alignment
      self.remaining = blockSize - Self.alignment
      self.nextBlockSize = blockSize * 2
    }
    guard let pointer = self.cursor else { return nil }
    self.cursor = pointer + size
    self.remaining -= size
    return pointer
  }

  /// Returns uninitialized memory for `count` values of `type`.
  /// Traps only when the process is out of memory, as an `Array` would.
  mutating func allocate<T>(_ type: T.Type, count: Int = 1) -> UnsafeMutablePointer<T> {
    let (byteCount, overflow) = MemoryLayout<T>.stride.multipliedReportingOverflow(by: count)
    precondition(!overflow, "CArena: allocation size overflows")
    guard let raw = self.allocateIfPossible(byteCount: byteCount) else {
      fatalError("CArena: out of memory allocating \(byteCount) bytes")
    }
    return raw.bindMemory(to: T.self, capacity: count)
  }

  // MARK: - Copies of Swift values for protobuf-c

  /// A NUL-terminated copy of `string`. protobuf-c reads strings up to their first NUL, so a
  /// string with an embedded NUL is sent cut there.
  mutating func copyString(_ string: String) -> UnsafeMutablePointer<CChar> {
    var string = string
    return string.withUTF8 { utf8 in
      let pointer = self.allocate(CChar.self, count: utf8.count + 1)
      if let base = utf8.baseAddress {
        UnsafeMutableRawPointer(pointer).copyMemory(from: base, byteCount: utf8.count)
      }
      pointer[utf8.count] = 0
      return pointer
    }
  }

  /// A copy of `bytes` as protobuf-c's length-and-pointer pair.
  mutating func copyBytes(_ bytes: [UInt8]) -> ProtobufCBinaryData {
    let pointer = self.allocate(UInt8.self, count: bytes.count)
    bytes.withUnsafeBufferPointer { buffer in
      if let base = buffer.baseAddress { pointer.initialize(from: base, count: buffer.count) }
    }
    return ProtobufCBinaryData(len: bytes.count, data: pointer)
  }

  /// A C array with the same elements, or `nil` when `values` is empty.
  mutating func copyArray<T>(_ values: [T]) -> UnsafeMutablePointer<T>? {
    guard !values.isEmpty else { return nil }
    let pointer = self.allocate(T.self, count: values.count)
    values.withUnsafeBufferPointer { buffer in
      if let base = buffer.baseAddress { pointer.initialize(from: base, count: buffer.count) }
    }
    return pointer
  }

  /// A C array of the converted elements, or `nil` when `values` is empty.
  mutating func copyArray<T, C>(_ values: [T], converting convert: (T) -> C)
    -> UnsafeMutablePointer<C>?
  {
    guard !values.isEmpty else { return nil }
    let pointer = self.allocate(C.self, count: values.count)
    for (index, value) in values.enumerated() { (pointer + index).initialize(to: convert(value)) }
    return pointer
  }

  /// A C array of NUL-terminated copies, or `nil` when `values` is empty.
  mutating func copyStrings(_ values: [String]) -> UnsafeMutablePointer<
    UnsafeMutablePointer<CChar>?
  >? {
    guard !values.isEmpty else { return nil }
    let pointer = self.allocate(UnsafeMutablePointer<CChar>?.self, count: values.count)
    for (index, value) in values.enumerated() {
      (pointer + index).initialize(to: self.copyString(value))
    }
    return pointer
  }

  /// A C array of byte strings, or `nil` when `values` is empty.
  mutating func copyBytesArray(_ values: [[UInt8]]) -> UnsafeMutablePointer<ProtobufCBinaryData>? {
    guard !values.isEmpty else { return nil }
    let pointer = self.allocate(ProtobufCBinaryData.self, count: values.count)
    for (index, value) in values.enumerated() {
      (pointer + index).initialize(to: self.copyBytes(value))
    }
    return pointer
  }

  /// A C array of pointers to C messages made by `make`, or `nil` when `values` is empty.
  mutating func copyMessages<M, C>(
    _ values: [M], making make: (M, inout CArena) -> UnsafeMutablePointer<C>
  ) -> UnsafeMutablePointer<UnsafeMutablePointer<C>?>? {
    guard !values.isEmpty else { return nil }
    let pointer = self.allocate(UnsafeMutablePointer<C>?.self, count: values.count)
    for (index, value) in values.enumerated() {
      (pointer + index).initialize(to: make(value, &self))
    }
    return pointer
  }

  /// A C array of map entries made by `make`, in ascending key order so that equal maps
  /// always encode to equal bytes; `nil` when `map` is empty.
  mutating func copyMap<K: Comparable, V, C>(
    _ map: [K: V], making make: (K, V, inout CArena) -> UnsafeMutablePointer<C>
  ) -> UnsafeMutablePointer<UnsafeMutablePointer<C>?>? {
    guard !map.isEmpty else { return nil }
    let pointer = self.allocate(UnsafeMutablePointer<C>?.self, count: map.count)
    for (index, entry) in map.sorted(by: { $0.key < $1.key }).enumerated() {
      (pointer + index).initialize(to: make(entry.key, entry.value, &self))
    }
    return pointer
  }
}
