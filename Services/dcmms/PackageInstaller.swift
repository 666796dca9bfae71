import Foundation
import ServiceRuntime

#if canImport(Glibc)
  import Glibc
#endif

/// Installs the Debian packages the local stack runs on, only when one is missing.
enum PackageInstaller {
  /// A file each package provides, and the package.
  static let required: [(path: String, package: String)] = [
    ("\(LocalStack.postgresBin)/initdb", "postgresql-15"),
    ("/usr/bin/redis-server", "redis-server"),
  ]

  /// Runs `apt-get update` and `apt-get install` for what is missing; does nothing otherwise.
  /// - Throws: `environment` when something is missing and this is not root, or apt fails.
  static func installMissing(log: (String) -> Void) throws {
    let missing = self.required.filter { !FileManager.default.fileExists(atPath: $0.path) }.map(
      \.package)
    guard !missing.isEmpty else { return }
    guard geteuid() == 0 else {
      throw DcmmsError(
        .environment,
        "missing Debian packages: \(missing.joined(separator: " ")); install them as root (apt-get install \(missing.joined(separator: " ")))"
      )
    }
    log("installing \(missing.joined(separator: " ")) with apt-get")
    var environment = ProcessInfo.processInfo.environment
    environment["DEBIAN_FRONTEND"] = "noninteractive"
    let update = try ChildProcess.run(
      "/usr/bin/apt-get", ["update", "-qq"], environment: environment)
    guard update.status == 0 else {
      throw DcmmsError(
        .environment,
        "apt-get update failed (exit \(update.status)):\n\(update.output.suffix(2000))")
    }
    let install = try ChildProcess.run(
      "/usr/bin/apt-get", ["install", "-y", "-qq", "--no-install-recommends"] + missing,
      environment: environment)
    guard install.status == 0 else {
      throw DcmmsError(
        .environment,
        "apt-get install \(missing.joined(separator: " ")) failed (exit \(install.status)):\n\(install.output.suffix(2000))"
      )
    }
  }
}
