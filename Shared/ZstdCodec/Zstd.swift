internal import CZstd

/// zstd compression and decompression of whole buffers, with a size limit on output.
///
/// Stateless and thread-safe: each call uses its own context. Decompression reads the content
/// size from the frame header and refuses anything above the limit before allocating.
package enum Zstd {
  /// Compresses `input` at `level` (1 fast … 19 small; 3 is zstd's default).
  package static func compress(_ input: [UInt8], level: Int32 = 3) -> [UInt8] {
    input.withUnsafeBytes { Self.compress($0, level: level) }
  }

  /// Compresses the bytes in `source` at `level`.
  package static func compress(_ source: UnsafeRawBufferPointer, level: Int32 = 3) -> [UInt8] {
    let bound = ZSTD_compressBound(source.count)
    var output = [UInt8](repeating: 0, count: bound)
    let written = output.withUnsafeMutableBytes { destination in
      ZSTD_compress(destination.baseAddress, bound, source.baseAddress, source.count, level)
    }
    // ZSTD_compress only fails for a too-small destination, which compressBound rules out.
    precondition(ZSTD_isError(written) == 0, "ZSTD_compress failed with a bound-sized output")
    output.removeSubrange(written...)
    return output
  }

  /// Decompresses one zstd frame whose content size is declared in its header.
  /// - Parameters:
  ///   - input: a complete zstd frame.
  ///   - maxOutputBytes: the largest decompressed size accepted.
  /// - Throws: `ZstdError` when the frame is invalid, does not declare its size, or is too large.
  package static func decompress(_ input: [UInt8], maxOutputBytes: Int) throws(ZstdError) -> [UInt8]
  {
    let result = input.withUnsafeBytes { source -> Result<[UInt8], ZstdError> in
      do throws(ZstdError) {
        return .success(try Self.decompress(source, maxOutputBytes: maxOutputBytes))
      } catch {
        return .failure(error)
      }
    }
    return try result.get()
  }

  /// Decompresses one zstd frame held in `source`; see `decompress(_:maxOutputBytes:)`.
  package static func decompress(
    _ source: UnsafeRawBufferPointer, maxOutputBytes: Int
  ) throws(ZstdError) -> [UInt8] {
    let declared = ZSTD_getFrameContentSize(source.baseAddress, source.count)
    if declared == ZSTD_CONTENTSIZE_ERROR {
      throw ZstdError(code: .corrupt, message: "not a zstd frame")
    }
    if declared == ZSTD_CONTENTSIZE_UNKNOWN {
      throw ZstdError(code: .corrupt, message: "the zstd frame does not declare its content size")
    }
    // Refuse before allocating: the declared size comes from the peer.
    guard declared <= UInt64(maxOutputBytes) else {
      throw ZstdError(
        code: .tooLarge,
        message: "decompressed size \(declared) exceeds the limit of \(maxOutputBytes) bytes")
    }
    let size = Int(declared)
    var output = [UInt8](repeating: 0, count: size)
    let written = output.withUnsafeMutableBytes { destination in
      ZSTD_decompress(destination.baseAddress, size, source.baseAddress, source.count)
    }
    if ZSTD_isError(written) != 0 {
      throw ZstdError(
        code: .corrupt, message: "zstd: \(String(cString: ZSTD_getErrorName(written)))")
    }
    guard written == size else {
      throw ZstdError(
        code: .corrupt, message: "zstd frame holds \(written) bytes, declared \(size)")
    }
    return output
  }
}

/// Why zstd data could not be decompressed.
package struct ZstdError: Error, Hashable, Sendable, CustomStringConvertible {
  /// What was wrong.
  package struct Code: Hashable, Sendable {
    private enum Wrapped { case corrupt, tooLarge }
    private let wrapped: Wrapped
    /// The bytes are not a valid zstd frame.
    package static let corrupt = Self(wrapped: .corrupt)
    /// The content is larger than the caller's limit.
    package static let tooLarge = Self(wrapped: .tooLarge)
  }
  /// What was wrong.
  package var code: Code
  /// A description safe to send to a peer.
  package var message: String
  package var description: String { self.message }
}
