import Foundation
import RPC
import ServiceRuntime

#if canImport(Glibc)
  import Glibc
#endif

/// The `dcmms` executable: brings the local stack up and down, mints tokens, runs the demo and
/// calls services.
@main
struct DcmmsMain {
  static let usage = """
    Usage: dcmms <command> [options]

    Runs the dCMMS ML platform on this machine without Docker: a private PostgreSQL and Redis
    on loopback and the five services, with state, logs and PIDs in one directory.

    Commands:
      up        Start the stack (installs missing Debian packages first) and wait until ready.
      down      Stop exactly what `up` started.
      status    Each component's PID, and whether it is alive and ready.
      demo      Start the stack if needed and run the platform's main job.
      health    Health/Check over RPC and /readyz on every service.
      token     Print a bearer token signed with the stack's secret.
      call      Call a service: `dcmms call echo --service NAME --text T`.

    Every command takes --state-dir (env DCMMS_STATE_DIR, default \(StateDirectory.defaultPath))
    and --help.

    """

  static func main() async {
    var arguments = Array(CommandLine.arguments.dropFirst())
    guard let command = arguments.first, command != "--help", command != "-h", command != "help"
    else {
      print(Self.usage, terminator: "")
      exit(arguments.isEmpty ? 2 : 0)
    }
    arguments.removeFirst()
    do {
      let status: Int32
      switch command {
      case "up": status = try await Commands.up(arguments)
      case "down": status = try Commands.down(arguments)
      case "status": status = try Commands.status(arguments)
      case "demo": status = try await Commands.demo(arguments)
      case "health": status = try await Commands.health(arguments)
      case "token": status = try Commands.token(arguments)
      case "call": status = try await Commands.call(arguments)
      default: throw DcmmsError(.usage, "unknown command '\(command)'; see `dcmms --help`")
      }
      exit(status)
    } catch let error as DcmmsError {
      FileHandle.standardError.write(Data("dcmms: \(error.message)\n".utf8))
      exit(error.code == .usage ? 2 : 1)
    } catch let error as ConfigurationError {
      FileHandle.standardError.write(Data("dcmms \(command): \(error)\n".utf8))
      exit(2)
    } catch {
      FileHandle.standardError.write(Data("dcmms \(command): \(error)\n".utf8))
      exit(1)
    }
  }
}
