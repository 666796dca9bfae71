import Foundation
import NetworkIO
import RPC
import RPCCore
import Testing
import WireProtos

@Suite("Bearer tokens and access rules", .timeLimit(.minutes(1)))
struct RPCAuthTests {
  static let authority = TokenAuthority(secret: Array("a-test-secret-of-at-least-32-bytes!".utf8))

  static func securedServer() throws -> (RPCServer, HostAndPort) {
    var policy = AccessPolicy(defaultRule: .anyAuthenticated)
    policy.set(.roles([.mlEngineer]), for: Probe.promote)
    return try startServer(interceptors: [
      AuthInterceptor(authority: Self.authority, policy: policy)
    ])
  }

  static func client(_ address: HostAndPort, token: String?) -> RPCClient {
    var configuration = RPCClient.Configuration(endpoints: [address])
    configuration.bearerToken = token
    return RPCClient(configuration: configuration)
  }

  static func code(_ client: RPCClient, _ method: MethodDescriptor) async -> RPCStatusCode {
    do {
      _ = try await client.unary(method, request: echoRequest(), response: EchoResponse.self)
      return .ok
    } catch let error as RPCError {
      return error.code
    } catch {
      return .unknown
    }
  }

  @Test("a valid token is accepted and names the caller")
  func validToken() async throws {
    let (server, address) = try Self.securedServer()
    let token = Self.authority.makeToken(
      subject: "training-service", role: .service, lifetime: .seconds(60))
    let client = Self.client(address, token: token)
    let response = try await client.unary(
      Probe.whoami, request: echoRequest(), response: EchoResponse.self)
    #expect(response.text == "training-service/service")
    client.close()
    await server.shutdownGracefully(gracePeriod: .seconds(1))
  }

  @Test("no token → UNAUTHENTICATED; health checks stay public")
  func noToken() async throws {
    let (server, address) = try Self.securedServer()
    let client = Self.client(address, token: nil)
    #expect(await Self.code(client, Probe.whoami) == .unauthenticated)
    var policy = AccessPolicy()
    policy.set(.roles([.mlEngineer]), forService: "dcmms.test.Probe")
    #expect(
      policy.rule(for: MethodDescriptor(service: "dcmms.v1.Health", method: "Check")) == .anyone)
    client.close()
    await server.shutdownGracefully(gracePeriod: .seconds(1))
  }

  @Test("expired, forged, malformed and foreign-key tokens → UNAUTHENTICATED")
  func badTokens() async throws {
    let (server, address) = try Self.securedServer()
    let expired = Self.authority.makeToken(
      subject: "x", role: .service, lifetime: .seconds(60), now: Date(timeIntervalSinceNow: -3_600))
    let valid = Self.authority.makeToken(subject: "x", role: .viewer, lifetime: .seconds(60))
    let parts = valid.split(separator: ".")
    let forgedClaims = Base64URLForTests.encode(
      #"{"exp":9999999999,"iat":0,"role":"ml-engineer","sub":"x"}"#)
    let forged = "\(parts[0]).\(forgedClaims).\(parts[2])"
    let otherKey = TokenAuthority(secret: Array("another-secret-another-secret-xx".utf8)).makeToken(
      subject: "x", role: .mlEngineer, lifetime: .seconds(60))
    for token in [expired, forged, otherKey, "not-a-token", "a.b.c", ""] {
      let client = Self.client(address, token: token)
      #expect(
        await Self.code(client, Probe.whoami) == .unauthenticated, "token \(token.prefix(12))")
      client.close()
    }
    await server.shutdownGracefully(gracePeriod: .seconds(1))
  }

  @Test("a role the method does not allow → PERMISSION_DENIED; the right role passes")
  func roles() async throws {
    let (server, address) = try Self.securedServer()
    let viewer = Self.client(
      address,
      token: Self.authority.makeToken(subject: "ana", role: .viewer, lifetime: .seconds(60)))
    let engineer = Self.client(
      address,
      token: Self.authority.makeToken(subject: "bo", role: .mlEngineer, lifetime: .seconds(60)))
    #expect(await Self.code(viewer, Probe.promote) == .permissionDenied)
    #expect(await Self.code(viewer, Probe.whoami) == .ok)
    #expect(await Self.code(engineer, Probe.promote) == .ok)
    viewer.close()
    engineer.close()
    await server.shutdownGracefully(gracePeriod: .seconds(1))
  }

  @Test("tokens from rotated keys verify by key id")
  func rotation() throws {
    let old = TokenAuthority(secret: Array("old-secret-old-secret-old-secret".utf8), keyID: "2025")
    let both = TokenAuthority(
      keys: [
        "2025": Array("old-secret-old-secret-old-secret".utf8),
        "2026": Array("new-secret-new-secret-new-secret".utf8),
      ],
      signingKeyID: "2026")
    let token = old.makeToken(subject: "s", role: .service, lifetime: .seconds(60))
    #expect(try both.verify(token).principal == Principal(subject: "s", role: .service))
    let fresh = both.makeToken(subject: "t", role: .viewer, lifetime: .seconds(60))
    #expect(throws: RPCError.self) { try old.verify(fresh) }
  }
}

/// Encodes text as unpadded base64url (used to forge claims).
enum Base64URLForTests {
  static func encode(_ text: String) -> String {
    Data(text.utf8).base64EncodedString()
      .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
      .replacingOccurrences(of: "=", with: "")
  }
}
