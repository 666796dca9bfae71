import Crypto
import Testing

private func hex(_ bytes: [UInt8]) -> String {
  bytes.map {
    String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16)
  }
  .joined()
}

@Suite("SHA-256, HMAC and base64url")
struct CryptoTests {
  @Test(
    "SHA-256 of the FIPS 180-4 and NIST test vectors",
    arguments: [
      ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
      ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
      (
        "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
      ),
    ])
  func sha256(input: String, expected: String) {
    #expect(hex(SHA256.hash(Array(input.utf8))) == expected)
  }

  @Test("SHA-256 of a million 'a's fed in uneven pieces equals the one-shot digest")
  func sha256Incremental() {
    let data = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
    var hasher = SHA256()
    var offset = 0
    var step = 1
    while offset < data.count {
      let end = min(data.count, offset + step)
      hasher.update(Array(data[offset..<end]))
      offset = end
      step = step * 3 % 1000 + 1
    }
    let digest = hex(hasher.finalize())
    #expect(digest == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    #expect(digest == hex(SHA256.hash(data)))
  }

  @Test("HMAC-SHA-256 matches RFC 4231 test cases 1, 2 and 6")
  func hmac() {
    let case1 = HMAC.sha256(
      key: [UInt8](repeating: 0x0b, count: 20), message: Array("Hi There".utf8))
    #expect(hex(case1) == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    let case2 = HMAC.sha256(
      key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
    #expect(hex(case2) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    let case6 = HMAC.sha256(
      key: [UInt8](repeating: 0xaa, count: 131),
      message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8))
    #expect(hex(case6) == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
  }

  @Test("constant-time comparison")
  func comparison() {
    #expect(HMAC.constantTimeEquals([1, 2, 3], [1, 2, 3]))
    #expect(!HMAC.constantTimeEquals([1, 2, 3], [1, 2, 4]))
    #expect(!HMAC.constantTimeEquals([1, 2, 3], [1, 2]))
  }

  @Test("base64url round trips every length and rejects bad text")
  func base64url() throws {
    #expect(Base64URL.encode(Array("foobar".utf8)) == "Zm9vYmFy")
    #expect(Base64URL.encode(Array("fo".utf8)) == "Zm8")
    #expect(Base64URL.encode([0xfb, 0xff]) == "-_8")
    for length in 0..<40 {
      let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
      #expect(Base64URL.decode(Base64URL.encode(bytes)) == bytes)
    }
    #expect(Base64URL.decode("Zm9v!") == nil)
    #expect(Base64URL.decode("Z") == nil)
    #expect(Base64URL.decode("Zm9=") == nil)
  }
}
