/// Maps a method and a path pattern to an async handler, for the admin and REST edges.
///
/// Patterns are absolute paths whose segments are literals or `{name}` parameters:
/// `/v1/models/{name}/predict`. A parameter matches one non-empty segment; its value is
/// percent-decoded into ``HTTPRequest/pathParameters``. When several routes match, the one with
/// a literal at the first segment where they differ wins (`/v1/models/latest` over
/// `/v1/models/{name}`). `HEAD` falls back to the `GET` route.
///
/// ``respond(to:)`` never throws: no route gives 404, a route for another method 405 with
/// `Allow`, an ``HTTPError`` from a handler its status, and any other error 500 (logged, not
/// shown to the client). Error bodies are JSON: `{"error":"…","status":404}`.
package struct HTTPRouter: Sendable {
  /// A request handler.
  package typealias Handler = @Sendable (HTTPRequest) async throws -> HTTPResponse

  private enum Segment: Sendable, Equatable {
    case literal(String)
    case parameter(String)
  }

  private struct Route: Sendable {
    var method: HTTPMethod
    var segments: [Segment]
    var handler: Handler
  }

  private var routes: [Route] = []
  /// Where handler failures other than ``HTTPError`` are logged; `nil` to drop them.
  package var logger: Logger?

  /// Creates a router with no routes.
  /// - Parameter logger: Where unexpected handler errors are logged.
  package init(logger: Logger? = nil) {
    self.logger = logger
  }

  /// Adds a route.
  /// - Parameters:
  ///   - method: The method.
  ///   - pattern: An absolute path; `{name}` segments are parameters with distinct names.
  ///   - handler: Called with the request, its path parameters filled in.
  package mutating func register(
    _ method: HTTPMethod, _ pattern: String, handler: @escaping Handler
  ) {
    precondition(pattern.hasPrefix("/"), "route pattern '\(pattern)' must start with /")
    let segments: [Segment] = Self.split(pattern).map { segment in
      if segment.hasPrefix("{") && segment.hasSuffix("}") && segment.count > 2 {
        return .parameter(String(segment.dropFirst().dropLast()))
      }
      precondition(
        !segment.contains("{") && !segment.contains("}"),
        "route pattern '\(pattern)' has a malformed parameter")
      return .literal(String(segment))
    }
    let names = segments.compactMap { if case .parameter(let name) = $0 { name } else { nil } }
    precondition(Set(names).count == names.count, "route '\(pattern)' repeats a parameter")
    precondition(
      !self.routes.contains { $0.method == method && $0.segments == segments },
      "route \(method) \(pattern) is registered twice")
    self.routes.append(Route(method: method, segments: segments, handler: handler))
  }

  /// Routes a request and runs its handler.
  /// - Parameter request: The request.
  /// - Returns: The handler's response, or an error response.
  package func respond(to request: HTTPRequest) async -> HTTPResponse {
    let path = Self.split(request.path)
    var candidates: [(route: Route, parameters: [String: String], rank: [Bool])] = []
    do {
      for route in self.routes {
        if let parameters = try Self.match(route.segments, path) {
          let rank = route.segments.map { if case .literal = $0 { true } else { false } }
          candidates.append((route, parameters, rank))
        }
      }
    } catch {
      return .error(error)
    }
    func best(_ method: HTTPMethod) -> (route: Route, parameters: [String: String])? {
      candidates.filter { $0.route.method == method }
        .max { $0.rank.lexicographicallyPrecedes($1.rank) { !$0 && $1 } }
        .map { ($0.route, $0.parameters) }
    }
    guard
      let (route, parameters) = best(request.method)
        ?? (request.method == .head ? best(.get) : nil)
    else {
      guard !candidates.isEmpty else {
        return .error(HTTPError(status: .notFound, message: "no route for \(request.path)"))
      }
      var allowed = Set(candidates.map(\.route.method.rawValue))
      if allowed.contains("GET") { allowed.insert("HEAD") }
      var response = HTTPResponse.error(
        HTTPError(
          status: .methodNotAllowed,
          message: "\(request.method) is not allowed for \(request.path)"))
      response.headers.replaceOrAdd(name: "Allow", value: allowed.sorted().joined(separator: ", "))
      return response
    }
    var routed = request
    routed.pathParameters = parameters
    do {
      return try await route.handler(routed)
    } catch let error as HTTPError {
      return .error(error)
    } catch {
      self.logger?.error(
        "HTTP handler failed",
        ["method": "\(request.method)", "path": "\(request.path)", "error": .error(error)])
      return .error(HTTPError(status: .internalServerError, message: "internal error"))
    }
  }

  private static func split(_ path: String) -> [Substring] {
    guard path.hasPrefix("/") else { return [Substring(path)] }
    return path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
  }

  private static func match(
    _ segments: [Segment], _ path: [Substring]
  ) throws(HTTPError) -> [String: String]? {
    guard segments.count == path.count else { return nil }
    var parameters: [String: String] = [:]
    for (segment, component) in zip(segments, path) {
      switch segment {
      case .literal(let literal):
        guard component == literal else { return nil }
      case .parameter(let name):
        guard !component.isEmpty else { return nil }
        guard let value = PercentEncoding.decode(component) else {
          throw HTTPError(status: .badRequest, message: "malformed percent-encoding in the path")
        }
        parameters[name] = value
      }
    }
    return parameters
  }
}
