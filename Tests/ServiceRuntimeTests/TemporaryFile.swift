import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A file in a fresh temporary directory, opened for appending; removed on `close()`.
final class TemporaryFile {
  let path: String
  let fileDescriptor: Int32
  private let directory: String

  init() throws {
    var template = Array((NSTemporaryDirectory() + "/dcmms-test.XXXXXX").utf8CString)
    guard let directory = mkdtemp(&template) else { throw POSIXError(.EIO) }
    self.directory = String(cString: directory)
    self.path = self.directory + "/log"
    self.fileDescriptor = open(self.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
    guard self.fileDescriptor >= 0 else { throw POSIXError(.EIO) }
  }

  func contents() throws -> String {
    try String(contentsOfFile: self.path, encoding: .utf8)
  }

  /// The file's lines parsed as JSON objects.
  func jsonLines() throws -> [[String: Any]] {
    try self.contents().components(separatedBy: "\n").dropLast().map { line in
      let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
      return try #require(object as? [String: Any])
    }
  }

  func close() {
    Glibc.close(self.fileDescriptor)
    try? FileManager.default.removeItem(atPath: self.directory)
  }
}
