import Crypto
package import Foundation
package import RPCCore
import Synchronization

/// Signs and checks bearer tokens: JSON Web Tokens with HS256 signatures (RFC 7519), so any
/// JWT library can make a token for our services.
///
/// Claims: `sub` (who), `role` (`service`, `ml-engineer` or `viewer`), `exp` and `iat` (Unix
/// seconds). The header's `kid` names the key, so keys can be rotated: a verifier may know
/// several keys, a signer uses one.
package struct TokenAuthority: Sendable {
  /// Signing keys by key id.
  package let keys: [String: [UInt8]]
  /// The key id new tokens are signed with.
  package let signingKeyID: String
  /// Tolerated clock difference when checking expiry.
  package var clockSkew: Duration = .seconds(30)

  /// Creates an authority with one key.
  /// - Parameters:
  ///   - secret: the HMAC key; at least 32 bytes are recommended.
  ///   - keyID: names the key in tokens.
  package init(secret: [UInt8], keyID: String = "k1") {
    self.keys = [keyID: secret]
    self.signingKeyID = keyID
  }

  /// Creates an authority that checks tokens of several keys and signs with one of them.
  package init(keys: [String: [UInt8]], signingKeyID: String) {
    precondition(keys[signingKeyID] != nil, "the signing key must be one of the keys")
    self.keys = keys
    self.signingKeyID = signingKeyID
  }

  /// A signed token for `subject` with `role`, valid for `lifetime` from `now`.
  package func makeToken(subject: String, role: Role, lifetime: Duration, now: Date = Date())
    -> String
  {
    let issued = Int64(now.timeIntervalSince1970)
    let header: [String: Any] = ["alg": "HS256", "typ": "JWT", "kid": self.signingKeyID]
    let claims: [String: Any] = [
      "sub": subject, "role": role.name, "iat": issued, "exp": issued + lifetime.components.seconds,
    ]
    let signingInput = Self.encodeJSON(header) + "." + Self.encodeJSON(claims)
    let signature = HMAC.sha256(
      key: self.keys[self.signingKeyID]!, message: Array(signingInput.utf8))
    return signingInput + "." + Base64URL.encode(signature)
  }

  /// Checks a token's signature and expiry.
  /// - Returns: the caller the token names.
  /// - Throws: `RPCError` (`UNAUTHENTICATED`) saying what is wrong, never echoing the token.
  package func verify(_ token: String, now: Date = Date()) throws(RPCError) -> (
    principal: Principal, expiresAt: Int64
  ) {
    let parts = token.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 3, let headerBytes = Base64URL.decode(parts[0]),
      let claimBytes = Base64URL.decode(parts[1]), let signature = Base64URL.decode(parts[2]),
      let header = Self.decodeJSON(headerBytes), let claims = Self.decodeJSON(claimBytes)
    else {
      throw RPCError(code: .unauthenticated, message: "the bearer token is malformed")
    }
    guard header["alg"] as? String == "HS256" else {
      throw RPCError(code: .unauthenticated, message: "the bearer token is not signed with HS256")
    }
    let keyID = header["kid"] as? String ?? self.signingKeyID
    guard let key = self.keys[keyID] else {
      throw RPCError(
        code: .unauthenticated, message: "the bearer token is signed with an unknown key")
    }
    let expected = HMAC.sha256(key: key, message: Array("\(parts[0]).\(parts[1])".utf8))
    guard HMAC.constantTimeEquals(expected, signature) else {
      throw RPCError(code: .unauthenticated, message: "the bearer token's signature is invalid")
    }
    guard let subject = claims["sub"] as? String, let roleName = claims["role"] as? String,
      let expiry = (claims["exp"] as? NSNumber)?.int64Value
    else {
      throw RPCError(code: .unauthenticated, message: "the bearer token lacks sub, role or exp")
    }
    if Double(expiry) + Double(self.clockSkew.components.seconds) < now.timeIntervalSince1970 {
      throw RPCError(code: .unauthenticated, message: "the bearer token expired")
    }
    return (Principal(subject: subject, role: Role(roleName)), expiry)
  }

  private static func encodeJSON(_ object: [String: Any]) -> String {
    let data =
      (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    return Base64URL.encode(Array(data))
  }

  private static func decodeJSON(_ bytes: [UInt8]) -> [String: Any]? {
    (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
  }
}
